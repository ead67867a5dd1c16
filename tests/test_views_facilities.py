"""AppTest of 污水处理: counts, a plant's panel, exceedances, coverage, the import refusing bad files."""

from __future__ import annotations

import pytest

from geo import facilities
from tests.conftest import open_tab


@pytest.fixture
def facilities_page(open_page):
    return open_page("views/facilities.py")


def _open_tab(at, label: str):
    return open_tab(at, "fac_tab", label)


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_counts_overloaded_and_exceeding_plants(facilities_page, seeded_store):
    at = facilities_page
    assert at.title[0].value == "污水处理"
    summary = facilities.plant_summary(seeded_store, 2024)
    assert int(_metric(at, "处理设施数")) == len(summary)
    assert int(_metric(at, "超负荷设施")) == int(summary["overloaded"].sum())
    assert int(_metric(at, "有超标记录的设施")) == int((summary["exceedances"] > 0).sum())
    assert any("示意数据" in c.value for c in at.caption)


def test_picking_an_overloaded_plant_shows_its_load_rate_and_limits(facilities_page, seeded_store):
    at = facilities_page
    summary = facilities.plant_summary(seeded_store, 2024)
    plant = summary[summary["overloaded"]].iloc[0]
    at.selectbox(key="fac_plant").set_value(plant["id"]).run()
    assert not at.exception
    assert _metric(at, "负荷率") == f"{plant['load_rate']:.0%}"
    assert any(plant["name"] in m.value for m in at.markdown)


def test_exceedance_list_names_the_limit_broken(facilities_page, seeded_store):
    found = facilities.exceedances(seeded_store, 2024)
    shown = next(
        df.value for df in _open_tab(facilities_page, "超标记录").dataframe if "限值（mg/L）" in df.value.columns
    )
    assert len(shown) == len(found)
    assert sorted(shown["限值（mg/L）"]) == sorted(found["limit"])


def test_coverage_table_lists_every_street_and_town_with_its_gap(facilities_page, seeded_store):
    shown = next(
        df.value
        for df in _open_tab(facilities_page, "服务覆盖").dataframe
        if "处理能力缺口（万m³/日）" in df.value.columns
    )
    assert len(shown) == 21
    lacking = facilities.coverage(seeded_store, 2024)
    assert (shown["处理能力缺口（万m³/日）"] < 0).sum() == (lacking["gap"] < 0).sum()


def test_english_page_has_no_chinese_labels(open_page):
    at = open_page("views/facilities.py")
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Wastewater"
    assert any(m.label == "Overloaded plants" for m in at.metric)


def test_no_chinese_outside_the_datas_own_names_in_english(open_page, seeded_store):
    from tests.test_views_english import BILINGUAL, CJK, _data_names, _texts

    at = open_page("views/facilities.py", BINHAI_LANG="en")
    names = _data_names(seeded_store)
    leftovers, texts = [], []
    for tab in ("Plants", "Exceedances", "Coverage", "Monthly import", "Concentration grids"):
        texts += _texts(_open_tab(at, tab)._tree)
    for text in texts:
        rest = text
        for name in names:
            rest = rest.replace(name, "")
        for word in BILINGUAL:
            rest = rest.replace(word, "")
        if CJK.search(rest):
            leftovers.append(text)
    assert not leftovers, sorted(set(leftovers))


def test_only_the_open_tab_runs(facilities_page):
    """The page starts with the plants' map; the coverage tab brings its gap map instead, the import its form."""
    assert len(facilities_page.get("component_instance")) == 1 and not facilities_page.get("file_uploader")
    _open_tab(facilities_page, "服务覆盖")
    assert len(facilities_page.get("component_instance")) == 1
    assert not [m for m in facilities_page.metric if m.label == "处理设施数"]
    _open_tab(facilities_page, "月报导入")
    assert facilities_page.get("file_uploader") and not facilities_page.get("component_instance")
