"""AppTest of the statistics import on 图层与数据: preview old → new, import as a stats editor, bad files."""

from __future__ import annotations

from geo import auth
from tests.conftest import ADMIN
from tests.test_views_admin import log_in

WIDE_2024 = "园区名称,年份,综合能耗（万吨标准煤）,工业增加值（亿元）\n中塘工业园区,2024,1.5,20\n"


def _data_page(open_page, seeded_store, user: bool = True):
    if user:
        auth.add_user(seeded_store, ADMIN, "tongji", "tongji-password", ["stats_editor"], "统计甲")
        at = log_in(open_page(), "tongji", "tongji-password")
    else:
        at = open_page()
    at.switch_page("views/data.py")
    at.run()
    assert not at.exception
    return at


def test_a_stats_editor_previews_and_imports_a_workbook(open_page, seeded_store):
    at = _data_page(open_page, seeded_store)
    at.file_uploader(key="stats_upload").upload("年报2024.csv", WIDE_2024.encode(), "text/csv").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["修改"] == "3" and metrics["新增"] == "0"
    preview = at.dataframe[-1].value
    energy = preview[preview["指标"] == "综合能耗总量"].iloc[0]
    assert energy["新值"] == "15,000" and energy["文件单位"] == "万吨标准煤 ×10000"
    assert at.dataframe[-2].value["匹配方式"].tolist() == ["名称规范化后一致"]
    at.button(key="stats_import_go").click().run()
    assert not at.exception
    assert any("新增 0、修改 3、未变 0" in s.value and "年报2024" in s.value for s in at.success), [
        s.value for s in at.success
    ]
    value = seeded_store.scalar(
        "SELECT value FROM statistics WHERE entity_id = 'PK-0022' AND year = 2024 AND indicator = 'energy_consumption'"
    )
    assert value == 15_000


def test_a_visitor_sees_the_preview_but_no_import_button(open_page, seeded_store):
    at = _data_page(open_page, seeded_store, user=False)
    at.file_uploader(key="stats_upload").upload("a.csv", WIDE_2024.encode(), "text/csv").run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "stats_import_go"]
    assert any("统计录入" in i.value for i in at.info)


def test_a_bad_workbook_is_listed_in_both_languages_and_nothing_is_written(open_page, seeded_store):
    at = _data_page(open_page, seeded_store)
    bad = "园区名称,年份,综合能耗（吨标准煤）\n中塘工业园,2024,约 1200\n"
    at.file_uploader(key="stats_upload").upload("bad.csv", bad.encode("gbk"), "text/csv").run()
    assert not at.exception
    assert any("未写入任何数据" in e.value for e in at.error)
    report = at.code[-1].value
    assert "工作表 bad 第 2 行 C 列：'约 1200' 不是数字" in report and "sheet bad row 2 column C" in report
