"""Real-browser journey of a statistics editor: upload the 2025 workbook, preview, import; the cockpit and the
十四五 final assessment show the new figures and the audit log names the file."""

from __future__ import annotations

import openpyxl
import pytest

from geo import auth, plan
from geo.final_assessment import final_assessment
from geo.store import audit
from geo.store.db import Store
from tests.browser import log_in, wait_idle
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser
ZONE = "中新天津生态城"
FILE = "滨海新区2025年园区能耗年报.xlsx"


def _workbook(store: Store, path):
    """2025 figures of the zone's parks at 0.2 tce/万元 (energy in 万吨标准煤, value added in 亿元)."""
    parks = store.query(
        "SELECT p.id, p.name, s.value AS value_added FROM park_units m JOIN parks p ON p.id = m.park_id "
        "JOIN admin_units a ON a.id = m.unit_id "
        "JOIN statistics s ON s.entity_id = p.id AND s.year = 2025 AND s.indicator = 'value_added' "
        "WHERE a.name = $zone ORDER BY p.id",
        {"zone": ZONE},
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2025"
    sheet.append(["序号", "园区名称", "综合能耗（万吨标准煤）", "工业增加值（亿元）"])
    for i, row in enumerate(parks.itertuples(index=False), start=1):
        name = row.name + "区" if row.name.endswith("园") else row.name  # 园 → 园区: matched after normalising
        sheet.append([i, name, row.value_added * 0.2 / 1e4, row.value_added / 1e4])
    book.save(path)
    return parks


def _grid_row(page, grid, text: str, also: str | None = None):
    """The row of a canvas-drawn st.dataframe holding `text` (and `also`), scrolling the grid until it is drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    grid.scroll_into_view_if_needed()
    row = grid.locator("table[role='grid'] tr", has_text=text)
    if also:
        row = row.filter(has_text=also)
    for _ in range(30):
        try:
            row.first.wait_for(state="attached", timeout=2_000)
            return row.first
        except PlaywrightTimeout:
            box = grid.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.wheel(0, 200)
    raise AssertionError(f"no row with {text!r} in the table")


def test_stats_editor_imports_the_2025_workbook_and_the_final_assessment_changes(portal, browser_page, tmp_path):
    page, requests = browser_page
    store = Store(portal.db_path)
    auth.add_user(store, ADMIN, "tongji", "tongji-pass-1", ["stats_editor"], "统计甲")
    before = final_assessment(store, plan.FYP14, "zone", "energy_intensity").set_index("name")
    assert before.loc[ZONE, "result"] == "not_met"
    path = tmp_path / FILE
    parks = _workbook(store, path)

    page.goto(portal.url + "data", wait_until="domcontentloaded")
    main = page.get_by_test_id("stMain")
    main.get_by_text("导入统计数据（年报表）").first.wait_for(timeout=60_000)
    log_in(page, "tongji", "tongji-pass-1")
    page.get_by_test_id("stSidebar").get_by_text("已登录：统计甲").wait_for(timeout=60_000)
    wait_idle(page)
    page.locator(".st-key-stats_upload input[type=file]").set_input_files(str(path))
    main.get_by_text("将写入的数值（原值 → 新值）").wait_for(timeout=90_000)
    main.get_by_text("名称规范化后一致").first.wait_for(state="attached", timeout=30_000)
    n_values = 2 * len(parks)  # energy and the intensity derived from it (value added unchanged)
    button = main.get_by_role("button", name=f"导入 {n_values} 个数值")
    button.wait_for(timeout=30_000)
    page.screenshot(path=str(portal.artifacts / "stats-import-preview.png"), full_page=True)
    button.click()
    main.get_by_text(f"修改 {n_values}").first.wait_for(timeout=90_000)

    # The cockpit (energy intensity, latest year 2025) shows 0.2 for the zone's first park (was 0.346).
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("园区排名").first.wait_for(timeout=90_000)
    wait_idle(page)
    ranking = page.get_by_test_id("stDataFrame").first
    ranking.wait_for(timeout=60_000)
    first = parks["name"].iloc[0]
    assert f"{first}0.2{ZONE}" in _grid_row(page, ranking, first).text_content()

    # The 十四五 final assessment: the zone now meets its target.
    page.goto(portal.url + "assessment", wait_until="domcontentloaded")
    page.get_by_text("十四五 终期评估（2025 年）").first.wait_for(timeout=90_000)
    wait_idle(page)
    final_grid = page.get_by_test_id("stDataFrame").filter(has_text="考核结果").first
    final_grid.wait_for(state="attached", timeout=60_000)
    final_row = _grid_row(page, final_grid, ZONE, also="达标")
    assert "未达标" not in final_row.text_content()
    after = final_assessment(store, plan.FYP14, "zone", "energy_intensity").set_index("name")
    assert after.loc[ZONE, "result"] == "met"
    page.screenshot(path=str(portal.artifacts / "stats-final-assessment.png"), full_page=True)

    log = audit.entries(store, action="statistics.import")
    assert list(log["entity_id"]) == [FILE] and list(log["username"]) == ["tongji"]
    assert not [r for r in requests if r.startswith("http") and "127.0.0.1" not in r and "localhost" not in r]
