"""The cockpit's ledgers against hand-built tiny stores, and their minimums on the seeded sample."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

import layers
from geo import ledgers
from geo.store.features import write_layer
from geo.store.statistics import COLUMNS as STATISTICS_COLUMNS
from geo.store.tables import TARGET_COLUMNS

NOW = dt.datetime(2025, 1, 1)
INJECTION = "existing' OR '1'='1"


def _write(store, layer: str, frame: dict, geometry: list) -> None:
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    with store.transaction() as s:
        write_layer(s, layers.get_spec(layer), gdf, mode="replace", now=NOW)


COLUMNS = {
    "statistics": STATISTICS_COLUMNS,
    "targets": TARGET_COLUMNS,
}


def _insert(store, table: str, rows: list[tuple]) -> None:
    placeholders = ", ".join(["?"] * len(rows[0]))
    columns = ", ".join(COLUMNS[table])
    with store.transaction() as s:
        for row in rows:
            s.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row))


@pytest.fixture
def projects_store(empty_store):
    """Four projects: two existing petrochemical (1000 + 500 tce), one proposed chemical, one coal power
    under construction without a reported energy use."""
    _write(
        empty_store,
        "two_high_projects",
        {
            "id": ["TH-1", "TH-2", "TH-3", "TH-4"],
            "name": ["乙烯项目", "芳烃项目", "环氧项目", "热电项目"],
            "stage": ["existing", "existing", "proposed", "under_construction"],
            "sector": ["petrochemical", "petrochemical", "chemical", "coal_power"],
            "energy_use_tce": [1000.0, 500.0, 200.0, None],
            "approval_status": ["approved", "filed", "pending", "approved"],
            "park": ["南港工业区石化产业园", "南港工业区石化产业园", "大港精细化工园", None],
            "town": ["古林街道", "古林街道", "大港街道", "寨上街道"],
            "company": ["甲公司", "乙公司", "丙公司", "丁公司"],
        },
        [
            shapely.Point(117.56, 38.77),
            shapely.Point(117.57, 38.78),
            shapely.Point(117.52, 38.83),
            shapely.Point(117.85, 39.19),
        ],
    )
    return empty_store


@pytest.fixture
def units_store(empty_store):
    """Four key energy-using units: two connected, one not connected, one with a data gap."""
    _write(
        empty_store,
        "key_energy_units",
        {
            "id": ["KU-1", "KU-2", "KU-3", "KU-4"],
            "name": ["甲石化", "乙化工", "丙热电", "丁新材料"],
            "industry": ["石油化工", "精细化工", "电力", "新材料"],
            "annual_energy_tce": [100_000.0, 20_000.0, 50_000.0, 10_000.0],
            "monitoring_status": ["connected", "connected", "not_connected", "data_gap"],
            "last_data_on": [dt.date(2024, 12, 31), dt.date(2024, 12, 30), None, dt.date(2024, 11, 20)],
            "park": ["南港工业区石化产业园", "大港精细化工园", None, "小王庄工业园"],
            "town": ["古林街道", "大港街道", "塘沽街道", "小王庄镇"],
        },
        [
            shapely.Point(117.56, 38.77),
            shapely.Point(117.52, 38.83),
            shapely.Point(117.65, 39.02),
            shapely.Point(117.40, 38.76),
        ],
    )
    return empty_store


@pytest.fixture
def sewage_store(empty_store):
    """Town T1 (target row), street S1 (no target row: the plan's 90 %), town T2 falling behind,
    street S2 without any figure, and a zone with a figure (not a street/town)."""
    box = shapely.box(117.4, 38.7, 117.5, 38.8)
    _write(
        empty_store,
        "admin_units",
        {
            "id": ["AU-T1", "AU-S1", "AU-T2", "AU-S2", "AU-Z"],
            "name": ["甲镇", "乙街道", "丙镇", "丁街道", "某开发区"],
            "kind": ["town", "street", "town", "street", "zone"],
            "code": [None] * 5,
            "note": [None] * 5,
        },
        [box] * 5,
    )
    rate = "rural_sewage_treatment_rate"
    _insert(
        empty_store,
        "statistics",
        [
            ("AU-T1", 2020, rate, 70.0, "%", "test"),
            ("AU-T1", 2024, rate, 88.0, "%", "test"),
            ("AU-S1", 2020, rate, 80.0, "%", "test"),
            ("AU-S1", 2024, rate, 92.0, "%", "test"),
            ("AU-T2", 2020, rate, 60.0, "%", "test"),
            ("AU-T2", 2024, rate, 65.0, "%", "test"),
            ("AU-Z", 2024, rate, 50.0, "%", "test"),
        ],
    )
    _insert(
        empty_store,
        "targets",
        [
            ("AU-T1", "town", rate, 2020, 70.0, 2025, 90.0, "%", "test"),
            ("AU-T2", "town", rate, 2020, 60.0, 2025, 90.0, "%", "test"),
        ],
    )
    return empty_store


@pytest.fixture
def circular_store(empty_store):
    """Five parks: national done, municipal in progress, district done (not 市级以上), municipal not
    required (不符合条件), national not started; PK-2 reported 40 % in 2022 and 60 % in 2023."""
    _write(
        empty_store,
        "parks",
        {
            "id": ["PK-1", "PK-2", "PK-3", "PK-4", "PK-5"],
            "name": ["国家级园区", "市级园区", "区级园区", "市级物流园", "国家级新园区"],
            "zone": [None] * 5,
            "town": ["古林街道"] * 5,
            "industry": ["petrochemical", "chemical", "materials", "logistics", "equipment"],
            "level": ["national", "municipal", "district", "municipal", "national"],
            "circular_status": ["done", "in_progress", "done", "not_required", "not_started"],
            "established": [2010] * 5,
        },
        [shapely.box(117.50 + i * 0.02, 38.76, 117.51 + i * 0.02, 38.77) for i in range(5)],
    )
    progress = "circular_progress"
    _insert(
        empty_store,
        "statistics",
        [
            ("PK-2", 2022, progress, 40.0, "%", "test"),
            ("PK-2", 2023, progress, 60.0, "%", "test"),
            ("PK-1", 2024, progress, 100.0, "%", "test"),
        ],
    )
    return empty_store


# -- 两高 projects -------------------------------------------------------------------------------


def test_two_high_summary_counts_projects_and_sums_energy_per_stage_and_sector(projects_store):
    summary = ledgers.two_high_summary(projects_store)
    rows = {(r.stage, r.sector): (r.projects, r.energy_use_tce) for r in summary.itertuples()}
    assert rows[("existing", "petrochemical")] == (2, 1500.0)
    assert rows[("proposed", "chemical")] == (1, 200.0)
    projects, energy = rows[("under_construction", "coal_power")]
    assert projects == 1 and np.isnan(energy)  # counted, but no energy figure to add
    assert len(summary) == 3
    assert list(summary["stage"]) == ["proposed", "under_construction", "existing"]  # the choices' order


def test_two_high_table_lists_every_project_with_its_position(projects_store):
    table = ledgers.two_high_table(projects_store)
    assert list(table.columns) == [
        "id", "name", "stage", "sector", "energy_use_tce", "approval_status", "park", "town", "company", "lon", "lat",
    ]  # fmt: skip
    assert list(table["id"]) == ["TH-1", "TH-2", "TH-3", "TH-4"]
    first = table.iloc[0]
    assert (first["lon"], first["lat"]) == pytest.approx((117.56, 38.77))
    assert first["company"] == "甲公司"


def test_two_high_table_filters_by_stage_and_sector(projects_store):
    assert list(ledgers.two_high_table(projects_store, stage="existing")["id"]) == ["TH-1", "TH-2"]
    assert list(ledgers.two_high_table(projects_store, sector="chemical")["id"]) == ["TH-3"]
    assert list(ledgers.two_high_table(projects_store, stage="existing", sector="chemical")["id"]) == []
    assert list(ledgers.two_high_table(projects_store, stage="在建")["id"]) == ["TH-4"]  # Chinese label
    assert list(ledgers.two_high_table(projects_store, sector="Coal power")["id"]) == ["TH-4"]  # English label


def test_two_high_filter_values_are_data_not_sql(projects_store):
    assert ledgers.two_high_table(projects_store, stage=INJECTION).empty
    assert ledgers.two_high_table(projects_store, sector="x'); DROP TABLE two_high_projects; --").empty
    assert len(ledgers.two_high_table(projects_store)) == 4


def test_two_high_ledgers_of_an_empty_store_are_empty(empty_store):
    assert ledgers.two_high_summary(empty_store).empty
    assert ledgers.two_high_table(empty_store).empty


# -- key energy-using units ------------------------------------------------------------------------


def test_monitoring_summary_counts_each_status_and_the_connected_share(units_store):
    summary = ledgers.monitoring_summary(units_store).set_index("monitoring_status")
    assert list(summary.index) == ["connected", "not_connected", "data_gap"]
    assert list(summary["units"]) == [2, 1, 1]
    assert summary.loc["connected", "share"] == pytest.approx(0.5)
    assert summary.loc["data_gap", "share"] == pytest.approx(0.25)
    assert summary.loc["connected", "annual_energy_tce"] == 120_000.0
    assert summary["share"].sum() == pytest.approx(1.0)


def test_monitoring_summary_of_an_empty_store_lists_every_status_with_zero(empty_store):
    summary = ledgers.monitoring_summary(empty_store)
    assert list(summary["units"]) == [0, 0, 0]
    assert summary["share"].isna().all()


def test_monitoring_table_filters_by_status_code_or_label(units_store):
    assert list(ledgers.monitoring_table(units_store)["id"]) == ["KU-1", "KU-2", "KU-3", "KU-4"]
    assert list(ledgers.monitoring_table(units_store, status="connected")["id"]) == ["KU-1", "KU-2"]
    gap = ledgers.monitoring_table(units_store, status="近30天数据缺失")
    assert list(gap["id"]) == ["KU-4"]
    assert str(gap["last_data_on"].iloc[0])[:10] == "2024-11-20"
    not_connected = ledgers.monitoring_table(units_store, status="Not connected")
    assert list(not_connected["id"]) == ["KU-3"] and not_connected["last_data_on"].isna().all()


def test_monitoring_filter_values_are_data_not_sql(units_store):
    assert ledgers.monitoring_table(units_store, status="connected' OR '1'='1").empty
    assert len(ledgers.monitoring_table(units_store)) == 4


# -- rural domestic sewage -------------------------------------------------------------------------


def test_rural_sewage_by_town_reports_rate_gap_and_straight_line_status(sewage_store):
    table = ledgers.rural_sewage_by_town(sewage_store, 2024).set_index("unit_id")
    assert list(table.index) == ["AU-S1", "AU-T1", "AU-T2"]  # streets/towns with figures; no zone
    t1 = table.loc["AU-T1"]
    assert (t1["rate"], t1["target"], t1["gap"], t1["baseline"]) == (88.0, 90.0, -2.0, 70.0)
    assert not t1["meets_target"]
    # expected 2024 = 70 + (90 − 70)·4/5 = 86;  progress = (88 − 70)/(86 − 70) = 1.125
    assert t1["expected"] == pytest.approx(86.0) and t1["progress"] == pytest.approx(1.125)
    assert t1["status"] == "on_track"
    s1 = table.loc["AU-S1"]  # no targets row: the plan's 90 %, baseline from the 2020 figure
    assert (s1["target"], s1["gap"], s1["baseline"], s1["kind"]) == (90.0, 2.0, 80.0, "street")
    assert s1["meets_target"] and s1["status"] == "on_track"
    t2 = table.loc["AU-T2"]  # expected 84, progress (65 − 60)/(84 − 60) ≈ 0.21
    assert t2["progress"] == pytest.approx(5 / 24) and t2["status"] == "behind"
    assert t2["unit_name"] == "丙镇"


def test_rural_sewage_in_a_year_without_figures_is_no_data(sewage_store):
    table = ledgers.rural_sewage_by_town(sewage_store, 2022)
    assert len(table) == 3
    assert table["rate"].isna().all()
    assert (table["status"] == "no_data").all()
    assert not table["meets_target"].any()
    assert (table["baseline"].notna()).all()


def test_rural_sewage_of_an_empty_store_is_empty(empty_store):
    assert ledgers.rural_sewage_by_town(empty_store, 2024).empty


# -- circular transformation ------------------------------------------------------------------------


def test_circular_transformation_counts_only_qualifying_parks_above_district_level(circular_store):
    result = ledgers.circular_transformation(circular_store)
    assert list(result.parks["id"]) == ["PK-1", "PK-2", "PK-5"]
    assert (result.qualifying, result.done) == (3, 1)
    assert result.share_done == pytest.approx(1 / 3)
    assert not result.all_done
    counts = dict(zip(result.by_status["circular_status"], result.by_status["parks"], strict=True))
    assert counts == {"done": 1, "in_progress": 1, "not_started": 1}


def test_circular_transformation_shows_each_parks_latest_reported_progress(circular_store):
    parks = ledgers.circular_transformation(circular_store).parks.set_index("id")
    assert (parks.loc["PK-2", "progress"], parks.loc["PK-2", "progress_year"]) == (60.0, 2023)
    assert parks.loc["PK-1", "progress"] == 100.0
    assert np.isnan(parks.loc["PK-5", "progress"])


def test_circular_transformation_is_met_when_every_qualifying_park_is_done(circular_store):
    with circular_store.transaction() as s:
        s.execute("UPDATE parks SET circular_status = ? WHERE id IN ('PK-2', 'PK-5')", ["done"])
    result = ledgers.circular_transformation(circular_store)
    assert (result.qualifying, result.done, result.share_done, result.all_done) == (3, 3, 1.0, True)


def test_circular_transformation_without_qualifying_parks_is_not_met(empty_store):
    result = ledgers.circular_transformation(empty_store)
    assert result.qualifying == 0 and np.isnan(result.share_done) and not result.all_done


# -- the seeded sample ------------------------------------------------------------------------------


def test_every_ledger_of_the_seeded_sample_is_filled_and_meets_the_minimums(seeded_store):
    summary = ledgers.two_high_summary(seeded_store)
    table = ledgers.two_high_table(seeded_store)
    assert len(table) == summary["projects"].sum() >= 25
    assert set(summary["stage"]) == {"proposed", "under_construction", "existing"}
    assert {"coal_power", "petrochemical", "chemical", "building_materials"} <= set(summary["sector"])
    assert table["energy_use_tce"].between(1e4, 2e6).all()

    monitoring = ledgers.monitoring_summary(seeded_store).set_index("monitoring_status")
    assert monitoring["units"].sum() == len(ledgers.monitoring_table(seeded_store)) >= 40
    assert (monitoring["units"] > 0).all()
    assert monitoring.loc["connected", "share"] > 0.5

    sewage = ledgers.rural_sewage_by_town(seeded_store, 2024)
    assert {"新城镇", "杨家泊镇", "太平镇", "小王庄镇", "中塘镇"} <= set(sewage["unit_name"])
    assert len(sewage) >= 9 and sewage["rate"].notna().all()
    assert sewage["meets_target"].any() and not sewage["meets_target"].all()
    assert (sewage["target"] == 90.0).all() and sewage["baseline"].between(60, 80).all()

    circular = ledgers.circular_transformation(seeded_store)
    assert circular.qualifying > 0 and 0 < circular.done < circular.qualifying
    assert set(circular.parks["level"]) <= {"national", "municipal"}
