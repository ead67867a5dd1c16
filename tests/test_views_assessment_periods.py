"""AppTest of 目标考核 with plan periods: the 十四五 final assessment, 十五五 targets, forecast and what-if."""

from __future__ import annotations

import pytest


@pytest.fixture
def assessment_page(open_page):
    return open_page("views/assessment.py")


def _frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_fyp14_final_assessment_is_shown_ranked_with_the_forecast_column(assessment_page):
    at = assessment_page
    assert at.selectbox(key="plan_period").value == "fyp14"
    assert any("十四五 终期评估（2025 年）" in h.value for h in at.subheader)
    summary = _frame_with(at, "未达标")
    assert list(summary["层级"] if "层级" in summary.columns else summary.iloc[:, 0]) == [
        "全区",
        "开发区",
        "街镇",
        "园区",
    ]
    final = _frame_with(at, "考核结果")
    results = list(final["考核结果"])
    assert set(results) <= {"达标", "未达标", "无数据"} and len(results) == 6  # the six 开发区
    # not met first, met last
    order = {"未达标": 0, "无数据": 1, "达标": 2}
    assert [order[r] for r in results] == sorted(order[r] for r in results)
    ranking = _frame_with(at, "预计结果")
    assert set(ranking["预计结果"]) <= {"预计达标", "预计未达标", "数据不足"}


def test_the_fyp15_period_assesses_against_2030_targets_and_what_if_moves_the_intensity(assessment_page):
    at = assessment_page
    at.selectbox(key="plan_period").set_value("fyp15").run()
    assert not at.exception
    ranking = _frame_with(at, "目标 2030")
    assert len(ranking) > 0
    assert any("尚无 2030 年数据" in i.value for i in at.info)
    at.toggle(key="whatif_on").set_value(True).run()
    at.radio(key="whatif_level").set_value("park").run()
    before = next(m for m in at.metric if m.label.startswith("措施后能耗强度")).value
    at.slider(key="whatif_coal").set_value(50).run()
    assert not at.exception
    after = next(m for m in at.metric if m.label.startswith("措施后能耗强度")).value
    assert float(after) < float(before)
    factors = _frame_with(at, "依据")
    assert "GB/T 2589—2020《综合能耗计算通则》" in set(factors["依据"])
