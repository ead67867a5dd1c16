"""Every page on a 390 × 844 phone screen: no sideways overflow of the page, maps with their layer list and
legend folded (not covering the map), key columns first, and a screenshot of each page for review."""

from __future__ import annotations

import pytest

from tests.browser import MAP_IFRAME, ready_map

pytestmark = pytest.mark.browser

PAGES = ("map", "parks", "assessment", "ledgers", "data", "water", "public")


@pytest.fixture
def phone(_browser):
    context = _browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_each_page_fits_a_phone_and_its_map_starts_uncovered(portal, phone, path):
    page = phone
    page.goto(portal.url + path, wait_until="domcontentloaded")
    page.get_by_test_id("stMain").locator("h1").first.wait_for(timeout=60_000)
    page.wait_for_timeout(2000)
    # Nothing makes the page wider than the screen (tabs scroll inside their own bar).
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1
    frames = page.locator(MAP_IFRAME)
    if frames.count():
        frame = ready_map(page)
        frame.wait_for_timeout(300)
        assert frame.locator(".leaflet-control-layers-expanded").count() == 0
        assert frame.evaluate(
            "() => Array.from(document.querySelectorAll('.binhai-legend details')).every(d => !d.open)"
        )
        tabs = page.get_by_role("tablist")
        if tabs.count():
            assert tabs.first.bounding_box()["width"] <= 390
    page.screenshot(path=str(portal.artifacts / f"phone-{path}.png"), full_page=False)


def test_the_assessment_table_shows_name_status_and_progress_first(portal, phone):
    page = phone
    page.goto(portal.url + "assessment", wait_until="domcontentloaded")
    header = page.locator("table[role='grid'] thead tr").first
    header.wait_for(state="attached", timeout=60_000)
    # The grid's header row can be attached before its cells hold their titles: read it until it settles.
    cells: list[str] = []
    for _ in range(40):
        cells = [c.strip() for c in header.locator("th").all_inner_texts() if c.strip()]
        if len(cells) >= 3:
            break
        page.wait_for_timeout(250)
    assert cells[:3] == ["开发区", "进度", "路径完成度"]  # name, status, share of the path
