"""The workbench against a hostile client: the real server (``fleetrisk serve`` in a subprocess on
a loopback port) is sent requests without the secret, from foreign hosts and origins, without or
with a wrong CSRF value, on stale versions, with paths that try to leave the model, oversized or
malformed bodies, and hostile text. Each refusal is checked for its status and, where a change
was attempted, for a model file (and every file beside it) byte-identical afterwards."""

from __future__ import annotations

import difflib
import http.client
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from conftest import DEFAULT, EXAMPLES, HARDENED, run_cli
from fleetrisk.model.loader import load_model
from workbench.server import Served, serve

#: The model's name in the workbench (its file's stem) and an element of it.
NAME = "model"
ELEMENT = "mqtt-gateway"  # components[0] of the bundled example
STALE = "0" * 20
#: A form as a browser sends it: a field sent more than once holds a list.
Form = dict[str, str | list[str]]
#: A small model for the attacks that reach the writer (whose time grows with the file's length),
#: with comments, flow style and references for the format-keeping edit to keep.
SMALL = """\
# A small service.
fleetrisk: 1
service:
  name: Small plug cloud
  types: [remote-control]

zones:
  - id: internet
    trust: untrusted
  - id: prod   # the production plane
    trust: production

fleets:
  - id: plugs
    devices: 200000
    safety: low
    accepts:
      - input: command
        from: broker
        verification: transport
        use: acts

components:
  - id: broker   # the device gateway
    kind: device-gateway
    zone: prod
    exposure: [internet, devices]
    auth: mtls
    authorization: per-device
    depends_on: [registry]
  - id: registry
    kind: device-registry
    zone: prod
"""


# --- the served files and the client ---------------------------------------------------------


@dataclass
class Site:
    """A running workbench over ``model``, with other files beside it and above it in ``root``."""

    served: Served
    root: Path
    model: Path
    client: httpx.Client

    @property
    def base(self) -> str:
        return self.served.base

    @property
    def port(self) -> int:
        return int(urlsplit(self.base).port or 0)

    def files(self) -> dict[str, bytes]:
        """Every file under the temporary folder, by relative path."""
        return {p.relative_to(self.root).as_posix(): p.read_bytes()
                for p in sorted(self.root.rglob("*")) if p.is_file()}

    def post(self, path: str, data: Form, **headers: str) -> httpx.Response:
        """A POST as a workbench page sends it (Origin: the workbench), unless ``headers`` say otherwise."""
        sent = {"Origin": self.base, "Content-Type": "application/x-www-form-urlencoded",
                **{k.replace("_", "-"): v for k, v in headers.items()}}
        return self.client.post(path, content=urlencode(data, doseq=True).encode(),
                                headers={k: v for k, v in sent.items() if v})


