"""Wastewater plants: effluent compliance at the limits, the low-temperature rule, load rate, coverage, the import."""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import layers
from geo import facilities
from geo.errors import InputError
from geo.settings import SETTINGS, current_settings, update_setting
from geo.store import audit, migrations
from geo.store.db import Store
from geo.store.facility_tables import write_service
from geo.store.features import write_layer
from geo.store.statistics import write_statistics
from tests.conftest import ADMIN

NOW = datetime(2025, 2, 1, 9, 0)
DEFAULTS = {key: s.default for key, s in SETTINGS.items()}
AT_LIMIT_1A = {"cod": 50.0, "bod5": 10.0, "ss": 10.0, "tn": 15.0, "nh3n": 5.0, "tp": 0.5, "water_temp_c": 20.0}


# -- compliance -------------------------------------------------------------------------------------


def test_values_exactly_at_the_limit_comply():
    assert facilities.breaches(DEFAULTS, "GB18918-1A", date(2024, 6, 1), AT_LIMIT_1A) == []
    at_1b = {"cod": 60.0, "bod5": 20.0, "ss": 20.0, "tn": 20.0, "nh3n": 8.0, "tp": 1.0, "water_temp_c": 20.0}
    assert facilities.breaches(DEFAULTS, "GB18918-1B", date(2024, 6, 1), at_1b) == []


def test_a_value_just_above_the_limit_is_an_exceedance_naming_the_limit():
    found = facilities.breaches(DEFAULTS, "GB18918-1A", date(2024, 6, 1), {**AT_LIMIT_1A, "cod": 50.01, "tp": 0.51})
    assert [(b["parameter"], b["limit"]) for b in found] == [("cod", 50.0), ("tp", 0.5)]
    assert found[0]["value"] == 50.01


def test_unmeasured_parameters_are_not_judged():
    assert facilities.breaches(DEFAULTS, "GB18918-1A", date(2024, 6, 1), {"cod": math.nan, "nh3n": None}) == []


def test_cold_water_below_12_degrees_takes_the_bracketed_nh3n_limit():
    january = date(2024, 1, 1)
    cold = {"nh3n": 8.0, "water_temp_c": 11.9}
    assert facilities.breaches(DEFAULTS, "GB18918-1A", january, cold) == []  # 8 ≤ 8 (cold limit)
    over = facilities.breaches(DEFAULTS, "GB18918-1A", january, {"nh3n": 8.01, "water_temp_c": 11.9})
    assert [(b["limit"], b["cold"]) for b in over] == [(8.0, True)]
    # 12 °C is not below 12 °C: the normal limit (5) applies
    at_twelve = facilities.breaches(DEFAULTS, "GB18918-1A", january, {"nh3n": 6.0, "water_temp_c": 12.0})
    assert [(b["limit"], b["cold"]) for b in at_twelve] == [(5.0, False)]
    # no temperature reported: judged by the normal limit
    assert facilities.breaches(DEFAULTS, "GB18918-1B", january, {"nh3n": 9.0})[0]["limit"] == 8.0


def test_db12_cold_rule_by_winter_months_when_set(empty_store):
    update_setting(empty_store, ADMIN, "effluent.db12_cold_rule", "winter_months", now=NOW)
    settings = current_settings(empty_store)
    warm_january = {"nh3n": 3.0, "water_temp_c": 18.0}
    assert facilities.breaches(settings, "DB12/599-A", date(2024, 1, 1), warm_january) == []  # cold limit 3
    cold_june = {"nh3n": 3.0, "water_temp_c": 5.0}
    assert facilities.breaches(settings, "DB12/599-A", date(2024, 6, 1), cold_june)[0]["limit"] == 1.5
    # GB 18918 plants keep the temperature rule
    assert facilities.cold_applies(settings, "GB18918-1A", date(2024, 6, 1), 5.0)


def test_limits_come_from_the_settings(empty_store):
    update_setting(empty_store, ADMIN, "effluent.gb18918_1a.cod", 40, reason="stricter", now=NOW)
    settings = current_settings(empty_store)
    assert facilities.breaches(settings, "GB18918-1A", date(2024, 6, 1), {"cod": 45.0})[0]["limit"] == 40.0


