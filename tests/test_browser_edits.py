"""Real-browser journeys for edits with a name on them: no edit controls for visitors, one message for any failed
login, an admin's target change in the audit log, and 一张图 as of a date before an import."""

from __future__ import annotations

import datetime as dt
import re

import geopandas as gpd
import pytest
import shapely

import layers
from geo import auth, io
from geo.config import Limits
from geo.store import audit
from geo.store.db import Store
from geo.store.features import count_features
from tests.browser import edit_grid_cell, log_in, set_date, until_shown, wait_for_cookie, wait_idle
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser

EDIT_WORDS = re.compile(r"保存|导入|编辑目标|删除|新建用户|重设密码")


def test_an_anonymous_visitor_sees_no_edit_controls_on_any_page(portal, browser_page):
    page, _ = browser_page
    for path, marker in (
        ("map", "滨海新区节能减排一张图"),
        ("parks", "园区指标"),
        ("assessment", "目标考核"),
        ("ledgers", "专项台账"),
        ("data", "图层与数据"),
    ):
        page.goto(portal.url + path, wait_until="domcontentloaded")
        main = page.get_by_test_id("stMain")
        main.get_by_text(marker).first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let the page finish its run
        labels = [t.strip() for t in main.get_by_role("button").all_inner_texts()]
        assert not [t for t in labels if EDIT_WORDS.search(t)], (path, labels)
        assert page.get_by_test_id("stSidebarNav").get_by_text("系统管理").count() == 0
    # /admin (a bookmark, say) says which login it needs, in the page's language; nothing of it shows.
    page.goto(portal.url + "admin", wait_until="domcontentloaded")
    main = page.get_by_test_id("stMain")
    main.get_by_text("系统管理").first.wait_for(timeout=60_000)
    main.get_by_test_id("stAlertContentInfo").filter(has_text="登录").wait_for(timeout=60_000)
    assert main.get_by_role("tab").count() == 0 and main.get_by_test_id("stDataFrame").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_test_id("stSidebarNav").get_by_text("系统管理").count() == 0


def test_a_wrong_password_reads_like_an_unknown_user(portal, browser_page):
    page, _ = browser_page
    auth.add_user(Store(portal.db_path), ADMIN, "known.user", "known-password", ["viewer"])
    messages = []
    for name, password in (("known.user", "wrong-password"), ("no.such.user", "known-password")):
        page.goto(portal.url + "map", wait_until="domcontentloaded")
        log_in(page, name, password)
        error = page.get_by_test_id("stSidebar").get_by_test_id("stAlertContentError")
        error.first.wait_for(timeout=30_000)
        messages.append(error.first.inner_text())
    assert messages[0] == messages[1] and "用户名或密码错误" in messages[0]


def test_an_admin_changes_a_target_and_the_audit_log_shows_before_and_after(portal, browser_page):
    page, _ = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "boss", "boss-password", ["admin"], "管理员乙")
    page.goto(portal.url + "assessment", wait_until="domcontentloaded")
    log_in(page, "boss", "boss-password")
    page.get_by_test_id("stSidebar").get_by_text("已登录：管理员乙").wait_for(timeout=30_000)
    main = page.get_by_test_id("stMain")
    main.locator("summary").filter(has_text="编辑目标").click()
    editor = page.locator(".st-key-targets_editor_zone_energy_intensity")
    editor.locator("canvas").first.wait_for(timeout=30_000)
    edit_grid_cell(page, editor, row=0, column=5, text="0.987")
    wait_idle(page)
    reason = main.get_by_label("修改原因（记入审计日志）")
    reason.fill("浏览器测试调整")
    reason.press("Enter")  # commit the text (a rerun) before the click, or the click can land mid-run
    wait_idle(page)
    main.get_by_role("button", name="保存", exact=True).click()
    main.get_by_text("已保存 1 条目标").wait_for(timeout=90_000)

    # Through the navigation (a reload would start a new session).
    page.get_by_test_id("stSidebarNav").get_by_text("系统管理").click()
    page.get_by_role("tab", name="审计日志").click()
    frame = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").nth(1)
    frame.wait_for(timeout=30_000)
    page.screenshot(path=str(portal.artifacts / "admin-audit.png"), full_page=True)
    row = audit.entries(store, action="targets.update").iloc[0]
    assert row["username"] == "boss" and row["client"] == "portal" and row["reason"] == "浏览器测试调整"
    assert '"target_value":0.987' in row["after_json"] and '"target_value"' in row["before_json"]
    # The audit table on the page holds that row: its CSV download (built on click) carries it.
    with page.expect_download() as download:
        page.get_by_test_id("stMain").get_by_role("button", name="导出 CSV").last.click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "targets.update" in text and "0.987" in text and "浏览器测试调整" in text


def test_the_map_as_of_a_day_before_an_import_shows_the_earlier_features(portal, browser_page):
    page, _ = browser_page
    store = Store(portal.db_path)
    spec = layers.get_spec("prohibited_zones")
    zone = io.validate_frame(
        gpd.GeoDataFrame(
            {"id": ["PZ-TODAY"], "name": ["今日新划定"], "fuel_class": ["III"], "status": ["draft"]},
            geometry=[shapely.box(117.60, 39.00, 117.62, 39.02)],
            crs="EPSG:4326",
        ),
        spec,
        Limits(),
        "today.geojson",
    )
    earlier = count_features(store, spec)
    io.write_features(store, ADMIN, spec, zone, "append", "today.geojson")
    page.goto(portal.url + "map", wait_until="domcontentloaded")
    metric = page.get_by_test_id("stMetric").filter(has_text="高污染燃料禁燃区")
    metric.get_by_text(str(earlier + 1), exact=True).wait_for(timeout=60_000)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    set_date(page, "数据日期", yesterday)
    page.get_by_text(f"正在显示 {yesterday.isoformat()} 的状态").wait_for(timeout=60_000)
    metric.get_by_text(str(earlier), exact=True).wait_for(timeout=60_000)
    page.screenshot(path=str(portal.artifacts / "map-as-of.png"), full_page=True)


def test_a_login_survives_a_reload_in_an_httponly_cookie_and_logout_ends_it(portal, browser_page):
    page, _ = browser_page
    auth.add_user(Store(portal.db_path), ADMIN, "reload.user", "reload-password", ["planner"], "刷新测试")
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    log_in(page, "reload.user", "reload-password")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("已登录：刷新测试").wait_for(timeout=30_000)
    # The page trades its one-time ticket for the cookie itself: wait until the browser holds it.
    cookie = wait_for_cookie(page, "binhai_session", timeout_ms=10_000)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "binhai_session" not in page.evaluate("() => document.cookie")  # scripts cannot read it

    page.reload(wait_until="domcontentloaded")
    sidebar.get_by_text("已登录：刷新测试").wait_for(timeout=60_000)
    page.goto(portal.url + "data", wait_until="domcontentloaded")  # another address, same login
    sidebar.get_by_text("已登录：刷新测试").wait_for(timeout=60_000)

    logged_out = sidebar.locator("summary").filter(has_text="登录")
    # On a quiet page; once more if a rerun swallowed the click (seen once under load).
    until_shown(
        page,
        sidebar.get_by_role("button", name="退出登录").click,
        logged_out,
        last_ms=30_000,
        what="the login form after logging out",
    )
    page.wait_for_timeout(1500)
    page.reload(wait_until="domcontentloaded")
    sidebar.locator("summary").filter(has_text="登录").wait_for(timeout=60_000)
    assert sidebar.get_by_text("已登录").count() == 0
