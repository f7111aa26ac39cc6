"""The package facade: every public name resolves, and importing the package loads nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fleetrisk


@pytest.mark.parametrize("name", fleetrisk.__all__)
def test_public_name_resolves(name: str) -> None:
    assert getattr(fleetrisk, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = fleetrisk.nope  # type: ignore[attr-defined]


def test_importing_the_package_loads_no_engine() -> None:
    code = "import sys, fleetrisk; print(sorted(m for m in sys.modules if m.startswith(('fleetrisk.', 'pydantic'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['fleetrisk._version']"
