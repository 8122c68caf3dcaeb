"""A national run on a smaller cut: a Dask cluster on 127.0.0.1, stopped with Ctrl-C and resumed, memory watched.

The full run (1,250 localities x 8 notebooks, local and on Dask) is benchmarks/bench_national.py;
both use tests/national.py. Here: a national-shaped pack of 14 localities, two notebooks (the
needs analysis, and the scenario comparison whose footprint-wide parts each worker keeps for the
next locality), two Dask workers. And every page's charts for a 1,250-locality pack stay within
what a chart can hold and readable (the locality asked about shown among the rest).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from national import BAR_BYTES, DaskCluster, Watch, run_reports, write_national_pack
from stpkit.report import jobs

NOTEBOOKS = ["needs_analysis", "scenario_comparison"]
LOCALITIES = 14


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STPKIT_TEST_")}
    env.pop("STPKIT_DISCLOSURE", None)
    return env


@pytest.mark.e2e
def test_a_national_run_on_dask_stops_and_resumes_with_nothing_lost_or_redone_under_1_gb(tmp_path):
    pack = write_national_pack(tmp_path / "pack", LOCALITIES)
    planned = (LOCALITIES + 1) * len(NOTEBOOKS)
    out = tmp_path / "out"
    watch = Watch().start()
    try:
        with DaskCluster(tmp_path / "dask", workers=2, env=_env(), watch=watch) as cluster:
            first = run_reports(pack, out, notebooks=NOTEBOOKS, scheduler=cluster.address, stop_after_reports=10,
                                watch=watch, env=_env(), timeout=600)
            assert first.stopped and first.returncode == 130, first.stderr + cluster.logs()
            made = {(r["locality_id"], r["notebook"]): r for r in first.manifest["reports"] if r["status"] == "ok"}
            assert 10 <= len(made) < planned  # stopped part way: what finished is kept
            assert first.manifest["run"]["interrupted"] is True
            second = run_reports(pack, out, notebooks=NOTEBOOKS, scheduler=cluster.address, watch=watch, env=_env(),
                                 timeout=600)
            assert second.returncode == 0, second.stderr + cluster.logs()
            from distributed import Client

            with Client(cluster.address, timeout="60s") as client:  # the preload keeps a minute of Dask's profile
                kept = client.run(lambda dask_worker: (dask_worker.profile_history.maxlen,
                                                       dask_worker.profile_keys_history.maxlen))
            assert sorted(kept.values()) == [(60, 60), (60, 60)], kept
        watch.look()
    finally:
        watch.stop()
    summary = second.manifest["summary"]
    assert summary["ok"] == planned and summary["failed"] == 0 and summary["not_run"] == 0
    assert summary["reused"] == len(made) and second.ran == planned - len(made)  # nothing redone, nothing lost
    for record in second.manifest["reports"]:
        key = (record["locality_id"], record["notebook"])
        if key in made:
            assert record["reused"] and record["sha256"] == made[key]["sha256"], key
        for kind in ("html", "ipynb"):
            assert jobs.sha256_file(out / record[kind]) == record["sha256"][kind], record[kind]
    assert {r["worker"] for r in second.manifest["reports"] if not r["reused"]} != set()
    # memory: the client of each run, both Dask workers' processes, the scheduler: every one under 1 GB
    roles = [seen.role for seen in watch.peaks()]
    assert roles.count("client") == 2 and "Dask scheduler" in roles
    assert {"Dask worker-1 process", "Dask worker-2 process"} <= set(roles), roles
    assert watch.over_bar() == [], [(s.role, s.peak_bytes) for s in watch.over_bar()]
    assert all(seen.peak_bytes > 0 for seen in watch.peaks() if seen.role != "client") and BAR_BYTES == 1 << 30


@pytest.fixture(scope="module")
def national_pack(tmp_path_factory) -> Path:
    return write_national_pack(tmp_path_factory.mktemp("national") / "pack", 1250)


@pytest.mark.integration
@pytest.mark.parametrize("locality", ["all", "L1150"])
def test_every_chart_of_every_page_holds_a_national_footprint(national_pack, locality):
    """1,250 localities: no chart over Altair's 5,000 rows; a chart of localities shows the one asked about."""
    from stpkit import charts, pages
    from stpkit.pages import Note

    charts.setup()
    drawn = 0
    specs = {}
    for name, page_class in pages.PAGES.items():
        page = page_class(national_pack, locality, mode="static")
        for chart_name, chart in page.result.charts.items():
            if isinstance(chart, Note):
                continue
            spec = specs[(name, chart_name)] = chart.to_dict()  # raises over 5,000 rows (Altair's limit)
            rows = sum(len(values) for values in spec.get("datasets", {}).values())
            assert rows <= 5000, (name, chart_name, rows)
            drawn += 1
    assert drawn >= 35

    def subtitle(key) -> str:
        words = specs[key]["title"].get("subtitle", "")
        return " ".join(words) if isinstance(words, list) else words

    if locality == "all":  # the curve of pool sizes: a spread of the 5,000 pools, saying so
        assert "120 of the localities' 5,000 pools" in subtitle(("bed_capacity", "risk_vs_occupancy"))
    else:  # cut to the largest 39: the locality asked about is drawn too, and its place said
        words = subtitle(("locality_deep_dive", "savings"))
        assert "largest 39 of 1,250 shown, and Locality 1150 (" in words, words
        assert "Locality 1150" in str(specs[("locality_deep_dive", "savings")]["datasets"])
        funnel = specs[("budgets", "funnel")]  # among 1,250 points, ringed and named
        assert '"text": {"field": "label"' in str(funnel).replace("'", '"') and "Locality 1150" in str(funnel)
