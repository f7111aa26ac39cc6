"""fleetrisk as a user installs it: a wheel built from the repository, installed in a fresh virtual
environment, run from a directory outside the checkout, with its examples and catalog as package data.

The wheel is built from a copy of the sources (building writes ``build/`` and ``*.egg-info`` next to
them). The build uses this interpreter's setuptools when it meets the project's build requirement,
and otherwise lets pip fetch the build backend from the package index. The fresh environment gets
the wheel alone (``--no-deps``); its dependencies are this interpreter's installed packages, added
after its own site-packages by a ``.pth`` line, so nothing of the checkout is on its path.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from fleetrisk.catalog.loader import load_catalog


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    home: Path  # an empty working directory outside the checkout

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        return subprocess.run([str(self.venv / "bin" / "fleetrisk"), *args], cwd=self.home, env=env,
                              capture_output=True, text=True, timeout=120, check=False)


def _local_backend_is_enough() -> bool:
    """Whether this interpreter's setuptools meets the project's ``build-system.requires``."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    wanted = next(re.fullmatch(r"setuptools>=(\d+)", r) for r in requires if r.startswith("setuptools"))
    try:
        have = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    return wanted is not None and int(have.split(".")[0]) >= int(wanted.group(1))


def _call(*command: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, f"{' '.join(map(str, command))}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    isolation = ["--no-build-isolation", "--no-index"] if _local_backend_is_enough() else []
    _call(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation, "-w", work / "dist", source)
    (wheel,) = (work / "dist").glob("fleetrisk-*.whl")

    venv = work / "venv"
    _call(sys.executable, "-m", "venv", "--without-pip", venv)
    _call(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-deps",
          "--no-index", wheel)
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(venv / "bin" / "python"), "-c", where], capture_output=True, text=True,
                          check=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "fleetrisk-test-dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours)),
                                                               encoding="utf-8")
    home = work / "elsewhere"
    home.mkdir()
    return Installed(wheel, venv, home)


def test_the_wheel_carries_the_examples_and_the_catalog(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    examples = {n.removeprefix("fleetrisk/examples/") for n in names if n.startswith("fleetrisk/examples/")}
    assert examples == {p.name for p in EXAMPLES.glob("*.yaml")}
    data = ROOT / "src" / "fleetrisk" / "catalog" / "data"
    catalog = {f"fleetrisk/catalog/data/{p.relative_to(data).as_posix()}" for p in data.rglob("*.yaml")}
    assert catalog <= names
    assert {"fleetrisk/templates/starter.yaml", "fleetrisk/model/fields.yaml", "fleetrisk/py.typed"} <= names


def test_the_installed_package_is_the_one_that_runs(installed: Installed) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import fleetrisk; print(fleetrisk.__file__)"
    where = subprocess.run([str(installed.venv / "bin" / "python"), "-c", code], cwd=installed.home, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(installed.venv)
    assert not Path(where).is_relative_to(ROOT)


def test_init_assess_questions_catalog_and_explain_run_outside_the_checkout(installed: Installed) -> None:
    written = installed.run("init", "--example", "smart-appliance-cloud")
    assert written.returncode == 0, written.stderr
    model = installed.home / "smart-appliance-cloud.yaml"
    assert model.read_bytes() == (EXAMPLES / "smart-appliance-cloud.yaml").read_bytes()

    report = installed.run("assess", model.name, "--format", "json")
    assert report.returncode == 0, report.stderr
    findings = json.loads(report.stdout)["findings"]
    assert {f["family"] for f in findings if f["status"] == "open"} == {f"T{i}" for i in range(1, 9)}
    assert any(f["id"] == "T6.online-signing-key@fw-signing" and f["status"] == "open" for f in findings)

    implicit = installed.run("assess", "--format", "json")
    assert implicit.returncode == 0, implicit.stderr
    assert "no model given: using the bundled example smart-appliance-cloud" in implicit.stderr
    assert Path(json.loads(implicit.stdout)["model"]).is_relative_to(installed.venv)

    asked = installed.run("questions", model.name, "--format", "json", "--top", "3")
    assert asked.returncode == 0, asked.stderr
    questions = json.loads(asked.stdout)["questions"]
    assert len(questions) == 3 and all(q["paths"] for q in questions)

    catalog = installed.run("catalog", "--format", "json")
    assert catalog.returncode == 0, catalog.stderr
    assert len(json.loads(catalog.stdout)["scenarios"]) == len(load_catalog().scenarios)

    explained = installed.run("explain", "accepts.from", "--lang", "ja")
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("fleets.accepts.from\nそれをデバイスに届けるコンポーネントの ID。")

    html = installed.run("assess", model.name, "--format", "html", "--output", "out")
    assert html.returncode == 0, html.stderr
    assert (installed.home / "out" / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_workbench_serves_its_pages_from_the_installed_package(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert {"fleetrisk/workbench/labels.yaml", "fleetrisk/workbench/static/workbench.js",
            "fleetrisk/workbench/templates/overview.html.j2"} <= names
    installed.run("init", "--example", "camera-p2p")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    server = subprocess.Popen([str(installed.venv / "bin" / "fleetrisk"), "serve", "camera-p2p.yaml", "--port", "0"],
                              cwd=installed.home, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        while line and "open:" not in line:
            line = server.stdout.readline()
        found = re.search(r"open: (http://\S+)", line)
        assert found, server.stderr.read() if server.stderr else ""
        import httpx

        with httpx.Client(timeout=30, follow_redirects=True) as client:
            page = client.get(found.group(1))
            assert page.status_code == 200 and "PeekHome" in page.text
            base = found.group(1).partition("/?")[0]
            assert client.get(base + "/static/workbench.css").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
