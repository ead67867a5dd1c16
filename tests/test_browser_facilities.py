"""Real-browser journey: an overloaded plant's load-rate chart; the PM2.5 grid and a park's pm25_mean on 园区指标."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from geo import facilities, stats
from geo.indicators import INDICATORS
from geo.store.db import Store
from tests.browser import choose_option, features, mouse_to, ready_map, until_shown, wait_drawn, wait_idle

pytestmark = pytest.mark.browser


def _map_with_grid(page, box=None, grid: str = "PM2.5 · 2024"):
    """The map's frame once it shows the grid overlay and its legend (a rerun may replace the frame meanwhile).

    With `box` (the overlay's select box), the grid is chosen again on a quiet page when a rerun under
    load swallowed the first choice (the box no longer shows it).
    """
    for _ in range(6):
        if box is not None:
            wait_idle(page)
            if grid not in box.inner_text():
                choose_option(page, box, grid, grid)
                wait_idle(page)
        frame = ready_map(page)
        try:
            frame.locator("img.leaflet-image-layer").first.wait_for(state="attached", timeout=20_000)
            frame.locator(".binhai-grid-legend", has_text="μg/m³").wait_for(timeout=20_000)
            return frame
        except PlaywrightError:
            wait_idle(page)
    raise AssertionError("the grid overlay never showed on the map")


def _open_expander(page, header, inside) -> None:
    """Open an expander by its header on a quiet page until `inside` shows (a rerun can swallow a click)."""
    until_shown(page, header.click, inside, tries=3, timeout_ms=15_000, what="the expander's content")


def test_overloaded_plant_then_pm25_grid_and_a_parks_mean(portal, browser_page):
    page, requests = browser_page
    store = Store(portal.db_path)
    summary = facilities.plant_summary(store, 2024)
    plant = summary[summary["overloaded"]].sort_values("load_rate", ascending=False).iloc[0]

    # 1. 污水处理 → pick an overloaded plant → its panel shows the monthly load-rate chart
    page.goto(portal.url + "facilities", wait_until="domcontentloaded")
    page.get_by_text("处理设施一览").first.wait_for(timeout=90_000)
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    picker = main.get_by_test_id("stSelectbox").filter(has=page.get_by_text("设施", exact=True)).first
    choose_option(page, picker, plant["name"][:4], re.compile(re.escape(plant["name"]) + ".*超负荷"))
    page.locator(".st-key-plant_panel_title strong", has_text=plant["name"]).wait_for(timeout=60_000)
    chart = page.locator(".st-key-load_rate_chart")
    chart.get_by_text("月度负荷率").wait_for(timeout=60_000)
    chart.locator("canvas, svg").first.wait_for(timeout=60_000)
    load_metric = main.get_by_test_id("stMetric").filter(has_text="负荷率").first
    assert f"{plant['load_rate']:.0%}" in load_metric.inner_text()
    page.screenshot(path=str(portal.artifacts / "facilities-overloaded-plant.png"), full_page=True)

    # 2. 园区指标 → switch on the PM2.5 grid → pick pm25_mean → a park's panel shows its mean
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("园区排名").first.wait_for(timeout=90_000)
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    box = main.get_by_test_id("stSelectbox").filter(has_text="浓度网格叠加").first
    _open_expander(page, main.get_by_text("浓度网格叠加").first, box)
    choose_option(page, box, "PM2.5 · 2024", "PM2.5 · 2024")
    wait_idle(page)
    _map_with_grid(page, box)

    choose_option(
        page, main.get_by_test_id("stSelectbox").first, "PM2.5 年均浓度（均值）", re.compile(r"PM2\.5 年均浓度（均值）")
    )
    page.get_by_text(re.compile(r"园区排名 · PM2\.5 年均浓度（均值）")).first.wait_for(timeout=60_000)
    wait_idle(page)
    # The statistics run to 2025, the sample grids to 2024: step the year back once.
    thumb = main.get_by_role("slider").first
    ranked_2024 = page.get_by_text(re.compile(r"园区排名 · PM2\.5 年均浓度（均值）.* · 2024")).first

    def step_back() -> None:
        thumb.focus()
        thumb.press("ArrowLeft")

    # Pressed again only if a rerun swallowed the key press (the slider still on 2025), never past 2024.
    until_shown(
        page,
        step_back,
        ranked_2024,
        timeout_ms=45_000,
        last_ms=30_000,
        done=lambda: thumb.get_attribute("aria-valuenow") == "2024",
        what="the 2024 ranking",
    )
    wait_idle(page)
    # The largest park a real mouse reaches (the grid lies under the parks), clicked on the canvas.
    title = page.locator(".st-key-park_panel_title strong").first

    def click_largest_park() -> None:
        frame = _map_with_grid(page)  # the frame of now: a rerun may have replaced the map
        wait_drawn(frame, "choropleth")
        wait_idle(page)
        mouse_to(page, next(f for f in features(frame, "choropleth") if f["own"]), click=True)

    until_shown(page, click_largest_park, title, timeout_ms=45_000, last_ms=30_000, what="the park's panel")
    park = stats.park_values(store, "pm25_mean", 2024).set_index("name").loc[title.inner_text().strip()]
    expected = INDICATORS["pm25_mean"].format(park["value"])
    row = page.locator("table[role='grid'] tr", has_text="PM2.5 年均浓度（均值）").first
    row.wait_for(state="attached", timeout=60_000)
    assert expected in row.text_content()
    page.screenshot(path=str(portal.artifacts / "parks-pm25-grid.png"), full_page=True)
    assert not [r for r in requests if r.startswith("http") and "127.0.0.1" not in r and "localhost" not in r]
