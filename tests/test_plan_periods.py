"""Plan periods as data, the assessment per period, the final assessment (终期评估) and the forecast — by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import layers
from geo import assessment, forecast, plan
from geo.errors import PortalError
from geo.final_assessment import final_assessment, final_summary, has_final_data, met
from geo.permissions import Actor, PermissionDenied
from geo.store import audit, migrations
from tests.conftest import ADMIN
from tests.test_stats import tiny_stats_store  # noqa: F401 - the fixture

VIEWER = Actor("guan.yuan", "官员", frozenset({"viewer"}), "portal")


def _targets(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "entity_id",
            "level",
            "indicator",
            "baseline_year",
            "baseline_value",
            "target_year",
            "target_value",
            "unit",
            "source",
        ],
    )


@pytest.fixture
def periods_store(tiny_stats_store):  # noqa: F811
    """tiny_stats_store plus 2025 (PK-T1, PK-T2), 2026 (PK-T1) and energy-intensity targets of both periods.

    2025: PK-T1 80 tce / 80 万元 = 1.0; PK-T2 330 / 360 = 0.91667; PK-T3 no figure.
    """
    rows = []
    for park, year, energy, va in (
        ("PK-T1", 2025, 80.0, 80.0),
        ("PK-T2", 2025, 330.0, 360.0),
        ("PK-T1", 2026, 78.0, 82.0),
    ):
        rows += [
            (park, year, "energy_consumption", energy, "tce", "test"),
            (park, year, "value_added", va, "万元", "test"),
            (park, year, "energy_intensity", energy / va, "tce/万元", "test"),
        ]
    ei = "energy_intensity"
    targets = _targets(
        [
            ("PK-T1", "park", ei, 2020, 2.0, 2025, 1.71, "tce/万元", "test"),
            ("PK-T2", "park", ei, 2020, 1.0, 2025, 0.855, "tce/万元", "test"),
            ("PK-T3", "park", ei, 2020, 2.0, 2025, 1.71, "tce/万元", "test"),
            ("AU-W", "zone", ei, 2020, 2.0, 2025, 1.71, "tce/万元", "test"),
            ("AU-E", "zone", ei, 2020, 1.0, 2025, 0.855, "tce/万元", "test"),
            ("AU-D", "district", ei, 2020, 600 / 450, 2025, 1.14, "tce/万元", "test"),
            ("PK-T1", "park", ei, 2025, 1.0, 2030, 0.865, "tce/万元", "test"),
        ]
    )
    from geo.store.tables import write_targets

    with tiny_stats_store.transaction() as s:
        s.execute(
            "INSERT INTO statistics (entity_id, year, indicator, value, unit, source) VALUES "
            + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(rows)),
            [v for r in rows for v in r],
        )
        write_targets(s, targets)
    return tiny_stats_store


# -- periods --------------------------------------------------------------------------------------------------


def test_a_store_knows_the_three_periods_and_refuses_an_unknown_one(empty_store):
    assert [(p.code, p.title_zh, p.baseline_year, p.target_year) for p in plan.plan_periods(empty_store)] == [
        ("fyp13", "十三五", 2015, 2020),
        ("fyp14", "十四五", 2020, 2025),
        ("fyp15", "十五五", 2025, 2030),
    ]
    with pytest.raises(PortalError, match="没有规划期 fyp99"):
        plan.period_by_code(empty_store, "fyp99")


def test_migration_10_adds_plan_periods_to_a_store_made_before_it(new_store, monkeypatch):
    before = [m for m in migrations.MIGRATIONS if m[0] != 10]
    store = new_store
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    store.migrate(layers.all_specs())
    with store.transaction() as s:
        s.execute(
            "INSERT INTO statistics (entity_id, year, indicator, value, unit, source) VALUES ('PK-1', 2024, 'cod', 1.5, 't', 'x')"
        )
    assert "plan_periods" not in store.tables()
    monkeypatch.undo()
    store.migrate(layers.all_specs())
    assert store.scalar("SELECT count(*) FROM plan_periods") == 3
    assert store.scalar("SELECT count(*) FROM schema_version WHERE version = 10") == 1
    assert store.scalar("SELECT value FROM statistics WHERE entity_id = 'PK-1'") == 1.5


def test_an_admin_adds_a_period_audited_with_history_and_a_viewer_cannot(empty_store):
    fyp16 = plan.PlanPeriod("fyp16", "十六五", "16th Five-Year Plan", 2030, 2035)
    with pytest.raises(PermissionDenied):
        plan.save_period(empty_store, VIEWER, fyp16)
    plan.save_period(empty_store, ADMIN, fyp16, now=dt.datetime(2026, 1, 1))
    longer = plan.PlanPeriod("fyp16", "十六五", "16th Five-Year Plan", 2030, 2036)
    plan.save_period(empty_store, ADMIN, longer, now=dt.datetime(2026, 2, 1))
    assert plan.period_by_code(empty_store, "fyp16").target_year == 2036
    assert empty_store.scalar("SELECT target_year FROM plan_periods_history WHERE code = 'fyp16'") == 2035
    assert list(audit.entries(empty_store, action="plan.period")["entity_id"]) == ["fyp16", "fyp16"]
    with pytest.raises(PortalError, match="基期须早于目标年"):
        plan.save_period(empty_store, ADMIN, plan.PlanPeriod("bad", "坏", "bad", 2030, 2030))


# -- status for both periods ----------------------------------------------------------------------------------


def test_the_straight_line_status_runs_for_each_period_with_its_own_targets(periods_store):
    fyp14 = assessment.assessment(periods_store, "park", "energy_intensity", 2023, target_year=2025).set_index(
        "entity_id"
    )
    assert set(fyp14.index) == {"PK-T1", "PK-T2", "PK-T3"}
    # PK-T1 2023: 90/60 = 1.5; expected = 2 + (1.71 − 2)·3/5 = 1.826; progress = 0.5/0.174 = 2.874
    assert fyp14.loc["PK-T1", "expected"] == pytest.approx(1.826)
    assert fyp14.loc["PK-T1", "progress"] == pytest.approx(0.5 / 0.174)
    fyp15 = assessment.assessment(periods_store, "park", "energy_intensity", 2026, target_year=2030).set_index(
        "entity_id"
    )
    assert list(fyp15.index) == ["PK-T1"]
    # 2026: 78/82 = 0.95122; expected = 1 − 0.135/5 = 0.973; progress = 0.04878/0.027 = 1.807 → on track
    assert fyp15.loc["PK-T1", "expected"] == pytest.approx(0.973)
    assert fyp15.loc["PK-T1", "progress"] == pytest.approx((1 - 78 / 82) / 0.027)
    assert fyp15.loc["PK-T1", "status"] == "on_track"
    # 2027 at 0.98: expected 0.946, progress 0.02/0.054 = 0.37 → behind
    assert assessment.assess(1.0, 0.865, 0.98, 2027, 2025, 2030).status == "behind"


# -- final assessment -----------------------------------------------------------------------------------------


def test_met_follows_the_direction_of_the_target():
    assert met(2.0, 1.71, 1.71) == "met" and met(2.0, 1.71, 1.72) == "not_met"
    assert met(70.0, 90.0, 91.0) == "met" and met(70.0, 90.0, 89.0) == "not_met"  # a rise (sewage treatment)
    assert met(2.0, 1.71, float("nan")) == "no_data"


def test_the_final_assessment_counts_met_and_not_met_per_level_by_hand(periods_store):
    period = plan.FYP14
    assert has_final_data(periods_store, period, "energy_intensity")
    parks = final_assessment(periods_store, period, "park", "energy_intensity")
    assert list(parks["entity_id"]) == ["PK-T2", "PK-T3", "PK-T1"]  # not met, no data, met
    assert list(parks["result"]) == ["not_met", "no_data", "met"]
    t2 = parks.iloc[0]
    assert t2["actual"] == pytest.approx(330 / 360)
    assert t2["gap"] == pytest.approx(330 / 360 - 0.855)  # +0.0617 tce/万元 above the target
    assert t2["gap_pct"] == pytest.approx((330 / 360 - 0.855) / 0.855 * 100)  # +7.21 %
    zones = final_assessment(periods_store, period, "zone", "energy_intensity").set_index("entity_id")
    assert zones.loc["AU-W", "actual"] == pytest.approx(1.0) and zones.loc["AU-W", "result"] == "met"  # 80/80
    assert zones.loc["AU-E", "result"] == "not_met"
    district = final_assessment(periods_store, period, "district", "energy_intensity").iloc[0]
    assert district["actual"] == pytest.approx(410 / 440) and district["result"] == "met"
    summary = final_summary(periods_store, period, "energy_intensity").set_index("level")
    assert summary.loc["park", ["met", "not_met", "no_data"]].tolist() == [1, 1, 1]
    assert summary.loc["zone", ["met", "not_met", "no_data"]].tolist() == [1, 1, 0]
    assert summary.loc["district", ["met", "not_met", "no_data"]].tolist() == [1, 0, 0]
    assert not has_final_data(periods_store, plan.FYP15, "energy_intensity")


# -- forecast -------------------------------------------------------------------------------------------------


def test_the_forecast_is_the_least_squares_line_with_its_prediction_interval():
    f = forecast.linear_forecast([2020, 2021, 2022, 2023, 2024], [10, 9, 8.5, 7.5, 7], 2025)
    # x̄ = 2022, ȳ = 8.4, Sxx = 10, Σdxdy = −7.5 → b = −0.75; ŷ(2025) = 8.4 − 0.75·3 = 6.15
    assert f.slope == pytest.approx(-0.75) and f.value == pytest.approx(6.15)
    # SSE = 0.075, s² = 0.025; SE = s·√(1 + 1/5 + 9/10) = 0.229129; half = 3.182·SE = 0.729088
    assert f.low == pytest.approx(6.15 - 0.729088, abs=1e-5) and f.high == pytest.approx(6.15 + 0.729088, abs=1e-5)
    assert forecast.outlook(f, 10, 6.5) == "likely_met" and forecast.outlook(f, 10, 6.0) == "likely_missed"


def test_fewer_than_three_points_is_insufficient_data():
    f = forecast.linear_forecast([2023, 2024], [1.0, 0.9], 2030)
    assert not f.sufficient and forecast.outlook(f, 1.0, 0.8) == "insufficient"


def test_the_forecast_table_and_the_dashed_extension(periods_store):
    table = forecast.forecast_table(periods_store, "park", "energy_intensity", 2026, 2030).set_index("entity_id")
    # PK-T1 in the window 2022–2026: 2023 1.5, 2025 1.0, 2026 78/82 (2020 lies outside the last five years)
    x, y = [2023, 2025, 2026], [1.5, 1.0, 78 / 82]
    xm, ym = sum(x) / 3, sum(y) / 3
    b = sum((a - xm) * (c - ym) for a, c in zip(x, y, strict=True)) / sum((a - xm) ** 2 for a in x)
    assert table.loc["PK-T1", "forecast"] == pytest.approx(ym + b * (2030 - xm))
    assert table.loc["PK-T1", "outlook"] == "likely_met"
    trend = pd.DataFrame({"year": x, "value": y})
    drawn = forecast.trend_with_forecast(trend, 2030)
    dashed = drawn[drawn["kind"] == "forecast"]
    assert list(dashed["year"]) == [2026, 2027, 2028, 2029, 2030] and dashed["value"].iloc[0] == 78 / 82


# -- targets import -------------------------------------------------------------------------------------------


def test_targets_import_takes_the_baseline_from_the_store_and_keeps_the_old_target_in_history(periods_store, tmp_path):
    from geo import targets_import

    path = tmp_path / "十五五目标.csv"
    path.write_text(
        "名称,能耗强度（吨标准煤/万元）,VOCs（kg）\n南港测试园区,0.85,\n临港测试园区,0.8,25000\n", encoding="utf-8"
    )
    target_plan = targets_import.plan_targets(periods_store, path, plan.FYP15)
    rows = target_plan.rows.set_index(["entity_id", "indicator"])
    assert rows.loc[("PK-T1", "energy_intensity"), "change"] == "changed"  # 0.865 → 0.85
    assert rows.loc[("PK-T2", "energy_intensity"), "baseline_value"] == pytest.approx(330 / 360)  # the 2025 actual
    assert rows.loc[("PK-T2", "vocs"), "target_value"] == 25.0  # 25,000 kg
    with pytest.raises(PermissionDenied):
        targets_import.import_targets(periods_store, VIEWER, target_plan)
    assert targets_import.import_targets(periods_store, ADMIN, target_plan) == {"new": 2, "changed": 1, "unchanged": 0}
    assert assessment.target_of(periods_store, "PK-T1", "energy_intensity", target_year=2030)["target_value"] == 0.85
    old = periods_store.scalar(
        "SELECT target_value FROM targets_history WHERE entity_id = 'PK-T1' AND target_year = 2030"
    )
    assert old == 0.865
    assert list(audit.entries(periods_store, action="targets.import")["entity_id"]) == ["十五五目标.csv"]


def test_targets_for_another_year_than_the_periods_target_year_are_refused(periods_store, tmp_path):
    from geo import targets_import
    from geo.errors import InputError

    path = tmp_path / "t.csv"
    path.write_text("名称,年份,能耗强度\n南港测试园区,2035,0.85\n", encoding="utf-8")
    with pytest.raises(InputError, match="目标年 2035 不是十五五的目标年 2030"):
        targets_import.plan_targets(periods_store, path, plan.FYP15)
