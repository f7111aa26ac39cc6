"""The example models shipped inside the package (``fleetrisk/examples/*.yaml``).

They are package data, so an installed fleetrisk finds them wherever it runs: ``init
--example`` copies one out, and commands given no model assess the default one.
"""

from __future__ import annotations

from pathlib import Path

from fleetrisk.errors import UsageError

#: The example commands use when no model is given.
DEFAULT_EXAMPLE = "smart-appliance-cloud"

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

_SUMMARY_PREFIX = "# fleetrisk example:"


def example_names() -> list[str]:
    """The bundled examples, by name (the file name without ``.yaml``)."""
    return sorted(path.stem for path in EXAMPLES_DIR.glob("*.yaml"))


def example_path(name: str) -> Path:
    """The file of the example ``name`` (``.yaml`` and case are forgiven); a usage error if there is none."""
    wanted = name.strip().lower().removesuffix(".yaml")
    names = example_names()
    if wanted not in names:
        listing = ", ".join(names) if names else "none are installed"
        raise UsageError(f"unknown example {name!r}", hint=f"choose from: {listing}")
    return EXAMPLES_DIR / f"{wanted}.yaml"


def example_summary(name: str) -> str:
    """What the example describes: the first line of its header comment."""
    with example_path(name).open(encoding="utf-8") as handle:
        first = handle.readline().strip()
    return first.removeprefix(_SUMMARY_PREFIX).strip() if first.startswith(_SUMMARY_PREFIX) else ""


def shown(path: Path) -> Path:
    """``path`` relative to the working directory when it lies inside it (shorter in reports), else absolute."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except (ValueError, OSError):  # outside the working directory, or no working directory left
        return path
