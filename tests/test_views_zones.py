"""AppTest of 禁燃区规划: the editor for visitors and planners, upload checks, the approval queue, versions."""

from __future__ import annotations

import json

import pytest
import shapely

from geo import auth, zones
from geo.auth import User
from tests.conftest import ADMIN

PLANNER = User("gui.hua", "规划甲", frozenset({"planner"}))
APPROVER = User("shen.pi", "审批乙", frozenset({"zone_approver"}))
NEW_ZONE = shapely.box(117.55, 38.90, 117.57, 38.92)


@pytest.fixture
def zones_page(open_page):
    return open_page("views/zones.py")


def as_user(at, user):
    at.session_state["user"] = user
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_opens_on_the_editor_and_asks_a_visitor_to_log_in_to_save(zones_page):
    assert zones_page.title[0].value == "禁燃区规划"
    assert [r.label for r in zones_page.radio][:2] == ["任务", "边界来源"]
    assert any("请在地图上绘制边界" in i.value for i in zones_page.info)
    assert any("示意数据" in c.value for c in zones_page.caption)


def test_choosing_a_zone_in_force_shows_its_checks_impact_and_the_save_form(zones_page):
    at = as_user(zones_page, PLANNER)
    at.radio[1].set_value("edit").run()
    assert not at.exception, at.exception
    assert any("全部检查通过" in s.value for s in at.success) or at.warning or at.error
    metrics = {m.label: m.value for m in at.metric}
    assert "面积（km²）" in metrics and metrics["新增面积（km²）"] == "0.000"
    assert at.text_input[0].value  # the zone's name is filled in
    assert any(b.label == "保存草稿" for b in at.button)


def test_an_upload_of_three_placemarks_is_refused_with_a_message(zones_page, tmp_path):
    at = as_user(zones_page, PLANNER)
    at.radio[1].set_value("upload").run()
    # AppTest cannot upload: the same reader the page calls, on a KML with three placemarks.
    placemarks = "".join(
        f"<Placemark><name>区{i}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        f"117.5{i},38.90 117.5{i}2,38.90 117.5{i}2,38.92 117.5{i},38.92 117.5{i},38.90"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        for i in range(3)
    )
    path = tmp_path / "three.kml"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{placemarks}'
        "</Document></kml>",
        encoding="utf-8",
    )
    from geo.config import Limits
    from geo.errors import InputError

    with pytest.raises(InputError, match="恰好 1 个禁燃区边界"):
        zones.boundary_from_file(path, Limits(), "three.kml")
    one = tmp_path / "one.geojson"
    one.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"名称": "上传区"},
                        "geometry": json.loads(shapely.to_geojson(NEW_ZONE)),
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    geometry, values = zones.boundary_from_file(one, Limits(), "one.geojson")
    assert geometry.equals(NEW_ZONE) and values == {"name": "上传区"}


def test_an_approver_decides_from_the_queue_and_the_zone_goes_into_force(seeded_store, open_page):
    author = zones.save_draft(seeded_store, PLANNER.actor("portal"), "队列测试区", "III", NEW_ZONE)
    zones.submit(seeded_store, PLANNER.actor("portal"), author["id"], author["version"])
    at = as_user(open_page("views/zones.py"), APPROVER)
    at.radio[0].set_value("approve").run()
    assert not at.exception, at.exception
    assert any(s.label == "方案" for s in at.selectbox)
    assert any(b.label == "批准" for b in at.button) and any(b.label == "退回" for b in at.button)
    at.text_input[0].set_value("同意划定")
    at.text_input[1].set_value("津滨规〔2026〕9号")
    next(b for b in at.button if b.label == "批准").click().run()
    assert not at.exception, at.exception
    assert zones.proposal(seeded_store, author["id"])["status"] == "in_force"
    assert any("已批准" in s.value for s in at.success)


def test_the_history_task_lists_proposals_and_compares_versions(seeded_store, open_page):
    auth.add_user(seeded_store, ADMIN, "gui.hua", "planner-password", ["planner"], "规划甲")
    at = open_page("views/zones.py")
    at.radio[0].set_value("history").run()
    assert not at.exception, at.exception
    assert any("该禁燃区只有一个版本" in i.value for i in at.info)


def test_the_author_holding_both_roles_sees_no_decision_form(seeded_store, open_page):
    both = User("li.si", "李四", frozenset({"planner", "zone_approver"}))
    row = zones.save_draft(seeded_store, both.actor("portal"), "自审测试区", "II", NEW_ZONE)
    zones.submit(seeded_store, both.actor("portal"), row["id"], row["version"])
    at = as_user(open_page("views/zones.py"), both)
    at.radio[0].set_value("approve").run()
    assert any("须由其他审批人审批" in w.value for w in at.warning)
    assert not any(b.label == "批准" for b in at.button)


@pytest.mark.parametrize("task", ["plan", "approve", "history"])
def test_every_zone_task_reads_in_english(open_page, seeded_store, task):
    from tests.test_views_english import BILINGUAL, CJK, _data_names, _texts

    at = as_user(open_page("views/zones.py", BINHAI_LANG="en"), APPROVER)
    at.radio[0].set_value(task).run()
    assert not at.exception, at.exception
    names = _data_names(seeded_store)
    leftovers = []
    for text in _texts(at._tree):
        rest = text
        for name in names:
            rest = rest.replace(name, "")
        for word in (*BILINGUAL, "审批乙"):
            rest = rest.replace(word, "")
        if CJK.search(rest):
            leftovers.append(text)
    assert not leftovers, sorted(set(leftovers))
