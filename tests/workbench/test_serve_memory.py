"""A workbench left open for a day of edits does not grow: after more changes than its cache
of analyses holds, each further change to the file costs no memory (the server runs the cyclic
collector, which the short-lived commands go without)."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import DEFAULT
from fleetrisk.workbench.workspace import CACHE_SIZE
from workbench.server import serve

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

#: Changes measured after that, and the growth allowed over them. Without the
#: collector each change of the bundled example kept about 3 MB: 180 MB over these 60.
CHANGES = 60
ALLOWED_MB = 40


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    assert found is not None
    return int(found.group(1)) / 1024


def test_a_long_session_of_changes_costs_no_memory(tmp_path: Path) -> None:
    model = tmp_path / DEFAULT.name
    shutil.copyfile(DEFAULT, model)
    base = model.read_text(encoding="utf-8")
    with serve(model) as served:
        client = served.client()

        def change(n: int) -> None:
            temporary = tmp_path / "next.yaml"
            temporary.write_text(base + f"# change {n}\n", encoding="utf-8")  # a new version each time
            os.replace(temporary, model)
            page = client.get(f"/m/{model.stem}/")
            assert page.status_code == 200 and f"# change {n}" not in page.text and 'id="dfd"' in page.text

        for n in range(CACHE_SIZE + 5):
            change(n)
        before = resident_mb(served.process.pid)
        for n in range(CACHE_SIZE + 5, CACHE_SIZE + 5 + CHANGES):
            change(n)
        grown = resident_mb(served.process.pid) - before
        client.close()
    assert grown < ALLOWED_MB, f"the workbench grew by {grown:.0f} MB over {CHANGES} changes"
