"""The workbench's words in English and Japanese, kept as data in ``labels.yaml``."""

from __future__ import annotations

import functools
from importlib import resources

import yaml


@functools.cache
def _all() -> dict[str, dict[str, str]]:
    text = (resources.files("fleetrisk.workbench") / "labels.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError("workbench labels.yaml must be a mapping")
    return {str(k): {str(lang): str(word) for lang, word in v.items()} for k, v in data.items()}


@functools.cache
def labels(lang: str) -> dict[str, str]:
    """Every workbench label in ``lang`` (en or ja)."""
    code = "ja" if lang == "ja" else "en"
    return {key: words[code] for key, words in _all().items()}
