"""Turn a draft into model YAML with comments, and into the mapping report.

The YAML is written by hand, not by a YAML library, so that guesses can sit as comments
beside the values they concern. Every scalar is written plain only when it reads back as the
same string; otherwise it is double-quoted with escapes, which also show every control,
bidirectional or zero-width character (:data:`fleetrisk.textsafe.UNSAFE`) as ``\\u`` escapes:
a peer tool's names cannot reorder or hide text in the model a reviewer reads. The mapping
report is Markdown and goes through :func:`fleetrisk.textsafe.inert`. Output is deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import yaml

from fleetrisk.importers.draft import EXTRA, NON_PRINTABLE, SECTIONS, Draft, Entry, Note
from fleetrisk.importers.messages import LABELS, render
from fleetrisk.model.yamlio import reads_as_text
from fleetrisk.textsafe import UNSAFE, inert

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _./()-]*")
_RESOLVER = yaml.resolver.Resolver()


def scalar(value: Any) -> str:
    """One YAML scalar that reads back as ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        written = repr(value)  # '1e+20': YAML 1.1 wants a point in a number with an exponent
        return written.replace("e", ".0e", 1) if "e" in written and "." not in written else written
    string = str(value)
    if _PLAIN.fullmatch(string) and not string.endswith(" ") and _is_text(string) and reads_as_text(string):
        return string
    quoted = string.replace("\\", "\\\\").replace('"', '\\"')
    quoted = re.sub(r"[\x00-\x1f]", lambda m: f"\\x{ord(m.group()):02x}", quoted)
    return UNSAFE.sub(_escape, f'"{quoted}"')


def _escape(match: re.Match[str]) -> str:
    """A YAML double-quoted escape for one character."""
    code = ord(match.group())
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _is_text(string: str) -> bool:
    tag = _RESOLVER.resolve(yaml.ScalarNode, string, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == "tag:yaml.org,2002:str")


def inline(value: Any) -> str:
    """A value on one line: scalars, flow lists and flow mappings."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(key)}: {inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(inline(item) for item in value) + "]"
    return scalar(value)


def _printable(text: str) -> str:
    """Comment text YAML accepts: one line, control and other unprintable characters shown as '?'."""
    return " ".join(NON_PRINTABLE.sub("?", text).split())


def _comment(notes: list[Note], label: str, lang: str) -> str:
    return "; ".join(f"{label}: {_printable(render(n, lang))}" for n in notes)


def _entry_lines(entry: Entry, indent: str, first_prefix: str, lang: str) -> list[str]:
    labels = LABELS[lang]
    lines = [f"{indent}# {_comment([note], labels['guess'], lang)}" for note in entry.notes.get("", [])]
    prefix = first_prefix
    for key, value in entry.data.items():
        line = f"{indent}{prefix}{scalar(key)}: {inline(value)}"
        if key in entry.notes:
            line += f"  # {_comment(entry.notes[key], labels['guess'], lang)}"
        lines.append(line)
        prefix = " " * len(first_prefix)
    pad = indent + " " * len(first_prefix)
    lines.extend(f"{pad}# {_comment([note], labels['todo'], lang)}" for note in entry.todo)
    return lines


def render_yaml(draft: Draft, lang: str = "en") -> str:
    """The model file text for ``draft``."""
    labels = LABELS[lang]
    file_name = _printable(draft.file)
    lines = [
        f"# {labels['header'].format(tool=draft.tool, file=file_name)}",
        f"# {labels['legend']}",
        "fleetrisk: 1",
        "",
        "service:",
        *_entry_lines(draft.service, "  ", "", lang),
    ]
    if "practices" in draft.extra:
        lines.extend(_part_lines("practices", draft.extra["practices"], lang))
    for section in SECTIONS:
        entries = draft.sections[section]
        if not entries:
            continue
        lines.extend(["", f"{section}:"])
        for entry in entries:
            lines.extend(_entry_lines(entry, "  ", "- ", lang))
    for part in EXTRA[1:]:  # controls, tracking, loss, as a fleetrisk export carried them
        if part in draft.extra:
            lines.extend(_part_lines(part, draft.extra[part], lang))
    return "\n".join(lines) + "\n"


def _part_lines(part: str, value: Any, lang: str) -> list[str]:
    """A top-level part of the model that only a fleetrisk export carries, block style."""
    if isinstance(value, dict) and value:
        return ["", f"{part}:", *_entry_lines(Entry(value), "  ", "", lang)]
    if isinstance(value, list) and value:
        lines = ["", f"{part}:"]
        for item in value:
            lines.extend(_entry_lines(Entry(item), "  ", "- ", lang) if isinstance(item, dict) and item
                         else [f"  - {inline(item)}"])
        return lines
    return ["", f"{part}: {inline(value)}"]


# --- the mapping report ------------------------------------------------------------------


def _counts(draft: Draft, lang: str) -> str:
    return LABELS[lang]["count_line"].format(**{s: f"{draft.count(s):,}" for s in SECTIONS})


def render_report(draft: Draft, model: str, lang: str = "en") -> str:
    """The full mapping report as Markdown."""
    labels = LABELS[lang]
    report = draft.report
    lines = [f"# {labels['title']}", "", f"- {labels['source']}: {draft.tool} `{draft.file}`",
             f"- {labels['output']}: `{model}`", f"- {labels['counts']}: {_counts(draft, lang)}"]
    for title, notes in (("fill_in", report.fill_in), ("guessed", report.guessed), ("facts", report.facts),
                         ("ignored", report.ignored), ("mapped", report.mapped)):
        if notes:
            lines.extend(["", f"## {labels[title]} ({len(notes):,})", ""])
            lines.extend(f"- {_escape_md(render(note, lang))}" for note in notes)
    return inert("\n".join(lines) + "\n")


def _escape_md(text: str) -> str:
    return re.sub(r"([\\`*_<>\[\]|])", r"\\\1", " ".join(text.split()))


def render_summary(draft: Draft, model: str, lang: str = "en", limit: int = 12) -> str:
    """A short report for the terminal: counts, then each list grouped and capped."""
    labels = LABELS[lang]
    report = draft.report
    lines = [f"{labels['source']}: {draft.tool} {draft.file}", f"{labels['output']}: {model}",
             f"{labels['counts']}: {_counts(draft, lang)}"]
    for title, notes in (("fill_in", report.fill_in), ("guessed", report.guessed),
                         ("facts", report.facts), ("ignored", report.ignored)):
        if not notes:
            continue
        lines.extend(["", f"{labels[title]} ({len(notes):,}):"])
        lines.extend(_grouped(notes, lang, limit, labels["more"]))
    lines.extend(["", labels["next"].format(model=model)])
    return "\n".join(lines) + "\n"


def _grouped(notes: list[Note], lang: str, limit: int, more: str) -> list[str]:
    """Up to ``limit`` lines; repeated kinds of note are counted instead of listed."""
    by_kind = Counter(dict(n.args).get("note_key", n.key) for n in notes)
    lines: list[str] = []
    shown: Counter[str] = Counter()
    for note in notes:
        kind = dict(note.args).get("note_key", note.key)
        if shown[kind] >= 2:
            continue
        shown[kind] += 1
        extra = f" (+{by_kind[kind] - 2:,})" if shown[kind] == 2 and by_kind[kind] > 2 else ""
        lines.append(f"  - {' '.join(render(note, lang).split())}{extra}")
    if len(lines) > limit:
        hidden = len(lines) - limit
        lines = [*lines[:limit], f"  ... {hidden:,} {more}"]
    return lines