# -- load rate --------------------------------------------------------------------------------------


def test_load_rate_is_volume_over_capacity_times_days():
    assert facilities.load_rate(31.0, 1.0, date(2024, 1, 1)) == pytest.approx(1.0)
    assert facilities.load_rate(58.0, 2.0, date(2024, 2, 1)) == pytest.approx(1.0)  # 29 days in 2024
    assert facilities.load_rate(14.0, 1.0, date(2023, 2, 1)) == pytest.approx(0.5)
    assert math.isnan(facilities.load_rate(10.0, 0.0, date(2024, 1, 1)))


def _plant_store(store: Store) -> Store:
    """Two 街镇, one plant (1 万m³/d, 一级A) serving both 60/40, residents per 街镇."""
    admin = gpd.GeoDataFrame(
        {"id": ["AU-A", "AU-B"], "name": ["甲街道", "乙镇"], "kind": ["street", "town"], "code": [None, None]},
        geometry=[shapely.box(117.5, 38.9, 117.6, 39.0), shapely.box(117.6, 38.9, 117.7, 39.0)],
        crs="EPSG:4326",
    )
    plant = gpd.GeoDataFrame(
        {
            "id": ["WW-1"],
            "name": ["测试污水处理厂"],
            "facility_type": ["urban"],
            "design_capacity": [1.0],
            "discharge_standard": ["GB18918-1A"],
            "town": ["甲街道"],
        },
        geometry=[shapely.Point(117.55, 38.95)],
        crs="EPSG:4326",
    )
    population = pd.DataFrame(
        {
            "entity_id": ["AU-A", "AU-B"],
            "year": [2024, 2024],
            "indicator": [facilities.POPULATION] * 2,
            "value": [10.0, 2.0],
            "unit": ["万人"] * 2,
            "source": ["test"] * 2,
        }
    )
    service = pd.DataFrame(
        {
            "facility_id": ["WW-1", "WW-1"],
            "served_kind": ["town", "town"],
            "served_id": ["AU-A", "AU-B"],
            "share": [0.6, 0.4],
            "source": ["test"] * 2,
        }
    )
    with store.transaction() as s:
        write_layer(s, layers.get_spec("admin_units"), admin, "replace", NOW, "tester")
        write_layer(s, layers.get_spec("wastewater"), plant, "replace", NOW, "tester")
        write_statistics(s, population, "append", NOW, "tester")
        write_service(s, service, NOW, "tester")
    return store


def _csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8-sig")


def test_yearly_load_rate_and_compliance_rate_of_a_plant(empty_store):
    store = _plant_store(empty_store)
    data = _csv(
        [
            {
                "设施名称": "测试污水处理厂",
                "月份": "2024-01",
                "处理水量（万m³）": 31,
                "COD": 50,
                "NH3-N": 7,
                "水温": 10,
            },
            {
                "设施名称": "测试污水处理厂",
                "月份": "2024-02",
                "处理水量（万m³）": 14.5,
                "COD": 51,
                "NH3-N": 2,
                "水温": 11,
            },
            {"设施编号": "WW-1", "月份": "2024年3月", "处理水量（万m³）": 62, "COD": 20, "NH3-N": 6, "水温": 13},
        ]
    )
    facilities.import_monthly(store, ADMIN, data, "月报.csv", now=NOW)
    row = facilities.plant_summary(store, 2024).set_index("id").loc["WW-1"]
    assert row["months"] == 3
    assert row["load_rate"] == pytest.approx((31 + 14.5 + 62) / (31 + 29 + 31))
    assert row["max_load_rate"] == pytest.approx(2.0)
    assert bool(row["overloaded"]) is True
    # January passes (NH3-N 7 ≤ 8 in cold water); February COD 51 > 50; March NH3-N 6 > 5 at 13 °C
    assert (row["measured_months"], row["compliant_months"]) == (3, 1)
    assert row["compliance_rate"] == pytest.approx(1 / 3)
    found = facilities.exceedances(store, 2024)
    assert [
        (m.month, p, limit) for m, p, limit in zip(found["month"], found["parameter"], found["limit"], strict=True)
    ] == [
        (2, "cod", 50.0),
        (3, "nh3n", 5.0),
    ]


# -- coverage ---------------------------------------------------------------------------------------


