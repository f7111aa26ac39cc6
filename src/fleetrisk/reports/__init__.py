"""Report writers: each turns an Assessment into the text of one format.

The HTML writer also draws the model's data flows. It takes an optional second argument
(:class:`~fleetrisk.reports.flowgraph.FlowGraph`); :func:`render_report` supplies it from the
loaded model, and calling ``WRITERS["html"](assessment)`` alone still works (no diagram).
"""

from __future__ import annotations

from collections.abc import Callable

from fleetrisk.model.loader import LoadedModel
from fleetrisk.reports.csv_report import render_csv
from fleetrisk.reports.flowgraph import flow_graph
from fleetrisk.reports.html import render_html
from fleetrisk.reports.json_report import render_json
from fleetrisk.reports.markdown import render_markdown
from fleetrisk.reports.sarif import render_sarif
from fleetrisk.results import Assessment

#: format name -> writer. ``report.<name>`` is the file each writes under --output.
WRITERS: dict[str, Callable[[Assessment], str]] = {
    "json": render_json,
    "md": render_markdown,
    "html": render_html,
    "sarif": render_sarif,
    "csv": render_csv,
}


def render_report(name: str, assessment: Assessment, loaded: LoadedModel | None = None) -> str:
    """The text of format ``name``; the HTML report gets the model's data-flow graph when given."""
    if name == "html" and loaded is not None:
        return render_html(assessment, flow_graph(loaded.model))
    return WRITERS[name](assessment)
