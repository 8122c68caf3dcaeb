"""stpkit apps without a browser: what an address may ask for, the front page, the kernel hooks,
the command line, and (with a real server) what is and is not reachable."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from stpkit import DEFAULT_PACK, apps, load_pack, plan
from stpkit.apps import kernel, server
from stpkit.cli import UserError, main
from stpkit.synthetic import write_synthetic_pack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps_fixtures.harness import ARTIFACTS, AppsServer, fixture_notebooks  # noqa: E402
from packs import write_pack  # noqa: E402


@pytest.fixture
def data_dir(tmp_path):
    """A data folder with two packs and one folder that is not a pack."""
    write_pack(tmp_path / "small")
    write_synthetic_pack(tmp_path / "awkward", localities=6, seed=3)
    (tmp_path / "notes").mkdir()
    return tmp_path


# ---------------------------------------------------------------------------------------------
# What an address may ask for


@pytest.mark.unit
def test_parse_query_takes_locality_and_pack_only():
    assert apps.parse_query("locality=A1&pack=small") == {"locality": "A1", "pack": "small"}
    assert apps.parse_query("locality=") == {}
    assert apps.parse_query({"locality": [b"B2"]}) == {"locality": "B2"}
    with pytest.raises(apps.AppRefusal, match='"template"'):
        apps.parse_query("locality=A1&template=classic")
    with pytest.raises(apps.AppRefusal, match="2 times"):
        apps.parse_query("locality=A1&locality=B2")


@pytest.mark.unit
def test_served_packs_are_the_pack_folders_under_the_data_folder(data_dir):
    packs = apps.served_packs(data_dir)
    assert list(packs) == ["awkward", "small"]
    assert packs["small"] == (data_dir / "small").resolve()


@pytest.mark.unit
def test_resolve_pack_refuses_anything_outside_the_data_folder(data_dir):
    default = data_dir / "small"
    assert apps.resolve_pack(None, data_dir, default) == default.resolve()
    assert apps.resolve_pack("awkward", data_dir, default) == (data_dir / "awkward").resolve()
    for outside in ["../small", "/etc", str(DEFAULT_PACK), "notes", "small/..", "nope"]:
        with pytest.raises(apps.AppRefusal, match="packs on offer are"):
            apps.resolve_pack(outside, data_dir, default)


@pytest.mark.unit
def test_check_request_names_an_unknown_locality_plainly(data_dir):
    served = apps.Served(pack=data_dir / "small", data_dir=data_dir, notebooks=data_dir)
    catalogue = apps.PackCatalogue()
    assert apps.check_request(served, catalogue, "locality=B2")[2] == "B2"
    assert apps.check_request(served, catalogue, "")[2] == "all"
    name, path, locality = apps.check_request(served, catalogue, "pack=awkward&locality=L0001")
    assert (name, path.name, locality) == ("awkward", "awkward", "L0001")
    with pytest.raises(apps.AppRefusal) as refused:
        apps.check_request(served, catalogue, "locality=L0001")  # a locality of the other pack
    assert refused.value.status == 404
    assert str(refused.value) == ('There is no locality "L0001" in Test footprint. '
                                  "Pick one from the list on the apps' front page.")


@pytest.mark.unit
def test_a_pack_with_problems_is_refused_before_a_kernel_is_spent(data_dir):
    write_pack(data_dir / "broken", **{"pods.csv": "pod,growth\nnon_elective,lots\n"})
    served = apps.Served(pack=data_dir / "small", data_dir=data_dir, notebooks=data_dir)
    with pytest.raises(apps.AppRefusal, match=r'"broken" has \d+ problem') as refused:
        apps.check_request(served, apps.PackCatalogue(), "pack=broken")
    assert refused.value.status == 422
    assert "stpkit validate" in str(refused.value)


@pytest.mark.unit
def test_catalogue_reloads_a_pack_only_when_a_file_changes(data_dir):
    catalogue = apps.PackCatalogue()
    first = catalogue.load(data_dir / "small")
    assert catalogue.load(data_dir / "small") is first
    localities = data_dir / "small" / "localities.csv"
    localities.write_text(localities.read_text(encoding="utf-8").replace("Ashby", "Ashby Parva"), encoding="utf-8")
    os.utime(localities, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert ("A1", "Ashby Parva", "North") in catalogue.localities(data_dir / "small")


# ---------------------------------------------------------------------------------------------
# Pages the server writes itself


@pytest.mark.unit
def test_landing_page_links_four_apps_and_lists_awkward_names_safely(data_dir):
    served = apps.Served(pack=data_dir / "awkward", data_dir=data_dir, notebooks=data_dir)
    page = apps.landing_page(served, apps.PackCatalogue())
    for name, (title, _) in apps.APPS.items():
        assert f'formaction="/apps/{name}"' in page and title in page
    # names with apostrophes, ampersands, quotes and brackets arrive escaped, never as markup
    assert "St Mary&#39;s &amp; St John&#39;s (North)" in page
    assert "The &#34;Old&#34; Town (Central)" in page
    assert '<option value="L0001">' in page
    # two packs under the data folder: a pack picker
    assert '<select id="pack" name="pack">' in page and '<option value="small">small</option>' in page


@pytest.mark.unit
def test_landing_page_for_another_pack_carries_it_in_every_link(data_dir):
    served = apps.Served(pack=data_dir / "awkward", data_dir=data_dir, notebooks=data_dir)
    page = apps.landing_page(served, apps.PackCatalogue(), pack_name="small", locality="B2")
    assert '<input type="hidden" name="pack" value="small">' in page
    assert '<option value="B2" selected>St Mary&#39;s &amp; Bank (East) (B2)</option>' in page
    assert 'href="/apps/workforce_gap?pack=small"' in page


@pytest.mark.unit
def test_problem_page_escapes_the_message():
    page = apps.problem_page('no locality "<script>"')
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert 'href="/"' in page


# ---------------------------------------------------------------------------------------------
# Kernel side


@pytest.mark.unit
def test_from_request_outside_the_apps_returns_its_arguments(monkeypatch):
    monkeypatch.delenv(apps.ENV_DATA, raising=False)
    assert apps.from_request("some/pack", "MSE05") == ("some/pack", "MSE05")
    assert apps.from_request(None, "all") == (None, "all")


@pytest.fixture
def app_kernel(monkeypatch, data_dir):
    """This process made to look like an app kernel of a server serving data_dir/small."""
    monkeypatch.setenv(apps.ENV_DATA, str(data_dir))
    monkeypatch.setenv(apps.ENV_PACK, str(data_dir / "small"))
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setattr(kernel, "warm_up", lambda: None)
    monkeypatch.setattr(kernel, "_request", None)
    monkeypatch.setattr(kernel, "_applied_at_start", False)
    return data_dir


@pytest.mark.unit
def test_from_request_in_a_kernel_started_for_its_page(monkeypatch, app_kernel):
    """A kernel started for a page (not preheated) has its request in its environment from the start."""
    monkeypatch.setenv("QUERY_STRING", "pack=awkward&locality=L0003")
    assert apps.from_request(None, "all") == (str((app_kernel / "awkward").resolve()), "L0003")
    # the request is read once per kernel
    monkeypatch.setenv("QUERY_STRING", "locality=B2")
    assert apps.from_request(None, "all")[1] == "L0003"
    # no ?pack=: the served pack, whatever the notebook's default
    monkeypatch.setattr(kernel, "_request", None)
    assert apps.from_request("elsewhere", "all") == (str((app_kernel / "small").resolve()), "B2")
    monkeypatch.setattr(kernel, "_request", None)
    monkeypatch.setenv("QUERY_STRING", "pack=../small")
    with pytest.raises(apps.AppRefusal):
        apps.from_request(None, "all")


@pytest.mark.unit
def test_from_request_in_a_preheated_kernel_without_waiting(monkeypatch, app_kernel):
    """Ahead of any request, a preheated kernel runs the notebook for the served pack and its default."""
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert apps.from_request(None, "all", wait=False) == (str((app_kernel / "small").resolve()), "all")
    assert kernel._request is None and not kernel._applied_at_start


@pytest.mark.integration
def test_finish_request_sets_the_page_to_the_locality_asked_for(monkeypatch, app_kernel):
    from stpkit import pages

    page = pages.NeedsPage(app_kernel / "small", "all", mode="static")
    monkeypatch.setenv("QUERY_STRING", "locality=B2")
    apps.finish_request({"page": page, "other": 1})
    assert page.locality == "B2" and page.initial["locality"] == "B2"
    direct = pages.NeedsPage(app_kernel / "small", "B2", mode="static")
    assert page.figures == direct.figures


@pytest.mark.integration
@pytest.mark.parametrize("name", ["NeedsPage", "LocalityPage", "InvestmentPage", "WorkforcePage"])
def test_a_page_set_to_a_locality_equals_the_page_built_for_it(name):
    """What a preheated app relies on: the page for "all" set to a locality shows exactly what the page
    built for that locality shows (figures, every chart's spec, every table)."""
    from stpkit import load_pack, pages

    pack = load_pack(DEFAULT_PACK)

    def snapshot(page):
        charts = {k: (v.to_dict() if hasattr(v, "to_dict") else v.html()) for k, v in page.result.charts.items()}
        tables = {k: v.html() for k, v in page.result.tables.items()}
        return json.dumps([page.figures, page.values(), charts, tables, str(page.result.cards)], sort_keys=True,
                          default=str)

    cls = getattr(pages, name)
    moved = cls(pack, "all", mode="static").set(locality="MSE05")
    assert snapshot(moved) == snapshot(cls(pack, "MSE05", mode="static"))


@pytest.mark.unit
def test_prepare_notebook_adds_the_request_cells(tmp_path):
    import nbformat

    fixture = nbformat.read(Path(__file__).parent / "apps_fixtures" / "whatif.ipynb", as_version=4)
    prepared = apps.prepare_notebook(fixture)
    assert len(prepared.cells) == len(fixture.cells) + 1
    assert "parameters" in prepared.cells[1].metadata["tags"]
    assert "from_request(" in prepared.cells[2].source and "wait=True" in prepared.cells[2].source
    assert not apps.draws_whole_page_first(fixture)

    page_notebook = nbformat.read(apps.NOTEBOOKS_DIR / "needs_analysis.ipynb", as_version=4)
    prepared = apps.prepare_notebook(page_notebook)
    assert apps.draws_whole_page_first(page_notebook)
    index = next(i for i, c in enumerate(prepared.cells) if "parameters" in c.metadata.get("tags", []))
    assert "wait=False" in prepared.cells[index + 1].source
    assert prepared.cells[-1].source == "_stpkit_apps.finish_request(globals())"
    # the two request cells added, the JupyterLab how-to left out; the notebook itself is left as it was
    howto = [c for c in page_notebook.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert len(howto) == 1 and "papermill" in howto[0].source
    assert len(page_notebook.cells) + 2 - 1 == len(prepared.cells)
    assert not any("papermill" in c.source or "-p pack" in c.source for c in prepared.cells)


@pytest.mark.unit
def test_plain_message_passes_our_own_plain_errors_and_hides_the_rest():
    assert apps.plain_message(UserError("no locality X")) == "no locality X"
    assert apps.plain_message(KeyError("secret")) == apps.PLAIN_ERROR
    assert "secret" not in apps.plain_message(ZeroDivisionError("secret"), apps.PLAIN_CALLBACK_ERROR)


@pytest.mark.unit
def test_kernel_profile_runs_the_setup_in_every_app_kernel(tmp_path):
    folder = apps.write_kernel_profile(tmp_path / "ipython")
    config = (folder / "profile_default" / "ipython_kernel_config.py").read_text(encoding="utf-8")
    assert "_stpkit_apps.kernel_setup()" in config
    compile(config, "ipython_kernel_config.py", "exec")


@pytest.mark.unit
def test_a_page_gets_a_warm_kernel_when_there_is_one_and_else_its_own(monkeypatch, tmp_path):
    """Voila's pool holds kernels still warming up; a page must not queue behind them."""

    async def scenario():
        async def started(kernel_id, delay=0.0):
            await asyncio.sleep(delay)
            return {"kernel_id": kernel_id}

        warming = asyncio.ensure_future(started("aaaa-1", delay=60))
        done_cold = asyncio.ensure_future(started("bbbb-2"))     # started, notebook still running
        done_warm = asyncio.ensure_future(started("cccc-3"))     # started and waiting for a page
        await asyncio.sleep(0.01)
        (tmp_path / "cccc-3").touch()
        pool = [warming, done_cold, done_warm]
        assert apps.warm_kernel(pool, tmp_path) is True
        assert pool == [done_warm, warming, done_cold]            # Voila takes the first
        assert apps.warm_kernel([warming, done_cold], tmp_path) is False
        assert apps.warm_kernel([], tmp_path) is False
        assert apps.warm_kernel(pool, None) is False
        warming.cancel()
        assert apps.warm_kernel([warming], tmp_path) is False

    asyncio.run(scenario())


@pytest.mark.unit
def test_a_warm_kernel_says_so_in_the_warm_folder_and_the_log(monkeypatch, tmp_path):
    monkeypatch.setenv(apps.ENV_WARM_DIR, str(tmp_path))
    monkeypatch.setenv("VOILA_KERNEL_ID", "0f1e2d3c-aaaa-bbbb-cccc-000000000001")
    kernel._say_warm()
    assert (tmp_path / "0f1e2d3c-aaaa-bbbb-cccc-000000000001").is_file()
    monkeypatch.setenv("VOILA_KERNEL_ID", "../escape")
    kernel._say_warm()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0f1e2d3c-aaaa-bbbb-cccc-000000000001"]


@pytest.mark.unit
def test_widget_code_waits_longer_for_its_models(tmp_path):
    folder = tmp_path / "@jupyter-widgets" / "jupyterlab-manager" / "static"
    folder.mkdir(parents=True)
    code = ('async get_model(e){let t=this._models[e];if(void 0===t){let o=Date.now();for(;Date.now()-o<2e3;)'
            '{await 0}throw Error("widget model not found")}return t}'
            'o.send({method:"request_states"},{}),setTimeout(()=>l("Control comm did not respond in time"),4e3)})')
    (folder / "32.js").write_text(code, encoding="utf-8")
    (folder / "other.js").write_text("let a=2e3;", encoding="utf-8")
    patched = apps.patient_widget_js(folder / "32.js").decode("utf-8")
    assert "Date.now()-o<6e4;" in patched and "in time\"),3e4)" in patched
    assert patched.replace("6e4", "2e3").replace("3e4", "4e3") == code
    assert apps.patient_widget_js(folder / "other.js") is None


@pytest.mark.integration
def test_the_installed_widget_manager_is_the_one_patched():
    """If ipywidgets changes its code, the patch must be looked at again (this test says so)."""
    import jupyterlab_widgets
    from jupyter_core.paths import jupyter_path

    files = [f for root in jupyter_path("labextensions")
             for f in Path(root, "@jupyter-widgets", "jupyterlab-manager", "static").glob("*.js")]
    patched = [f for f in files if apps.patient_widget_js(f) is not None]
    assert len(patched) == 1, f"jupyterlab_widgets {jupyterlab_widgets.__version__}: patched {patched}"
    text = apps.patient_widget_js(patched[0]).decode("utf-8")
    assert "<6e4;" in text and "in time\"),3e4)" in text


@pytest.mark.unit
def test_page_templates_are_compiled_once_for_every_page_and_again_when_changed(tmp_path):
    import jinja2

    (tmp_path / "page.j2").write_text("Hello {{ who }}", encoding="utf-8")
    cache = server._MemoryBytecodeCache()

    def environment(is_async=False):
        return jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=cache,
                                  enable_async=is_async)

    assert environment().get_template("page.j2").render(who="Basildon") == "Hello Basildon"
    assert len(cache.store) == 1
    second = environment()
    second.compile = lambda *a, **k: pytest.fail("compiled again")
    assert second.get_template("page.j2").render(who="Thurrock") == "Hello Thurrock"
    asynchronous = environment(is_async=True)  # async templates compile to other code: kept apart
    assert asyncio.run(asynchronous.get_template("page.j2").render_async(who="Rayleigh")) == "Hello Rayleigh"
    assert len(cache.store) == 2
    (tmp_path / "page.j2").write_text("Goodbye {{ who }}", encoding="utf-8")
    assert environment().get_template("page.j2").render(who="Maldon") == "Goodbye Maldon"


@pytest.mark.unit
def test_the_server_shares_compiled_templates_between_exporters(monkeypatch):
    from nbconvert.exporters.templateexporter import TemplateExporter

    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)  # put back after
    apps.share_compiled_templates()
    apps.share_compiled_templates()  # twice changes nothing
    assert getattr(TemplateExporter._create_environment, "stpkit_shared", False)
    assert TemplateExporter()._create_environment().bytecode_cache is server._TEMPLATE_CACHE


