"""fleetrisk: threat modeling and risk assessment for IoT cloud services.

The public API is small::

    import fleetrisk
    loaded = fleetrisk.load_model("smart-appliance-cloud.yaml")  # fleetrisk init --example smart-appliance-cloud
    result = fleetrisk.assess(loaded, lang="en")

The names below load on first use, so that importing the package (as the command line does
first) costs nothing until something is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fleetrisk._version import __version__

if TYPE_CHECKING:
    from fleetrisk.catalog.loader import Catalog, load_catalog
    from fleetrisk.engine.assess import assess
    from fleetrisk.errors import FleetriskError, InputError
    from fleetrisk.model.loader import LoadedModel, load_model
    from fleetrisk.results import Assessment, Finding

_PUBLIC = {
    "Assessment": "fleetrisk.results",
    "Catalog": "fleetrisk.catalog.loader",
    "Finding": "fleetrisk.results",
    "FleetriskError": "fleetrisk.errors",
    "InputError": "fleetrisk.errors",
    "LoadedModel": "fleetrisk.model.loader",
    "assess": "fleetrisk.engine.assess",
    "load_catalog": "fleetrisk.catalog.loader",
    "load_model": "fleetrisk.model.loader",
}

__all__ = [
    "Assessment",
    "Catalog",
    "Finding",
    "FleetriskError",
    "InputError",
    "LoadedModel",
    "__version__",
    "assess",
    "load_catalog",
    "load_model",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'fleetrisk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
