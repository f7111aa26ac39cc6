"""Report writers: each turns an Assessment into the text of one format.

Writers load on first use, so a run that writes JSON does not pay for the HTML templates.
The HTML writer also draws the model's data flows. It takes an optional second argument
(:class:`~fleetrisk.reports.flowgraph.FlowGraph`); :func:`render_report` supplies it from the
loaded model, and calling ``WRITERS["html"](assessment)`` alone still works (no diagram). A
:class:`~fleetrisk.quant_results.LossView` given to :func:`render_report` reaches the HTML writer
only (the quantitative-loss section).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fleetrisk.model.loader import LoadedModel
    from fleetrisk.quant_results import LossView
    from fleetrisk.results import Assessment

Writer = Callable[["Assessment"], str]

#: format name -> (module, function). ``report.<name>`` is the file each writes under --output.
_WRITERS: dict[str, tuple[str, str]] = {
    "json": ("fleetrisk.reports.json_report", "render_json"),
    "md": ("fleetrisk.reports.markdown", "render_markdown"),
    "html": ("fleetrisk.reports.html", "render_html"),
    "sarif": ("fleetrisk.reports.sarif", "render_sarif"),
    "csv": ("fleetrisk.reports.csv_report", "render_csv"),
}


class _Writers(Mapping[str, Writer]):
    """The writer table; each writer's module is imported when first looked up."""

    def __getitem__(self, name: str) -> Writer:
        module, function = _WRITERS[name]
        writer: Writer = getattr(importlib.import_module(module), function)
        return writer

    def __iter__(self) -> Iterator[str]:
        return iter(_WRITERS)

    def __len__(self) -> int:
        return len(_WRITERS)


WRITERS: Mapping[str, Writer] = _Writers()


def render_report(
    name: str, assessment: Assessment, loaded: LoadedModel | None = None, loss: LossView | None = None
) -> str:
    """The text of format ``name``; the HTML report gets the model's data-flow graph and the
    quantitative-loss view when given (other formats ignore ``loss``)."""
    if name == "html" and (loaded is not None or loss is not None):
        from fleetrisk.reports.flowgraph import flow_graph
        from fleetrisk.reports.html import render_html

        return render_html(assessment, flow_graph(loaded.model) if loaded is not None else None, loss)
    return WRITERS[name](assessment)