@pytest.mark.integration
def test_offline_chart_javascript_is_bundled_once_and_kept():
    path = apps.offline_chart_js()  # the servers in these tests use the same file
    text = path.read_text(encoding="utf-8")
    assert path.name.startswith("altair-") and len(text) > 100_000
    assert "cdn.jsdelivr" not in text.split("sourceMappingURL")[0][:2000]  # no import from a CDN
    stamp = path.stat().st_mtime_ns
    assert apps.offline_chart_js() == path and path.stat().st_mtime_ns == stamp


# ---------------------------------------------------------------------------------------------
# Command line (refusals happen before anything is served)


@pytest.mark.integration
def test_cli_apps_help_names_every_option(capsys):
    with pytest.raises(SystemExit) as done:
        main(["apps", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in ("--pack", "--port", "--no-browser", "--data", "--ip", "--pool-size"):
        assert option in out


@pytest.mark.integration
def test_cli_apps_refuses_a_folder_that_is_not_a_pack(tmp_path, capsys):
    assert main(["apps", "--pack", str(tmp_path), "--no-browser"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"stpkit: error: {tmp_path} is not a footprint pack (it has no pack.toml)"]


@pytest.mark.integration
def test_cli_apps_refuses_a_pack_with_problems(tmp_path, capsys):
    write_pack(tmp_path / "bad", **{"pods.csv": "pod,growth\nnon_elective,lots\n"})
    assert main(["apps", "--pack", str(tmp_path / "bad"), "--no-browser"]) == 1
    assert "Nothing was run on this pack" in capsys.readouterr().err


@pytest.mark.integration
def test_cli_apps_needs_all_four_notebooks(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "apps_fixtures" / "whatif.ipynb", folder / "needs_analysis.ipynb")
    assert main(["apps", "--notebooks", str(folder), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "locality_deep_dive.ipynb, investment_phasing.ipynb, workforce_gap.ipynb" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# A real server: only the apps are reachable, and the page cannot send code


@pytest.fixture(scope="module")
def fixture_server(tmp_path_factory):
    """`stpkit apps` on the what-if fixture notebook, no preheating (quick to start)."""
    root = tmp_path_factory.mktemp("apps-http")
    data = root / "data"
    shutil.copytree(DEFAULT_PACK, data / "mid_south_essex")
    write_synthetic_pack(data / "awkward", localities=6, seed=3)
    notebooks = fixture_notebooks(root / "notebooks")
    server = AppsServer(ARTIFACTS / "server-http.log", notebooks=notebooks, pack=data / "mid_south_essex",
                        data=data, pool_size=0)
    try:
        server.wait_up()
        yield server
    finally:
        server.stop()


def _get(url: str, headers: dict | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)


NOT_APPS = ["/tree", "/lab", "/notebooks/needs_analysis.ipynb", "/edit/needs_analysis.ipynb", "/api/contents",
            "/api/contents/needs_analysis.ipynb", "/api/kernels", "/api/sessions", "/api/terminals",
            "/terminals/1", "/files/needs_analysis.ipynb", "/voila/tree", "/voila/render/needs_analysis.ipynb",
            "/voila/files/needs_analysis.ipynb", "/voila/api/contents", "/voila/api/contents/needs_analysis.ipynb",
            "/login", "/apps/", "/apps/needs_analysis.ipynb", "/apps/secret", "/apps/../api/contents",
            "/voila/static/../../../../etc/passwd", "/voila/templates/lab/../../../../../etc/passwd"]


@pytest.mark.e2e
@pytest.mark.parametrize("path", NOT_APPS)
def test_nothing_but_the_apps_is_reachable(fixture_server, path):
    status, body, _ = _get(fixture_server.url.rstrip("/") + path)
    assert status in (403, 404), f"{path} answered {status}"
    assert "Traceback" not in body and "needs_analysis.ipynb" not in body


@pytest.mark.e2e
def test_front_page_lists_the_apps_and_localities(fixture_server):
    status, body, headers = _get(fixture_server.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Mid and South Essex: what-if apps" in body
    assert body.count("formaction=") == len(apps.APPS) == 5 and "Colne Valley (MSE05)" in body
    # the plan on a page's headline sentence, as stpkit.plan gives it, links the plan's app
    headline = plan.headline(plan.summary(load_pack(DEFAULT_PACK)))
    assert html.escape(headline, quote=True) in body and 'href="/apps/plan_on_a_page"' in body
    assert '<option value="awkward">awkward</option>' in body
    status, body, _ = _get(fixture_server.url + "?pack=awkward")
    assert status == 200 and "St Mary&#39;s &amp; St John&#39;s (North)" in body


@pytest.mark.e2e
@pytest.mark.parametrize("query, status, words", [
    ("locality=NOWHERE", 404, 'There is no locality "NOWHERE" in Mid and South Essex'),
    ("locality=Colne%20Vally", 404, 'There is no locality "Colne Vally" in Mid and South Essex. Did you mean '
                                     "Colne Valley (MSE05)?"),
    ("pack=..%2Fmid_south_essex", 400, 'There is no pack called "../mid_south_essex" here'),
    ("pack=%2Fetc", 400, 'There is no pack called "/etc" here'),
    ("locality=MSE05&template=classic", 400, 'a setting the apps do not know: "template"'),
    ("locality=MSE05&locality=MSE06", 400, 'gives "locality" 2 times'),
])
def test_refused_addresses_get_a_plain_page(fixture_server, query, status, words):
    got, body, _ = _get(fixture_server.url + "apps/needs_analysis?" + query)
    assert got == status
    assert words.replace('"', "&#34;") in body
    assert "Traceback" not in body and "Back to the list of apps" in body


@pytest.mark.e2e
def test_an_app_page_holds_no_code(fixture_server):
    status, body, _ = _get(fixture_server.url + "apps/needs_analysis?locality=MSE05")
    assert status == 200
    assert "Colne Valley" in body
    # the fixture's source lines never reach the page
    for source in ("activity.project", "def figures", "alt.renderers.enable", "load_pack("):
        assert source not in body
    assert "cdn.jsdelivr" not in body and "fontawesome" not in body.lower()


@pytest.mark.e2e
def test_an_app_address_may_name_its_locality(fixture_server):
    status, body, _ = _get(fixture_server.url + "apps/needs_analysis?locality=colne%20valley")
    assert status == 200
    assert r"\u003ch2 class=\u0027place\u0027\u003eColne Valley\u003c/h2\u003e" in body  # the fixture's headline


@pytest.mark.e2e
def test_the_page_loads_its_front_end_once_and_early(fixture_server):
    """voila.js comes once, right after the page's settings (not after the last cell), loaded async."""
    status, body, _ = _get(fixture_server.url + "apps/needs_analysis?locality=MSE05")
    assert status == 200
    scripts = re.findall(r"<script[^>]*voila\.js[^>]*>", body)
    assert scripts == ['<script async src="/voila/static/voila.js">']
    config = body.index('id="jupyter-config-data"')
    assert config < body.index(scripts[0]) < body.index('cell-index="1"')
    assert body.index("window.voila_finish()") > body.index('cell-index="1"')


@pytest.mark.unit
def test_only_extension_files_named_by_their_content_are_cached_for_good():
    assert apps.cacheable_extension_file("/voila/labextensions/anywidget/static/remoteEntry.698dcaf7.js", {})
    assert apps.cacheable_extension_file("/voila/labextensions/x/static/452.1926530ab7f8e046.js", {})
    assert apps.cacheable_extension_file("/voila/labextensions/x/static/452.js", {"v": [b"1926530ab7f8e046"]})
    assert not apps.cacheable_extension_file("/voila/labextensions/x/static/style.js", {})
    assert not apps.cacheable_extension_file("/voila/labextensions/x/package.json", {})


@pytest.mark.e2e
def test_extension_files_are_kept_by_the_browser(fixture_server):
    from jupyter_core.paths import jupyter_path

    entry = next(f for root in jupyter_path("labextensions")
                 for f in Path(root, "anywidget", "static").glob("remoteEntry.*.js"))
    status, _, headers = _get(f"{fixture_server.url}voila/labextensions/anywidget/static/{entry.name}")
    assert status == 200 and "immutable" in headers["Cache-Control"]


@pytest.mark.e2e
def test_a_foreign_host_name_is_refused(fixture_server):
    """Served on 127.0.0.1 only, the server also refuses pages reached through another name."""
    status, body, _ = _get(fixture_server.url, headers={"Host": "attacker.example"})
    assert status == 403 and "Traceback" not in body


@pytest.mark.e2e
def test_server_listens_on_127_0_0_1_only(fixture_server):
    import psutil

    listening = {c.laddr for c in psutil.Process(fixture_server.process.pid).net_connections("inet")
                 if c.status == psutil.CONN_LISTEN}
    assert listening and {address.ip for address in listening} == {"127.0.0.1"}


@pytest.mark.e2e
def test_the_page_cannot_send_code_to_its_kernel(fixture_server, tmp_path):
    """An execute_request sent down the page's own kernel channel is dropped: nothing runs."""
    import websockets

    status, body, _ = _get(fixture_server.url + "apps/needs_analysis")
    kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body).group(1)
    marker = tmp_path / f"ran-{uuid.uuid4().hex}"

    def message(msg_type, content, channel="shell"):
        return json.dumps({"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": uuid.uuid4().hex,
                                      "username": "", "version": "5.3", "date": ""},
                           "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
                           "buffers": []})

    async def attempt() -> list[dict]:
        url = fixture_server.url.replace("http://", "ws://") + f"api/kernels/{kernel_id}/channels"
        replies = []
        async with websockets.connect(url, max_size=None) as ws:
            code = f"open({str(marker)!r}, 'w').write('ran')"
            await ws.send(message("execute_request", {"code": code, "silent": False, "store_history": False,
                                                      "user_expressions": {}, "allow_stdin": False}))
            await ws.send(message("inspect_request", {"code": "import os", "cursor_pos": 5, "detail_level": 0}))
            await ws.send(message("kernel_info_request", {}))  # allowed: proves the channel itself works
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=2))
                except asyncio.TimeoutError:
                    continue
                replies.append(reply)
                if reply["header"]["msg_type"] == "kernel_info_reply":
                    await asyncio.sleep(2)  # time for an execute_request to have run, had it been passed
                    break
        return replies

    replies = asyncio.run(attempt())
    kinds = {r["header"]["msg_type"] for r in replies}
    assert "kernel_info_reply" in kinds
    assert not kinds & {"execute_reply", "execute_input", "inspect_reply"}
    assert not marker.exists()


@pytest.mark.e2e
def test_the_widget_manager_is_served_patient(fixture_server):
    """The page gets the widget manager that waits 60 s for a model (see apps.WIDGET_WAIT_PATCHES)."""
    from jupyter_core.paths import jupyter_path

    files = [f for root in jupyter_path("labextensions")
             for f in Path(root, "@jupyter-widgets", "jupyterlab-manager", "static").glob("*.js")
             if apps.patient_widget_js(f) is not None]
    status, body, headers = _get(f"{fixture_server.url}voila/labextensions/@jupyter-widgets/jupyterlab-manager/"
                                 f"static/{files[0].name}")
    assert status == 200 and "<6e4;" in body and "<2e3;" not in body
    assert int(headers["Content-Length"]) == len(body.encode("utf-8"))


@pytest.mark.unit
def test_server_configuration_keeps_pages_alive_on_a_busy_machine(tmp_path):
    served = apps.Served(pack=Path(DEFAULT_PACK), data_dir=Path(DEFAULT_PACK).parent, notebooks=tmp_path)
    c = apps.build_config(served, "127.0.0.1", 8866, pool_size=2)
    assert c.VoilaExecutor.startup_timeout >= 300 and c.VoilaExecutor.timeout is None
    assert c.VoilaKernelManager.fill_delay > 0
    assert {name: v["pool_size"] for name, v in c.VoilaKernelManager.kernel_pools_config.items()} == \
        {"default": 0, **{f"{name}.ipynb": 2 for name in apps.APPS}}
    assert c.VoilaConfiguration.strip_sources and not c.VoilaConfiguration.show_tracebacks
