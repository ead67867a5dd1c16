"""Tables and units as people read them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import layers
from geo.display import labelled_table
from geo.i18n import unit_text, with_unit
from geo.indicators import INDICATORS


def test_a_layer_table_gets_titles_labels_dates_and_dashes():
    spec = layers.get_spec("key_energy_units")
    frame = pd.DataFrame(
        {
            "id": ["KU-1", "KU-2"],
            "name": ["甲公司", "乙公司"],
            "industry": ["petrochemical", "power_heat"],
            "monitoring_status": ["connected", "not_connected"],
            "last_data_on": [pd.Timestamp("2024-12-31"), None],
            "annual_energy_tce": [1200.0, None],
            "lon": [117.6, 117.7],
        }
    )
    zh = labelled_table(frame, spec, "zh", {"lon": "经度"})
    assert list(zh.columns) == [
        "编号",
        "单位名称",
        "所属行业",
        "在线监测状态",
        "最近数据日期",
        "年综合能耗（吨标准煤）",
        "经度",
    ]
    assert list(zh["所属行业"]) == ["石油化工", "电力、热力生产和供应"]
    assert list(zh["最近数据日期"]) == ["2024-12-31", "—"]
    assert list(zh["年综合能耗（吨标准煤）"]) == ["1,200.00", "—"]
    en = labelled_table(frame, spec, "en")
    assert list(en["Industry"]) == ["Petrochemicals", "Power and heat supply"]
    assert list(en["Online monitoring"]) == ["Connected", "Not connected"]
    assert en["lon"].dtype.kind == "f"  # a full numeric column stays numeric (sortable)


def test_units_are_translated_part_by_part_and_bracketed_per_language():
    assert unit_text("tce/万元", "en") == "tce/10k yuan"
    assert unit_text("万m³", "en") == "10k m³"
    assert unit_text("t/km²", "en") == "t/km²"
    assert unit_text("tce/万元", "zh") == "tce/万元"
    assert with_unit("能耗强度", "tce/万元", "zh") == "能耗强度（tce/万元）"
    assert with_unit("Energy intensity", "tce/万元", "en") == "Energy intensity (tce/10k yuan)"


def test_each_indicator_has_one_decimal_rule():
    assert INDICATORS["energy_intensity"].format(0.412345) == "0.412"
    assert INDICATORS["energy_consumption"].format(1234567.8) == "1,234,568"
    assert INDICATORS["vocs"].format(12.345, "per_km2") == "12.345"
    assert INDICATORS["cod"].format(float("nan")) == "—"


def test_a_date_column_from_the_store_reads_as_dates():
    frame = pd.DataFrame({"id": ["x"], "name": ["甲"], "last_data_on": [dt.date(2024, 1, 2)]})
    shown = labelled_table(frame, layers.get_spec("key_energy_units"), "zh")
    assert shown["最近数据日期"].tolist() == ["2024-01-02"]
