"""Rendering safety in a real browser: hostile names stored in the layers are shown as text, never run.

A portal of its own serves a copy of the seeded store in which the largest parks and zones carry
markup (`<img src=x onerror=alert(1)>`, `<script>…`, an `onload` SVG, a `javascript:` markdown link).
Every tooltip and popup of the overview and park maps is opened, a park is clicked into the side
panel, and bad files from tests/data/bad are uploaded on the data page (a GCJ-02 one is flagged, then
converted with the page's box): no dialog may fire, and no element made from the hostile text may
exist, in the page or in the map iframe.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import layers
from geo.store.db import Store
from geo.store.features import read_layer, write_layer
from tests.browser import (
    features,
    frame_of,
    map_frame,
    mouse_to,
    open_check,
    require_chromium,
    served_portal,
    until_shown,
    wait_drawn,
    wait_idle,
)

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
EVIL_PARKS = ("<img src=x onerror=alert(1)>", '"><svg onload=alert(3)>', "[点我](javascript:alert(6))")
EVIL_ZONES = ("<script>alert(2)</script>", "<iframe src=javascript:alert(4)>")
MARKS = ("alert(1)", "alert(2)", "alert(3)", "alert(4)", "alert(6)")
# Elements only an injection could have made (none of the portal's own markup has them).
INJECTED = "img[src='x'], img[onerror], svg[onload], iframe[src^='javascript:'], a[href^='javascript:']"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Hover (and, where clicks do not rerun the page, click) every feature of the map — polygons, lines
# and circle markers, on the canvas — through Leaflet's own events, so that every tooltip and popup is
# rendered once. Returns, for each hostile mark seen *as text* in a tooltip or popup, the id of the
# first feature that showed it.
OPEN_EVERY_SHAPE = """([marks, click]) => {
    const map = window.binhaiMap, seen = {}, all = [];
    map.eachLayer(l => { if (l.feature && l instanceof L.Path && l.options.interactive !== false) all.push(l); });
    for (const l of all) {
        const latlng = l.getLatLng ? l.getLatLng() : l.getCenter();
        const containerPoint = map.latLngToContainerPoint(latlng);
        const originalEvent = new MouseEvent('mousemove', {clientX: containerPoint.x, clientY: containerPoint.y});
        const at = {latlng: latlng, layerPoint: map.latLngToLayerPoint(latlng), containerPoint: containerPoint,
                    originalEvent: originalEvent};
        for (const type of click ? ['mouseover', 'mousemove', 'click'] : ['mouseover', 'mousemove']) {
            l.fire(type, Object.assign({}, at), true);
        }
        for (const shown of document.querySelectorAll('.leaflet-tooltip, .leaflet-popup-content')) {
            for (const mark of marks) if (shown.textContent.includes(mark) && !(mark in seen)) {
                seen[mark] = String(l.feature.id ?? l.feature.properties.id ?? '');
            }
        }
        l.fire('mouseout', Object.assign({}, at), true);
    }
    return seen;
}"""
# A Leaflet click on the feature with this id (what the park layer's click handler reacts to).
CLICK_FEATURE = """(id) => {
    const map = window.binhaiMap;
    map.eachLayer(l => {
        if (!l.feature || String(l.feature.id ?? l.feature.properties.id) !== id) return;
        const latlng = l.getLatLng ? l.getLatLng() : l.getCenter();
        const containerPoint = map.latLngToContainerPoint(latlng);
        l.fire('click', {latlng: latlng, layerPoint: map.latLngToLayerPoint(latlng), containerPoint: containerPoint,
                         originalEvent: new MouseEvent('click', {clientX: containerPoint.x, clientY: containerPoint.y})}, true);
    });
}"""
# A `<script>alert(2)</script>` that got through would be a script element of its own (the map's data
# script legitimately holds the escaped names, `&lt;script&gt;alert(2)…`).
INJECTED_SCRIPTS = """marks => [...document.scripts].filter(s => marks.includes(s.textContent.trim())).length"""


def rename_largest(store: Store, spec, names: tuple[str, ...], now: dt.datetime) -> None:
    layer = read_layer(store, spec)
    largest = layer["area_km2"].sort_values(ascending=False).index[: len(names)]
    layer.loc[largest, "name"] = list(names)
    with store.transaction() as session:
        write_layer(session, spec, layer.drop(columns=["area_km2", "length_km"]), "replace", now)


@pytest.fixture(scope="module")
def hostile_portal(_seeded_template, tmp_path_factory, artifacts_dir):
    require_chromium()
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(_seeded_template, path)
    store = Store(path)
    now = dt.datetime(2025, 1, 1)
    rename_largest(store, layers.get_spec("parks"), EVIL_PARKS, now)
    rename_largest(store, layers.get_spec("prohibited_zones"), EVIL_ZONES, now)
    with served_portal(path, artifacts_dir / "safety") as served:
        yield served


@pytest.fixture
def watched_page(browser_page):
    """A page whose dialogs (alert/confirm/prompt, from any frame) are recorded and dismissed."""
    page, _ = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, dialogs


def assert_nothing_injected(page, dialogs: list[str]) -> None:
    page.wait_for_timeout(500)  # an onerror/onload would fire asynchronously
    assert dialogs == []
    for frame in page.frames:
        assert frame.locator(INJECTED).count() == 0, frame.url
        assert frame.evaluate(INJECTED_SCRIPTS, list(MARKS)) == 0, frame.url


def open_every_shape(page, click: bool = True) -> dict[str, str]:
    frame = map_frame(page)
    wait_drawn(frame)
    return frame_of(frame).evaluate(OPEN_EVERY_SHAPE, [list(MARKS), click])


def test_overview_map_shows_hostile_names_as_text_in_tooltips_and_popups(hostile_portal, watched_page):
    page, dialogs = watched_page
    page.goto(hostile_portal.url, wait_until="domcontentloaded")
    page.locator(MAP_IFRAME).first.wait_for(timeout=60_000)
    frame = map_frame(page)
    wait_drawn(frame, "parks")
    mouse_to(page, next(f for f in features(frame, "parks") if f["own"]))  # a real pointer first, then every shape
    seen = open_every_shape(page)
    # The hostile names reached the page, as text: escaped, not dropped.
    assert {"alert(1)", "alert(2)"} <= set(seen), seen
    page.screenshot(path=str(hostile_portal.artifacts / "safety-overview.png"), full_page=True)
    assert_nothing_injected(page, dialogs)


def test_park_cockpit_shows_a_hostile_park_name_as_text(hostile_portal, watched_page):
    page, dialogs = watched_page
    page.goto(hostile_portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("园区排名").first.wait_for(timeout=60_000)
    seen = open_every_shape(page, click=False)  # a click here selects a park and reruns the page
    assert "alert(1)" in seen, seen
    for mark, name in (("alert(1)", EVIL_PARKS[0]), ("alert(6)", EVIL_PARKS[2])):
        frame_of(map_frame(page)).evaluate(CLICK_FEATURE, seen[mark])
        # The side panel shows the literal name: HTML and markdown (a javascript: link) inert.
        page.locator(".st-key-park_panel_title strong", has_text=name).wait_for(timeout=60_000)
        assert_nothing_injected(page, dialogs)
        seen = open_every_shape(page, click=False)
    page.screenshot(path=str(hostile_portal.artifacts / "safety-cockpit.png"), full_page=True)
    assert_nothing_injected(page, dialogs)


@pytest.mark.parametrize(
    "name, layer_title, expected",
    [
        ("html_in_names.geojson", "工业园区", "HTML/脚本标记"),
        ("xxe.kml", "污水处理设施", "外部实体（XXE"),
        ("truncated.geojson", "工业园区", "似乎被截断"),
    ],
)
def test_bad_corpus_file_uploaded_on_the_data_page_gets_a_message(
    hostile_portal, watched_page, name, layer_title, expected
):
    page, dialogs = watched_page
    main = open_check(page, hostile_portal, layer_title)
    main.locator(".st-key-layer_upload input[type=file]").set_input_files(str(CORPUS / name))
    main.get_by_text("校验未通过").wait_for(timeout=60_000)
    report = main.get_by_test_id("stCode").first
    report.wait_for(timeout=30_000)
    text = report.inner_text()
    assert name in text and expected in text, text
    if name == "html_in_names.geojson":
        assert "<script>alert(1)</script>" in text  # quoted in the report as text
    assert "Traceback" not in main.inner_text()
    assert_nothing_injected(page, dialogs)


def test_gcj02_file_is_flagged_then_converted_when_the_box_is_ticked(hostile_portal, watched_page):
    page, dialogs = watched_page
    main = open_check(page, hostile_portal, "工业园区")
    upload = main.locator(".st-key-layer_upload input[type=file]")
    upload.set_input_files(str(CORPUS / "gcj02_declared.geojson"))
    main.get_by_text("校验未通过").wait_for(timeout=60_000)
    wait_idle(page)
    assert "疑似 GCJ-02（火星坐标）偏移" in main.get_by_test_id("stCode").first.inner_text()
    box = main.get_by_test_id("stCheckbox").filter(has_text="数据为 GCJ-02（火星坐标），转换后导入").first
    passed = main.get_by_text("校验通过：1 个要素可导入")
    # Ticked on a quiet page; once more if the rerun swallowed the click (never unticked again).
    until_shown(
        page,
        box.get_by_text("数据为 GCJ-02（火星坐标），转换后导入").click,
        passed,
        last_ms=60_000,
        done=box.locator("input").is_checked,
        what="the check passing after the GCJ-02 box was ticked",
    )
    assert_nothing_injected(page, dialogs)
