"""Real-browser journey of an official: NOx per km² in 2023, click a park, read its panel."""

from __future__ import annotations

import re

import pytest

from geo import stats
from geo.maps import format_number
from geo.store.db import Store
from tests.browser import map_frame

pytestmark = pytest.mark.browser


def test_official_reads_a_parks_nox_per_km2_for_2023(portal, browser_page):
    page, requests = browser_page
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("园区排名").first.wait_for(timeout=60_000)

    main = page.get_by_test_id("stMain")
    main.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=re.compile("氮氧化物排放量")).click()
    main.get_by_text("每平方公里").click()
    thumb = main.get_by_role("slider").first
    thumb.focus()
    thumb.press("ArrowLeft")
    page.get_by_text(re.compile(r"园区排名 · 氮氧化物排放量（每平方公里） · 2023")).wait_for(timeout=60_000)

    # While a rerun replaces the map, the old and the new iframe coexist for a moment.
    frame = map_frame(page)
    frame.locator(".binhai-legend", has_text="t/km²").wait_for(timeout=60_000)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    legend = frame.locator(".binhai-legend").inner_text()
    assert "t/km²" in legend and "无数据" in legend

    # Click the largest park on screen (its centre is inside it), then read the side panel.
    parks = frame.locator("path.leaflet-interactive")
    boxes = [(i, parks.nth(i).bounding_box()) for i in range(parks.count())]
    index = max(boxes, key=lambda ib: ib[1]["width"] * ib[1]["height"])[0]
    parks.nth(index).dispatch_event("click")

    panel_title = page.locator(".st-key-park_panel_title strong").first
    panel_title.wait_for(timeout=60_000)
    park_name = panel_title.inner_text().strip()
    store = Store(portal.db_path)
    park = stats.park_values(store, "nox", 2023).set_index("name").loc[park_name]
    profile = stats.park_profile(store, park["id"], 2023).set_index("indicator")
    nox_text = format_number(profile.loc["nox", "value"])
    # st.dataframe draws on a canvas; its accessible table (attached, not visible) holds the cell text.
    nox_row = page.locator("table[role='grid'] tr", has_text="氮氧化物排放量").first
    nox_row.wait_for(state="attached", timeout=30_000)
    assert nox_text in nox_row.text_content()
    page.screenshot(path=str(portal.artifacts / "cockpit-park-panel.png"), full_page=True)
    assert not [r for r in requests if r.startswith("http") and "127.0.0.1" not in r and "localhost" not in r]
