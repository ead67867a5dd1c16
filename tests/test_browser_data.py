"""Real-browser journey of a zone approver: check a file, log in, import it; a bad file gets a message."""

from __future__ import annotations

import json

import pytest

import layers
from geo import auth
from geo.store.db import Store
from geo.store.features import count_features
from tests.browser import log_in, open_check
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser


def _zone_file(tmp_path, name: str, ring: list[list[float]]):
    feature = {
        "type": "Feature",
        "properties": {"名称": name, "管控类别": "Ⅲ类（严格）", "状态": "草案"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path = tmp_path / "zone.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False))
    return path


def test_approver_checks_logs_in_and_imports_a_zone(portal, browser_page, tmp_path):
    page, _ = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "planner1", "planner-pass", ["zone_approver"], "规划甲")
    spec = layers.get_spec("prohibited_zones")
    before = count_features(store, spec)

    main = open_check(page, portal, "高污染燃料禁燃区")
    ring = [[117.60, 39.00], [117.62, 39.00], [117.62, 39.02], [117.60, 39.02], [117.60, 39.00]]
    main.locator(".st-key-layer_upload input[type=file]").set_input_files(
        str(_zone_file(tmp_path, "新划定禁燃区（测试）", ring))
    )
    main.get_by_text("校验通过：1 个要素可导入").wait_for(timeout=60_000)
    main.get_by_text("此操作需要登录（角色：禁燃区审批）").wait_for(timeout=30_000)

    log_in(page, "planner1", "planner-pass")
    page.get_by_test_id("stSidebar").get_by_text("已登录：规划甲").wait_for(timeout=30_000)

    main.get_by_role("button", name="导入 1 个要素").click()
    main.get_by_text("新增 1").wait_for(timeout=60_000)
    assert count_features(store, spec) == before + 1
    page.screenshot(path=str(portal.artifacts / "data-import.png"), full_page=True)


def test_bad_file_shows_a_message_and_nothing_is_rendered_as_html(portal, browser_page, tmp_path):
    page, _ = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    store = Store(portal.db_path)
    before = count_features(store, layers.get_spec("prohibited_zones"))

    main = open_check(page, portal, "高污染燃料禁燃区")
    bow_tie = [[117.60, 39.00], [117.62, 39.02], [117.62, 39.00], [117.60, 39.02], [117.60, 39.00]]
    evil = "<img src=x onerror=alert(1)>"
    main.locator(".st-key-layer_upload input[type=file]").set_input_files(str(_zone_file(tmp_path, evil, bow_tie)))
    main.get_by_text("校验未通过").wait_for(timeout=60_000)
    report = main.get_by_test_id("stCode").first
    report.wait_for(timeout=30_000)
    assert "自相交" in report.inner_text() and "Self-intersection" in report.inner_text()
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert count_features(store, layers.get_spec("prohibited_zones")) == before
