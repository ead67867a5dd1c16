"""Browser journey of the water bureau: an editor records a clean round and proposes 完成治理 with a photo,
a reviewer approves it, the map and the stage counts follow, and the public 公示 page shows it without a login."""

from __future__ import annotations

import datetime as dt
import struct
import time
import zlib

import pytest

from geo import auth, water
from geo.store.db import Store
from tests.browser import choose_option, log_in, ready_map, until_shown, wait_idle
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser
COMPLETED_COLOUR = "#f4a582"  # the water layer's colour for 完成治理


def _png(path) -> None:
    """A real 2×2 PNG (the evidence check reads the content, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x00\x80\xff" * 2 for _ in range(2))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def _pick_body(page, name: str) -> None:

    box = page.locator(".st-key-water_pick_body").get_by_test_id("stSelectbox")
    box.scroll_into_view_if_needed()
    choose_option(page, box, name, name)
    page.get_by_test_id("stMain").locator("h3").filter(has_text=name).first.wait_for(timeout=90_000)


def _metric(page, label: str) -> int:
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return int(metric.get_by_test_id("stMetricValue").inner_text().strip())


def _wait_metric(page, label: str, value: int, timeout_ms: int = 90_000) -> None:
    """Wait until the page shows one metric `label` (no stale copy of a previous run) reading `value`."""
    page.wait_for_function(
        """([label, value]) => {
            const mine = [...document.querySelectorAll('[data-testid="stMetric"]')].filter((m) => {
                const l = m.querySelector('[data-testid="stMetricLabel"]');
                return l && l.innerText.trim() === label;
            });
            if (mine.length !== 1) { return false; }
            return mine[0].querySelector('[data-testid="stMetricValue"]').innerText.trim() === String(value);
        }""",
        arg=[label, value],
        timeout=timeout_ms,
        polling=200,
    )


def _wait_body_colour(page, body_id: str, colour: str, timeout_s: float = 90) -> None:
    """Wait until the page's map draws `body_id` in `colour` (a rerun may replace the map's frame)."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            ready_map(page).wait_for_function(
                """([id, colour]) => {
                    let found = null;
                    window.binhaiMap.eachLayer((l) => {
                        const f = l.feature;
                        if (f && (f.id === id || (f.properties && f.properties.id === id)) && l.options) {
                            found = l.options.color || l.options.fillColor || null;
                        }
                    });
                    return found === colour;
                }""",
                arg=[body_id, colour],
                timeout=10_000,
            )
            return
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise


