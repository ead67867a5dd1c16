"""Real-browser journeys of 禁燃区规划 (Leaflet-Geoman editor, vendored):

(a) draw a rectangle → its area and impact → save → submit → an approver approves it with today's date →
    it is on 一张图;
(b) edit one vertex of a multi-part zone with a hole → the diff shows the added area and its km², and the
    saved draft keeps both parts and the hole.
Every request stays on localhost (the editor's assets are vendored)."""

from __future__ import annotations

import re
import time

import geopandas as gpd
import pytest
import shapely

import layers
from geo import auth, io, zones
from geo.config import Limits
from geo.store.db import Store
from geo.store.features import count_features
from tests.browser import MAP_IFRAME, log_in, ready_map, wait_idle
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser

ZONES = layers.get_spec("prohibited_zones")
# A zone of two parts, the first with a hole, clear of every sample zone (in 新城镇 / 古林).
OUTER = shapely.box(117.56, 38.88, 117.60, 38.91)
HOLE = shapely.box(117.575, 38.89, 117.585, 38.90)
ISLAND = shapely.box(117.61, 38.88, 117.62, 38.89)
MULTI = shapely.MultiPolygon([shapely.Polygon(OUTER.exterior.coords, [HOLE.exterior.coords]), ISLAND])


def km2(geom) -> float:
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs("EPSG:4548").area.iloc[0] / 1e6)


def only_localhost(requests: list[str]) -> None:
    foreign = {u for u in requests if not re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)", u)}
    assert not foreign, sorted(foreign)[:5]


def editor_frame(page, zone_id: str | None = None, timeout_s: float = 90):
    """The editor's frame once it is ready (and edits `zone_id` when given); a rerun may replace it meanwhile."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    wanted = (
        "() => window.binhaiEditor !== undefined"
        if zone_id is None
        else "() => window.binhaiEditor !== undefined && window.drawnItems.toGeoJSON().features.some("
        f"f => f.properties.zone_id === {zone_id!r})"
    )
    while True:
        try:
            frame = ready_map(page)
            frame.wait_for_function(wanted, timeout=10_000)
            wait_idle(page)
            return frame
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise


def screen_point(page, frame, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a lon/lat on the editor map."""
    point = frame.evaluate(f"() => window.binhaiEditor.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator(MAP_IFRAME).first.bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"]


def metric(page, label: str) -> float:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return float(box.get_by_test_id("stMetricValue").inner_text().replace(",", ""))


def test_a_drawn_rectangle_is_checked_submitted_approved_and_shown_on_the_map(portal, browser_page):
    page, requests = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "planner.a", "planner-pass", ["planner"], "规划甲")
    auth.add_user(store, ADMIN, "approver.b", "approver-pass", ["zone_approver"], "审批乙")
    before = count_features(store, ZONES)

    page.goto(portal.url + "zones", wait_until="domcontentloaded")
    page.get_by_text("请在地图上绘制边界").wait_for(timeout=60_000)
    wait_idle(page)
    log_in(page, "planner.a", "planner-pass")
    page.get_by_test_id("stSidebar").get_by_text("已登录：规划甲").wait_for(timeout=60_000)
    wait_idle(page, quiet_ms=1500)
    frame = editor_frame(page)
    frame.locator(".leaflet-pm-icon-rectangle").click()
    x0, y0 = screen_point(page, frame, 117.55, 38.92)
    x1, y1 = screen_point(page, frame, 117.57, 38.90)
    page.mouse.click(x0, y0)
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.click(x1, y1)
    page.get_by_text("全部检查通过").wait_for(timeout=60_000)
    wait_idle(page)
    drawn = shapely.box(117.55, 38.90, 117.57, 38.92)
    assert metric(page, "面积（km²）") == pytest.approx(km2(drawn), rel=0.05)  # drawn by mouse: pixels off
    page.get_by_text("涉及街镇与开发区").wait_for(timeout=30_000)
    page.get_by_label("禁燃区名称").fill("浏览器划定禁燃区")
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text(re.compile(r"已保存方案 ZD-\d+")).wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="提交审批").click()
    page.get_by_text(re.compile(r"方案 ZD-\d+ 已提交审批")).wait_for(timeout=60_000)
    page.screenshot(path=str(portal.artifacts / "zones-submitted.png"), full_page=True)

    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    wait_idle(page)
    log_in(page, "approver.b", "approver-pass")
    page.get_by_test_id("stSidebar").get_by_text("已登录：审批乙").wait_for(timeout=60_000)
    page.get_by_text("审批", exact=True).click()
    page.get_by_text("待审批方案").wait_for(timeout=60_000)
    wait_idle(page, quiet_ms=1500)
    page.get_by_label("审批意见（必填）").fill("清洁取暖改造已完成，同意划定")
    page.get_by_label("批准文号").fill("津滨政发〔2026〕12号")
    page.get_by_role("button", name="批准", exact=True).click()
    page.get_by_text(re.compile(r"已批准，状态：施行")).wait_for(timeout=60_000)
    assert count_features(store, ZONES) == before + 1
    page.screenshot(path=str(portal.artifacts / "zones-approved.png"), full_page=True)

    page.goto(portal.url + "map", wait_until="domcontentloaded")
    counts = page.get_by_test_id("stMetric").filter(has_text="高污染燃料禁燃区")
    counts.get_by_text(str(before + 1), exact=True).wait_for(timeout=60_000)
    only_localhost(requests)


