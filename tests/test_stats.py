"""Indicator queries and assessment rules against hand-computed tiny fixtures."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import layers
from geo import assessment, stats
from geo.store.features import write_layer
from tests.conftest import ADMIN

NOW = dt.datetime(2025, 1, 1)


@pytest.fixture
def tiny_stats_store(empty_store, tiny_parks):
    """Two zones (west/east boxes), parks PK-T1 (west) and PK-T2 (east) plus PK-T3 (west), two years."""
    admin = gpd.GeoDataFrame(
        {
            "id": ["AU-W", "AU-E", "AU-D"],
            "name": ["西区", "东区", "滨海新区"],
            "kind": ["zone", "zone", "district"],
            "code": [None, None, None],
            "note": [None, None, None],
        },
        geometry=[
            shapely.box(117.4, 38.6, 117.65, 39.3),
            shapely.box(117.65, 38.6, 117.9, 39.3),
            shapely.box(117.4, 38.6, 117.9, 39.3),
        ],
        crs="EPSG:4326",
    )
    parks = pd.concat(
        [
            tiny_parks,
            tiny_parks.iloc[[0]].assign(id="PK-T3", name="第三园区", geometry=shapely.box(117.5, 38.9, 117.51, 38.91)),
        ],
        ignore_index=True,
    )
    parks = gpd.GeoDataFrame(parks, geometry="geometry", crs="EPSG:4326")
    rows = []
    data = {  # (park, year): (energy tce, value added 万元, VOCs t)
        ("PK-T1", 2020): (100.0, 50.0, 10.0),
        ("PK-T2", 2020): (300.0, 300.0, 30.0),
        ("PK-T3", 2020): (200.0, 100.0, 5.0),
        ("PK-T1", 2023): (90.0, 60.0, 8.0),
        ("PK-T2", 2023): (310.0, 330.0, 33.0),
    }
    for (park, year), (energy, va, vocs) in data.items():
        rows += [
            (park, year, "energy_consumption", energy, "tce", "test"),
            (park, year, "value_added", va, "万元", "test"),
            (park, year, "energy_intensity", energy / va, "tce/万元", "test"),
            (park, year, "vocs", vocs, "t", "test"),
        ]
    with empty_store.transaction() as s:
        write_layer(s, layers.get_spec("admin_units"), admin, "replace", NOW)
        write_layer(s, layers.get_spec("parks"), parks, "replace", NOW)
        s.execute(
            "INSERT INTO statistics (entity_id, year, indicator, value, unit, source) VALUES "
            + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(rows)),
            [v for r in rows for v in r],
        )
    return empty_store


def test_park_values_join_statistics_to_every_park_including_missing(tiny_stats_store):
    df = stats.park_values(tiny_stats_store, "vocs", 2023).set_index("id")
    assert df.loc["PK-T1", "value"] == 8.0
    assert np.isnan(df.loc["PK-T3", "value"])  # no 2023 data: shown as "no data", not dropped


def test_park_values_per_km2_divides_by_area_in_square_kilometres(tiny_stats_store):
    df = stats.park_values(tiny_stats_store, "vocs", 2020, "per_km2").set_index("id")
    area = df.loc["PK-T1", "area_km2"]
    assert area == pytest.approx(3.85, rel=0.02)
    assert df.loc["PK-T1", "value"] == pytest.approx(10.0 / area)


def test_park_values_per_value_added(tiny_stats_store):
    df = stats.park_values(tiny_stats_store, "vocs", 2020, "per_va").set_index("id")
    assert df.loc["PK-T2", "value"] == pytest.approx(30.0 / 300.0)


def test_park_values_with_geometry_is_a_geodataframe(tiny_stats_store):
    gdf = stats.park_values(tiny_stats_store, "energy_intensity", 2020, with_geometry=True)
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 4326 and len(gdf) == 3


def test_zone_energy_intensity_is_value_added_weighted(tiny_stats_store):
    df = stats.unit_values(tiny_stats_store, "energy_intensity", "zone", (2020, 2020)).set_index("unit_id")
    # west zone: PK-T1 and PK-T3 → (100 + 200) / (50 + 100)
    assert df.loc["AU-W", "value"] == pytest.approx(300.0 / 150.0)
    weighted = (50 * (100 / 50) + 100 * (200 / 100)) / 150
    assert df.loc["AU-W", "value"] == pytest.approx(weighted)
    assert df.loc["AU-W", "parks"] == 2


def test_zone_totals_are_sums_and_district_covers_all_parks(tiny_stats_store):
    zones = stats.unit_values(tiny_stats_store, "vocs", "zone", (2020, 2023)).set_index(["unit_id", "year"])
    assert zones.loc[("AU-W", 2020), "value"] == 15.0
    assert zones.loc[("AU-E", 2023), "value"] == 33.0
    district = stats.unit_values(tiny_stats_store, "vocs", "district", (2020, 2020))
    assert district["value"].tolist() == [45.0]


def test_zone_per_km2_divides_by_the_member_parks_area_once(tiny_stats_store):
    # Each park has several statistics rows per year; its area must still count once.
    area = stats.park_values(tiny_stats_store, "vocs", 2020).set_index("id")["area_km2"]
    df = stats.unit_values(tiny_stats_store, "vocs", "zone", (2020, 2020), "per_km2").set_index("unit_id")
    assert df.loc["AU-W", "value"] == pytest.approx((10.0 + 5.0) / (area["PK-T1"] + area["PK-T3"]))


def test_unknown_indicator_or_normalisation_is_refused(tiny_stats_store):
    with pytest.raises(ValueError, match="indicator"):
        stats.park_values(tiny_stats_store, "co2; DROP TABLE parks", 2020)
    with pytest.raises(ValueError, match="per_km2"):
        stats.park_values(tiny_stats_store, "energy_intensity", 2020, "per_km2")


@pytest.mark.parametrize(
    ("actual", "year", "progress", "status"),
    [
        # baseline 1.0 → target 0.855 (−14.5 %); in 2023 the line expects 0.913 (0.087 below baseline)
        (0.913, 2023, 1.0, "on_track"),
        (0.900, 2023, 0.100 / 0.087, "on_track"),
        (0.950, 2023, 0.050 / 0.087, "at_risk"),
        (0.970, 2023, 0.030 / 0.087, "behind"),
        (1.020, 2023, -0.020 / 0.087, "behind"),
        (0.850, 2021, 0.150 / 0.029, "on_track"),
    ],
)
def test_assess_reduction_target_against_the_straight_line(actual, year, progress, status):
    result = assessment.assess(1.0, 0.855, actual, year)
    assert result.progress == pytest.approx(progress, rel=1e-6)
    assert result.status == status


def test_assess_expected_value_on_the_line():
    assert assessment.assess(1.0, 0.855, 0.95, 2023).expected == pytest.approx(0.913)


@pytest.mark.parametrize(("actual", "status"), [(115.0, "on_track"), (106.0, "at_risk"), (103.0, "behind")])
def test_assess_growth_target(actual, status):
    # 100 → 120 by 2025: the line expects 112 in 2023
    assert assessment.assess(100.0, 120.0, actual, 2023).status == status


def test_assess_without_actual_is_no_data():
    assert assessment.assess(1.0, 0.855, float("nan"), 2023).status == "no_data"


def test_update_targets_writes_all_rows_or_none(tiny_stats_store):
    from geo.errors import InputError

    with tiny_stats_store.transaction() as s:
        s.execute(
            "INSERT INTO targets (entity_id, level, indicator, baseline_year, baseline_value, target_year, target_value, unit, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["AU-W", "zone", "vocs", 2020, 15.0, 2025, 13.5, "t", "test"],
        )
    good = pd.DataFrame({"entity_id": ["AU-W"], "indicator": ["vocs"], "target_year": [2025], "target_value": [12.0]})
    assert assessment.update_targets(tiny_stats_store, ADMIN, good) == 1
    assert assessment.target_of(tiny_stats_store, "AU-W", "vocs")["target_value"] == 12.0
    bad = pd.concat([good.assign(target_value=11.0), good.assign(target_value=-1.0)])
    with pytest.raises(InputError, match="非负"):
        assessment.update_targets(tiny_stats_store, ADMIN, bad)
    assert assessment.target_of(tiny_stats_store, "AU-W", "vocs")["target_value"] == 12.0


def test_assessment_joins_targets_with_aggregated_actuals(tiny_stats_store):
    with tiny_stats_store.transaction() as s:
        s.execute(
            "INSERT INTO targets (entity_id, level, indicator, baseline_year, baseline_value, target_year, target_value, unit, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["AU-E", "zone", "vocs", 2020, 30.0, 2025, 27.0, "t", "test"],
        )
    table = assessment.assessment(tiny_stats_store, "zone", "vocs", 2023)
    row = table.set_index("entity_id").loc["AU-E"]
    assert row["actual"] == 33.0 and row["status"] == "behind"
    assert row["expected"] == pytest.approx(30.0 - 3.0 * 0.6)


def test_percentages_and_ratios_are_shown_only_as_they_are():
    assert stats.normalisations_for("rural_sewage_treatment_rate") == ("total",)
    assert stats.normalisations_for("circular_progress") == ("total",)
    assert stats.normalisations_for("vocs") == ("total", "per_km2", "per_va")


def test_park_panel_finds_the_zone_by_membership_not_by_the_parks_zone_attribute(tiny_stats_store):
    """PK-T1 lies in the west box (AU-W) although its `zone` attribute names another zone."""
    with tiny_stats_store.transaction() as s:
        s.execute(
            "INSERT INTO targets (entity_id, level, indicator, baseline_year, baseline_value, target_year, target_value, unit, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["AU-W", "zone", "energy_intensity", 2020, 2.0, 2025, 1.6, "tce/万元", "test"]
            + ["PK-T1", "park", "energy_intensity", 2020, 2.0, 2025, 1.5, "tce/万元", "test"],
        )
    panel = assessment.park_panel(tiny_stats_store, "PK-T1", "vocs", "per_km2", 2023)
    assert panel.park["name"] == "南港测试园区" and panel.park["zone"] == "天津港保税区"
    assert panel.target is None and panel.result is None  # per-km² values have no target
    assert list(panel.trend["year"]) == [2020, 2023]
    assert set(panel.profile["indicator"]) == {"energy_consumption", "value_added", "energy_intensity", "vocs"}
    park_row, zone_row = panel.headline
    assert (park_row.level, park_row.entity_id, park_row.actual) == ("park", "PK-T1", pytest.approx(1.5))
    assert park_row.result.status == "on_track"  # 1.5 already meets the 2025 target
    # AU-W in 2023: PK-T1 (90 tce / 60 万元) alone reports that year → 1.5; expected 2.0 − 0.4·0.6 = 1.76
    assert (zone_row.level, zone_row.entity_id, zone_row.name) == ("zone", "AU-W", "西区")
    assert zone_row.actual == pytest.approx(1.5) and zone_row.result.expected == pytest.approx(1.76)
    table = assessment.assessment(tiny_stats_store, "zone", "energy_intensity", 2023).set_index("entity_id")
    assert zone_row.result.status == table.loc["AU-W", "status"]


def test_park_panel_reads_on_one_connection(tiny_stats_store, connections):
    opened = connections(tiny_stats_store)
    panel = assessment.park_panel(tiny_stats_store, "PK-T1", "vocs", "total", 2023)
    assert panel.park["name"] == "南港测试园区" and len(opened) == 1


def test_park_panel_of_an_unknown_park_is_none(tiny_stats_store):
    assert assessment.park_panel(tiny_stats_store, "PK-NOPE", "vocs", "total", 2023) is None


def test_park_change_is_the_difference_and_percentage_between_two_years(tiny_stats_store):
    change = stats.park_change(tiny_stats_store, "vocs", 2020, 2023).set_index("id")
    assert change.loc["PK-T1", "value_base"] == 10.0 and change.loc["PK-T1", "value"] == 8.0
    assert change.loc["PK-T1", "change"] == pytest.approx(-2.0)
    assert change.loc["PK-T1", "change_pct"] == pytest.approx(-20.0)
    assert change.loc["PK-T2", "change_pct"] == pytest.approx(10.0)
    assert np.isnan(change.loc["PK-T3", "change_pct"])  # no 2023 figure


def test_symmetric_breaks_put_as_many_classes_below_zero_as_above():
    from geo.classify import assign_classes, symmetric_breaks

    bounds = symmetric_breaks([-30, -12, -5, -1, 2, 3, 8, 40], 6)
    assert bounds[:5] == [-40.0, -20.0, 0.0, 20.0, 40.0] and bounds[-1] >= 40
    assert list(assign_classes([-50, -25, -0.5, 0.5, 25, 45], bounds)) == [0, 1, 2, 3, 4, 5]