def test_editor_round_and_proposal_then_reviewer_sign_off_then_public_list(portal, browser_page, tmp_path):
    page, _ = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "shui.bian", "editor-password-1", ["water_editor"], "水务编辑")
    auth.add_user(store, ADMIN, "shui.shen", "review-password-1", ["water_reviewer"], "水务审核")
    frame = water.bodies(store)
    body = frame[frame["stage"] == "remediating"].iloc[0]
    body_id, name = str(body["id"]), str(body["name"])
    main = page.get_by_test_id("stMain")

    page.goto(portal.url + "water", wait_until="domcontentloaded")
    main.get_by_text("整治阶段").first.wait_for(timeout=90_000)
    wait_idle(page)
    remediating, completed = _metric(page, "治理中"), _metric(page, "完成治理")
    log_in(page, "shui.bian", "editor-password-1")
    page.get_by_test_id("stSidebar").get_by_text("已登录：水务编辑").wait_for(timeout=60_000)
    wait_idle(page)
    _pick_body(page, name)

    # A clean round of three points at the body's stored positions.
    for no, (transparency, do, orp, nh3n) in enumerate(
        ((45, 5.5, 120, 1.2), (48, 6.0, 130, 0.9), (50, 6.2, 140, 0.8)), 1
    ):
        for label, value in (
            ("透明度（cm）", transparency),
            ("溶解氧（mg/L）", do),
            ("氧化还原电位（mV）", orp),
            ("氨氮（mg/L）", nh3n),
        ):
            main.get_by_label(f"点位{no} {label}", exact=True).fill(str(value))
    main.get_by_label("采样人", exact=True).fill("李采样")
    main.get_by_role("button", name="保存采样").click()
    main.get_by_text("水体判定为非黑臭").wait_for(timeout=90_000)
    wait_idle(page)

    # Propose 完成治理 with a photo.
    photo = tmp_path / "现场照片.png"
    _png(photo)
    main.get_by_label("说明", exact=True).fill("工程完工，水质达标")
    page.locator(f".st-key-water_files_{body_id} input[type=file]").set_input_files(str(photo))
    main.get_by_text("现场照片.png").first.wait_for(timeout=30_000)
    main.get_by_role("button", name="提交申请").click()
    main.get_by_text("等待另一位审核人员审核").wait_for(timeout=90_000)
    wait_idle(page)
    _wait_metric(page, "待审核", 1)

    # Log out; the reviewer logs in and approves.
    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    wait_idle(page)
    log_in(page, "shui.shen", "review-password-1")
    page.get_by_test_id("stSidebar").get_by_text("已登录：水务审核").wait_for(timeout=60_000)
    wait_idle(page)
    _pick_body(page, name)
    main.get_by_role("button", name="批准").click()
    main.get_by_text("已审核").first.wait_for(timeout=90_000)
    wait_idle(page)
    _wait_metric(page, "治理中", remediating - 1)
    _wait_metric(page, "完成治理", completed + 1)
    _wait_metric(page, "待审核", 0)
    _wait_body_colour(page, body_id, COMPLETED_COLOUR)
    page.screenshot(path=str(portal.artifacts / "water-after-sign-off.png"), full_page=True)

    # The public page, in a fresh context without any login.
    public = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    public.goto(portal.url + "public", wait_until="domcontentloaded")
    public.get_by_text("数据截至").first.wait_for(timeout=90_000)
    wait_idle(public)
    assert public.get_by_test_id("stSidebar").get_by_text("已登录").count() == 0
    text = public.get_by_test_id("stMain").inner_text()
    assert f"数据截至 {dt.date.today().isoformat()}" in text
    assert "李采样" not in text and "待审核" not in text
    _wait_metric(public, "完成治理", completed + 1)
    public.screenshot(path=str(portal.artifacts / "water-public-390.png"), full_page=True)
    public.context.close()
    # The dataframe is drawn on a canvas: its content is checked through the store the page reads.
    shown, _ = water.public_list(store)
    row = shown.set_index("id").loc[body_id]
    assert row["stage"] == "completed" and str(row["completed_on"])[:10] == dt.date.today().isoformat()


def test_a_click_on_the_record_map_becomes_a_points_position(portal, browser_page):
    import re

    from playwright.sync_api import expect

    from tests.browser import MAP_IFRAME

    page, _ = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "shui.dian", "editor-password-2", ["water_editor"], "水务点选")
    frame = water.bodies(store)
    name = str(frame[frame["stage"] == "planning"]["name"].iloc[0])
    main = page.get_by_test_id("stMain")
    page.goto(portal.url + "water", wait_until="domcontentloaded")
    main.get_by_text("整治阶段").first.wait_for(timeout=90_000)
    wait_idle(page)
    log_in(page, "shui.dian", "editor-password-2")
    page.get_by_test_id("stSidebar").get_by_text("已登录：水务点选").wait_for(timeout=60_000)
    wait_idle(page)
    _pick_body(page, name)
    record_map = page.locator(MAP_IFRAME).nth(1)
    record_map.scroll_into_view_if_needed()
    ready_map(page, nth=1)  # the record map itself: its layer file arrives after the overview's
    picked = main.get_by_text("地图点选位置").first

    def click_record_map() -> None:
        # The page above the map can still grow after the scroll above (the map was seen below the window's
        # fold in a failed run): bring it into view before every click, as a user would.
        record_map.scroll_into_view_if_needed()
        box = record_map.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)

    # A click can land while the page above the map is still settling: click again.
    until_shown(page, click_record_map, picked, tries=4, timeout_ms=20_000, last_ms=30_000, what="the clicked position")
    wait_idle(page)
    main.get_by_role("button", name="使用点选位置").click()
    expect(main.get_by_label("点位1 经度", exact=True)).to_have_value(re.compile(r"^117\.\d{6}$"), timeout=60_000)
    expect(main.get_by_label("点位1 纬度", exact=True)).to_have_value(re.compile(r"^3[89]\.\d{6}$"), timeout=60_000)
