"""Strict YAML input for probe files: pydantic validation with file:line:column errors."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fleetrisk.errors import InputError, ModelValidationError
from fleetrisk.model.yamlio import Document, YamlPath, format_path, load_path

M = TypeVar("M", bound=BaseModel)


def load_document(path: Path, model: type[M], marker: str, hint: str) -> tuple[M, Document]:
    """Read ``path`` safely and validate it as ``model``; every problem names its line."""
    doc = load_path(path)
    if not isinstance(doc.data, dict):
        raise ModelValidationError([
            InputError(f"expected a mapping with '{marker}: 1' at the top", location=doc.locate(()), hint=hint)
        ])
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        raise ModelValidationError(_problems(exc, doc, model)) from exc


def _problems(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[InputError]:
    problems: list[InputError] = []
    for error in exc.errors():
        path = _existing_path(tuple(error["loc"]), doc.data)
        where = format_path(path)
        kind = error["type"]
        hint: str | None = None
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else "?"
            allowed = _allowed_keys(model, path[:-1])
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            message = f"unknown key '{key}'"
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
        elif kind == "missing":
            message = f"required key '{path[-1] if path else '?'}' is missing"
        else:
            message = f"{where}: {error['msg']}"
        problems.append(InputError(message, location=doc.locate(path), hint=hint))
    return problems


def _existing_path(loc: tuple[Any, ...], data: Any) -> YamlPath:
    """The part of pydantic's error location that exists in the data (plus a missing key)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str):
            path.append(part)
            if part not in current:
                break
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        else:
            break
    return tuple(path)


def _allowed_keys(model: type[BaseModel], path: YamlPath) -> list[str]:
    """Field names of the (nested) model at ``path``; list indices are skipped."""
    current: type[BaseModel] = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return sorted(current.model_fields)
        current = inner
    return sorted(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
