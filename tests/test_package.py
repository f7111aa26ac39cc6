"""The package facade: every public name resolves, and importing the package loads nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fleetrisk
from conftest import ROOT


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


@pytest.mark.parametrize(("args", "closed", "code"), [
    (["--version"], "stdout", 0),
    (["validate", "src/fleetrisk/examples/smart-appliance-cloud.yaml"], "stderr", 0),
    (["assess", "no-such-model.yaml"], "stderr", 2),
])
def test_exit_code_survives_a_closed_stream(args: list[str], closed: str, code: int) -> None:
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    # Run through a shell so that the stream is closed (not redirected) before Python starts.
    command = " ".join([sys.executable, "-m", "fleetrisk", *args, ">&-" if closed == "stdout" else "2>&-"])
    result = subprocess.run(["/bin/sh", "-c", command], cwd=ROOT, timeout=120, check=False, **streams)
    assert result.returncode == code


def test_main_raises_system_exit_for_embedding() -> None:
    code = ("import sys\nfrom fleetrisk.cli import main\nsys.argv = ['fleetrisk', '--version']\n"
            "try:\n    main()\nexcept SystemExit as done:\n    print('caught', done.code)\nprint('after')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.splitlines()[-2:] == ["caught 0", "after"]
