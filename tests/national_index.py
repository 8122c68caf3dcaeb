"""A report pack's index at national scale without running its notebooks: shared by
tests/test_index_browser.py and benchmarks/bench_index.py.

`national_index(folder)` writes the synthetic 1,250-locality pack (`stpkit.synthetic`), plans its
jobs with the run's own planner (`stpkit.report.jobs.plan`: every locality and the footprint against
the eight default notebooks, 10,008 reports), takes the places' headline figures and the plan on a page
from the model as a run does (`build._locality_headlines`, `build._plan_front`), gives each report
headline figures shaped like the real notebooks' (labels, texts, whose, flags) and a status (a few
failed, a few not run, half unchanged since an earlier run), and writes manifest.json and index.html
with the functions a run publishes with (`publish.write_manifest`, `publish.index_html`,
`publish.write_atomic`). The report files themselves are not written: the index only links to them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from stpkit.figures import fte, money, percent
from stpkit.pack import load_pack
from stpkit.report import build, publish
from stpkit.report import jobs as planning
from stpkit.synthetic import write_synthetic_pack

LOCALITIES = 1250
FAILED_EVERY = 997  # about one report in a thousand fails
NOT_RUN_EVERY = 1999  # and one in two thousand was not run (an interrupted run)


def _report_figures(notebook: str, place: str, footprint: str, population: float, rng) -> list[dict]:
    """Headline figures like the real notebook's cards: labels, texts as shown, whose, a flag now and then."""
    def card(label, text, whose=place, flag=None):
        return {"label": label, "value": None, "kind": "text", "text": text, "note": None, "whose": whose,
                **({"flag": flag} if flag else {})}

    admissions = population * rng.uniform(0.07, 0.11)
    savings = population * rng.uniform(60, 110)
    figures = {
        "needs_analysis": [card("People", f"{population:,.0f}"),
                           card("Emergency admissions a year", f"{admissions:,.0f}"),
                           card("Very high risk (top 0.5%)", f"{population * 0.005:,.0f} people"),
                           card("Cutting emergency admissions by 10%", f"{admissions * 0.1:,.0f} a year")],
        "locality_deep_dive": [card("Archetype", rng.choice(["Urban affluent", "Urban deprived", "Rural", "Coastal"]),
                                    flag="illustrative"),
                               card("Gross savings in 2020/21", money(savings)),
                               card("Emergency admissions", f"+{rng.uniform(1, 9):.1f}% on 2015/16")],
        "investment_phasing": [card("Investment made", money(savings * 0.6)),
                               card("Gross savings in 2020/21", money(savings)),
                               card("Cash released in 2020/21", money(savings * 0.25)),
                               card("Footprint investment", "£8.41bn", whose=footprint)],
        "workforce_gap": [card("Share of the gap in 2020/21", fte(population / 4000), flag="illustrative"),
                          card("Workforce gap in 2020/21", "38,812.5 FTE", whose=footprint, flag="illustrative")],
        "bed_capacity": [card("Beds needed in 2020/21", f"{population / 680:,.0f}", flag="illustrative"),
                         card("Beds for a 5% risk", f"{population / 580:,.0f}", flag="illustrative"),
                         card("Chance of finding no bed", percent(rng.uniform(0.05, 0.3)), flag="illustrative")],
        "plan_on_a_page": [card("Do nothing, 2020/21", money(-savings * 1.9)),
                           card("Solutions, 2020/21", money(savings * 0.5)),
                           card("Do something, 2020/21", money(-savings * 1.4))],
        "budgets": [card("Weighted population", f"{population * rng.uniform(0.8, 1.2):,.0f}", flag="illustrative"),
                    card("Fair share of the budget", money(population * 520), flag="illustrative"),
                    card("Distance from target", f"{money(population * 60)} (+{rng.uniform(0, 30):.1f}%)")],
        "scenario_comparison": [card("Comprehensive option: NPV", money(savings * rng.uniform(-0.5, 0.5)),
                                     flag="illustrative"),
                                card("Do nothing: NPV", "£0", flag="illustrative")],
    }
    return figures.get(notebook, [card("Population", f"{population:,.0f}")])


