"""What-if arithmetic by hand, and on a tiny store for a park against its 2025 target and the district."""

from __future__ import annotations

import math

import pytest

from geo import plan
from geo.settings import SETTINGS
from geo.whatif import FACTOR_KEYS, Measures, apply_measures, what_if
from tests.test_plan_periods import periods_store  # noqa: F401 - the fixture
from tests.test_stats import tiny_stats_store  # noqa: F401 - the fixture periods_store builds on

DEFAULTS = {k: SETTINGS[k].default for k in FACTOR_KEYS}


def test_cutting_coal_and_closing_boilers_by_hand():
    # 10,000 tce, 20,000 万元, NOx 50 t; coal = 30 % = 3,000 tce.
    measures = Measures(coal_cut_pct=20, boilers_closed_th=2, value_added_raise_pct=10)
    before, after = apply_measures(10_000, 20_000, 50, measures, DEFAULTS)
    assert before.coal == 3_000 and before.intensity == 0.5
    assert before.co2 == pytest.approx(3_000 * 2.66 + 7_000 * 1.64)  # 19,460 t
    # cut = 3,000 × 20 % + 2 t/h × 400 tce = 1,400 tce
    assert after.energy == 8_600 and after.coal == 1_600
    assert after.value_added == pytest.approx(22_000)
    assert after.intensity == pytest.approx(8_600 / 22_000)  # 0.3909
    assert after.co2 == pytest.approx(1_600 * 2.66 + 7_000 * 1.64)  # 15,736 t
    assert after.nox == pytest.approx(50 - 1_400 * 0.0041)  # 44.26 t


def test_converting_keeps_the_energy_and_the_cut_cannot_exceed_the_coal():
    _, converted = apply_measures(
        10_000, 20_000, 50, Measures(coal_cut_pct=20, boilers_closed_th=2, convert_to_gas=True), DEFAULTS
    )
    assert converted.energy == 10_000 and converted.co2 == pytest.approx(1_600 * 2.66 + 8_400 * 1.64)
    _, everything = apply_measures(10_000, 20_000, math.nan, Measures(coal_cut_pct=100, boilers_closed_th=10), DEFAULTS)
    assert everything.coal == 0 and everything.energy == 7_000 and math.isnan(everything.nox)


def test_a_park_behind_its_2025_target_meets_it_with_a_coal_cut_and_the_district_moves(periods_store):  # noqa: F811
    result = what_if(periods_store, "park", "PK-T2", plan.FYP14, Measures(coal_cut_pct=50))
    assert result.basis == "actual" and result.year == 2025
    assert result.before.intensity == pytest.approx(330 / 360) and result.intensity_target == 0.855
    assert result.met("before") is False
    # coal = 330 × 30 % = 99; cut 49.5 → 280.5 / 360 = 0.7792
    assert result.after.intensity == pytest.approx(280.5 / 360) and result.met("after") is True
    assert result.district_before == pytest.approx(410 / 440)
    assert result.district_after == pytest.approx((410 - 49.5) / 440)
    assert set(result.factors["key"]) == set(FACTOR_KEYS) and result.factors["source"].str.len().gt(0).all()


def test_the_target_year_without_data_starts_from_the_forecast(periods_store):  # noqa: F811
    result = what_if(periods_store, "park", "PK-T1", plan.FYP15, Measures())
    # PK-T1 energy 2020 100, 2023 90, 2025 80, 2026 78 → the least-squares line at 2030
    assert result.basis == "forecast" and result.intensity_target == 0.865
    assert result.after.intensity == pytest.approx(result.before.intensity)
