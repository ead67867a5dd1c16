"""Shared fixtures: tiny GeoDataFrames per layer and fresh temp stores."""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import layers
from geo.permissions import Actor
from geo.store import Store, open_store
from tests import pg

ROOT = Path(__file__).resolve().parent.parent
# The acting administrator of tests that write through geo/'s write functions.
ADMIN = Actor("tester", "测试管理员", frozenset({"admin"}), "cli")


# Fixtures that hand a test a store of its own: the test is part of the store contract.
STORE_FIXTURES = {"empty_store", "seeded_store", "open_page", "new_store", "seeded_copy"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if STORE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.store)
    if pg.enabled():
        # The contract run on PostGIS: every store-touching test, nothing else (the rest ran on DuckDB).
        kept = [i for i in items if "store" in i.keywords and "duckdb_only" not in i.keywords]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    # Browser tests are opt-in locally (`make test` and CI opt in with RUN_BROWSER/REQUIRE_BROWSER).
    if os.environ.get("RUN_BROWSER") or os.environ.get("REQUIRE_BROWSER"):
        return
    skip = pytest.mark.skip(reason="browser tests need RUN_BROWSER=1 (make test sets it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _template(tmp_path_factory, name: str, build) -> Iterator[Path | str]:
    """A store built once per session by `build(store)`: a DuckDB file, or a PostGIS template database."""
    if pg.enabled():
        database = pg.create_database()
        build(open_store(pg.url_of(database)))
        yield database
        pg.drop_database(database)
        return
    path = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
    build(Store(path))
    yield path


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory) -> Iterator[Path | str]:
    yield from _template(tmp_path_factory, "empty", lambda store: store.migrate(layers.all_specs()))


def copy_of(template: Path | str, folder: Path) -> Store:
    """A store of its own for one test: a copy of a template built once per session.

    A DuckDB file is copied into `folder`; on PostGIS (`tests.pg`) the template is a database and
    the copy a new database made from it (dropped at the end of the session's run).
    """
    if isinstance(template, str):
        return open_store(pg.url_of(pg.create_database(template)))
    path = folder / template.name
    shutil.copy(template, path)
    return Store(path)


def _dropped(store: Store) -> None:
    if store.kind == "postgis":
        pg.drop_database(store.name)


@pytest.fixture
def empty_store(_empty_template, tmp_path) -> Store:
    """A migrated store with no data, fresh for each test (a copy of one migrated store)."""
    store = copy_of(_empty_template, tmp_path)
    yield store
    _dropped(store)


@pytest.fixture
def new_store(tmp_path) -> Store:
    """A store that does not exist yet (a DuckDB file path, or an empty PostGIS database)."""
    if pg.enabled():
        store = open_store(pg.url_of(pg.create_database()))
        yield store
        _dropped(store)
        return
    yield Store(tmp_path / "new.duckdb")


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Iterator[Path | str]:
    from data.sample import seed_store

    yield from _template(tmp_path_factory, "seeded", lambda store: seed_store(store, seed=2025, scale=1))


@pytest.fixture
def seeded_store(_seeded_template, tmp_path) -> Store:
    """A fresh copy of the seeded sample store for each test (tests may write to it)."""
    store = copy_of(_seeded_template, tmp_path)
    yield store
    _dropped(store)


@pytest.fixture
def tiny_parks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["PK-T1", "PK-T2"],
            "name": ["南港测试园区", "临港测试园区"],
            "zone": ["天津港保税区", "天津港保税区"],
            "town": ["古林街道", "新城镇"],
            "industry": ["petrochemical", "equipment"],
            "level": ["national", "municipal"],
            "circular_status": ["done", "in_progress"],
            "established": [2010, 2012],
        },
        geometry=[shapely.box(117.55, 38.76, 117.57, 38.78), shapely.box(117.70, 38.92, 117.72, 38.94)],
        crs="EPSG:4326",
    )


@pytest.fixture
def tiny_wastewater() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["WW-T1"],
            "name": ["塘沽新河污水处理厂"],
            "facility_type": ["urban"],
            "design_capacity": [15.0],
            "discharge_standard": ["DB12/599-A"],
            "town": ["新河街道"],
            "operator": ["示意运营单位"],
            "online_monitoring": ["connected"],
        },
        geometry=[shapely.Point(117.63, 39.00)],
        crs="EPSG:4326",
    )


@pytest.fixture
def spec_of():
    return layers.get_spec


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="module")
def portal(_seeded_template, tmp_path_factory, artifacts_dir):
    """The real app served on a free localhost port over a copy of the seeded store."""
    from tests.browser import served_portal

    path = tmp_path_factory.mktemp("portal") / "portal.duckdb"
    shutil.copy(_seeded_template, path)
    with served_portal(path, artifacts_dir) as served:
        yield served


@pytest.fixture(scope="module")
def _browser():
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, require_chromium

    executable = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser):
    """A fresh page plus the list of every URL it (and its iframes) requested."""
    context = _browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    yield page, requests
    context.close()


@pytest.fixture
def open_page(seeded_store, monkeypatch):
    """AppTest of the portal on a copy of the seeded store, switched to `page` (a views/*.py path)."""
    from streamlit.testing.v1 import AppTest

    def _open(page: str | None = None, **env: str):
        if seeded_store.kind == "postgis":
            monkeypatch.setenv("BINHAI_DB_URL", seeded_store.location)
        else:
            monkeypatch.setenv("BINHAI_DB", str(seeded_store.path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90)
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        assert not at.exception, at.exception
        return at

    return _open


def open_tab(at, key: str, label: str):
    """Click the tab `label` of the lazy tabs under `key` (views.shell.lazy_tabs): only that tab runs."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def page_maps(open_page, monkeypatch):
    """Every folium map the pages hand to st_folium (pickled as made), the grid overlay drawn on 一张图."""
    import streamlit_folium

    maps = []
    original = streamlit_folium.st_folium

    def keep(fig, *args, **kwargs):
        maps.append(pickle.dumps(fig))  # as the page made it: rendering changes a map
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(streamlit_folium, "st_folium", keep)
    at = open_page("views/map.py")
    at.selectbox(key="overview_grid").select_index(1).run()
    for page in ("parks", "assessment", "ledgers", "facilities", "water", "disclosure", "zones"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, at.exception)
    for page, tab_key, tab in (  # the second map of two pages, each in its own tab
        ("ledgers", "ledger_tab", "重点用能单位在线监测"),
        ("facilities", "fac_tab", "服务覆盖"),
    ):
        open_tab(at.switch_page(f"views/{page}.py"), tab_key, tab)
    return maps


@pytest.fixture
def connections(monkeypatch):
    """`connections(store)`: a list that grows by one each time that store's backend opens a connection."""

    def count(store: Store) -> list[object]:
        opened: list[object] = []
        original = type(store)._connect

        def counting(self):
            con = original(self)
            opened.append(con)
            return con

        monkeypatch.setattr(type(store), "_connect", counting)
        return opened

    return count
