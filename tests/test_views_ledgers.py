"""AppTest for the ledgers page: 两高 projects, monitoring, rural sewage, circular transformation."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import ledgers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ledger_page(open_page):
    return open_page("views/ledgers.py")


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_two_high_ledger_counts_every_project_and_filters_by_stage(ledger_page, seeded_store):
    total = len(ledgers.two_high_table(seeded_store))
    assert int(_metric(ledger_page, "项目数")) == int(ledgers.two_high_summary(seeded_store)["projects"].sum())
    assert len(ledger_page.dataframe[1].value) == total  # [0] is the stage × sector pivot
    ledger_page.selectbox(key="ledger_stage").set_value("under_construction").run()
    assert not ledger_page.exception
    filtered = ledgers.two_high_table(seeded_store, stage="under_construction")
    assert 0 < len(filtered) < total
    shown = ledger_page.dataframe[1].value
    assert list(shown["编号"]) == list(filtered["id"])
    assert set(shown["项目阶段"]) == {"在建"}


def test_monitoring_tab_shows_counts_per_status_and_share_connected(ledger_page, seeded_store):
    summary = ledgers.monitoring_summary(seeded_store).set_index("monitoring_status")
    assert int(_metric(ledger_page, "已联网")) == summary.loc["connected", "units"]
    assert int(_metric(ledger_page, "近30天数据缺失")) == summary.loc["data_gap", "units"]
    assert _metric(ledger_page, "联网率") == f"{summary.loc['connected', 'share']:.0%}"


def test_rural_sewage_tab_compares_each_town_with_90_percent(ledger_page, seeded_store):
    table = ledgers.rural_sewage_by_town(seeded_store, 2024)
    shown = next(df.value for df in ledger_page.dataframe if "达到 90%" in df.value.columns)
    assert len(shown) == len(table)
    assert (shown["达到 90%"] == "是").sum() == int(table["meets_target"].sum())


def test_circular_tab_says_whether_all_qualifying_parks_are_done(ledger_page, seeded_store):
    result = ledgers.circular_transformation(seeded_store)
    assert int(_metric(ledger_page, "应改造园区（市级以上）")) == result.qualifying
    assert _metric(ledger_page, "2025 年全部完成") == ("是" if result.all_done else "否")


def test_tables_read_like_a_person_wrote_them(ledger_page):
    """No raw column names, no None cells, dates as dates, codes as labels."""
    for frame in (d.value for d in ledger_page.dataframe):
        headers = " ".join(map(str, frame.columns))
        for raw in ("id", "progress_year", "monitoring_status", "last_data_on", "lon", "lat", "None"):
            assert raw not in headers.split(), (raw, headers)
        cells = frame.astype(str).to_numpy().ravel().tolist()
        assert "None" not in cells and "nan" not in cells and "NaT" not in cells
        assert not [c for c in cells if c.endswith(" 00:00:00")]
