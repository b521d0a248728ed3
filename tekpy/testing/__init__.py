"""Test kit for tekpy.runtime users: embedded API server, client and fake clock as fixtures."""
