"""tekpy.runtime re-exports its most used names lazily."""

from __future__ import annotations

import subprocess
import sys

import tekpy.runtime


def test_every_export_resolves_to_its_subpackage_object() -> None:
    import importlib

    for name, module in tekpy.runtime._EXPORTS.items():
        assert getattr(tekpy.runtime, name) is getattr(importlib.import_module(module), name)
    assert sorted(tekpy.runtime.__all__) == sorted(tekpy.runtime._EXPORTS)


def test_importing_the_package_loads_no_subpackage() -> None:
    code = (
        "import sys, tekpy.runtime; "
        "print(sorted(m for m in sys.modules if m.startswith('tekpy.runtime.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
