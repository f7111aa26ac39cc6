"""The error tree: every failure the user can cause is a :class:`FleetriskError`.

Each error carries a stable code, an optional source location and a hint, so that
the CLI can print ``file:line:column: message`` and exit with code 2 instead of a
traceback. Messages often echo what the user wrote (a key, a value, a file name): the
rendered text shows control and invisible characters as escapes (``\\x1b``), so an echo can
neither drive the terminal nor hide what it quotes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fleetrisk.textsafe import inert


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class FleetriskError(Exception):
    """Base of every error fleetrisk raises on purpose."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def render(self) -> str:
        """One or more lines in ``file:line:col: [code] message`` form, control characters shown as escapes."""
        prefix = f"{self.location}: " if self.location else ""
        path = self.location.path if self.location else None
        where = f" (at {path})" if path and path not in self.message else ""
        text = f"{prefix}error[{self.code}]: {self.message}{where}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return inert(text)


class InputError(FleetriskError):
    """Bad user input: a model, tracking entry, evidence or option that cannot be used."""

    code = "input"


class FileAccessError(InputError):
    """A file named on the command line (or by another file) is missing or cannot be read."""

    code = "file"

    @classmethod
    def from_os_error(cls, path: str, exc: OSError, what: str = "file") -> FileAccessError:
        """Say why ``path`` cannot be read, in words, with what to check."""
        if isinstance(exc, FileNotFoundError):
            reason, hint = "no such file", "check the path"
            if not os.path.isabs(path):
                hint += f"; it is relative to the current directory, {os.getcwd()}"
        elif isinstance(exc, IsADirectoryError):
            reason, hint = "it is a directory", f"name the {what} itself, not its directory"
        elif isinstance(exc, PermissionError):
            reason, hint = "permission denied", "check the file's permissions"
        else:
            reason, hint = exc.strerror or str(exc), "check the path"
        return cls(f"cannot read the {what}: {reason}", location=Location(path), hint=hint)


class ModelSyntaxError(InputError):
    """The file is not safe, well-formed YAML within our limits."""

    code = "syntax"


class ModelValidationError(InputError):
    """The YAML is well-formed but does not describe a valid service model.

    Holds every problem found, so the user can fix them in one pass.
    """

    code = "model"

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        super().__init__(first.message, location=first.location, hint=first.hint)
        self.problems = problems

    def render(self) -> str:
        lines = [problem.render() for problem in self.problems]
        if len(self.problems) > 1:
            lines.append(f"{len(self.problems)} problems found")
        return "\n".join(lines)


class CatalogError(FleetriskError):
    """The bundled or user-supplied catalog is inconsistent. Names the catalog file."""

    code = "catalog"


class UsageError(InputError):
    """A command-line option or argument that cannot be honoured."""

    code = "usage"
