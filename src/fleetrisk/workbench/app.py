"""The workbench's pages and the changes its forms make, as a Starlette application.

Pages are rendered on the server from one :class:`~fleetrisk.workbench.workspace.Analysis`;
the only script is the workbench's own small file (live reload). Every change is a POST that
names the version of the file it was made on and carries the CSRF token; it is written to the
file the workbench was started with, found by name in the workspace, never by a path from the
request.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from fleetrisk.messages import explain_finding, word_expression
from fleetrisk.model.fielddocs import flow
from fleetrisk.reports import dot_layout
from fleetrisk.reports.diagrams import highest_open_band, render_flow_diagram
from fleetrisk.reports.flowgraph import Overlay
from fleetrisk.reports.i18n import devices, money, number
from fleetrisk.reports.ui_text import (
    band_label,
    element_type_label,
    entry_label,
    format_date,
    outcome_label,
    status_label,
    ui,
)
from fleetrisk.results import Assessment
from fleetrisk.textsafe import inert
from fleetrisk.workbench import views
from fleetrisk.workbench.forms import SECTIONS, element_changes, form_fields, read_form
from fleetrisk.workbench.labels import labels
from fleetrisk.workbench.security import csrf_ok, csrf_token
from fleetrisk.workbench.workspace import Analysis, ModelFile, Problem, Saved, Workspace, analyse, snapshot_of, today
from fleetrisk.workbench.yamledit import Change, EditError, parse_path

#: Largest form body read, in bytes.
MAX_FORM = 256 * 1024
#: Days ahead a triage decision's review date is set by default.
REVIEW_DAYS = 90
TRIAGE_STATUSES = ("accepted", "in-progress", "false-positive")
#: Findings a group of the findings page lists before "show all" (a large model has thousands).
FINDINGS_SHOWN = 200
_ASSETS = {"workbench.css": "text/css", "workbench.js": "text/javascript", "report.css": "text/css"}


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fleetrisk.workbench", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@functools.cache
def _asset(name: str) -> bytes:
    package = "fleetrisk.reports" if name == "report.css" else "fleetrisk.workbench"
    return (resources.files(package) / ("templates" if name == "report.css" else "static") / name).read_bytes()


class Workbench:
    """The application and what it serves: one workspace, one secret."""

    def __init__(self, workspace: Workspace, secret: str) -> None:
        self.workspace = workspace
        self.secret = secret
        self.csrf = csrf_token(secret)
        self.app = Starlette(routes=[
            Route("/", self.home),
            Route("/version", self.version),
            Route("/static/{name}", self.static),
            Route("/m/{model}/", self.overview),
            Route("/m/{model}/findings", self.findings),
            Route("/m/{model}/element/{element}", self.element),
            Route("/m/{model}/questions", self.questions),
            Route("/m/{model}/answer", self.answer, methods=["POST"]),
            Route("/m/{model}/triage", self.triage, methods=["POST"]),
            Route("/m/{model}/whatif", self.whatif),
            Route("/m/{model}/changes", self.changes),
            Route("/m/{model}/edit/{section}/{index}", self.edit, methods=["GET", "POST"]),
        ])

    # --- plumbing --------------------------------------------------------------------

    def _lang(self, request: Request) -> str:
        return "ja" if request.query_params.get("lang") == "ja" else "en"

    def _render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = context.pop("lang", None) or self._lang(request)
        t = {**ui(lang), **labels(lang)}

        def href(path: str, **params: Any) -> str:
            items = [(k, v) for k, v in params.items() if v is not None]
            if lang == "ja":
                items.append(("lang", "ja"))
            return path + ("?" + urlencode(items, doseq=True) if items else "")

        other = "en" if lang == "ja" else "ja"
        switch = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        if other == "ja":
            switch.append(("lang", "ja"))
        base = {
            "t": t, "lang": lang, "href": href, "csrf": self.csrf,
            "switch_lang": request.url.path + ("?" + urlencode(switch) if switch else ""),
            "version": self.workspace.versions(),
            "num": lambda v: number(v, lang), "devices": lambda v: devices(v, lang),
            "band": lambda b: band_label(b, lang), "status": lambda s: status_label(s, lang),
            "outcome": lambda o: outcome_label(o, lang), "etype": lambda e: element_type_label(e, lang),
            "date": lambda d: format_date(d, lang), "expression": lambda e: word_expression(e, lang),
            "entry": lambda e: entry_label(e, lang),
            # punctuation around the page's own words: full-width in Japanese (docs/glossary.md)
            "colon": "\uff1a" if lang == "ja" else ": ", "comma": "\u3001" if lang == "ja" else ", ",
            "sep": "\uff0f" if lang == "ja" else " \u00b7 ", "dash": "\uff0f" if lang == "ja" else " \u2014 ",
            "paren": lambda v: f"\uff08{v}\uff09" if lang == "ja" else f" ({v})",
            "models": list(self.workspace.files.values()), "folder": self.workspace.folder is not None,
            "yaml": flow,
            # the elements that have a page (a finding or a step may be on the service or a zone)
            "pages": views.element_ids(context["an"]) if isinstance(context.get("an"), Analysis) else set(),
        }
        html = _environment().get_template(template).render({**base, **context})
        return HTMLResponse(inert(html), status_code=status)

    def _model(self, request: Request) -> ModelFile:
        found = self.workspace.file(request.path_params["model"])
        if found is None:
            raise _NotFound
        return found

    def _analysed(self, request: Request, lang: str | None = None) -> tuple[ModelFile, Analysis]:
        """The page's model and its analysis now; a model that cannot be analysed answers with its problems."""
        model = self._model(request)
        found = self.workspace.analysis(model, lang or self._lang(request))
        if isinstance(found, Problem):
            raise _Answer(self._problem_page(request, model, found))
        return model, found

    def _analysis(self, request: Request, model: ModelFile, what_if: list[Change] | None = None) -> Analysis | Problem:
        return self.workspace.analysis(model, self._lang(request), what_if or ())

    async def _form(self, request: Request) -> dict[str, list[str]]:
        """The POSTed form, after the CSRF check; refused when too large."""
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                raise _Refused(413, "form too large")
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=2000)
        except (UnicodeDecodeError, ValueError):
            raise _Refused(400, "unreadable form") from None
        if not csrf_ok(self.secret, next(iter(form.get("csrf", [])), None)):
            raise _Refused(403, "The form's CSRF token is missing or wrong. Reload the page and try again.")
        return form

    async def _posted(self, request: Request) -> tuple[ModelFile, dict[str, list[str]], str, Analysis]:
        """A change's model, its form (CSRF checked), the page's language and the model's analysis now."""
        form = await self._form(request)
        lang = "ja" if _one(form, "lang") == "ja" else "en"
        model, found = self._analysed(request, lang)
        return model, form, lang, found

    def _problem_page(self, request: Request, model: ModelFile, problem: Problem) -> HTMLResponse:
        return self._render(request, "problem.html.j2", status=422, model=model, problem=problem)

    def _saved(self, request: Request, model: ModelFile, saved: Saved, back: str, lang: str) -> Response:
        if saved.stale:
            return self._render(request, "stale.html.j2", status=409, model=model, back=back, lang=lang)
        if saved.problem is not None:
            return self._render(request, "problem.html.j2", status=422, model=model, problem=saved.problem,
                                lang=lang, back=back)
        sep = "&" if "?" in back else "?"
        return RedirectResponse(back + f"{sep}saved=1", status_code=303)

    # --- pages -----------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        if self.workspace.folder is None:
            only = next(iter(self.workspace.files))
            lang = "?lang=ja" if self._lang(request) == "ja" else ""
            return RedirectResponse(f"/m/{only}/{lang}", status_code=303)
        rows = []
        for model in self.workspace.files.values():
            found = self._analysis(request, model)
            rows.append((model, found, views.stale_acceptances(found, today()) if isinstance(found, Analysis) else []))
        return self._render(request, "portfolio.html.j2", rows=rows)

    async def version(self, request: Request) -> Response:
        return JSONResponse({"version": self.workspace.versions()})

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(_asset(name), media_type=_ASSETS[name])

    async def overview(self, request: Request) -> Response:
        model, found = self._analysed(request)
        a = found.assessment
        lang = self._lang(request)
        picked = _int(request.query_params.get("path"))
        chosen = a.attack_paths[picked - 1] if picked and 0 < picked <= len(a.attack_paths) else None
        dfd = _diagram(found, lang, model.name, chosen)
        picked = picked if chosen is not None else None  # a number beyond the paths picks none
        return self._render(request, "overview.html.j2", model=model, a=a, an=found, dfd=dfd, picked=picked,
                            groups=views.paths_by_outcome(a), money=lambda v: money(v, found.currency, lang))

    async def findings(self, request: Request) -> Response:
        model, found = self._analysed(request)
        a = found.assessment
        element = request.query_params.get("element")
        groups = views.findings_by_state(a, element)
        whole = request.query_params.get("all") == "1"
        cut = {k: len(v) for k, v in groups.items() if len(v) > FINDINGS_SHOWN and not whole}
        shown = {k: v if k not in cut else v[:FINDINGS_SHOWN] for k, v in groups.items()}
        return self._render(request, "findings.html.j2", model=model, a=a, an=found, element=element,
                            groups=shown, cut=cut, FINDINGS_SHOWN=FINDINGS_SHOWN, why=lambda f: explain_finding(a, f),
                            review=(today() + dt.timedelta(days=REVIEW_DAYS)).isoformat(),
                            statuses=TRIAGE_STATUSES, saved=request.query_params.get("saved"))

    async def element(self, request: Request) -> Response:
        model, found = self._analysed(request)
        element = request.path_params["element"]
        where = views.element_section(found, element)
        if where is None:
            return self._render(request, "missing.html.j2", status=404, model=model, what=element)
        section, index = where
        a = found.assessment
        return self._render(request, "element.html.j2", model=model, a=a, an=found, element=element,
                            section=section, index=index, data=views.element_data(found, section, index),
                            groups=views.findings_by_state(a, element),
                            blast=[b for b in a.blast_radius if b.element == element],
                            points=[p for p in a.single_points if p.element == element],
                            why=lambda f: explain_finding(a, f),
                            review=(today() + dt.timedelta(days=REVIEW_DAYS)).isoformat(),
                            statuses=TRIAGE_STATUSES)

    async def questions(self, request: Request) -> Response:
        model, found = self._analysed(request)
        a = found.assessment
        return self._render(request, "questions.html.j2", model=model, a=a, an=found,
                            meaning=_meaning_of(self._lang(request)), saved=request.query_params.get("saved"),
                            rows=lambda elements, paths: views.question_rows(found, elements, paths),
                            takes_a_list=views.takes_a_list)

    async def whatif(self, request: Request) -> Response:
        model, saved = self._analysed(request)
        a = saved.assessment
        controls = sorted(set(request.query_params.getlist("control")) & set(a.controls))
        facts = []
        for n in range(len(a.questions)):
            value = request.query_params.get(f"q{n}", "")
            if value:
                facts.append((n, value))
        changes = views.whatif_changes(a, controls, facts, saved.loaded.model)
        variant = self._analysis(request, model, changes) if changes else saved
        comparison = views.compare(saved, variant) if isinstance(variant, Analysis) else None
        lang = self._lang(request)
        return self._render(request, "whatif.html.j2", model=model, a=a, an=saved, chosen=controls,
                            facts=dict(facts), offered=views.whatif_controls(a), comparison=comparison,
                            variant_problem=variant if isinstance(variant, Problem) else None,
                            money=lambda v: money(v, saved.currency, lang))

    async def changes(self, request: Request) -> Response:
        model, found = self._analysed(request)
        committed = self.workspace.committed(model)
        diff = head = problem = None
        if committed is not None:
            text, head = committed
            snap = snapshot_of(text, f"{model.path.name}@{head}")
            if snap.loaded is None:
                problem = snap.problem
            else:
                before = analyse(snap.loaded, snap.version, self._lang(request))
                diff = views.compare(before, found)
        return self._render(request, "changes.html.j2", model=model, a=found.assessment, an=found,
                            comparison=diff, head=head, problem=problem,
                            money=lambda v: money(v, found.currency, self._lang(request)))

    # --- changes to the file ------------------------------------------------------------

    async def answer(self, request: Request) -> Response:
        model, form, lang, found = await self._posted(request)
        questions = {(q.element_type, q.field): q for q in found.assessment.questions}
        q = questions.get((_one(form, "type"), _one(form, "field")))
        if q is None:
            raise _Refused(400, "no such question")
        changes = []
        for path in q.paths:
            value = _one(form, f"v:{path}").strip()
            if value:
                try:
                    typed = views.answer_value(value, q.allowed, views.takes_a_list(q.element_type, q.field))
                except ValueError as exc:
                    raise _Refused(400, str(exc)) from None
                changes.append(Change(parse_path(path), typed))
        back = f"/m/{model.name}/questions" + ("?lang=ja" if lang == "ja" else "")
        if not changes:
            return RedirectResponse(back, status_code=303)
        return self._saved(request, model, model.save(changes, _one(form, "version")), back, lang)

    async def triage(self, request: Request) -> Response:
        model, form, lang, found = await self._posted(request)
        finding = _one(form, "finding")
        if finding not in {f.id for f in found.assessment.findings}:
            raise _Refused(400, "no such finding")
        status = _one(form, "status")
        owner = _one(form, "owner").strip()
        justification = _one(form, "justification").strip()
        expires = _one(form, "expires").strip()
        ticket = _one(form, "ticket").strip()
        back = _one(form, "back")
        if not back.startswith(f"/m/{model.name}/") or "//" in back or "\\" in back:
            back = f"/m/{model.name}/findings" + ("?lang=ja" if lang == "ja" else "")
        problems = []
        words = labels(lang)
        if status not in TRIAGE_STATUSES:
            problems.append(words["wb_need_status"].format(values=", ".join(TRIAGE_STATUSES)))
        if not owner:
            problems.append(words["wb_need_owner"])
        if not justification:
            problems.append(words["wb_need_justification"])
        date = None
        if expires:
            try:
                date = dt.date.fromisoformat(expires)
            except ValueError:
                problems.append("expires" + ("\uff1a" if lang == "ja" else ": ") + words["wb_need_date"])
        elif status != "false-positive":
            problems.append(words["wb_need_expires"])
        if problems:
            return self._render(request, "problem.html.j2", status=422, model=model, lang=lang, back=back,
                                problem=Problem(tuple(_input_errors(problems))))
        entry: dict[str, Any] = {"id": finding, "status": status, "justification": justification, "owner": owner}
        if date is not None:
            entry["expires"] = date
        if ticket:
            entry["ticket"] = ticket
        existing = [i for i, t in enumerate(found.loaded.model.tracking) if t.id == finding]
        change = Change(("tracking", existing[0]), entry) if existing else Change(("tracking",), entry, "append")
        return self._saved(request, model, model.save([change], _one(form, "version")), back, lang)

    async def edit(self, request: Request) -> Response:
        section = request.path_params["section"]
        raw_index = request.path_params["index"]
        if section not in SECTIONS:
            raise _NotFound
        form: dict[str, list[str]] | None = None
        if request.method == "POST":
            form = await self._form(request)
        lang = ("ja" if _one(form, "lang") == "ja" else "en") if form is not None else self._lang(request)
        model, found = self._analysed(request, lang)
        count = len(getattr(found.loaded.model, section))
        index = None if raw_index == "new" else _int(raw_index)
        if raw_index != "new" and (index is None or not 0 <= index < count):
            raise _NotFound
        current = views.element_data(found, section, index) if index is not None else {}
        errors: dict[str, list[str]] = {}
        located: list[str] = []
        values = current
        if form is not None:
            sent, problems = read_form(section, form, lang)
            for p in problems:
                errors.setdefault(p.key, []).append(str(p))
            values = {**current, **{k: v for k, v in sent.items()}}
            if not problems:
                changes = element_changes(section, index, sent, current)
                saved = model.save(changes, _one(form, "version")) if changes else Saved(found.version)
                if saved.stale:
                    return self._render(request, "stale.html.j2", status=409, model=model, lang=lang,
                                        back=f"/m/{model.name}/edit/{section}/{raw_index}")
                if saved.problem is None:
                    element = sent.get("id") or current.get("id")
                    target = f"/m/{model.name}/element/{element}" if element else f"/m/{model.name}/"
                    return RedirectResponse(target + ("?lang=ja&saved=1" if lang == "ja" else "?saved=1"),
                                            status_code=303)
                at = len(getattr(found.loaded.model, section)) if index is None else index
                for e in saved.problem.errors:
                    path = e.location.path if e.location is not None else None
                    key = _field_of(path, section, at)
                    if key is not None:
                        errors.setdefault(key, []).append(e.message)
                    located.append(e.render())
        return self._render(request, "edit.html.j2", status=422 if errors or located else 200, model=model,
                            a=found.assessment, an=found, section=section, index=raw_index, fields=form_fields(section),
                            values=values, errors=errors, located=located, lang=lang,
                            field_value=_field_value)


