"""A peer tool in its own virtualenv beside the benchmarks (created or reused, ignored by git)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def peer_python(venv: Path, package: str, version: str) -> Path:
    """The interpreter of ``venv`` with ``package==version`` installed."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        capture_output=True, text=True, check=False,
    )
    if probe.stdout.strip() != version:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{package}=={version}"], check=True)
    return python
