"""Real-browser journey of an official: NOx per km² in 2023, click a park, read its panel."""

from __future__ import annotations

import re

import pytest

import layers
from geo import stats
from geo.maps import format_number
from geo.store.db import Store
from geo.store.features import read_layer
from tests.browser import (
    MAP_IFRAME,
    center_map,
    feature_at,
    features,
    frame_of,
    map_frame,
    mouse_to,
    ready_map,
    until_shown,
    wait_drawn,
    wait_idle,
)

pytestmark = pytest.mark.browser


def test_official_reads_a_parks_nox_per_km2_for_2023(portal, browser_page):
    page, requests = browser_page
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("园区排名").first.wait_for(timeout=60_000)

    main = page.get_by_test_id("stMain")
    main.get_by_test_id("stSelectbox").first.click()
    page.keyboard.type("nox")  # found by what people call it
    page.get_by_role("option", name=re.compile(r"氮氧化物（NOx）排放量")).click()
    main.get_by_text("每平方公里").click()
    thumb = main.get_by_role("slider").first
    thumb.focus()
    thumb.press("ArrowLeft")  # 2025 → 2024 (the sample holds the 十四五 final year, issue 13) …
    thumb.press("ArrowLeft")  # … → 2023
    page.get_by_text(re.compile(r"园区排名 · 氮氧化物（NOx）排放量（每平方公里） · 2023")).wait_for(timeout=60_000)

    # While a rerun replaces the map, the old and the new iframe coexist for a moment.
    frame = map_frame(page)
    frame.locator(".binhai-legend", has_text="t/km²").wait_for(timeout=60_000)
    wait_drawn(frame, "choropleth")
    legend = frame.locator(".binhai-legend").inner_text()
    assert "t/km²" in legend and "无数据" in legend
    # The parks without data are drawn hatched on the canvas (the SVG pattern made a CanvasPattern).
    hatched = "() => !!L.Canvas.prototype._binhaiPatterns['url(#binhai-nodata)']"
    assert frame_of(frame).evaluate(hatched)

    # Click the largest park on screen where the mouse reaches it, then read the side panel.
    largest = next(f for f in features(frame, "choropleth") if f["own"])
    mouse_to(page, largest, click=True)

    panel_title = page.locator(".st-key-park_panel_title strong").first
    panel_title.wait_for(timeout=60_000)
    park_name = panel_title.inner_text().strip()
    store = Store(portal.db_path)
    park = stats.park_values(store, "nox", 2023).set_index("name").loc[park_name]
    profile = stats.park_profile(store, park["id"], 2023).set_index("indicator")
    nox_text = format_number(profile.loc["nox", "value"])
    # st.dataframe draws on a canvas; its accessible table (attached, not visible) holds the cell text.
    nox_row = page.locator("table[role='grid'] tr", has_text="氮氧化物（NOx）排放量").first
    nox_row.wait_for(state="attached", timeout=30_000)
    assert nox_text in nox_row.text_content()
    page.screenshot(path=str(portal.artifacts / "cockpit-park-panel.png"), full_page=True)
    assert not [r for r in requests if r.startswith("http") and "127.0.0.1" not in r and "localhost" not in r]


def _map_in(page):
    """The content frame of the page's map, once it is framed."""
    return ready_map(page)


