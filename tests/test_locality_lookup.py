"""A locality by id or by unique name, the same everywhere an id is taken: `stpkit summary --locality`,
`stpkit reports --localities`, the pages' `locality` and the apps' ?locality=; when neither matches,
the error names the closest locality and lists the ids with their names."""

from __future__ import annotations

import pytest

from packs import LOCALITIES, write_pack
from stpkit import apps, load_pack, pages
from stpkit.apps import kernel
from stpkit.pack import closest_locality, find_localities, find_locality
from stpkit.report.build import RunError, _choose_localities
from stpkit.synthetic import write_synthetic_pack


@pytest.fixture
def small(tmp_path):
    return load_pack(write_pack(tmp_path / "small"))


@pytest.mark.unit
def test_an_id_a_name_or_the_whole_footprint(small):
    assert find_locality(small, "B2") == "B2"
    assert find_locality(small, "b2") == "B2"  # an id in the wrong case, when only one id reads so
    assert find_locality(small, "Ashby") == "A1"
    assert find_locality(small, "  st mary's & bank (east) ") == "B2"  # case and spaces at the ends do not matter
    assert find_locality(small, "all") == find_locality(small, None) == find_locality(small, "") == "all"
    assert find_localities(small, ["Cray", "A1"], allow_all=False) == ["C3", "A1"]


@pytest.mark.unit
def test_a_misspelt_locality_gets_a_guess_and_the_list(small):
    with pytest.raises(LookupError) as raised:
        find_locality(small, "Ashbey")
    assert str(raised.value) == ('no locality "Ashbey" in the pack Test footprint; did you mean A1 (Ashby)? '
                                 "Use \"all\", a locality_id or a unique name: A1 Ashby; B2 St Mary's & Bank (East); "
                                 "C3 Cray")
    assert closest_locality(small, "c 3") == ("C3", "Cray")
    assert closest_locality(small, "Basildon") is None
    with pytest.raises(LookupError, match='^no locality "all" in the pack'):
        find_localities(small, ["all"], allow_all=False)
    with pytest.raises(LookupError) as raised:
        find_localities(small, ["Crey", "A1", "Nowhere"])
    assert str(raised.value).startswith('no locality "Crey" or "Nowhere" in the pack Test footprint; did you mean C3 '
                                        '(Cray) for "Crey"? Use "all"')


@pytest.mark.unit
def test_a_locality_number_without_its_leading_zero(tmp_path):
    pack = load_pack(write_synthetic_pack(tmp_path / "syn", localities=12, seed=1))
    with pytest.raises(LookupError, match=r'no locality "L11" in the pack Synthetic footprint; did you mean L0011 \(Locality 11\)\? '):
        find_locality(pack, "L11")


@pytest.mark.unit
def test_a_name_two_localities_share_is_refused_with_their_ids(tmp_path):
    pack = load_pack(write_pack(tmp_path, localities_csv=LOCALITIES.replace("Cray", "Ashby")))
    with pytest.raises(LookupError, match=r'^"Ashby" is the name of 2 localities in the pack Test footprint \(A1, C3\): give the id\. Use'):
        find_locality(pack, "Ashby")
    assert find_locality(pack, "C3") == "C3"


@pytest.mark.unit
def test_a_large_pack_lists_the_first_localities_and_counts_the_rest(tmp_path):
    pack = load_pack(write_synthetic_pack(tmp_path / "big", localities=40, seed=2, optional=False))
    with pytest.raises(LookupError) as raised:
        find_locality(pack, "Nowhere at all")
    message = str(raised.value)
    assert "L0010 Locality 10; and 30 more in localities.csv" in message and "L0011" not in message


@pytest.mark.unit
def test_pages_take_a_name(small):
    assert pages.check_locality(small, "Cray") == "C3"
    with pytest.raises(LookupError, match=r'no locality "Cary" in the pack Test footprint; did you mean C3 \(Cray\)\? Use'):
        pages.check_locality(small, "Cary")


@pytest.mark.unit
def test_reports_localities_take_names_in_the_order_given(small):
    chosen = _choose_localities(small, ["Cray", "a1"])
    assert list(chosen["locality_id"]) == ["C3", "A1"]
    with pytest.raises(RunError, match=r'^no locality "Crey" in the pack Test footprint; did you mean C3 \(Cray\)\? Use a locality_id or'):
        _choose_localities(small, ["A1", "Crey"])


@pytest.mark.unit
def test_an_app_address_takes_a_name(tmp_path):
    write_pack(tmp_path / "small")
    served = apps.Served(pack=tmp_path / "small", data_dir=tmp_path, notebooks=tmp_path)
    catalogue = apps.PackCatalogue()
    assert apps.check_request(served, catalogue, "locality=Cray")[2] == "C3"
    assert apps.check_request(served, catalogue, "locality=St%20Mary's%20%26%20Bank%20(East)")[2] == "B2"
    with pytest.raises(apps.AppRefusal) as refused:
        apps.check_request(served, catalogue, "locality=Ashbey")
    assert refused.value.status == 404
    assert str(refused.value) == ('There is no locality "Ashbey" in Test footprint. Did you mean Ashby (A1)? '
                                  "Pick one from the list on the apps' front page.")


@pytest.mark.integration
def test_a_preheated_app_page_set_to_a_locality_by_name(monkeypatch, tmp_path):
    """The page a preheated kernel drew for the footprint is set to the locality named in the address, by its id."""
    write_pack(tmp_path / "small")
    monkeypatch.setenv(apps.ENV_DATA, str(tmp_path))
    monkeypatch.setenv(apps.ENV_PACK, str(tmp_path / "small"))
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setattr(kernel, "warm_up", lambda: None)
    monkeypatch.setattr(kernel, "_request", None)
    monkeypatch.setattr(kernel, "_applied_at_start", False)
    page = pages.NeedsPage(tmp_path / "small", "all", mode="static")
    monkeypatch.setenv("QUERY_STRING", "locality=cray")
    apps.finish_request({"page": page})
    assert page.locality == "C3" and page.initial["locality"] == "C3"
    assert page.figures == pages.NeedsPage(tmp_path / "small", "C3", mode="static").figures


@pytest.mark.e2e
def test_cli_reports_names_the_closest_locality_before_anything_runs(tmp_path):
    from test_validate import run_cli

    out = tmp_path / "out"
    run = run_cli("reports", str(write_pack(tmp_path / "small")), "--out", str(out), "--localities", "Cray,Ashbey")
    assert run.returncode == 2 and not out.exists()
    assert run.stderr.splitlines() == [
        'stpkit: error: no locality "Ashbey" in the pack Test footprint; did you mean A1 (Ashby)? Use a locality_id '
        "or a unique name: A1 Ashby; B2 St Mary's & Bank (East); C3 Cray"]
