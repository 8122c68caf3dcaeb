"""`stpkit reports --scenarios`: each scenario's reports, said on every page, the index and the manifest; reruns."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stpkit.pack import DEFAULT_PACK

STPKIT = str(Path(sys.executable).parent / "stpkit")


def run(pack: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([STPKIT, "reports", str(pack), "--out", str(out), "--localities", "MSE05", "--notebooks",
                           "investment_phasing", "--workers", "0", *extra], capture_output=True, text=True, timeout=900)


@pytest.mark.e2e
def test_reports_for_scenarios_say_which_and_rerun_only_what_changed(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, pack)
    out = tmp_path / "out"
    first = run(pack, out, "--scenarios", "interim,third")
    assert first.returncode == 0, first.stderr
    for name, title, npv in (("interim", "Interim option", "-£29.5m"), ("third", "Third option", "-£32.0m")):
        folder = out / "scenarios" / name
        manifest = json.loads((folder / "manifest.json").read_text())
        scenario = manifest["inputs"]["scenario"]
        assert scenario["name"] == name and scenario["file"] == f"scenarios/{name}.toml" and len(scenario["hash"]) == 64
        assert {r["parameters"]["scenario"] for r in manifest["reports"]} == {name}
        assert title in (folder / "index.html").read_text()
        page = (folder / "all" / "investment_phasing.html").read_text()
        assert f"Scenario: {title}" in page and "Value that differs from the pack" in page
        assert npv in page
    # a rerun redoes nothing; a changed scenario file redoes its own reports only
    again = run(pack, out, "--scenarios", "interim,third")
    assert again.returncode == 0 and again.stdout.count("(2 unchanged, 0 run)") == 2, again.stdout
    path = pack / "scenarios" / "third.toml"
    path.write_text(path.read_text().replace("investment_share = 0.5", "investment_share = 0.6"), encoding="utf-8")
    changed = run(pack, out, "--scenarios", "interim,third")
    assert changed.returncode == 0, changed.stderr
    lines = [line for line in changed.stdout.splitlines() if "reports in" in line]
    assert "(2 unchanged, 0 run)" in lines[0] and "(0 unchanged, 2 run)" in lines[1], changed.stdout
    # the pack as it is goes in DIR itself and says so
    plain = run(pack, out, "--scenarios", "pack")
    assert plain.returncode == 0, plain.stderr
    assert "shows the pack as it is (no scenario)" in (out / "index.html").read_text()


@pytest.mark.e2e
def test_a_refused_scenario_runs_nothing(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, pack)
    (pack / "scenarios" / "bad.toml").write_text('[scenario]\ntitle = "x"\n\n[investment]\ninvestment_share = 3\n',
                                                 encoding="utf-8")
    out = tmp_path / "out"
    result = run(pack, out, "--scenarios", "interim,bad,nosuch")
    assert result.returncode == 1
    err = result.stderr.splitlines()
    assert err[0] == ("scenarios/bad.toml line 5, [investment] investment_share: 3 is above the largest allowed 1: "
                      "write 3% as a fraction, 0.03")
    assert err[1].startswith("no scenario 'nosuch'")
    assert not out.exists()
