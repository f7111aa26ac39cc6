"""JSON writer: deterministic bytes for the same assessment."""

from __future__ import annotations

import json
from typing import Any

from fleetrisk.results import Assessment


def to_json_data(assessment: Assessment) -> dict[str, Any]:
    return assessment.model_dump(mode="json", exclude_none=False)


def render_json(assessment: Assessment) -> str:
    return json.dumps(to_json_data(assessment), ensure_ascii=False, indent=2) + "\n"
