"""Test kit for tekpy.runtime users: API servers, client and fake clock as pytest fixtures.

The pytest plugin (:mod:`tekpy.testing.plugin`, loaded automatically once tekpy is
installed) provides the fixtures ``api_server``, ``client``, ``namespace`` and
``fake_clock``. Importable helpers: :func:`eventually`, :func:`install_crds`,
:func:`start_embedded`, :func:`require_hooks`.
"""

from __future__ import annotations

from typing import Any

from tekpy.testing.eventually import eventually

__all__ = ["eventually", "install_crds", "require_hooks", "start_embedded"]


def __getattr__(name: str) -> Any:
    # Lazy: these pull in the client, YAML and pytest, which plain `eventually` users skip.
    if name == "install_crds":
        from tekpy.testing.crds import install_crds

        return install_crds
    if name == "start_embedded":
        from tekpy.testing.servers import start_embedded

        return start_embedded
    if name == "require_hooks":
        from tekpy.testing.plugin import require_hooks

        return require_hooks
    raise AttributeError(name)
