"""The layer registry: discovery, DDL from specs, choice normalisation."""

from __future__ import annotations

import pytest

import layers
from layers.base import Field, LayerSpec


def test_registry_discovers_the_seven_layers_in_draw_order():
    assert list(layers.REGISTRY) == [
        "admin_units",
        "prohibited_zones",
        "parks",
        "water_bodies",
        "wastewater",
        "two_high_projects",
        "key_energy_units",
    ]


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