class _NotFound(Exception):
    pass


class _Answer(Exception):
    """Stop a handler and answer with ``response`` (a model with problems, say)."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered early")
        self.response = response


class _Refused(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def _one(form: dict[str, list[str]], name: str) -> str:
    """The first value a form sent for ``name`` (empty when it sent none)."""
    return next(iter(form.get(name, [])), "")


def _int(raw: str | None) -> int | None:
    """A small whole number written in ASCII digits (``str.isdigit`` also takes '²' and '１')."""
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() and len(raw) < 9 else None


def _input_errors(problems: list[str]) -> list[Any]:
    from fleetrisk.errors import InputError

    return [InputError(p) for p in problems]


def _field_of(path: str | None, section: str, index: int) -> str | None:
    """The form field a problem at YAML path ``path`` belongs to."""
    if not path:
        return None
    try:
        steps = parse_path(path)
    except EditError:
        return None
    if len(steps) >= 3 and steps[0] == section and steps[1] == index and isinstance(steps[2], str):
        return steps[2]
    return None


def _field_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _meaning_of(lang: str) -> Any:
    from fleetrisk.model.fielddocs import meanings

    def meaning(allowed: list[str], value: str) -> str:
        found = meanings(tuple(allowed)).get(value)
        return found.get(lang) if found is not None else ""

    return meaning


def _diagram(analysis: Analysis, lang: str, model: str, chosen: Any) -> Markup:
    """The data-flow diagram, each element linking to its page, with one attack path picked out."""
    a: Assessment = analysis.assessment
    overlay = Overlay.of([chosen]) if chosen is not None else Overlay()
    suffix = "?lang=ja" if lang == "ja" else ""

    def link(element: str) -> str:
        return f"/m/{model}/element/{element}{suffix}"

    svg = dot_layout.render(analysis.graph, highest_open_band(a.findings), lang, overlay, link) \
        or render_flow_diagram(analysis.graph, highest_open_band(a.findings), lang, overlay)
    return Markup(svg)  # noqa: S704 - built with escaping by the diagram writers


def application(workspace: Workspace, secret: str) -> Starlette:
    """The workbench as an ASGI application (without the guard: see :func:`guarded`)."""
    bench = Workbench(workspace, secret)

    async def not_found(request: Request, exc: Exception) -> Response:
        return Response("not found", status_code=404, media_type="text/plain")

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Refused)
        return Response(exc.text, status_code=exc.status, media_type="text/plain")

    async def answered(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Answer)
        return exc.response

    bench.app.add_exception_handler(_NotFound, not_found)
    bench.app.add_exception_handler(_Answer, answered)
    bench.app.add_exception_handler(_Refused, refused)
    return bench.app
