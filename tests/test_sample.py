"""The illustrative sample data: deterministic, plausible for Binhai, valid against the layer specs."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import layers
from data.sample import SOURCE, SampleData, generate, seed_store
from data.sample.facilities import WASTEWATER_PLANTS
from data.sample.geography import STREETS, TOWNS
from data.sample.ledgers import KEY_UNITS_PER_SCALE, MONITORING_AS_OF, TWO_HIGH_PROJECTS
from data.sample.parks import PARKS_PER_SCALE
from geo.crs import BINHAI_BOUNDS, measures_km
from geo.indicators import INDICATORS, PARK_INDICATORS, TOWN_INDICATORS
from geo.plan import ENERGY_INTENSITY_CUT
from geo.store.features import count_features, read_layer

REAL_STREETS = {
    "塘沽街道", "杭州道街道", "新河街道", "大沽街道", "新北街道", "北塘街道", "胡家园街道", "新港街道",
    "新村街道", "泰达街道", "汉沽街道", "寨上街道", "茶淀街道", "大港街道", "古林街道", "海滨街道",
}  # fmt: skip
REAL_TOWNS = {"新城镇", "杨家泊镇", "太平镇", "小王庄镇", "中塘镇"}


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return generate(seed=2025, scale=1)


def _frames_as_text(data: SampleData) -> dict[str, str]:
    """Every frame serialised exactly (geometries as WKB hex) for byte-for-byte comparison."""
    text = {}
    for name, gdf in data.layers.items():
        plain = pd.DataFrame(gdf.drop(columns="geometry"))
        plain["geometry"] = shapely.to_wkb(gdf.geometry.values, hex=True)
        text[name] = plain.to_csv(index=False)
    text["statistics"] = data.statistics.to_json(orient="split")
    text["targets"] = data.targets.to_json(orient="split")
    text["water_samples"] = data.water_samples.to_csv(index=False)
    return text


def _admin(sample: SampleData, kind: str):
    admin = sample.layers["admin_units"]
    return admin[admin["kind"] == kind]


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_frames(sample):
    again = generate(seed=2025, scale=1)
    assert _frames_as_text(again) == _frames_as_text(sample)


def test_different_seed_gives_different_parks_and_statistics(sample):
    other = _frames_as_text(generate(seed=7, scale=1))
    mine = _frames_as_text(sample)
    for name in ("parks", "water_bodies", "statistics", "targets", "water_samples"):
        assert other[name] != mine[name], name


def test_generate_rejects_a_scale_below_one():
    with pytest.raises(ValueError, match="scale"):
        generate(scale=0)


# -- counts and names -------------------------------------------------------------------------


def test_scale_one_has_the_promised_feature_counts(sample):
    counts = {name: len(gdf) for name, gdf in sample.layers.items()}
    assert set(counts) == set(layers.REGISTRY)
    assert counts["parks"] == PARKS_PER_SCALE >= 40
    assert counts["water_bodies"] >= 25
    assert counts["prohibited_zones"] >= 8
    assert counts["wastewater"] >= 20
    assert counts["two_high_projects"] >= 25
    assert counts["key_energy_units"] >= 40


def test_admin_units_are_the_district_its_21_real_streets_and_towns_and_the_zones(sample):
    assert list(_admin(sample, "district")["name"]) == ["滨海新区"]
    assert set(_admin(sample, "street")["name"]) == REAL_STREETS
    assert set(_admin(sample, "town")["name"]) == REAL_TOWNS
    assert len(_admin(sample, "street")) + len(_admin(sample, "town")) == 21
    zones = set(_admin(sample, "zone")["name"])
    assert {"天津经济技术开发区", "天津港保税区", "滨海高新区", "东疆综合保税区", "中新天津生态城"} <= zones
    assert {name for name, *_ in STREETS} == REAL_STREETS and {name for name, *_ in TOWNS} == REAL_TOWNS


def test_wastewater_includes_the_real_plants_and_the_district_capacity(sample):
    facilities = sample.layers["wastewater"].set_index("name")
    assert facilities.loc["塘沽新河污水处理厂", "design_capacity"] == 15.0
    assert facilities.loc["中心渔港污水处理厂", "design_capacity"] == 2.5
    assert facilities.loc["开发区西区污水处理厂", "design_capacity"] == 5.0
    for name in ("开发区第一污水处理厂", "营城污水处理厂", "港东新城污水处理厂", "中塘污水处理厂"):
        assert name in facilities.index
    plants = facilities[facilities["facility_type"].isin(["urban", "industrial"])]
    assert plants["design_capacity"].sum() == pytest.approx(85.6, abs=2.0)
    assert (facilities["facility_type"] == "rural").sum() >= 5
    assert len(WASTEWATER_PLANTS) == len(plants)


def test_ids_use_each_layers_prefix_and_are_unique(sample):
    for name, gdf in sample.layers.items():
        spec = layers.get_spec(name)
        assert gdf["id"].is_unique, name
        assert gdf["id"].str.fullmatch(rf"{spec.id_prefix}-\d{{4,}}").all(), name


# -- validity against the specs ---------------------------------------------------------------


def test_every_field_is_present_and_within_its_specs_choices_and_range(sample):
    for name, gdf in sample.layers.items():
        spec = layers.get_spec(name)
        assert list(gdf.columns) == ["id", *spec.field_names, "geometry"], name
        for field in spec.fields:
            column = gdf[field.name]
            if field.required:
                assert column.notna().all(), f"{name}.{field.name}"
            present = column[column.notna()]
            if field.choices:
                assert set(present) <= set(field.allowed), f"{name}.{field.name}: {set(present) - set(field.allowed)}"
            if field.minimum is not None:
                assert (present >= field.minimum).all(), f"{name}.{field.name}"
            if field.maximum is not None:
                assert (present <= field.maximum).all(), f"{name}.{field.name}"
            if field.type == "date":
                assert all(isinstance(v, date) for v in present), f"{name}.{field.name}"


def test_geometries_are_valid_of_the_layers_type_and_inside_binhai(sample):
    x0, y0, x1, y1 = BINHAI_BOUNDS
    for name, gdf in sample.layers.items():
        spec = layers.get_spec(name)
        assert gdf.crs.to_epsg() == 4326, name
        assert gdf.geometry.is_valid.all(), name
        assert not gdf.geometry.is_empty.any(), name
        assert set(gdf.geom_type) <= set(spec.geometry_types), name
        minx, miny, maxx, maxy = gdf.total_bounds
        assert x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1, name


def test_features_lie_inside_the_district_outline(sample):
    outline = _admin(sample, "district").geometry.iloc[0].buffer(1e-6)
    for name in ("parks", "water_bodies", "prohibited_zones", "wastewater"):
        assert sample.layers[name].geometry.within(outline).all(), name


def test_district_area_is_close_to_the_official_2270_km2(sample):
    area, _ = measures_km(_admin(sample, "district").geometry)
    assert 1800 <= area[0] <= 2700


def test_streets_and_towns_tile_the_district_without_overlap(sample):
    district_area = measures_km(_admin(sample, "district").geometry)[0][0]
    units = pd.concat([_admin(sample, "street"), _admin(sample, "town")])
    areas = measures_km(units.geometry)[0]
    assert areas.min() > 1.0
    assert areas.sum() == pytest.approx(district_area, rel=1e-6)
    union_area = measures_km(gpd.GeoSeries([units.geometry.union_all()], crs=units.crs))[0][0]
    assert union_area == pytest.approx(district_area, rel=1e-6)


def test_park_sizes_and_vertex_counts_look_like_real_parks(sample):
    area, _ = measures_km(sample.layers["parks"].geometry)
    assert area.min() >= 0.2 and area.max() <= 15.5
    vertices = shapely.get_num_coordinates(sample.layers["parks"].geometry.values) - 1
    assert vertices.min() >= 12 and vertices.max() <= 80


def test_park_town_and_zone_are_the_admin_polygons_holding_its_centroid(sample):
    parks = sample.layers["parks"]
    admin = sample.layers["admin_units"].set_index("name")
    centroids = parks.to_crs("EPSG:4548").centroid.to_crs("EPSG:4326")
    for centroid, town, zone in zip(centroids, parks["town"], parks["zone"], strict=True):
        assert admin.loc[town, "kind"] in ("street", "town")
        assert admin.loc[town, "geometry"].buffer(1e-6).contains(centroid)
        if isinstance(zone, str):
            assert admin.loc[zone, "kind"] == "zone"
            assert admin.loc[zone, "geometry"].buffer(1e-6).contains(centroid)
    petro = parks[parks["industry"] == "petrochemical"]
    assert petro["name"].str.contains("南港|大港").all()


# -- statistics, targets, samples -------------------------------------------------------------


def _park_rows(stats: pd.DataFrame) -> pd.DataFrame:
    """Statistics of parks (the table also holds street/town indicators such as rural sewage)."""
    return stats[stats["indicator"].isin([i.code for i in PARK_INDICATORS])]


def test_statistics_cover_every_park_year_and_indicator_with_the_indicators_unit(sample):
    assert set(sample.statistics["indicator"]) == {i.code for i in (*PARK_INDICATORS, *TOWN_INDICATORS)}
    stats = _park_rows(sample.statistics)
    assert set(stats["indicator"]) == {i.code for i in PARK_INDICATORS}
    assert set(stats["year"]) == {2020, 2021, 2022, 2023, 2024, 2025}  # 2025: the 十四五 final year (issue 13)
    assert (stats["unit"] == stats["indicator"].map(lambda code: INDICATORS[code].unit)).all()
    assert set(stats["entity_id"]) == set(sample.layers["parks"]["id"])
    assert not stats.duplicated(["entity_id", "year", "indicator"]).any()
    assert stats["value"].notna().all()
    baseline = stats[(stats["year"] == 2020) & (stats["indicator"] == "energy_consumption")]
    assert len(baseline) == len(sample.layers["parks"])


def test_some_values_are_missing_to_exercise_no_data(sample):
    per_park_year = _park_rows(sample.statistics).groupby(["entity_id", "year"]).size()
    assert len(per_park_year) < len(sample.layers["parks"]) * 6 or per_park_year.min() < 8


def _wide(stats: pd.DataFrame) -> pd.DataFrame:
    return stats.pivot(index=["entity_id", "year"], columns="indicator", values="value")


def test_energy_intensity_is_energy_over_value_added(sample):
    wide = _wide(sample.statistics).dropna(subset=["energy_consumption", "value_added", "energy_intensity"])
    assert len(wide) > 100
    np.testing.assert_allclose(wide["energy_intensity"], wide["energy_consumption"] / wide["value_added"], rtol=1e-12)
    assert wide["energy_intensity"].between(0.15, 2.5).all()


def test_petrochemical_parks_use_the_most_energy(sample):
    wide = _wide(sample.statistics).reset_index()
    industry = sample.layers["parks"].set_index("id")["industry"]
    wide["industry"] = wide["entity_id"].map(industry)
    energy_2020 = wide[wide["year"] == 2020].groupby("industry")["energy_consumption"].median()
    assert energy_2020.idxmax() == "petrochemical"
    assert 1e5 <= energy_2020["petrochemical"] <= 2e6


def test_intensity_mostly_falls_but_some_parks_are_behind(sample):
    wide = _wide(sample.statistics).reset_index()
    first = wide[wide["year"] == 2020].set_index("entity_id")["energy_intensity"]
    last = wide[wide["year"] == 2023].set_index("entity_id")["energy_intensity"]
    change = (last / first).dropna()
    assert (change < 1).mean() > 0.6
    assert (change > 1 - ENERGY_INTENSITY_CUT * 3 / 5).any()  # someone is off the −14.5 % track


def test_circular_progress_follows_the_parks_circular_status(sample):
    stats = sample.statistics[sample.statistics["indicator"] == "circular_progress"]
    latest = stats.sort_values("year").groupby("entity_id")["value"].last()
    status = sample.layers["parks"].set_index("id")["circular_status"]
    for park_id, value in latest.items():
        expected = status[park_id]
        if expected == "done":
            assert value == 100.0
        elif expected == "in_progress":
            assert 0 < value < 100
        else:
            assert expected == "not_started" and value == 0.0
    assert not set(status[status == "not_required"].index) & set(stats["entity_id"])


def test_targets_cut_intensity_by_14_5_percent_and_emissions_by_8_to_12(sample):
    targets = sample.targets[sample.targets["target_year"] == 2025]  # 十五五 targets: tests/test_sample_plan.py
    assert set(targets["level"]) <= {"park", "zone", "street", "town", "district"}
    assert {"park", "zone", "district"} <= set(targets["level"])
    assert (targets["baseline_year"] == 2020).all() and (targets["target_year"] == 2025).all()
    assert (targets["source"] == SOURCE).all()
    assert not targets.duplicated(["entity_id", "indicator", "target_year"]).any()
    intensity = targets[targets["indicator"] == "energy_intensity"]
    np.testing.assert_allclose(intensity["target_value"], intensity["baseline_value"] * 0.855, atol=1e-4)
    emissions = targets[targets["indicator"].isin(["cod", "nh3n", "nox", "vocs"])]
    cut = 1 - emissions["target_value"] / emissions["baseline_value"]
    assert cut.between(0.079, 0.121).all()
    assert (targets["unit"] == targets["indicator"].map(lambda code: INDICATORS[code].unit)).all()


def test_target_baselines_agree_with_the_2020_statistics(sample):
    wide = _wide(sample.statistics).xs(2020, level="year")
    fyp14 = sample.targets[sample.targets["target_year"] == 2025]
    targets = fyp14.set_index(["entity_id", "indicator"])["baseline_value"]
    park_id = sample.layers["parks"]["id"].iloc[0]
    assert targets[(park_id, "cod")] == wide.loc[park_id, "cod"]
    assert targets[(park_id, "energy_intensity")] == pytest.approx(wide.loc[park_id, "energy_intensity"])
    district_id = _admin(sample, "district")["id"].iloc[0]
    assert targets[(district_id, "nox")] == pytest.approx(wide["nox"].sum())
    weighted = wide["energy_consumption"].sum() / wide["value_added"].sum()
    assert targets[(district_id, "energy_intensity")] == pytest.approx(weighted)
    zones = _admin(sample, "zone")
    parks = sample.layers["parks"]
    teda_id = zones.loc[zones["name"] == "天津经济技术开发区", "id"].iloc[0]
    teda_parks = parks.loc[parks["zone"] == "天津经济技术开发区", "id"]
    assert targets[(teda_id, "vocs")] == pytest.approx(wide.loc[teda_parks, "vocs"].sum())


def test_water_samples_have_three_or_more_points_quarterly_2021_to_2024(sample):
    samples = sample.water_samples
    assert set(samples["water_body_id"]) == set(sample.layers["water_bodies"]["id"])
    assert all(isinstance(d, date) for d in samples["sampled_on"])
    assert {d.year for d in samples["sampled_on"]} == {2021, 2022, 2023, 2024}
    per_body = samples.groupby("water_body_id")
    assert (per_body["point_no"].max() >= 3).all()
    assert (per_body["sampled_on"].nunique() == 16).all()
    for _, body in per_body:
        assert sorted(set(body["point_no"])) == list(range(1, body["point_no"].max() + 1))
    assert not samples.duplicated(["water_body_id", "sampled_on", "point_no"]).any()
    assert (samples["source"] == SOURCE).all()


def test_water_quality_improves_with_remediation_stage(sample):
    bodies = sample.layers["water_bodies"].set_index("id")
    samples = sample.water_samples.assign(
        year=[d.year for d in sample.water_samples["sampled_on"]],
        stage=sample.water_samples["water_body_id"].map(bodies["stage"]),
    )
    by_stage = samples[samples["year"] == 2024].groupby("stage")
    assert by_stage["transparency_cm"].median()["sustained"] > 25  # no longer black-odorous
    assert by_stage["nh3n_mg_l"].median()["sustained"] < 8
    relapsed = samples[samples["stage"] == "relapsed"].groupby("year")["nh3n_mg_l"].median()
    assert relapsed[2024] > relapsed[2023]
    early = samples[(samples["year"] == 2021) & samples["stage"].isin(["planning", "remediating"])]
    assert early["nh3n_mg_l"].median() > 8  # still black-odorous when sampling began
    sustained = samples[samples["stage"] == "sustained"].groupby("year")["dissolved_oxygen_mg_l"].median()
    assert sustained[2024] > sustained[2021]


def test_water_bodies_are_mostly_in_later_stages(sample):
    stages = sample.layers["water_bodies"]["stage"].value_counts()
    later = stages.reindex(["completed", "effective", "sustained"]).fillna(0).sum()
    assert later / stages.sum() > 0.6
    assert stages.get("relapsed", 0) >= 1


def test_every_row_is_labelled_as_illustrative(sample):
    for frame in (sample.statistics, sample.targets, sample.water_samples):
        assert (frame["source"] == SOURCE).all()
    assert "示意" in SOURCE


# -- ledgers: 两高 projects, key energy-using units, rural sewage ----------------------------------


def test_two_high_projects_are_in_heavy_industry_parks_or_at_coal_power_sites(sample):
    projects = sample.layers["two_high_projects"]
    assert len(projects) == len(TWO_HIGH_PROJECTS) >= 25
    assert projects["name"].is_unique
    assert set(projects["stage"]) == {"proposed", "under_construction", "existing"}
    assert {"coal_power", "petrochemical", "coal_chemical", "building_materials", "chemical"} <= set(projects["sector"])
    assert projects["energy_use_tce"].between(1e4, 2e6).all()
    parks = sample.layers["parks"].set_index("name")
    in_park = projects[projects["park"].notna()]
    for point, park in zip(in_park.geometry, in_park["park"], strict=True):
        assert parks.loc[park, "geometry"].buffer(1e-6).contains(point), park
    outside = projects[projects["park"].isna()]
    assert (outside["sector"] == "coal_power").all() and len(outside) >= 2
    petro = projects[projects["sector"].isin(["petrochemical", "chemical", "coal_chemical"])]
    assert petro["park"].str.contains("南港|大港|临港|汉沽").all()
    assert {"南港", "大港", "临港"} <= {p[:2] for p in petro["park"]}


def test_two_high_approval_status_follows_the_stage(sample):
    projects = sample.layers["two_high_projects"]
    built = projects[projects["stage"] != "proposed"]
    assert set(built["approval_status"]) <= {"approved", "filed"}  # nothing is built unapproved
    proposed = projects[projects["stage"] == "proposed"]
    assert {"pending", "rejected"} & set(proposed["approval_status"])


def test_key_energy_units_are_mostly_in_parks_and_mostly_connected(sample):
    units = sample.layers["key_energy_units"]
    assert len(units) == KEY_UNITS_PER_SCALE >= 40
    assert units["name"].is_unique
    assert units["name"].str.contains(r"(?:有限公司|数据中心)（示意）$").all()
    parks = sample.layers["parks"].set_index("name")
    in_park = units[units["park"].notna()]
    assert len(in_park) / len(units) > 0.8
    for point, park in zip(in_park.geometry, in_park["park"], strict=True):
        assert parks.loc[park, "geometry"].buffer(1e-6).contains(point), park
    status = units["monitoring_status"].value_counts()
    assert status["connected"] / len(units) > 0.6
    assert status["not_connected"] >= 1 and status["data_gap"] >= 1
    assert units["annual_energy_tce"].between(5e3, 2e6).all()


def test_key_units_with_a_data_gap_last_reported_earlier_than_connected_ones(sample):
    units = sample.layers["key_energy_units"]
    last = units.set_index("monitoring_status")["last_data_on"]
    assert last["not_connected"].isna().all()
    connected_lag = [(MONITORING_AS_OF - d).days for d in last["connected"]]
    gap_lag = [(MONITORING_AS_OF - d).days for d in last["data_gap"]]
    assert max(connected_lag) <= 1 and min(gap_lag) >= 5 and max(gap_lag) <= 60


def test_rural_sewage_rates_rise_toward_the_90_percent_target_in_every_town_and_village_street(sample):
    admin = sample.layers["admin_units"].set_index("id")
    code = "rural_sewage_treatment_rate"
    rates = sample.statistics[sample.statistics["indicator"] == code]
    wide = rates.pivot(index="entity_id", columns="year", values="value")
    names = set(admin.loc[wide.index, "name"])
    assert REAL_TOWNS <= names and {"茶淀街道", "寨上街道", "古林街道", "胡家园街道"} <= names
    assert set(admin.loc[wide.index, "kind"]) == {"street", "town"}
    assert list(wide.columns) == [2020, 2021, 2022, 2023, 2024] and wide.notna().all().all()
    assert wide[2020].between(60, 80).all()
    assert (wide.diff(axis=1).iloc[:, 1:] > 0).all().all()  # rising every year
    assert (wide[2024] >= 90).any() and (wide[2024] < 90).any()
    assert (rates["unit"] == "%").all() and (rates["source"] == SOURCE).all()
    targets = sample.targets[sample.targets["indicator"] == code].set_index("entity_id")
    assert set(targets.index) == set(wide.index)
    assert (targets["target_value"] == 90.0).all() and (targets["target_year"] == 2025).all()
    assert (targets["baseline_year"] == 2020).all()
    assert (targets["baseline_value"] == wide.loc[targets.index, 2020]).all()
    assert (targets["level"] == admin.loc[targets.index, "kind"]).all()


def test_other_seeds_give_other_projects_units_and_sewage_rates(sample):
    other = generate(seed=7, scale=1)
    for name in ("two_high_projects", "key_energy_units"):
        assert not other.layers[name].geometry.equals(sample.layers[name].geometry), name
    code = "rural_sewage_treatment_rate"
    mine = sample.statistics.loc[sample.statistics["indicator"] == code, "value"].to_numpy()
    theirs = other.statistics.loc[other.statistics["indicator"] == code, "value"].to_numpy()
    assert not np.array_equal(mine, theirs)


def test_ledger_features_lie_inside_the_district_outline(sample):
    outline = _admin(sample, "district").geometry.iloc[0].buffer(1e-6)
    for name in ("two_high_projects", "key_energy_units"):
        assert sample.layers[name].geometry.within(outline).all(), name


# -- scale --------------------------------------------------------------------------------------


def test_scale_three_gives_three_times_the_parks_with_unique_ids_and_names(sample):
    bigger = generate(seed=2025, scale=3)
    parks = bigger.layers["parks"]
    assert len(parks) == 3 * len(sample.layers["parks"])
    assert parks["id"].is_unique and parks["name"].is_unique
    assert len(bigger.layers["water_bodies"]) == 3 * len(sample.layers["water_bodies"])
    assert bigger.layers["water_bodies"]["name"].is_unique
    assert set(_park_rows(bigger.statistics)["entity_id"]) == set(parks["id"])
    assert parks.geometry.is_valid.all()
    for name in ("two_high_projects", "key_energy_units"):
        ledger = bigger.layers[name]
        assert len(ledger) == 3 * len(sample.layers[name]), name
        assert ledger["id"].is_unique and ledger["name"].is_unique, name
        assert set(ledger["park"].dropna()) <= set(parks["name"]), name


# -- seeding the store ----------------------------------------------------------------------------


def test_seed_store_writes_counts_that_the_store_reads_back(new_store):
    store = new_store
    counts = seed_store(store, seed=2025, scale=1)
    for spec in layers.all_specs():
        assert count_features(store, spec) == counts[spec.name], spec.name
    for table in ("statistics", "targets", "water_samples"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == counts[table], table
    assert counts["parks"] == 40
    parks = read_layer(store, layers.get_spec("parks"))
    assert parks["area_km2"].between(0.2, 15.5).all()
    assert store.scalar("SELECT count(DISTINCT updated_at) FROM parks") == 1
    assert str(store.scalar("SELECT min(sampled_on) FROM water_samples")) == "2021-02-15"


def test_seed_store_twice_replaces_instead_of_duplicating(new_store):
    store = new_store
    first = seed_store(store, seed=2025, scale=1)
    version = store.data_version()
    second = seed_store(store, seed=2025, scale=1)
    assert second == first
    assert store.data_version() == version + 1
    for spec in layers.all_specs():
        assert count_features(store, spec) == first[spec.name], spec.name
    for table in ("statistics", "targets", "water_samples"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == first[table], table
