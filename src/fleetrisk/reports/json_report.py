"""JSON writer: deterministic bytes for the same assessment."""

from __future__ import annotations

from fleetrisk.results import Assessment


def render_json(assessment: Assessment) -> str:
    """Pretty-printed UTF-8 JSON; field order follows the report schema."""
    return assessment.model_dump_json(indent=2, warnings=False) + "\n"
