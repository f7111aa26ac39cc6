"""Broken and hostile models: each exits 2 with file:line:col, a message and no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from fleetrisk.model.yamlio import MAX_BYTES

HOSTILE = ROOT / "tests" / "hostile"

# file -> (line the message must name, fragment the message must contain)
EXPECTED: dict[str, tuple[int, str]] = {
    "alias-bomb.yaml": (6, "alias bomb"),
    "alias-long-text.yaml": (15, "characters of text (alias bomb?)"),
    "bad-enum-kind.yaml": (6, "did you mean 'device-gateway'"),
    "bad-enum-safety.yaml": (4, "did you mean 'low'"),
    "bad-id-pattern.yaml": (4, "not a valid identifier"),
    "binary.yaml": (5, "NUL byte"),  # its CR bytes end lines too, as for the parser
    "comment-only.yaml": (1, "no YAML value"),
    "cr-line-ends.yaml": (4, "must be a whole number, got 'ten'"),  # CR alone ends lines
    "custom-tag.yaml": (2, "not allowed"),
    "dangling-flow.yaml": (8, "'c9' is not defined"),
    "dangling-key-holder.yaml": (8, "'nowhere' is not defined"),
    "deep-nesting.yaml": (2, "nesting deeper"),
    "duplicate-id.yaml": (7, "duplicate id 'c1'"),
    "duplicate-key.yaml": (2, "duplicate key 'fleetrisk'"),
    "empty.yaml": (1, "empty"),
    "expires-epoch-seconds.yaml": (12, "must be a date written YYYY-MM-DD, got 4102444800"),
    "fractional-devices.yaml": (4, "whole number"),
    "huge-integer.yaml": (4, "a number of 5,000 characters; the limit is 100"),
    "invalid-utf8.yaml": (7, "invalid UTF-8"),
    "line-separator.yaml": (6, "line separator U+2028"),
    "long-text.yaml": (8, "a text of 12,001 characters; the limit is 10,000"),
    "merge-key-loop.yaml": (3, "merge keys"),
    "merge-key.yaml": (4, "merge keys"),
    "negative-devices.yaml": (4, "greater than or equal to 0"),
    "python-tag.yaml": (2, "python/object/apply"),
    "quoted-number.yaml": (4, "whole number"),
    "recursive-alias.yaml": (2, "recursive alias"),
    "syntax-unclosed-flow.yaml": (3, "YAML syntax error"),
    "tab-indent.yaml": (3, "tabs"),
    "tag-bool-abc.yaml": (4, "'abc' is not a valid !!bool value"),
    "tag-int-empty.yaml": (4, "'' is not a valid !!int value"),
    "tag-on-mapping.yaml": (2, "tag '!!str' on a mapping"),
    "tag-timestamp-abc.yaml": (8, "'abc' is not a valid !!timestamp value"),
    "threshold-k-too-big.yaml": (8, "exceeds"),
    "top-level-list.yaml": (1, "must be a mapping"),
    "tracking-blanket-without-expiry.yaml": (8, "covers every scenario and every element, so it needs an expiry"),
    "tracking-duplicate.yaml": (9, "duplicate tracking entry 'T7.shared-fleet-secret@f1' (first at line 8)"),
    "tracking-matches-nothing.yaml": (8, "matches no finding"),
    "two-documents.yaml": (7, "more than one YAML document"),
    "unknown-control.yaml": (7, "did you mean 'ddos-protection'"),
    "unknown-key-typo.yaml": (7, "did you mean 'zone'"),
    "unknown-top-key.yaml": (7, "did you mean 'fleets'"),
    "wrong-reference-kind.yaml": (8, "must name one of: data"),
    "wrong-type-devices.yaml": (4, "whole number"),
    "wrong-version.yaml": (1, "model format 1"),
    "yaml11-binary-number.yaml": (4, "'0b1010' reads as 10 in YAML 1.1"),
    "yaml11-octal.yaml": (4, "'017' reads as 15 in YAML 1.1 and as 17 in YAML 1.2"),
    "yaml11-on.yaml": (7, 'write true for the boolean, or "on" for the text'),
    "yaml11-sexagesimal.yaml": (4, 'write 80 for the number, or "1:20" for the text'),
    "yaml12-header-no.yaml": (9, "'no' reads as false in YAML 1.1 and as text in YAML 1.2"),
}


def test_corpus_is_complete() -> None:
    on_disk = {p.name for p in HOSTILE.glob("*.yaml")}
    assert on_disk == set(EXPECTED), on_disk ^ set(EXPECTED)
    assert len(on_disk) >= 25


def _check(result, name: str, line: int, fragment: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    located = re.search(rf"{re.escape(name)}:(\d+):(\d+): error\[", result.stderr)
    assert located, result.stderr
    assert int(located.group(1)) == line, result.stderr
    assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["validate", "assess"])
def test_hostile_file(name: str, command: str) -> None:
    line, fragment = EXPECTED[name]
    result = run_cli(command, str(HOSTILE / name))
    _check(result, name, line, fragment)


def test_file_over_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as handle:
        handle.write(b"fleetrisk: 1\n")
        handle.seek(MAX_BYTES)  # a sparse file: large without taking the space
        handle.write(b"# end\n")
    result = run_cli("validate", str(big))
    assert result.returncode == 2, result.stderr
    assert f"huge.yaml: error[file]: the file is {MAX_BYTES + 6:,} bytes; the limit is {MAX_BYTES:,}" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_five_megabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "longline.yaml"
    path.write_text("fleetrisk: 1\nservice: {name: '" + "x" * (5 * 1024 * 1024) + "'}\n")
    result = run_cli("validate", str(path))
    _check(result, "longline.yaml", 2, "line 2 is")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert f"{tmp_path / 'nope.yaml'}: error[file]: cannot read the model: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_all_problems_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "fleetrisk: 1\nservice: {name: x, types: [telemetry]}\n"
        "fleets:\n  - {id: f1, devices: -1, safety: low}\n"
        "components:\n  - {id: c1, kind: ota-servic}\n"
    )
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert "many.yaml:4:" in result.stderr and "many.yaml:6:" in result.stderr
    assert "2 problems found" in result.stderr