def test_expected_sewage_by_method():
    assert facilities.expected_sewage(10.0, None, DEFAULTS, "population") == pytest.approx(2.0)  # 10万人 × 200 L
    assert facilities.expected_sewage(None, 365.0, DEFAULTS, "water_use") == pytest.approx(0.85)
    assert facilities.expected_sewage(10.0, 365.0, DEFAULTS, "both") == pytest.approx(2.85)
    assert math.isnan(facilities.expected_sewage(None, None, DEFAULTS, "both"))


def test_coverage_gap_is_shared_capacity_minus_expected(empty_store):
    store = _plant_store(empty_store)
    cov = facilities.coverage(store, 2024, "population").set_index("unit_id")
    assert cov.loc["AU-A", "capacity"] == pytest.approx(0.6)
    assert cov.loc["AU-A", "expected"] == pytest.approx(2.0)
    assert cov.loc["AU-A", "gap"] == pytest.approx(-1.4)
    assert cov.loc["AU-B", "gap"] == pytest.approx(0.4 - 0.4)
    assert list(cov.loc["AU-A", "plants"]) == ["测试污水处理厂"]


def test_coverage_follows_the_per_capita_setting(empty_store):
    store = _plant_store(empty_store)
    update_setting(store, ADMIN, "coverage.sewage_per_capita_l", 100, now=NOW)
    assert facilities.coverage(store, 2024, "population").set_index("unit_id").loc["AU-A", "expected"] == pytest.approx(
        1.0
    )


def test_service_import_replaces_the_mapping_and_refuses_unknown_units(empty_store):
    store = _plant_store(empty_store)
    facilities.import_service(
        store,
        ADMIN,
        pd.DataFrame({"facility_id": ["WW-1"], "served_kind": ["town"], "served_id": ["AU-B"], "share": [1.0]}),
        "s.csv",
        now=NOW,
    )
    assert facilities.coverage(store, 2024).set_index("unit_id").loc["AU-B", "capacity"] == pytest.approx(1.0)
    with pytest.raises(InputError, match="AU-X"):
        facilities.import_service(
            store,
            ADMIN,
            pd.DataFrame({"facility_id": ["WW-1"], "served_kind": ["town"], "served_id": ["AU-X"], "share": [1.0]}),
            "s.csv",
        )


# -- the monthly import -----------------------------------------------------------------------------


def _counts(store: Store) -> tuple[int, int, int]:
    return (
        store.scalar("SELECT count(*) FROM facility_monthly"),
        store.scalar("SELECT count(*) FROM audit_log"),
        store.data_version(),
    )


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"设施名称": "不存在的厂", "月份": "2024-01", "处理水量": 10}, "未知设施"),
        ({"设施名称": "测试污水处理厂", "月份": "2024-01", "处理水量": -5}, "不能为负数"),
        ({"设施名称": "测试污水处理厂", "月份": "二〇二四", "处理水量": 5}, "月份无法识别"),
        ({"设施名称": "测试污水处理厂", "月份": "2024-01", "处理水量": "很多"}, "不是数字"),
    ],
)
def test_bad_monthly_rows_are_refused_and_nothing_is_written(empty_store, row, words):
    store = _plant_store(empty_store)
    before = _counts(store)
    with pytest.raises(InputError) as caught:
        facilities.import_monthly(store, ADMIN, _csv([row]), "bad.csv", now=NOW)
    assert words in caught.value.zh and caught.value.en
    assert _counts(store) == before


def test_a_plant_month_twice_in_one_file_is_refused(empty_store):
    store = _plant_store(empty_store)
    row = {"设施名称": "测试污水处理厂", "月份": "2024-01", "处理水量": 5}
    checked = facilities.check_monthly(store, _csv([row, row]), "dup.csv")
    assert not checked.ok and "重复" in checked.errors[0].zh


def test_cod_of_5000_is_a_warning_not_an_error(empty_store):
    store = _plant_store(empty_store)
    row = {"设施名称": "测试污水处理厂", "月份": "2024-01", "处理水量": 20, "COD": 5000}
    checked = facilities.check_monthly(store, _csv([row]), "high.csv")
    assert checked.ok and len(checked.warnings) == 1 and "5000" in checked.warnings[0].zh


