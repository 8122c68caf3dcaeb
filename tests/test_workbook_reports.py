"""A workbook pack through `stpkit reports`: the manifest hashes the workbook, and a changed workbook redoes the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stpkit.convert import convert, read_raw
from stpkit.report.jobs import sha256_file
from stpkit.synthetic import write_synthetic_pack
from stpkit.template import write_template

ROOT = Path(__file__).resolve().parent.parent
STPKIT = str(Path(sys.executable).parent / "stpkit")
REPORT = str(Path(__file__).resolve().parent / "notebooks" / "report.ipynb")


def stpkit(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STPKIT_TEST_")}
    return subprocess.run([STPKIT, *map(str, args)], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)


@pytest.mark.e2e
def test_reports_from_a_workbook_pack_and_a_rerun_after_it_changes(tmp_path):
    book = tmp_path / "footprint.xlsx"
    convert(write_synthetic_pack(tmp_path / "synthetic", localities=2), book)
    out = tmp_path / "out"
    run = stpkit("reports", book, "--out", out, "--notebooks", REPORT, "--workers", 0)
    assert run.returncode == 0, run.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["pack"]["files"] == {"footprint.xlsx": sha256_file(book)}
    assert manifest["summary"]["ok"] == 3  # the footprint and its two localities
    page = (out / "L0001" / "report.html").read_text(encoding="utf-8")
    assert "L0001" in page

    again = stpkit("reports", book, "--out", out, "--notebooks", REPORT, "--workers", 0)
    assert again.returncode == 0 and json.loads((out / "manifest.json").read_text())["run"]["ran"] == 0

    raw = read_raw(book)  # the workbook changes: every report is redone
    pods = raw.files["pods.csv"]
    pods[1][pods[0].index("unit_cost")] = "999"
    write_template(book, raw)
    changed = stpkit("reports", book, "--out", out, "--notebooks", REPORT, "--workers", 0)
    assert changed.returncode == 0, changed.stderr
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["run"]["ran"] == 3 and data["inputs"]["pack"]["files"] == {"footprint.xlsx": sha256_file(book)}


@pytest.mark.e2e
def test_a_real_report_from_the_default_pack_as_a_workbook(tmp_path):
    book = tmp_path / "mse.xlsx"
    assert stpkit("template", book, "--from", "data/mid_south_essex").returncode == 0
    out = tmp_path / "out"
    run = stpkit("reports", book, "--out", out, "--localities", "MSE05", "--notebooks", "locality_deep_dive")
    assert run.returncode == 0, run.stderr
    page = (out / "MSE05" / "locality_deep_dive.html").read_text(encoding="utf-8")
    assert "Colne Valley" in page and "data-stpkit-chart" in page  # drawn from the shared library in _stpkit
