"""Report writers: each turns an Assessment into the text of one format."""

from __future__ import annotations

from collections.abc import Callable

from fleetrisk.reports.json_report import render_json
from fleetrisk.reports.markdown import render_markdown
from fleetrisk.results import Assessment

#: format name -> writer. ``report.<name>`` is the file each writes under --output.
WRITERS: dict[str, Callable[[Assessment], str]] = {
    "json": render_json,
    "md": render_markdown,
}