def test_import_is_one_audited_write_and_a_repeat_replaces_keeping_history(empty_store):
    store = _plant_store(empty_store)
    row = {"设施名称": "测试污水处理厂", "月份": "2024-01", "处理水量": 20, "COD": 30}
    facilities.import_monthly(store, ADMIN, _csv([row]), "a.csv", now=NOW)
    facilities.import_monthly(store, ADMIN, _csv([{**row, "COD": 35}]), "b.csv", now=datetime(2025, 3, 1))
    assert store.scalar("SELECT cod FROM facility_monthly") == 35
    assert store.scalar("SELECT cod FROM facility_monthly_history") == 30
    rows = audit.entries(store, action="facilities.import_monthly")
    assert len(rows) == 2 and audit.verify(store).ok


def test_xlsx_import_and_a_non_table_file(empty_store):
    store = _plant_store(empty_store)
    buffer = io.BytesIO()
    pd.DataFrame([{"设施名称": "测试污水处理厂", "月份": date(2024, 5, 1), "处理水量": 20}]).to_excel(
        buffer, index=False
    )
    assert facilities.check_monthly(store, buffer.getvalue(), "月报.xlsx").ok
    with pytest.raises(InputError, match="csv"):
        facilities.check_monthly(store, b"\x89PNG\r\n", "picture.png")


def test_the_import_needs_the_water_editor_role(empty_store):
    from geo.permissions import Actor, PermissionDenied

    store = _plant_store(empty_store)
    viewer = Actor("v", "v", frozenset({"viewer"}))
    with pytest.raises(PermissionDenied):
        facilities.import_monthly(store, viewer, b"", "x.csv")


# -- migration 12 -----------------------------------------------------------------------------------


def test_migration_12_adds_the_tables_to_a_store_made_before_it(new_store, monkeypatch):
    store = new_store
    before = [m for m in migrations.MIGRATIONS if m[0] < 12]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    store.migrate(layers.all_specs())
    update_setting(store, ADMIN, "water.nh3n_heavy_mg_l", 16, now=NOW)
    assert "facility_monthly" not in store.tables()
    monkeypatch.undo()
    assert store.migrate(layers.all_specs()) == migrations.LATEST
    assert {"facility_monthly", "facility_service", "grids", "grids_history"} <= store.tables()
    assert current_settings(store)["water.nh3n_heavy_mg_l"] == 16


# -- the sample -------------------------------------------------------------------------------------


def test_sample_has_overloaded_and_exceeding_plants(seeded_store):
    summary = facilities.plant_summary(seeded_store, 2024)
    assert 2 <= int(summary["overloaded"].sum()) <= 5
    assert 2 <= int((summary["exceedances"] > 0).sum()) <= 5
    found = facilities.exceedances(seeded_store, 2024)
    assert found["cold"].any()  # 中塘's winter NH3-N breaches are judged by the cold-water limit


# -- the CLI ----------------------------------------------------------------------------------------


def test_cli_monthly_import_writes_and_a_bad_file_exits_2_leaving_the_store_unchanged(empty_store, tmp_path, capsys):
    from layers.__main__ import main

    store = _plant_store(empty_store)
    good = tmp_path / "good.csv"
    good.write_bytes(_csv([{"设施名称": "测试污水处理厂", "月份": "2024-01", "处理水量": 20}]))
    assert main(["monthly-import", str(good), "--db", store.location]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([{"设施名称": "测试污水处理厂", "月份": "2024-02", "处理水量": -1}]))
    before = _counts(store)
    assert main(["monthly-import", str(bad), "--db", store.location]) == 2
    assert _counts(store) == before
    err = capsys.readouterr().err
    assert "不能为负数" in err and "must not be negative" in err


def test_cli_grid_import_refuses_a_png_with_exit_2(empty_store, tmp_path, capsys):
    from PIL import Image

    from layers.__main__ import main

    fake = tmp_path / "photo.tif"
    Image.new("RGB", (2, 2)).save(fake, format="PNG")
    assert main(["grid-import", str(fake), "--pollutant", "pm25", "--year", "2024", "--db", empty_store.location]) == 2
    assert "not a GeoTIFF" in capsys.readouterr().err
