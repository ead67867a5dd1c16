"""AppTest for the ledgers page: 两高 projects, monitoring, rural sewage, circular transformation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import ledgers
from tests.conftest import open_tab

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ledger_page(open_page):
    return open_page("views/ledgers.py")


def _open_tab(at, label: str):
    return open_tab(at, "ledger_tab", label)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_two_high_ledger_counts_every_project_and_filters_by_stage(ledger_page, seeded_store):
    total = len(ledgers.two_high_table(seeded_store))
    assert int(_metric(ledger_page, "项目数")) == int(ledgers.two_high_summary(seeded_store)["projects"].sum())
    assert len(ledger_page.dataframe[1].value) == total  # [0] is the stage × sector pivot
    # The pivot: numbers (right-aligned, sortable), their unit said above it, summing to the metric's total.
    pivot = ledger_page.dataframe[0].value
    assert all(pd.api.types.is_numeric_dtype(t) for t in pivot.dtypes)
    assert pivot.to_numpy().sum() == pytest.approx(ledgers.two_high_summary(seeded_store)["energy_use_tce"].sum())
    assert any("年综合能耗（tce）" in c.value for c in ledger_page.caption)
    ledger_page.selectbox(key="ledger_stage").set_value("under_construction").run()
    assert not ledger_page.exception
    filtered = ledgers.two_high_table(seeded_store, stage="under_construction")
    assert 0 < len(filtered) < total
    shown = ledger_page.dataframe[1].value
    assert list(shown["编号"]) == list(filtered["id"])
    assert set(shown["项目阶段"]) == {"在建"}


def test_monitoring_tab_shows_counts_per_status_and_share_connected(ledger_page, seeded_store):
    _open_tab(ledger_page, "重点用能单位在线监测")
    summary = ledgers.monitoring_summary(seeded_store).set_index("monitoring_status")
    assert int(_metric(ledger_page, "已联网")) == summary.loc["connected", "units"]
    assert int(_metric(ledger_page, "近30天数据缺失")) == summary.loc["data_gap", "units"]
    assert _metric(ledger_page, "联网率") == f"{summary.loc['connected', 'share']:.0%}"


def test_rural_sewage_tab_compares_each_town_with_90_percent(ledger_page, seeded_store):
    _open_tab(ledger_page, "农村生活污水治理")
    table = ledgers.rural_sewage_by_town(seeded_store, 2024)
    shown = next(df.value for df in ledger_page.dataframe if "达到 90%" in df.value.columns)
    assert len(shown) == len(table)
    assert (shown["达到 90%"] == "是").sum() == int(table["meets_target"].sum())


def test_circular_tab_says_whether_all_qualifying_parks_are_done(ledger_page, seeded_store):
    _open_tab(ledger_page, "园区循环化改造")
    result = ledgers.circular_transformation(seeded_store)
    assert int(_metric(ledger_page, "应改造园区（市级以上）")) == result.qualifying
    assert _metric(ledger_page, "2025 年全部完成") == ("是" if result.all_done else "否")


def test_tables_read_like_a_person_wrote_them(ledger_page):
    """No raw column names, no None cells, dates as dates, codes as labels."""
    frames = []
    for tab in ("两高项目台账", "重点用能单位在线监测", "农村生活污水治理", "园区循环化改造"):
        frames += [d.value for d in _open_tab(ledger_page, tab).dataframe]
    assert len(frames) == 5
    for frame in frames:
        headers = " ".join(map(str, frame.columns))
        for raw in ("id", "progress_year", "monitoring_status", "last_data_on", "lon", "lat", "None"):
            assert raw not in headers.split(), (raw, headers)
        cells = frame.astype(str).to_numpy().ravel().tolist()
        assert "None" not in cells and "nan" not in cells and "NaT" not in cells
        assert not [c for c in cells if c.endswith(" 00:00:00")]


def test_only_the_open_tab_runs_and_each_tab_opens_on_its_own(ledger_page):
    """The page starts with the 两高 ledger's one map; another tab brings its own content instead."""
    assert len(ledger_page.get("component_instance")) == 1 and not ledger_page.get("vega_lite_chart")
    assert ledger_page.selectbox(key="ledger_stage") is not None
    _open_tab(ledger_page, "农村生活污水治理")
    assert len(ledger_page.get("vega_lite_chart")) == 1 and not ledger_page.get("component_instance")
    with pytest.raises(KeyError):
        ledger_page.selectbox(key="ledger_stage")
    _open_tab(ledger_page, "重点用能单位在线监测")
    assert len(ledger_page.get("component_instance")) == 1
    assert ledger_page.selectbox(key="ledger_monitoring_status") is not None


def test_the_circular_tab_opens_when_no_sewage_rates_are_held(ledger_page, seeded_store):
    """Without rural sewage rates that tab says so — and the tab after it still opens (it stopped the page)."""
    with seeded_store.transaction() as session:  # a committed write: the pages' caches see it
        session.execute("DELETE FROM statistics WHERE indicator = 'rural_sewage_treatment_rate'")
    assert [i.value for i in _open_tab(ledger_page, "农村生活污水治理").info] == ["无数据"]
    assert any(m.label == "应改造园区（市级以上）" for m in _open_tab(ledger_page, "园区循环化改造").metric)