def national_manifest(pack_path: Path, seed: int = 16) -> dict:
    """The manifest a run of every default notebook for every locality of the pack would write."""
    pack = load_pack(pack_path)
    books = planning.find_notebooks()
    places = build.with_footprint(pack, pack.localities)
    fingerprint = planning.pack_fingerprint(pack.path)
    plan = planning.plan(places, books, pack_path=pack.path, pack_hash=fingerprint["hash"], disclosure=True)
    place_figures = build._locality_headlines(pack, True)
    population = {str(r.locality_id): float(r.population) for r in places.itertuples(index=False)}
    footprint = build.footprint_name(pack.name)
    rng = np.random.default_rng(seed)
    reports, counts = [], {"ok": 0, "failed": 0, "reused": 0, "not_run": 0, "carried": 0}
    for number, job in enumerate(plan):
        record = {"locality_id": job.locality_id, "locality": job.locality, "group": job.group,
                  "notebook": job.notebook, "notebook_title": job.notebook_title, "parameters": job.parameters,
                  "inputs_hash": job.inputs_hash, "html": job.html, "ipynb": job.ipynb, "sha256": {}, "bytes": {},
                  "seconds": {"total": round(float(rng.uniform(0.3, 1.5)), 3)}, "worker": number % 2,
                  "finished": "2026-12-07T05:00:00+00:00", "error": None, "ipynb_written": True}
        if job.locality_id != build.FOOTPRINT and number % FAILED_EVERY == FAILED_EVERY - 1:
            record.update(status="failed", html=None, headlines=[], reused=False,
                          error={"ename": "ValueError", "evalue": f"no beds data for {job.locality_id} in beds.csv",
                                 "cell": 4, "traceback": ""})
            counts["failed"] += 1
        elif job.locality_id != build.FOOTPRINT and number % NOT_RUN_EVERY == NOT_RUN_EVERY - 1:
            record = {k: record[k] for k in ("locality_id", "locality", "group", "notebook", "notebook_title",
                                             "parameters")}
            record.update(status="not run", reused=False)
            counts["not_run"] += 1
        else:
            whose = footprint if job.locality_id == build.FOOTPRINT else job.locality
            record.update(status="ok", reused=bool(number % 2),
                          headlines=_report_figures(job.notebook, whose, footprint, population[job.locality_id], rng))
            counts["ok"] += 1
            counts["reused"] += int(record["reused"])
        reports.append(record)
    return {
        "format": planning.FORMAT,
        "run": {"started": "2026-12-07T04:00:00+00:00", "finished": "2026-12-07T05:00:00+00:00",
                "wall_seconds": 3600.0, "executor": "2 local workers", "scheduler": None, "disclosure": True,
                "disclosure_rule": build.disclosure_rule.RULE, "force": False, "interrupted": False,
                "ran": counts["ok"] + counts["failed"] - counts["reused"]},
        "inputs": {"pack": {"path": str(pack.path), "name": pack.name, "hash": fingerprint["hash"],
                            "files": fingerprint["files"]}, "scenario": None},
        "notebooks": [{"name": b.name, "title": b.title, "path": str(b.path), "sha256": b.sha256} for b in books],
        "localities": [{"locality_id": str(r.locality_id), "locality": str(r.locality),
                        "group": r.group if isinstance(r.group, str) else "",
                        "folder": planning.safe_name(r.locality_id),
                        "headlines": place_figures.get(str(r.locality_id), [])}
                       for r in places.itertuples(index=False)],
        "workbook": {"path": "footprint_tables.xlsx"},
        "plan": build._plan_front(pack, True),
        "summary": counts,
        "reports": reports,
    }


def national_index(folder: Path, localities: int = LOCALITIES) -> Path:
    """Write the synthetic pack, its manifest and index.html under `folder`; returns the index's path.
    Reuses what an earlier call wrote in the same folder."""
    folder = Path(folder)
    index = folder / "reports" / publish.INDEX
    if index.is_file():
        return index
    pack = folder / "pack"
    if not (pack / "pack.toml").is_file():
        write_synthetic_pack(pack, localities=localities, seed=16)
    manifest = national_manifest(pack)
    out = folder / "reports"
    publish.write_manifest(out, manifest)
    publish.write_atomic(out / publish.INDEX, publish.index_html(manifest))
    return index


def read_manifest(index: Path) -> dict:
    return json.loads((Path(index).parent / publish.MANIFEST).read_text(encoding="utf-8"))


if __name__ == "__main__":  # write one to look at: python tests/national_index.py FOLDER
    import sys

    path = national_index(Path(sys.argv[1] if len(sys.argv) > 1 else "national-index"))
    print(path, f"{os.path.getsize(path) / 1e6:.2f} MB")