def test_editing_one_vertex_of_a_multi_part_zone_with_a_hole_shows_the_added_area(portal, browser_page):
    page, requests = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "planner.c", "planner-pass", ["planner"], "规划丙")
    zone = io.validate_frame(
        gpd.GeoDataFrame(
            {"id": ["PZ-MULTI"], "name": ["多部分测试禁燃区"], "fuel_class": ["II"], "status": ["in_force"]},
            geometry=[MULTI],
            crs="EPSG:4326",
        ),
        ZONES,
        Limits(),
        "multi.geojson",
    )
    io.write_features(store, ADMIN, ZONES, zone, "append", "multi.geojson")

    page.goto(portal.url + "zones", wait_until="domcontentloaded")
    page.get_by_text("请在地图上绘制边界").wait_for(timeout=60_000)
    wait_idle(page)
    log_in(page, "planner.c", "planner-pass")
    page.get_by_test_id("stSidebar").get_by_text("已登录：规划丙").wait_for(timeout=60_000)
    page.get_by_text("调整现行禁燃区").click()
    page.get_by_text("现行禁燃区", exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="现行禁燃区").click()
    page.get_by_role("option", name="多部分测试禁燃区（PZ-MULTI）").click()
    frame = editor_frame(page, "PZ-MULTI")
    page.get_by_text("全部检查通过").wait_for(timeout=60_000)
    frame.locator(".leaflet-pm-icon-edit").click()
    frame.locator(".marker-icon").first.wait_for(timeout=30_000)
    # Drag the hole's north-east corner to the hole's centre: the hole shrinks, the zone grows.
    x, y = screen_point(page, frame, 117.585, 38.90)
    cx, cy = screen_point(page, frame, 117.580, 38.895)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + cx) / 2, (y + cy) / 2, steps=6)
    page.mouse.move(cx, cy, steps=6)
    page.mouse.up()
    added = page.get_by_test_id("stMetric").filter(has_text="新增面积（km²）")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
                 .some(m => m.innerText.includes('新增面积') && !m.innerText.includes('0.000'))""",
        timeout=60_000,
    )
    wait_idle(page)
    # The hole loses the triangle its NE corner spanned (half the hole), hand-computed in EPSG:4548.
    cut = km2(HOLE) - km2(
        shapely.Polygon([(117.575, 38.89), (117.585, 38.89), (117.58, 38.895), (117.575, 38.90), (117.575, 38.89)])
    )
    assert metric(page, "新增面积（km²）") == pytest.approx(cut, rel=0.1)
    assert metric(page, "减少面积（km²）") == 0
    assert added.is_visible()
    page.screenshot(path=str(portal.artifacts / "zones-vertex-edit.png"), full_page=True)

    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text(re.compile(r"已保存方案 ZD-\d+")).wait_for(timeout=60_000)
    saved = zones.proposals(store, author="planner.c").iloc[0]
    assert saved["kind"] == "edit" and saved["zone_id"] == "PZ-MULTI"
    parts = list(shapely.get_parts(saved.geometry))
    assert len(parts) == 2 and sum(len(p.interiors) for p in parts) == 1
    assert saved["area_km2"] == pytest.approx(km2(MULTI) + cut, rel=0.02)
    only_localhost(requests)


def test_a_drawn_bow_tie_is_reported_and_repaired_with_make_valid(portal, browser_page):
    page, requests = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "planner.d", "planner-pass", ["planner"], "规划丁")
    page.goto(portal.url + "zones", wait_until="domcontentloaded")
    page.get_by_text("请在地图上绘制边界").wait_for(timeout=60_000)
    wait_idle(page)
    log_in(page, "planner.d", "planner-pass")
    page.get_by_test_id("stSidebar").get_by_text("已登录：规划丁").wait_for(timeout=60_000)
    wait_idle(page, quiet_ms=1500)
    frame = editor_frame(page)
    # Away from the zones the other journeys put in force (snapping would move the clicks onto them).
    frame.evaluate("() => { window.binhaiEditor.map.setView([38.85, 117.61], 13, {animate: false}); }")
    frame.locator(".leaflet-pm-icon-polygon").click()
    corners = [(117.60, 38.84), (117.62, 38.86), (117.62, 38.84), (117.60, 38.86), (117.60, 38.84)]
    for lon, lat in corners:
        page.mouse.click(*screen_point(page, frame, lon, lat))
    page.get_by_text("边界自相交").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="保存草稿").is_disabled()
    page.get_by_role("button", name="用 make_valid 修复").click()
    page.get_by_text("已修复").wait_for(timeout=60_000)
    page.get_by_text("全部检查通过").wait_for(timeout=60_000)
    page.screenshot(path=str(portal.artifacts / "zones-repaired.png"), full_page=True)
    only_localhost(requests)