def _layout(root: Path, text: bytes) -> Path:
    """``root/served/model.yaml`` with a decoy model and a text beside it, and a model above it."""
    served = root / "served"
    served.mkdir()
    model = served / f"{NAME}.yaml"
    model.write_bytes(text)
    shutil.copy(HARDENED, served / "decoy.yaml")
    (served / "notes.txt").write_text("not for the browser\n", encoding="utf-8")
    shutil.copy(EXAMPLES / "camera-p2p.yaml", root / "outside.yaml")
    return model


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("security")
    model = _layout(root, DEFAULT.read_bytes())
    with serve(model) as served, closing(served.client()) as client:
        yield Site(served, root, model, client)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A workbench over the small model, for the attacks that reach the writer."""
    root = tmp_path_factory.mktemp("small")
    model = _layout(root, SMALL.encode())
    with serve(model) as served, closing(served.client()) as client:
        yield Site(served, root, model, client)


@pytest.fixture
def unchanged(site: Site) -> Iterator[None]:
    """The test attempts changes that must all be refused: every file stays byte-identical."""
    before = site.files()
    yield
    assert_same(before, site.files())


@pytest.fixture
def small_unchanged(small: Site) -> Iterator[None]:
    before = small.files()
    yield
    assert_same(before, small.files())


def assert_same(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """Every file byte-identical (a difference is shown as a diff of the file)."""
    assert sorted(after) == sorted(before)
    for name, data in before.items():
        if after[name] != data:
            diff = difflib.unified_diff(data.decode("utf-8", "replace").splitlines(),
                                        after[name].decode("utf-8", "replace").splitlines(), lineterm="", n=1)
            raise AssertionError(f"{name} changed:\n" + "\n".join(list(diff)[:60]))


class _Forms(HTMLParser):
    """The forms of a page and what a browser would send for each (without pressing a button)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "id": a.get("id", ""), "fields": []})
            return
        if not self.forms:
            return
        fields: list[tuple[str, str]] = self.forms[-1]["fields"]  # type: ignore[assignment]
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in a:
                fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = a.get("name")
            fields.append((self._textarea or "", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            fields: list[tuple[str, str]] = self.forms[-1]["fields"]  # type: ignore[assignment]
            name, text = fields[-1]
            fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self.forms:
            chosen = [v for v, on in self._options if on] or [v for v, _ in self._options[:1]]
            fields: list[tuple[str, str]] = self.forms[-1]["fields"]  # type: ignore[assignment]
            fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms(html: str) -> list[dict[str, object]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_on(site: Site, page: str, match: str = "") -> Form:
    """The fields of the first form on ``page`` whose action holds ``match``, as a browser sends them
    (a field sent more than once, as checkboxes are, holds the list of its values)."""
    answer = site.client.get(page)
    assert answer.status_code == 200, (page, answer.status_code)
    for f in forms(answer.text):
        if match in str(f["action"]):
            sent: Form = {}
            for k, v in f["fields"]:  # type: ignore[attr-defined]
                held = sent.get(k)
                sent[k] = v if held is None else [*([held] if isinstance(held, str) else held), v]
            return sent
    raise AssertionError(f"no form for {match!r} on {page}")


def triage_form(site: Site, **values: str) -> Form:
    """A filled-in triage form for the first finding on the findings page."""
    sent = form_on(site, f"/m/{NAME}/findings", "/triage")
    sent.update({"status": "accepted", "owner": "platform team", "justification": "compensating control",
                 "expires": "2031-01-31", "ticket": "SEC-1"})
    sent.update(values)
    return sent


def change_form(site: Site, path: str) -> Form:
    """A complete form that, sent with the cookie and the right Origin, changes the model at ``path``
    (the form of the page, with a value chosen): what the attacks below send without one of them."""
    if path.endswith("/triage"):
        return triage_form(site)
    if path.endswith("/answer"):
        form = form_on(site, f"/m/{NAME}/questions", "/answer")
        page = site.client.get(f"/m/{NAME}/questions").text
        choice = re.search(r'<select name="(v:[^"]+)"[^>]*><option value="">[^<]*</option>'
                           r'<option value="([^"]+)"', page)
        assert choice is not None
        form[choice.group(1)] = choice.group(2)
        return form
    form = form_on(site, path, "/edit/")
    if path.endswith("/new"):
        form.update({"f.id": "new-service", "f.kind": "ingestion", "f.name": "a service added by the form"})
    else:
        form["f.name"] = "renamed by the form"
    return form


def raw(site: Site, method: str, target: str, *, headers: dict[str, str] | None = None,
        body: bytes | None = None, cookie: bool = True) -> tuple[int, dict[str, str], bytes]:
    """A request with ``target`` sent exactly as written (no dot-segment clean-up, as httpx does)."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        sent = {"Host": f"127.0.0.1:{site.port}", **(headers or {})}
        if cookie:
            sent["Cookie"] = f"fleetrisk-{site.port}={site.served.token}"
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in sent.items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


# --- the secret: token in the address, then a cookie -----------------------------------------

PAGES = ["/", f"/m/{NAME}/", f"/m/{NAME}/findings", f"/m/{NAME}/element/{ELEMENT}", f"/m/{NAME}/questions",
         f"/m/{NAME}/whatif", f"/m/{NAME}/changes", f"/m/{NAME}/edit/components/0", f"/m/{NAME}/edit/components/new",
         "/version", "/static/workbench.js", "/static/workbench.css", "/static/report.css"]
POSTS = [f"/m/{NAME}/triage", f"/m/{NAME}/answer", f"/m/{NAME}/edit/components/0", f"/m/{NAME}/edit/components/new"]


@pytest.mark.parametrize("cookie", [None, "", "wrong-secret", "{token}x", "{token_prefix}"],
                         ids=["none", "empty", "wrong", "longer", "prefix"])
@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_the_secret_is_refused(site: Site, path: str, cookie: str | None) -> None:
    headers = {}
    if cookie is not None:
        value = cookie.format(token=site.served.token, token_prefix=site.served.token[:10])
        headers["Cookie"] = f"fleetrisk-{site.port}={value}"
    answer = httpx.get(site.base + path, headers=headers)
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    assert site.served.token not in answer.text


def test_the_cookie_of_another_workbench_port_is_refused(site: Site) -> None:
    answer = httpx.get(site.base + f"/m/{NAME}/", headers={"Cookie": f"fleetrisk-{site.port + 1}={site.served.token}"})
    assert answer.status_code == 403


@pytest.mark.parametrize("path", POSTS)
def test_a_change_without_the_secret_is_refused_and_writes_nothing(site: Site, path: str, unchanged: None) -> None:
    """A complete, valid form (right CSRF value, right version, right Origin) without the cookie."""
    answer = httpx.post(site.base + path, data=change_form(site, path), headers={"Origin": site.base})
    assert answer.status_code == 403


@pytest.mark.parametrize("token", ["wrong", "", "{token}x", "{upper}", "{token} "])
def test_a_wrong_token_in_the_address_is_refused_without_a_cookie(site: Site, token: str) -> None:
    value = token.format(token=site.served.token, upper=site.served.token.upper())
    answer = httpx.get(site.base + f"/m/{NAME}/", params={"token": value})
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers and "location" not in answer.headers


def test_a_wrong_token_first_is_refused_even_when_the_right_one_follows(site: Site) -> None:
    answer = httpx.get(f"{site.base}/m/{NAME}/?token=wrong&token={site.served.token}")
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


@pytest.mark.parametrize(("target", "location"), [
    ("/?token={token}", "/"),
    (f"/m/{NAME}/findings?token={{token}}&lang=ja", f"/m/{NAME}/findings?lang=ja"),
    (f"/m/{NAME}/?path=1&token={{token}}&token={{token}}", f"/m/{NAME}/?path=1"),
])
def test_the_right_token_sets_a_strict_http_only_cookie_and_leaves_the_address(
        site: Site, target: str, location: str) -> None:
    answer = httpx.get(site.base + target.format(token=site.served.token))
    assert answer.status_code == 303
    assert answer.headers["location"] == location
    assert site.served.token not in answer.headers["location"]
    cookie = answer.headers["set-cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0] == f"fleetrisk-{site.port}={site.served.token}"
    assert "HttpOnly" in parts and "SameSite=Strict" in parts and "Path=/" in parts
    # the cookie alone now opens the page the redirect names
    opened = httpx.get(site.base + location, cookies={f"fleetrisk-{site.port}": site.served.token})
    assert opened.status_code in (200, 303)


# --- DNS rebinding and cross-site requests -----------------------------------------------------

FOREIGN_HOSTS = ["evil.example:{port}", "127.0.0.1:1", "attacker.com", "localhost.evil.example:{port}",
                 "127.0.0.1.nip.io:{port}", "127.0.0.1", "localhost", "127.0.0.1:{port}.evil.example",
                 "0.0.0.0:{port}", "127.0.0.2:{port}", "[::ffff:127.0.0.1]:{port}", "evil.example:{port}@127.0.0.1"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_a_foreign_host_is_refused_even_with_the_cookie(site: Site, host: str) -> None:
    answer = site.client.get(f"/m/{NAME}/", headers={"Host": host.format(port=site.port)})
    assert answer.status_code == 421
    assert "fleetrisk-" not in answer.text and "<html" not in answer.text


@pytest.mark.parametrize("host", ["evil.example:{port}", "attacker.com", "127.0.0.1:1"])
def test_a_change_through_a_foreign_host_writes_nothing(site: Site, host: str, unchanged: None) -> None:
    answer = site.post(f"/m/{NAME}/triage", triage_form(site), Host=host.format(port=site.port),
                       Origin=f"http://{host.format(port=site.port)}")
    assert answer.status_code == 421


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_the_loopback_names_of_the_port_are_served(site: Site, host: str) -> None:
    answer = site.client.get(f"/m/{NAME}/", headers={"Host": host.format(port=site.port)})
    assert answer.status_code == 200


FOREIGN_ORIGINS = ["http://evil.example", "http://127.0.0.1:1", "null", "https://127.0.0.1:{port}",
                   "http://127.0.0.1:{port}.evil.example", "http://evil.example:{port}", "http://127.0.0.1:{port}/",
                   "HTTP://127.0.0.1:{port}", ""]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_change_from_a_foreign_origin_is_refused_and_writes_nothing(site: Site, origin: str, unchanged: None) -> None:
    form = triage_form(site)
    answer = site.client.post(f"/m/{NAME}/triage", data=form, headers={"Origin": origin.format(port=site.port)})
    assert answer.status_code == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "null"])
def test_a_page_asked_for_by_a_foreign_origin_is_refused(site: Site, origin: str) -> None:
    assert site.client.get(f"/m/{NAME}/findings", headers={"Origin": origin}).status_code == 403
    assert site.client.get("/version", headers={"Origin": origin}).status_code == 403


@pytest.mark.parametrize("fetch_site", [None, "cross-site", "same-site", "none"])
@pytest.mark.parametrize("path", POSTS)
def test_a_change_without_an_origin_is_refused_and_writes_nothing(
        site: Site, path: str, fetch_site: str | None, unchanged: None) -> None:
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    answer = site.client.post(path, data=change_form(site, path), headers=headers)
    assert answer.status_code == 403


@pytest.mark.parametrize("csrf", [None, "", "wrong", "{token}", "{csrf}x", "{upper}", "{csrf_prefix}"],
                         ids=["missing", "empty", "wrong", "the-token", "longer", "upper-case", "prefix"])
@pytest.mark.parametrize("path", POSTS)
def test_a_change_without_the_right_csrf_value_is_refused_and_writes_nothing(
        site: Site, path: str, csrf: str | None, unchanged: None) -> None:
    form = change_form(site, path)
    right = str(form.pop("csrf"))
    if csrf is not None:
        form["csrf"] = csrf.format(token=site.served.token, csrf=right, upper=right.upper(), csrf_prefix=right[:32])
    answer = site.post(path, form)
    assert answer.status_code == 403
    assert "CSRF" in answer.text


def test_the_csrf_value_only_counts_in_the_body(site: Site, unchanged: None) -> None:
    form = triage_form(site)
    right = form.pop("csrf")
    answer = site.client.post(f"/m/{NAME}/triage", params={"csrf": right}, data=form, headers={"Origin": site.base})
    assert answer.status_code == 403


def test_the_token_in_the_address_of_a_change_only_sets_the_cookie(site: Site, unchanged: None) -> None:
    answer = site.post(f"/m/{NAME}/triage?token={site.served.token}", triage_form(site))
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/m/{NAME}/triage"


# --- versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [STALE, "", "../../etc/passwd", "x" * 5000])
@pytest.mark.parametrize("path", [f"/m/{NAME}/triage", f"/m/{NAME}/answer", f"/m/{NAME}/edit/components/0",
                                  f"/m/{NAME}/edit/components/new"])
def test_a_change_on_a_stale_version_is_refused_with_409(site: Site, path: str, version: str,
                                                         unchanged: None) -> None:
    form = change_form(site, path)
    form["version"] = version
    answer = site.post(path, form)
    assert answer.status_code == 409


@pytest.mark.parametrize("path", POSTS)
def test_a_change_made_on_a_page_older_than_the_authors_edit_is_refused(small: Site, path: str) -> None:
    """The author saves the file in an editor after the page was served: the form's change is
    refused, and the author's text stays as the author wrote it."""
    form = change_form(small, path)
    text = small.model.read_text(encoding="utf-8")
    try:
        edited = text.replace("# A small service.", "# A small service, edited meanwhile.")
        small.model.write_text(edited, encoding="utf-8")
        before = small.files()
        answer = small.post(path, form)
        assert answer.status_code == 409
        assert_same(before, small.files())
    finally:
        small.model.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("path", POSTS)
def test_the_forms_the_attacks_send_do_change_the_model_when_sent_rightly(small: Site, path: str) -> None:
    """The control for the refusals: the same forms, with the cookie, the Origin, the CSRF value
    and the current version, are written (so 'nothing written' above means 'refused')."""
    text = small.model.read_bytes()
    try:
        before = small.files()
        answer = small.post(path, change_form(small, path))
        assert answer.status_code == 303, answer.text[:500]
        after = small.files()
        assert [k for k in before if before[k] != after[k]] == [f"served/{NAME}.yaml"]
        load_model(small.model)
    finally:
        small.model.write_bytes(text)


# --- paths from the request ----------------------------------------------------------------------

TRAVERSALS = [
    # model names
    "/m/../etc/", "/m/%2e%2e/", "/m/%2e%2e%2fetc/", "/m/..%2f..%2fetc%2fpasswd/", "/m/%2fetc%2fpasswd/",
    "/m//etc/passwd/", "/m/decoy/", "/m/decoy/findings", "/m/outside/", "/m/model.yaml/", "/m/./",
    "/m/%2e/", "/m/notes/", "/m/model%00/", "/m/MODEL/", "/m/model%2f..%2fdecoy/",
    "/m/%2e%2e%2foutside/findings", "/m/..%5coutside/",
    # elements
    "/m/model/element/..%2f..%2fetc%2fpasswd", "/m/model/element/../../decoy/", "/m/model/element/%2e%2e",
    "/m/model/element/__class__", "/m/model/element/%00",
    # sections and indexes
    "/m/model/edit/../../x/0", "/m/model/edit/tracking/0", "/m/model/edit/service/0", "/m/model/edit/zones/0",
    "/m/model/edit/practices/0", "/m/model/edit/__class__/0", "/m/model/edit/components/-1",
    "/m/model/edit/components/9999", "/m/model/edit/components/1e2", "/m/model/edit/components/0x0",
    "/m/model/edit/components/%C2%B2", "/m/model/edit/components/%EF%BC%90", "/m/model/edit/components/%20",
    "/m/model/edit/components/..%2f0", "/m/model/edit/%2e%2e%2ftracking/0", "/m/model/edit/components/99999999999999",
    # static files
    "/static/../../pyproject.toml", "/static/..%2f..%2fpyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/report.js", "/static/app.py", "/static/__init__.py", "/static/labels.yaml", "/static/",
    "/static/%2e%2e", "/static/..%5c..%5cpyproject.toml", "/static/WORKBENCH.JS", "/static/workbench.js%00",
    "/static//etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_a_path_that_leaves_the_model_is_not_found(site: Site, target: str, unchanged: None) -> None:
    status, _, body = raw(site, "GET", target)
    assert status == 404, (target, status, body[:300])
    assert b"[project]" not in body and b"fleetrisk: 1" not in body and b"not for the browser" not in body


@pytest.mark.parametrize("value", ["%C2%B2", "%EF%BC%91", "%D9%A1", "1%00", "-1", "99999999999"])
def test_a_path_number_that_is_not_plain_digits_picks_no_attack_path(site: Site, value: str) -> None:
    """``?path=\u00b2``: a character Python calls a digit but ``int`` cannot read (once a 500)."""
    status, _, body = raw(site, "GET", f"/m/{NAME}/?path={value}")
    assert status == 200, (value, body[-500:])
    assert b'id="picked-steps"' not in body and b'class="scroll picked"' not in body


@pytest.mark.parametrize("target", [
    "/m/model/edit/../../x/0", "/m/model/edit/tracking/0", "/m/model/edit/service/0", "/m/model/edit/components/999",
    "/m/model/edit/components/%C2%B2", "/m/%2e%2e/edit/components/0", "/m/decoy/edit/components/0",
    "/m/decoy/triage", "/m/outside/answer", "/m/..%2fdecoy/triage", "/m/model/triage/../../decoy/triage",
])
def test_a_change_to_a_path_that_leaves_the_model_is_refused(site: Site, target: str, unchanged: None) -> None:
    form = triage_form(site)
    form.update({"f.id": "x", "f.name": "written where it should not be"})
    status, _, _ = raw(site, "POST", target, body=str(httpx.QueryParams(form)).encode(),
                       headers={"Origin": site.base, "Content-Type": "application/x-www-form-urlencoded"})
    assert status in (404, 405), (target, status)


@pytest.mark.parametrize("element", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                                     "javascript:alert(1)"])
def test_a_path_or_query_shown_on_a_page_is_escaped(site: Site, element: str) -> None:
    answer = site.client.get(f"/m/{NAME}/element/{element}")
    assert answer.status_code == 404
    for page in [f"/m/{NAME}/findings", f"/m/{NAME}/"]:
        shown = site.client.get(page, params={"element": element, element: element, "lang": element})
        assert shown.status_code == 200
        assert "<script>alert" not in shown.text and "<img src=x" not in shown.text
        assert 'href="javascript:' not in shown.text


# --- bodies ----------------------------------------------------------------------------------------

BIG = 256 * 1024 + 1


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_an_oversized_form_is_refused_with_413_and_writes_nothing(site: Site, path: str, chunked: bool,
                                                                  unchanged: None) -> None:
    form = triage_form(site, justification="x" * BIG)
    body = str(httpx.QueryParams(form)).encode()
    assert len(body) > 256 * 1024
    headers = {"Origin": site.base, "Content-Type": "application/x-www-form-urlencoded"}
    if chunked:
        answer = site.client.post(path, content=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                                  headers=headers)
    else:
        answer = site.client.post(path, content=body, headers=headers)
    assert answer.status_code == 413


MALFORMED = [
    b"\xff\xfe\xfa",  # not UTF-8
    b"csrf={csrf}&justification=\xc3\x28",  # a broken UTF-8 sequence after a valid field
    b"&".join([b"a=1"] * 2001) + b"&csrf={csrf}",  # more fields than a form has
]


@pytest.mark.parametrize("body", MALFORMED, ids=["not-utf8", "broken-utf8", "too-many-fields"])
@pytest.mark.parametrize("path", POSTS)
def test_a_malformed_form_is_refused_with_400(site: Site, path: str, body: bytes, unchanged: None) -> None:
    csrf = triage_form(site)["csrf"].encode()
    answer = site.client.post(path, content=body.replace(b"{csrf}", csrf),
                              headers={"Origin": site.base, "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400


@pytest.mark.parametrize("body", [
    b"csrf={csrf}", b"csrf={csrf}&finding=nope&version={version}", b"csrf={csrf}&finding=%ZZ&status=%",
    b"csrf={csrf}&csrf=x&version=&finding=&status=&owner=&justification=", b"csrf={csrf}&=&&&==&%00=%00",
    b"csrf={csrf}&type=fleet&field=__class__&version={version}", b"csrf={csrf}&type=&field=&v:service.name=x",
    b"csrf={csrf}&finding={finding}&version={version}&back=//evil.example/",
], ids=["only-csrf", "no-such-finding", "bad-escapes", "empty-fields", "empty-names", "dunder-question",
        "empty-question", "no-status"])
@pytest.mark.parametrize("path", [f"/m/{NAME}/triage", f"/m/{NAME}/answer"])
def test_a_form_with_missing_or_strange_fields_is_a_4xx_not_a_500(site: Site, path: str, body: bytes,
                                                                  unchanged: None) -> None:
    form = triage_form(site)
    sent = (body.replace(b"{csrf}", form["csrf"].encode()).replace(b"{version}", form["version"].encode())
            .replace(b"{finding}", form["finding"].encode()))
    answer = site.client.post(path, content=sent,
                              headers={"Origin": site.base, "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= answer.status_code < 500, answer.text[:300]


def _encoded(form: Form, content_type: str) -> bytes:
    if content_type == "application/json":
        return httpx.Request("POST", "http://x", json=form).content
    if content_type == "text/plain":
        return "\n".join(f"{k}={v}" for k, v in form.items()).encode()
    return (b'--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
            + str(form["csrf"]).encode() + b"\r\n--x--\r\n")


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain"])
def test_a_body_in_another_encoding_is_refused(site: Site, content_type: str, unchanged: None) -> None:
    form = triage_form(site)
    answer = site.client.post(f"/m/{NAME}/triage", content=_encoded(form, content_type.partition(";")[0]),
                              headers={"Origin": site.base, "Content-Type": content_type})
    assert 400 <= answer.status_code < 500


@pytest.mark.parametrize("back", ["//evil.example/", "https://evil.example/", "/m/model/\\\\evil.example",
                                  "/m/model//evil.example", "/m/other/", "javascript:alert(1)",
                                  "/m/model/\r\nSet-Cookie: x=1"])
def test_the_page_a_triage_returns_to_stays_on_the_workbench(small: Site, back: str) -> None:
    site = small
    before = site.files()
    answer = site.post(f"/m/{NAME}/triage", triage_form(site, back=back))
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith(f"/m/{NAME}/") and not location.startswith("//") and "\r" not in location
    assert "set-cookie" not in answer.headers
    after = site.files()
    assert {k: v for k, v in after.items() if k != f"served/{NAME}.yaml"} == \
        {k: v for k, v in before.items() if k != f"served/{NAME}.yaml"}


def test_an_answer_writes_only_the_paths_of_its_question(small: Site, small_unchanged: None) -> None:
    """Fields named in the form but not asked by the question are ignored; an empty answer writes nothing."""
    form = form_on(small, f"/m/{NAME}/questions", "/answer")
    form.update({"v:components[0].auth": "none", "v:service.name": "renamed", "v:tracking": "x",
                 "v:components[0].zone": "internet", "v:__class__": "x"})
    answer = small.post(f"/m/{NAME}/answer", form)
    assert answer.status_code == 303


@pytest.mark.parametrize(("change", "status"), [
    ({"value": "not-an-allowed-value"}, 400), ({"value": "true\nextra: 1"}, 400), ({"type": "zone"}, 400),
    ({"field": "id"}, 400), ({"field": "__class__"}, 400), ({"type": "", "field": ""}, 400),
])
def test_an_answer_outside_the_question_is_refused(small: Site, change: dict[str, str], status: int,
                                                   small_unchanged: None) -> None:
    form = change_form(small, f"/m/{NAME}/answer")
    if "value" in change:
        key = next(k for k, v in form.items() if k.startswith("v:") and v)
        form[key] = change["value"]
    form.update({k: v for k, v in change.items() if k != "value"})
    answer = small.post(f"/m/{NAME}/answer", form)
    assert answer.status_code == status, answer.text[:500]


@pytest.mark.parametrize("query", [
    "control=../../etc/passwd&control=%00", "q0=../../x&q1=%0a-%20x&q99999999=1&q-1=1", "q0=" + "x" * 5000,
    "control=" + "&control=".join(["c"] * 300), "q0=true&q0=false&qx=1&q=1", "lang=ja&control=%3Cscript%3E",
])
def test_a_whatif_with_hostile_parameters_changes_nothing(small: Site, query: str, small_unchanged: None) -> None:
    answer = small.client.get(f"/m/{NAME}/whatif?{query}")
    assert answer.status_code == 200
    assert "<script>" not in answer.text.split("<main>")[-1]


# --- where it listens --------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "localhost.evil.example"])
def test_a_reachable_address_is_refused_without_allow_remote(host: str) -> None:
    try:
        done = run_cli("serve", str(DEFAULT), "--host", host, "--port", "0", timeout=60)
    except subprocess.TimeoutExpired:  # it listened: the worst outcome
        raise AssertionError(f"the workbench listened on {host}") from None
    assert done.returncode == 2
    said = done.stdout + done.stderr
    assert "--allow-remote" in said and host in said
    assert "Traceback" not in said and "open: http" not in said


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_a_loopback_address_serves(host: str, tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    shutil.copy(DEFAULT, model)
    with serve(model, "--host", host) as served, closing(served.client()) as client:
        assert urlsplit(served.base).hostname == host.strip("[]")
        assert client.get("/version").status_code == 200


# --- headers -------------------------------------------------------------------------------------------


def _csp(value: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def assert_guarded(answer: httpx.Response | tuple[int, dict[str, str], bytes]) -> None:
    headers = answer.headers if isinstance(answer, httpx.Response) else answer[1]
    csp = _csp(headers["content-security-policy"])
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert "'unsafe-eval'" not in headers["content-security-policy"]
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'none'"]
    assert csp.get("frame-ancestors") == ["'none'"] or headers.get("x-frame-options", "").upper() == "DENY"
    assert "no-store" in headers["cache-control"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", [*PAGES, f"/m/{NAME}/?path=1", f"/m/{NAME}/?lang=ja", f"/m/{NAME}/whatif?q0=x",
                                  f"/m/{NAME}/element/nope", "/static/nope", "/nope", f"/m/{NAME}/edit/tracking/0"])
def test_every_answer_carries_the_security_headers(site: Site, path: str) -> None:
    answer = site.client.get(path)
    assert answer.status_code in (200, 303, 404), path
    assert_guarded(answer)
    if answer.headers.get("content-type", "").startswith("text/html"):
        for tag in re.findall(r"<script\b[^>]*>", answer.text):
            assert 'src="/static/' in tag, tag  # nothing inline: the CSP would block it
        assert not re.search(r"\son[a-z]+\s*=", answer.text), "an inline event handler"


def test_refusals_carry_the_security_headers_too(site: Site, unchanged: None) -> None:
    assert_guarded(httpx.get(site.base + "/"))  # no cookie
    assert_guarded(site.client.get("/", headers={"Host": "evil.example"}))
    assert_guarded(httpx.get(site.base + "/?token=wrong"))
    assert_guarded(httpx.get(site.base + f"/?token={site.served.token}"))  # the redirect that sets the cookie
    assert_guarded(site.post(f"/m/{NAME}/triage", {"csrf": "wrong"}))
    assert_guarded(site.post(f"/m/{NAME}/triage", triage_form(site, version=STALE)))


def test_version_holds_nothing_but_the_version(site: Site) -> None:
    answer = site.client.get("/version")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert list(body) == ["version"]
    assert re.fullmatch(r"[0-9a-f]{20}", body["version"])
    csrf = triage_form(site)["csrf"]
    for secret in [site.served.token, csrf, str(site.root), "model.yaml", NAME]:
        assert secret not in answer.text


# --- hostile text in a triage decision ------------------------------------------------------------------

HOSTILE_TEXT = [
    "first line\nsecond line", "key: value", "text # not a comment", 'a "double" quote', "it's", "&anchor x",
    "*alias", "!!python/object/apply:os.system ['id']", "{{ config }}", "{a: 1}", "[1, 2]", "nul\x00byte",
    "bell\x07 escape\x1b[31m del\x7f", "x" * 4000, "x" * 4001, "y" * 20000, "tab\there", "windows\r\nline",
    "--- \n...\n", "%YAML 1.1", "|", ">-", "- item", "? key", "@at", "`tick", "null", "~", "yes", "0x1F",
    "2020-01-01", "1e3", "<script>alert(1)</script>", "\u202eright-to-left override", "\ufeffbom",
    "line\u2028separator", "next\u0085line", "emoji \U0001f600 and 日本語", "trailing backslash \\",
    "a\n\n\n\nb", "\n# a comment line", "  leading spaces kept inside", "x: |\n  y",
]


def refusal(text: str, field: str) -> str | None:
    """What the refusal of ``text`` in ``field`` says, or None when the text must be written."""
    if "\u2028" in text or "\u0085" in text:
        return "line separator U+"  # YAML 1.1 and 1.2 readers disagree on these: never written
    if len(text) > 10_000:
        return "the limit is 10,000"  # the reader's limit on one text
    if field == "justification" and len(text) > 4000:
        return "at most 4000 characters"
    return None


@pytest.mark.parametrize("field", ["justification", "owner", "ticket"])
@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=[f"t{n}" for n in range(len(HOSTILE_TEXT))])
def test_hostile_text_in_a_triage_is_written_exactly_or_refused(small: Site, text: str, field: str) -> None:
    site = small
    form = triage_form(site, **{field: text})
    before = site.files()
    answer = site.post(f"/m/{NAME}/triage", form)
    after = site.files()
    assert_same({k: v for k, v in before.items() if k != f"served/{NAME}.yaml"},
                {k: v for k, v in after.items() if k != f"served/{NAME}.yaml"})
    model = load_model(site.model).model  # never a corrupted file
    reason = refusal(text, field)
    if reason is None:
        assert answer.status_code == 303, answer.text[:800]
        entry = next(t for t in model.tracking if t.id == form["finding"])
        assert getattr(entry, field) == text.strip()
        shown = site.client.get(f"/m/{NAME}/findings")
        assert shown.status_code == 200
        assert "<script>alert" not in shown.text
    else:
        assert answer.status_code == 422, answer.text[:800]
        assert answer.headers["content-type"].startswith("text/html")
        assert reason in answer.text and "Traceback" not in answer.text
        assert_same(before, after)


def test_a_triage_over_the_length_limit_is_refused_at_the_field(small: Site) -> None:
    site = small
    before = site.files()
    answer = site.post(f"/m/{NAME}/triage", triage_form(site, justification="x" * 4001))
    assert answer.status_code == 422
    assert "justification" in answer.text and "4000" in answer.text
    assert site.files() == before


# --- the element form ------------------------------------------------------------------------------------

#: (field, value sent, where the refusal shows: at the field, or in the list of the file's problems)
WRONG_VALUES = [
    ("critical_patch_days", "thirty", "field"), ("critical_patch_days", "-5", "field"),
    ("critical_patch_days", "1e3", "field"), ("critical_patch_days", "99999999999999999999", "field"),
    ("kind", "mainframe", "field"), ("auth", "mtls' or '1'='1", "field"), ("redundancy", "Single", "field"),
    ("rate_limited", "yes", "field"), ("exposure", "everywhere", "field"), ("id", "Bad Id!", "field"),
    ("id", "UPPER", "field"), ("id", "../../etc/passwd", "field"), ("id", "a" * 300, "field"),
    ("zone", "nowhere", "field"), ("zone", "../prod", "field"), ("zone", "prod # comment", "field"),
    ("depends_on", "no-such-component", "field"), ("depends_on", "registry broker", "field"),  # itself
    # the file's problem is reported where YAML sees it: another element's id, or a line and column
    ("id", "registry", "problems"), ("name", "line\u2028separator", "problems"),
]


@pytest.mark.parametrize(("key", "value", "where"), WRONG_VALUES,
                         ids=[f"{k}-{n}" for n, (k, _, _) in enumerate(WRONG_VALUES)])
def test_a_wrong_value_in_the_element_form_is_shown_and_not_written(
        small: Site, key: str, value: str, where: str, small_unchanged: None) -> None:
    site = small
    path = f"/m/{NAME}/edit/components/0"
    form = form_on(site, path, "/edit/")
    form[f"f.{key}"] = value
    answer = site.post(path, form)
    assert answer.status_code == 422, answer.text[:500]
    block = re.search(rf'<div class="field([^"]*)" id="field-{re.escape(key)}">(.*?)</div>', answer.text, re.S)
    assert block is not None
    if where == "field":
        assert "has-error" in block.group(1), (key, value, re.findall(r'<p class="error">(.*?)</p>', answer.text))
        assert '<p class="error">' in block.group(2)
    else:
        assert 'id="problems"' in answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("site_name", ["site", "small"])
def test_the_unchanged_element_form_writes_nothing(request: pytest.FixtureRequest, site_name: str) -> None:
    """The control for the test above: the form as served, sent back, is accepted and changes nothing."""
    site: Site = request.getfixturevalue(site_name)
    before = site.files()
    path = f"/m/{NAME}/edit/components/0"
    answer = site.post(path, form_on(site, path, "/edit/"))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/m/{NAME}/element/")
    assert_same(before, site.files())


HOSTILE_NAMES = ["a: b # c", "'\"&anchor *alias !!python/object:os.system", "{{ x }}\n- item\n? key",
                 "<script>alert(1)</script>", "nul\x00 bell\x07 esc\x1b"]


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_hostile_text_in_the_element_form_is_written_exactly(small: Site, text: str) -> None:
    site = small
    path = f"/m/{NAME}/edit/components/1"
    form = form_on(site, path, "/edit/")
    form["f.name"] = text
    before = site.files()
    answer = site.post(path, form)
    assert answer.status_code == 303, answer.text[:500]
    after = site.files()
    assert [k for k in before if before[k] != after[k]] == [f"served/{NAME}.yaml"]
    assert load_model(site.model).model.components[1].name == text.strip()
    assert "# the device gateway" in site.model.read_text(encoding="utf-8")  # the author's comments stay
    shown = site.client.get(f"/m/{NAME}/element/registry")
    assert shown.status_code == 200 and "<script>alert" not in shown.text


# --- a folder of models --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("portfolio")
    folder = root / "models"
    folder.mkdir()
    shutil.copy(DEFAULT, folder / "model.yaml")
    (folder / "small.yml").write_text(SMALL, encoding="utf-8")
    (folder / "README.txt").write_text("not a model\n", encoding="utf-8")
    (folder / "sub").mkdir()
    shutil.copy(DEFAULT, folder / "sub" / "nested.yaml")
    shutil.copy(EXAMPLES / "camera-p2p.yaml", root / "outside.yaml")
    with serve(folder) as served, closing(served.client()) as client:
        yield Site(served, root, folder / "model.yaml", client)


@pytest.mark.parametrize("target", ["/m/../outside/", "/m/%2e%2e/", "/m/..%2foutside/", "/m/outside/", "/m/sub/",
                                    "/m/nested/", "/m/sub%2fnested/", "/m/README/", "/m/small.yml/",
                                    "/m/%2e%2e%2foutside/triage"])
def test_a_folder_serves_only_its_own_model_files(portfolio: Site, target: str) -> None:
    before = portfolio.files()
    status, _, body = raw(portfolio, "GET", target)
    assert status == 404, target
    assert b"fleetrisk: 1" not in body
    status, _, _ = raw(portfolio, "POST", target.rstrip("/") + "/triage", body=b"csrf=x",
                       headers={"Origin": portfolio.base, "Content-Type": "application/x-www-form-urlencoded"})
    assert status in (403, 404, 405)
    assert portfolio.files() == before


def test_a_folder_lists_its_models_by_name_only(portfolio: Site) -> None:
    answer = portfolio.client.get("/")
    assert answer.status_code == 200
    assert "/m/model/" in answer.text and "/m/small/" in answer.text
    assert "/m/nested/" not in answer.text and "/m/outside/" not in answer.text


def test_a_change_in_a_folder_reaches_only_the_model_it_names(portfolio: Site) -> None:
    before = portfolio.files()
    answer = portfolio.post("/m/small/triage", triage_form_for(portfolio, "small"))
    assert answer.status_code == 303
    after = portfolio.files()
    assert [k for k in before if before[k] != after.get(k)] == ["models/small.yml"]
    assert set(after) == set(before)
    load_model(portfolio.root / "models" / "small.yml")


def triage_form_for(site: Site, name: str) -> Form:
    sent = form_on(site, f"/m/{name}/findings", "/triage")
    sent.update({"status": "accepted", "owner": "platform team", "justification": "compensating control",
                 "expires": "2031-01-31"})
    return sent


def test_the_server_is_still_healthy_after_the_attacks(site: Site) -> None:
    """Nothing above crashed or wedged the server: it still answers, and its model still loads."""
    assert site.served.process.poll() is None
    assert site.client.get(f"/m/{NAME}/").status_code == 200
    load_model(site.model)

