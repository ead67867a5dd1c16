"""The layer registry: discovery, DDL from specs, choice normalisation, and a new layer being one file."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys

import pandas as pd
import pytest
import shapely

import layers
from data.sample import SampleContext, generate, generation_steps, load_generator, seed_store
from geo.store.features import count_features
from layers.base import IDENTIFIER, Field, LayerSpec

# A layer added later, as its author would write it: one module with a SPEC and its sample generator.
# It draws from the shared stream after every other generator and adds statistics rows.
EXTRA_LAYER_MODULE = '''
"""Air quality monitoring stations (a layer added after the others)."""

import geopandas as gpd
import pandas as pd

from layers.base import Field, LayerSpec

SPEC = LayerSpec(
    name="air_stations",
    title_zh="空气质量监测站",
    title_en="Air quality monitoring stations",
    geometry=("Point",),
    fields=(Field("name", "站点名称", "Station", required=True),),
    id_prefix="AQ",
    sample="layers.air_stations:sample_air_stations",
    sample_order=1000,
)


def sample_air_stations(ctx):
    parks = ctx.layer("parks")
    chosen = ctx.rng.choice(len(parks), size=3 * ctx.scale, replace=False)
    points = parks.geometry.iloc[chosen].representative_point().to_numpy()
    names = [f"{name}监测站" for name in parks["name"].iloc[chosen]]
    ids = [f"AQ-{i:04d}" for i in range(1, len(names) + 1)]
    ctx.statistics.append(
        pd.DataFrame({"entity_id": ids, "year": 2024, "indicator": "pm25", "value": 30.0, "unit": "μg/m³", "source": "test"})
    )
    return gpd.GeoDataFrame({"id": ids, "name": names}, geometry=points, crs=parks.crs)
'''


LAYERS_IN_THE_REPOSITORY = frozenset(layers.REGISTRY)


def _layer_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.iter_modules(layers.__path__)
        if info.name not in layers._NOT_LAYERS and not info.name.startswith("_")
    ]


def _frames_as_text(sample) -> dict[str, str]:
    """Every layer frame (geometries as WKB hex) and table serialised exactly, for byte-for-byte comparison."""
    text = {}
    for name, gdf in sample.layers.items():
        plain = pd.DataFrame(gdf.drop(columns="geometry"))
        plain["geometry"] = shapely.to_wkb(gdf.geometry.values, hex=True)
        text[name] = plain.to_csv(index=False)
    for name in ("statistics", "targets", "water_samples"):
        text[name] = getattr(sample, name).to_csv(index=False)
    return text


@pytest.fixture(scope="module")
def sample():
    return generate(seed=2025, scale=1)


@pytest.fixture
def extra_layer(tmp_path, monkeypatch) -> LayerSpec:
    """The registry as it would be with `EXTRA_LAYER_MODULE` saved as layers/air_stations.py."""
    (tmp_path / "air_stations.py").write_text(EXTRA_LAYER_MODULE, encoding="utf-8")
    monkeypatch.setattr(layers, "__path__", [*layers.__path__, str(tmp_path)])
    importlib.invalidate_caches()
    try:
        registry = layers._discover()
        monkeypatch.setattr(layers, "REGISTRY", registry)
        yield registry["air_stations"]
    finally:
        sys.modules.pop("layers.air_stations", None)
        if hasattr(layers, "air_stations"):
            delattr(layers, "air_stations")


# -- discovery ------------------------------------------------------------------------------------


def test_every_layer_module_defines_a_spec_and_the_registry_holds_exactly_those():
    specs = [getattr(importlib.import_module(f"layers.{name}"), "SPEC", None) for name in _layer_modules()]
    assert specs and all(isinstance(spec, LayerSpec) for spec in specs)
    assert {spec.name for spec in specs} == set(layers.REGISTRY)


def test_modules_skipped_by_discovery_exist():
    for name in layers._NOT_LAYERS:
        assert importlib.util.find_spec(f"layers.{name}") is not None, name


def test_layer_names_are_unique_identifiers_and_the_registry_is_in_draw_order():
    specs = layers.all_specs()
    assert all(IDENTIFIER.match(spec.name) for spec in specs)
    assert len({spec.name for spec in specs}) == len(specs)
    assert list(layers.REGISTRY) == [s.name for s in sorted(specs, key=lambda s: (s.draw_order, s.name))]
    assert all(layers.REGISTRY[spec.name] is spec for spec in specs)


def test_two_modules_defining_the_same_layer_name_are_refused(tmp_path, monkeypatch):
    (tmp_path / "parks_again.py").write_text(
        "from layers.parks import SPEC as _PARKS\nSPEC = _PARKS\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(layers, "__path__", [*layers.__path__, str(tmp_path)])
    importlib.invalidate_caches()
    try:
        with pytest.raises(ValueError, match="two layers named 'parks'"):
            layers._discover()
    finally:
        sys.modules.pop("layers.parks_again", None)
        if hasattr(layers, "parks_again"):
            delattr(layers, "parks_again")


def test_a_new_layer_module_is_discovered_without_touching_any_other_file(extra_layer):
    assert layers.get_spec("air_stations") is extra_layer
    assert set(layers.REGISTRY) == {*LAYERS_IN_THE_REPOSITORY, "air_stations"}


# -- sample generators named by the specs -----------------------------------------------------------


def test_every_named_sample_generator_resolves_to_a_callable():
    named = [spec for spec in layers.all_specs() if spec.sample]
    assert named, "no layer names a sample generator"
    for spec in named:
        assert callable(load_generator(spec.sample)), spec.name


def test_generators_run_in_a_unique_sample_order():
    orders = [step.order for step in generation_steps()]
    assert len(set(orders)) == len(orders)
    assert orders == sorted(orders)
    assert {step.name for step in generation_steps() if step.spec} == {s.name for s in layers.all_specs() if s.sample}


def test_generate_returns_a_frame_for_exactly_the_layers_naming_a_generator(sample):
    assert set(sample.layers) == {spec.name for spec in layers.all_specs() if spec.sample}
    for name, frame in sample.layers.items():
        assert list(frame.columns) == ["id", *layers.get_spec(name).field_names, "geometry"], name


def test_spec_rejects_a_sample_generator_that_is_not_module_colon_function():
    with pytest.raises(ValueError, match="package.module:function"):
        LayerSpec("x", "x", "x", ("Point",), (), sample="data.sample.parks.park_layer")
    assert LayerSpec("x", "x", "x", ("Point",), (), sample="data.sample.parks:park_layer").sample


def test_unknown_sample_generator_is_named_in_the_error():
    with pytest.raises(ValueError, match="no function 'nope'"):
        load_generator("data.sample.parks:nope")


def test_a_generator_reading_a_layer_not_generated_yet_is_told_which(sample):
    ctx = SampleContext(seed=1, scale=1, rng=None, geography=None, layers={"admin_units": sample.layers["admin_units"]})
    with pytest.raises(KeyError, match="'parks' is not generated yet"):
        ctx.layer("parks")


def test_the_orchestrator_calls_a_new_layers_generator_after_all_others_and_changes_nothing_before(sample, extra_layer):
    with_extra = generate(seed=2025, scale=1)
    stations = with_extra.layers["air_stations"]
    assert list(stations.columns) == ["id", "name", "geometry"] and len(stations) == 3
    assert stations.geometry.within(with_extra.layers["parks"].union_all().buffer(1e-9)).all()
    before, after = _frames_as_text(sample), _frames_as_text(with_extra)
    for name in sample.layers:
        assert after[name] == before[name], name
    for name in ("targets", "water_samples"):
        assert after[name] == before[name], name
    # Its statistics rows come after every existing row, which are unchanged.
    statistics = with_extra.statistics
    assert statistics.iloc[: len(sample.statistics)].equals(sample.statistics)
    assert set(statistics.iloc[len(sample.statistics) :]["entity_id"]) == set(stations["id"])


def test_seed_store_writes_a_new_layers_sample_and_leaves_a_layer_without_generator_empty(
    extra_layer, new_store, monkeypatch
):
    no_sample = LayerSpec(
        "noise_monitors", "噪声监测点", "Noise monitors", ("Point",), (Field("name", "名称", "Name", required=True),)
    )
    monkeypatch.setitem(layers.REGISTRY, no_sample.name, no_sample)
    store = new_store
    counts = seed_store(store, seed=2025, scale=1)
    assert counts["air_stations"] == count_features(store, extra_layer) == 3
    assert counts["noise_monitors"] == count_features(store, no_sample) == 0
    assert counts["statistics"] == store.scalar("SELECT count(*) FROM statistics")


# -- specs ------------------------------------------------------------------------------------------


def test_ledger_layers_are_points_hidden_by_default_with_chinese_aliases_for_every_field():
    for name in ("two_high_projects", "key_energy_units"):
        spec = layers.get_spec(name)
        assert spec.geometry == ("Point",) and not spec.shown_by_default
        for field in spec.fields:
            assert any(any("\u4e00" <= ch <= "\u9fff" for ch in alias) for alias in field.aliases), field.name
    stage = layers.get_spec("two_high_projects").get_field("stage")
    assert stage.required and stage.normalise_choice("存量") == "existing"
    monitoring = layers.get_spec("key_energy_units").get_field("monitoring_status")
    assert monitoring.normalise_choice("近30天数据缺失") == "data_gap"
    assert monitoring.label("data_gap", "en") == "Data gap in last 30 days"


def test_every_layer_has_titles_in_both_languages_and_a_required_name():
    for spec in layers.all_specs():
        assert spec.title_zh and spec.title_en
        assert spec.get_field("name").required


def test_ddl_uses_only_spec_columns():
    ddl = layers.get_spec("wastewater").ddl()
    assert "design_capacity DOUBLE" in ddl
    assert "facility_type VARCHAR NOT NULL" in ddl
    assert "geom GEOMETRY NOT NULL" in ddl


def test_choice_accepts_code_chinese_or_english_label():
    stage = layers.get_spec("water_bodies").get_field("stage")
    assert stage.normalise_choice("长制久清") == "sustained"
    assert stage.normalise_choice(" Sustained clean ") == "sustained"
    assert stage.normalise_choice("relapsed") == "relapsed"
    assert stage.normalise_choice("干净了") is None
    assert stage.label("effective", "zh") == "初见成效"


def test_spec_rejects_reserved_field_names_and_unknown_geometry():
    with pytest.raises(ValueError, match="reserved"):
        LayerSpec("x", "x", "x", ("Point",), (Field("geom", "g", "g"),))
    with pytest.raises(ValueError, match="geometry"):
        LayerSpec("x", "x", "x", ("Curve",), ())


def test_unknown_layer_message_names_the_choices():
    with pytest.raises(KeyError, match="parks"):
        layers.get_spec("nope")


def test_spec_names_must_be_plain_identifiers_because_they_become_sql():
    with pytest.raises(ValueError, match="identifier"):
        LayerSpec("parks; DROP TABLE x", "x", "x", ("Point",), ())
    with pytest.raises(ValueError, match="identifier"):
        Field("Name With Space", "n", "n")
