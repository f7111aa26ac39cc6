"""fleetrisk: threat modeling and risk assessment for IoT cloud services.

The public API is small::

    import fleetrisk
    loaded = fleetrisk.load_model("examples/smart-appliance-cloud.yaml")
    result = fleetrisk.assess(loaded, lang="en")
"""

from __future__ import annotations

from fleetrisk._version import __version__
from fleetrisk.catalog.loader import Catalog, load_catalog
from fleetrisk.engine.assess import assess
from fleetrisk.errors import FleetriskError, InputError
from fleetrisk.model.loader import LoadedModel, load_model
from fleetrisk.results import Assessment, Finding

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