def test_five_real_mouse_clicks_each_open_the_clicked_park_and_keep_the_view(portal, browser_page):
    page, _ = browser_page
    store = Store(portal.db_path)
    parks = read_layer(store, layers.get_spec("parks"))
    points = parks.geometry.representative_point()
    # Only parks whose inner point no other park covers: the click must be unambiguous.
    alone = [i for i, p in enumerate(points) if int(parks.geometry.covers(p).sum()) == 1]
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.wait_for_function(f"() => document.querySelectorAll('{MAP_IFRAME}').length === 1", timeout=60_000)
    frame = _map_in(page)
    frame.evaluate("() => { window.binhaiMap.setView([38.80, 117.56], 12, {animate: false}); }")
    page.wait_for_timeout(500)
    zoom, centre = frame.evaluate("() => [window.binhaiMap.getZoom(), window.binhaiMap.getCenter()]")
    center_map(page)  # controls above the map can push it below the window's edge
    clicked = 0
    for i in alone:
        box = page.locator(MAP_IFRAME).first.bounding_box()
        x, y = frame.evaluate(
            f"() => {{ var p = window.binhaiMap.latLngToContainerPoint([{points.iloc[i].y}, {points.iloc[i].x}]); "
            "return [p.x, p.y]; }"
        )
        height = page.viewport_size["height"]
        if not (0 < x < box["width"] and 0 < y < box["height"] and 0 < box["y"] + y < height):
            continue  # outside the map or below the window's edge
        if feature_at(frame, x, y) != parks["id"].iloc[i]:
            continue  # under a control (search, legend, layer list): not a park's click
        name = parks["name"].iloc[i]
        page.mouse.move(box["x"] + x, box["y"] + y)  # the tooltip shows …
        page.mouse.click(box["x"] + x, box["y"] + y)  # … and the click still reaches the park
        page.locator(".st-key-park_panel_title strong").filter(has_text=name).wait_for(timeout=60_000)
        frame = _map_in(page)
        assert frame.evaluate("() => [window.binhaiMap.getZoom(), window.binhaiMap.getCenter()]") == [zoom, centre]
        clicked += 1
        if clicked == 5:
            break
    assert clicked == 5


MAP_PAGES = (
    ("map", None),
    ("parks", None),
    ("assessment", None),
    ("ledgers", "两高项目台账"),
    ("ledgers", "重点用能单位在线监测"),
)


@pytest.mark.parametrize(("path", "tab"), MAP_PAGES)
def test_every_map_opens_framed_on_the_district(portal, browser_page, path, tab):
    page, _ = browser_page
    page.goto(portal.url + path, wait_until="domcontentloaded")
    if tab:
        page.get_by_role("tab", name=tab).click()
    page.wait_for_timeout(1000)
    frame = ready_map(page)
    west, south, east, north = frame.evaluate(
        "() => { var b = window.binhaiMap.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    x0, y0, x1, y1 = read_layer(Store(portal.db_path), layers.get_spec("admin_units")).total_bounds
    assert west <= x0 + 0.01 and east >= x1 - 0.01 and south <= y0 + 0.01 and north >= y1 - 0.01  # all of it
    assert (north - south) < 3 * (y1 - y0)  # and tightly: not the world, not the province


@pytest.mark.parametrize("path", ("map", "parks", "assessment", "water", "public", "facilities"))
def test_every_map_page_shows_its_map_on_the_first_screen(portal, browser_page, path):
    """A 1400 × 1000 window: at least 400 px of the map (or all of it) in view before any scrolling.

    The controls above a map share rows (the day shown beside the page's other choices); before they did,
    园区指标 showed 386 px of its map and 目标考核 295 px — the rest below the fold of a "一张图" portal.
    """
    page, _ = browser_page
    page.goto(portal.url + path, wait_until="domcontentloaded")
    ready_map(page)
    wait_idle(page)  # no script running: the rows above the map are all drawn
    box = page.locator(MAP_IFRAME).first.bounding_box()
    shown = min(1000, box["y"] + box["height"]) - max(0, box["y"])
    assert shown >= min(400, box["height"] - 1), (path, box)


@pytest.mark.parametrize(
    ("typed", "found"), [("VOCs", "挥发性有机物（VOCs）排放量"), ("cod", "化学需氧量（COD）排放量")]
)
def test_the_indicator_picker_finds_pollutants_by_their_abbreviation(portal, browser_page, typed, found):
    page, _ = browser_page
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("园区排名").first.wait_for(timeout=60_000)
    options = page.get_by_role("option")

    def type_into_picker() -> None:
        page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first.click()
        page.keyboard.type(typed)

    # A click while the page still reruns can close the list again: Escape, and again.
    until_shown(
        page,
        type_into_picker,
        options.first,
        tries=3,
        timeout_ms=10_000,
        undo=lambda: page.keyboard.press("Escape"),
        what="the indicator list",
    )
    assert [o.strip() for o in options.all_inner_texts()] == [f"{found}（t）"]
