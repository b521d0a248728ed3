"""tekpy.runtime: an asyncio controller library with client-go and controller-runtime semantics.

This package knows nothing about Tekton. See docs/runtime.md for the guide and reference.
"""
