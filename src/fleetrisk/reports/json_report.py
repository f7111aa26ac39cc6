"""JSON writer: deterministic bytes for the same assessment."""

from __future__ import annotations

from fleetrisk.results import Assessment
from fleetrisk.textsafe import json_inert


def render_json(assessment: Assessment) -> str:
    """Pretty-printed UTF-8 JSON; field order follows the report schema.

    Strings hold the model's exact text; control and invisible characters in it are written as
    ``\\u`` escapes (:func:`fleetrisk.textsafe.json_inert`), so the file shows none of them raw.
    """
    return json_inert(assessment.model_dump_json(indent=2, warnings=False)) + "\n"
