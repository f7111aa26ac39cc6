"""Untrusted text on its way to a reader: terminal, Markdown, CSV, HTML, JSON.

Names and descriptions in a model, evidence files, secrets files and probed servers' answers
are all untrusted. Printed as they are, some of their characters act instead of showing: an
ESC starts a terminal escape sequence (colours, cursor moves, OSC 8 hyperlinks, a changed
window title), a carriage return overwrites the line, a right-to-left override (U+202E) shows
``txt.exe`` as ``exe.txt``, a zero-width space makes two different ids look the same.

The rule, for every sink a person reads: those characters are shown as visible escapes, never
passed on. They are

- the C0 controls except tab and line feed, DEL and the C1 controls (U+0080-U+009F);
- the format characters (Unicode category Cf): bidirectional overrides, embeddings and
  isolates, zero-width spaces, joiners and non-joiners, the byte-order mark, the soft hyphen,
  tag characters and the like;
- the line and paragraph separators (U+2028, U+2029) and lone surrogates.

Each is written as ``\\xHH`` (below U+0100), ``\\uHHHH`` or ``\\UHHHHHHHH``, so ESC shows as
``\\x1b`` and U+202E as ``\\u202e``. Text without them is returned unchanged, so ordinary
reports are byte-for-byte what they were. Tab and line feed stay: reports and messages are
made of lines, and neither can hide or rewrite what is shown. Emoji sequences joined by U+200D
show their joiners as escapes too: rare in a model, and a price worth paying.

JSON and SARIF keep the exact text: :func:`json_inert` writes the same characters as JSON
``\\u`` escapes (JSON itself only escapes the C0 controls), so the file decodes to exactly what
the model said but shows nothing raw when printed in a terminal.

Terminal output goes through :class:`fleetrisk.cli._common.InertConsole`, which also turns
off rich's markup and emoji codes: ``[/x]`` or ``[link=...]`` in a name is printed as text.
"""

from __future__ import annotations

import re

#: Every character that acts or hides instead of printing (see the module docstring).
UNSAFE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except tab and line feed, DEL, C1
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"  # Cf: soft hyphen, Arabic, Mongolian
    "\u200b-\u200f"  # zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    "\u2028-\u202e"  # line and paragraph separators; bidirectional embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators; bidirectional isolates; deprecated
    "\ud800-\udfff"  # lone surrogates (from undecodable bytes)
    "\ufeff\ufff9-\ufffb"  # byte-order mark (zero-width no-break space); interlinear annotation
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"  # language tag and tag characters
    "]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_inert(text: str) -> bool:
    """True when ``text`` holds none of those characters.

    Decided by the string's own C loops where it can (a whole report in a few hundredths of a
    second): every such character is non-printable, so text that is printable once its line
    feeds and tabs are set aside holds none. Other non-printable characters (a no-break space,
    private use) leave the answer to :data:`UNSAFE`.
    """
    if text.isprintable():
        return True
    if ("\n" in text or "\t" in text) and text.replace("\n", " ").replace("\t", " ").isprintable():
        return True
    return UNSAFE.search(text) is None


def inert(text: str) -> str:
    """``text`` with every acting or invisible character shown as an escape (``\\x1b``, ``\\u202e``).

    Text without them comes back unchanged (the same object). The result holds none of them,
    so applying it twice changes nothing more.
    """
    if is_inert(text):
        return text
    return UNSAFE.sub(_visible, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters outside the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_inert(document: str) -> str:
    """A JSON document with the same characters written as ``\\u`` escapes.

    ``document`` comes from a JSON writer, which escapes the C0 controls inside strings. Only
    string contents can hold the characters (JSON's own syntax is ASCII), and an escape decodes
    to the same character, so the document means exactly what it meant.
    """
    if document.isascii():  # JSON writers escape the C0 controls in strings: DEL is the one left
        return document.replace("\x7f", "\\u007f") if "\x7f" in document else document
    if is_inert(document):
        return document
    return UNSAFE.sub(_json_escape, document)
