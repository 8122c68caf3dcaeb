"""Randomly damaged packs (folder, workbook and database alike) are refused in one-line problems or run cleanly.

A few hundred examples here; benchmarks/bench_damaged_packs.py runs ten thousand or more.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from damage import damaged, good_files, make, outcome
from stpkit.synthetic import write_synthetic_pack

GOOD = Path(tempfile.mkdtemp(prefix="stpkit-good-")) / "pack"
write_synthetic_pack(GOOD, localities=3, seed=5)
FILES = good_files(GOOD)
EXAMPLES = int(os.environ.get("STPKIT_DAMAGED_EXAMPLES", "200"))


@pytest.mark.integration
def test_the_good_pack_runs_in_every_form(tmp_path):
    for form in ("folder", "workbook", "database"):
        assert outcome(make(FILES, form, tmp_path / form)) == "ran"


@pytest.mark.integration
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=damaged(FILES))
def test_a_damaged_pack_is_refused_plainly_or_runs_cleanly(case, tmp_path):
    files, form, pick = case
    path = make(files, form, tmp_path / "case")
    if path is not None:
        outcome(path, pick)


@pytest.mark.integration
@pytest.mark.parametrize("form", ["folder", "workbook", "database"])
def test_an_optional_file_cut_to_its_header_is_as_if_absent(form, tmp_path):
    """The long run's `KeyError: 'target'` (issue 13): levels_of_care.csv cut to its header row passed as a
    table with no levels, so the beds page had no pools of beds to show. A workbook already took an
    optional sheet with its header only as absent; a folder and a database table now do too."""
    from stpkit import load_pack

    header = FILES["levels_of_care.csv"].decode("utf-8").split("\n")[0] + "\n"
    path = make({**FILES, "levels_of_care.csv": header.encode("utf-8")}, form, tmp_path / form)
    assert not load_pack(path).has("levels_of_care.csv")  # the default levels (seed 000) apply
    assert outcome(path, 0.9) == "ran"


@pytest.mark.integration
def test_a_pack_with_no_emergency_admissions_shows_no_ratio_rather_than_nan(tmp_path):
    """The long run's BudgetsPage failure (issue 13): activity.csv cut to its A&E rows left nothing to
    expect, and the age-mix ratio showed nan, and its table inf."""
    cut = b"\n".join(FILES["activity.csv"].split(b"\n")[:4]) + b"\n"
    assert outcome(make({**FILES, "activity.csv": cut}, "folder", tmp_path / "case"), 0.0) == "ran"
