"""Fixtures for tekpy.runtime's client and cache tests.

``api_server``, ``client``, ``namespace`` and ``fake_clock`` come from the tekpy pytest plugin
(``tekpy.testing``); tests needing fault injection take ``hooks``: the embedded server's own,
or those of the real tier's fault proxy (it skips only when that proxy is turned off).
"""

from __future__ import annotations

from typing import Any

import pytest

from tekpy.testing.plugin import require_hooks


@pytest.fixture
def hooks(api_server: Any) -> Any:
    """The server's FaultHooks (cleared after the test)."""
    h = require_hooks(api_server)
    yield h
    h.clear()
