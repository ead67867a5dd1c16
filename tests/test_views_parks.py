"""AppTest for the park-indicator page (cockpit) and the assessment page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import assessment, stats, water
from tests.conftest import ADMIN

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cockpit(open_page):
    return open_page("views/parks.py")


def _ranking(at: AppTest):
    return next(df for df in at.dataframe if any(str(c).startswith("数值") for c in df.value.columns)).value


def test_cockpit_defaults_to_energy_intensity_of_the_latest_year(cockpit, seeded_store):
    latest = stats.years(seeded_store)[-1]
    assert cockpit.selectbox(key="cockpit_indicator").value == "energy_intensity"
    assert cockpit.select_slider(key="cockpit_year").value == latest
    ranking = _ranking(cockpit)
    assert len(ranking) == len(stats.park_values(seeded_store, "energy_intensity", latest))
    assert "tce/万元" in " ".join(map(str, ranking.columns))


def test_a_long_ranking_shows_its_first_rows_until_asked_for_all(open_page, seeded_store, monkeypatch):
    import views.shell

    monkeypatch.setattr(views.shell, "SHOWN_ROWS", 10)
    at = open_page("views/parks.py")
    parks = len(stats.park_values(seeded_store, "energy_intensity", stats.years(seeded_store)[-1]))
    first = _ranking(at)
    assert list(first["排名"]) == list(range(1, 11))
    assert any(f"前 10 行（共 {parks} 行）" in c.value for c in at.caption)
    # All rows, in the same order: row i is still the park the selection maps it to.
    next(t for t in at.toggle if t.label == f"显示全部 {parks} 行").set_value(True).run()
    assert not at.exception
    assert len(_ranking(at)) == parks and list(_ranking(at)["编号"][:10]) == list(first["编号"])


def test_changing_indicator_and_year_updates_the_ranking(cockpit, seeded_store):
    cockpit.selectbox(key="cockpit_indicator").set_value("nox").run()
    cockpit.radio(key="cockpit_norm").set_value("per_km2").run()
    cockpit.select_slider(key="cockpit_year").set_value(2023).run()
    assert not cockpit.exception
    ranking = _ranking(cockpit)
    assert "t/km²" in " ".join(map(str, ranking.columns))
    expected = stats.park_values(seeded_store, "nox", 2023, "per_km2").sort_values("value", ascending=False)
    assert list(ranking["编号"][:5]) == list(expected["id"][:5])
    assert any("2023" in s.value for s in cockpit.subheader)


def test_ratio_indicators_are_shown_as_reported_not_offered_a_basis(cockpit):
    cockpit.selectbox(key="cockpit_indicator").set_value("nox").run()
    cockpit.radio(key="cockpit_norm").set_value("per_km2").run()
    # A ratio is not a "total": no choice of one option, a line saying it is shown as reported.
    cockpit.selectbox(key="cockpit_indicator").set_value("energy_intensity").run()
    assert not cockpit.exception
    assert "cockpit_norm" not in {r.key for r in cockpit.radio}
    assert any("按指标原值" in c.value for c in cockpit.caption)
    assert "tce/万元" in " ".join(map(str, _ranking(cockpit).columns))
    assert not [h.value for h in cockpit.subheader if "总量" in h.value]  # nor in the ranking's title
    # Back to a summed indicator: the basis is offered again, starting from the total.
    cockpit.selectbox(key="cockpit_indicator").set_value("nox").run()
    assert cockpit.radio(key="cockpit_norm").value == "total"


def test_assessment_lists_every_zone_with_a_status(seeded_store, open_page):
    at = open_page("views/assessment.py")
    table = at.dataframe[0].value
    expected = assessment.assessment(seeded_store, "zone", "energy_intensity", stats.years(seeded_store)[-1])
    assert len(table) == len(expected)
    assert set(table["进度"]) <= {"正常推进", "有风险", "滞后", "无数据"}
    assert sum(int(m.value) for m in at.metric) == len(expected)


def test_assessment_target_editing_needs_an_admin_login(seeded_store, open_page):

    from geo import auth

    auth.add_user(seeded_store, ADMIN, "admin1", "admin-pass-1", ["admin"], "管理员甲")
    at = open_page("views/assessment.py")
    assert any("管理员登录后" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "保存"] and not at.main.expander
    at.sidebar.text_input[0].set_value("admin1")
    at.sidebar.text_input[1].set_value("admin-pass-1")
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert any("管理员甲" in c.value for c in at.sidebar.caption)
    assert [b for b in at.button if b.label == "保存"]


def test_compare_mode_colours_parks_by_the_change_between_two_years(cockpit, seeded_store):
    cockpit.selectbox(key="cockpit_indicator").set_value("vocs").run()
    cockpit.toggle(key="cockpit_compare").set_value(True).run()
    cockpit.select_slider(key="cockpit_base_year").set_value(2021).run()
    assert not cockpit.exception
    ranking = _ranking(cockpit)
    latest = stats.years(seeded_store)[-1]  # 2025 since the sample has the 十四五 final year (issue 13)
    change = [c for c in ranking.columns if f"变化 2021→{latest}" in c][0]
    expected = stats.park_change(seeded_store, "vocs", 2021, latest).set_index("id")["change_pct"]
    for park_id, value in zip(ranking["编号"][:5], ranking[change][:5], strict=True):
        assert value == pytest.approx(expected[park_id])
    assert list(ranking[change].dropna()) == sorted(ranking[change].dropna(), reverse=True)


def test_the_relapse_notice_lists_each_relapsed_body_escaped_with_its_round_and_class(seeded_store, open_page):
    with seeded_store.transaction() as session:
        session.execute("UPDATE water_bodies SET name = $n WHERE stage = 'relapsed'", {"n": "<b>河</b>&渠"})
    at = open_page("views/parks.py")
    (notice,) = [e for e in at.expander if e.label == "反弹水体：1 个"]
    (table,) = [h for h in notice.get("html")]
    body = table.proto.body
    assert "&lt;b&gt;河&lt;/b&gt;&amp;渠" in body and "<b>河" not in body  # a name is text, never markup
    relapsed = water.relapsed(seeded_store)
    assert (
        str(relapsed["latest_round"].iloc[0])[:10] in body and water.class_title(relapsed["cls"].iloc[0], "zh") in body
    )
    assert "点位" not in body  # the reasons point by point are on the water page
    assert "黑臭水体" in notice.caption[0].value
