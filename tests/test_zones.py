"""The zone workflow: drafts checked before saving, author cannot approve, returned drafts resubmitted,
enactment into the layer with history (as-of), impact numbers against shapely in EPSG:4548, migration 9."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
import shapely

import layers
from geo import zones
from geo.errors import InputError, PortalError
from geo.permissions import Actor, PermissionDenied
from geo.store import audit, migrations
from geo.store.features import VersionConflict, read_layer
from tests.stores import state

PLANNER = Actor("gui.hua", "规划甲", frozenset({"planner"}), "portal")
PLANNER_APPROVER = Actor("li.si", "李四", frozenset({"planner", "zone_approver"}), "portal")
APPROVER = Actor("shen.pi", "审批乙", frozenset({"zone_approver"}), "portal")
VIEWER = Actor("guan", "官员", frozenset({"viewer"}), "portal")
ZONES = layers.get_spec("prohibited_zones")
NEW_ZONE = shapely.box(117.55, 38.90, 117.57, 38.92)  # inside 新城镇, clear of every sample zone
DAY = dt.datetime(2026, 3, 2, 9, 0)


def km2(geom) -> float:
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs("EPSG:4548").area.iloc[0] / 1e6)


def draft(store, actor=PLANNER, geometry=NEW_ZONE, **kw):
    return zones.save_draft(store, actor, name="测试新禁燃区", fuel_class="III", geometry=geometry, now=DAY, **kw)


def test_a_planner_drafts_submits_and_another_person_approves_it_into_force(seeded_store):
    before = len(zones.zones_in_force(seeded_store))
    row = draft(seeded_store)
    assert row["status"] == "draft" and row["area_km2"] == pytest.approx(km2(NEW_ZONE), rel=1e-9)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY + dt.timedelta(hours=1))
    assert row["status"] == "submitted"
    decided = zones.decide(
        seeded_store,
        APPROVER,
        row["id"],
        row["version"],
        approve=True,
        reason="符合清洁取暖改造完成条件",
        effective_date=DAY.date(),
        approval_no="津滨政发〔2026〕1号",
        now=DAY + dt.timedelta(hours=2),
    )
    assert decided["status"] == "in_force" and decided["zone_id"].startswith("PZ-")
    now = zones.zones_in_force(seeded_store)
    assert len(now) == before + 1
    enacted = now[now["id"] == decided["zone_id"]].iloc[0]
    assert enacted["status"] == "in_force" and "津滨政发〔2026〕1号" in enacted["document"]
    # The map of the day before does not show it; the layer's history does.
    assert len(zones.zones_in_force(seeded_store, as_of=DAY.date() - dt.timedelta(days=1))) == before
    actions = list(audit.entries(seeded_store, entity=decided["id"])["action"])
    assert actions == ["zone.approve", "zone.submit", "zone.draft"]
    assert list(audit.entries(seeded_store, action="zone.enact")["entity_id"]) == [decided["zone_id"]]
    assert audit.verify(seeded_store).ok


def test_the_author_cannot_approve_their_own_proposal_even_holding_the_role(seeded_store):
    row = draft(seeded_store, PLANNER_APPROVER)
    row = zones.submit(seeded_store, PLANNER_APPROVER, row["id"], row["version"], now=DAY)
    with pytest.raises(PortalError, match="不能审批自己提交的方案"):
        zones.decide(seeded_store, PLANNER_APPROVER, row["id"], row["version"], True, "自批", DAY.date(), "号", now=DAY)
    assert zones.proposal(seeded_store, row["id"])["status"] == "submitted"


def test_a_planner_cannot_decide_and_a_viewer_cannot_draft(seeded_store):
    with pytest.raises(PermissionDenied):
        draft(seeded_store, VIEWER)
    row = draft(seeded_store)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    with pytest.raises(PermissionDenied, match="禁燃区审批"):
        zones.decide(seeded_store, PLANNER, row["id"], row["version"], False, "退回", now=DAY)


def test_a_returned_draft_is_edited_and_resubmitted(seeded_store):
    row = draft(seeded_store)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    with pytest.raises(PortalError, match="不能再修改"):
        draft(seeded_store, proposal_id=row["id"], base_version=row["version"])
    with pytest.raises(InputError, match="审批意见不能为空"):
        zones.decide(seeded_store, APPROVER, row["id"], row["version"], False, "  ", now=DAY)
    row = zones.decide(seeded_store, APPROVER, row["id"], row["version"], False, "边界请避开规划道路", now=DAY)
    assert row["status"] == "returned" and row["decision_reason"] == "边界请避开规划道路"
    smaller = shapely.box(117.55, 38.90, 117.56, 38.91)
    row = draft(seeded_store, geometry=smaller, proposal_id=row["id"], base_version=row["version"])
    assert row["status"] == "draft" and row["area_km2"] == pytest.approx(km2(smaller), rel=1e-9)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    assert row["status"] == "submitted"
    versions = zones.proposal_versions(seeded_store, row["id"])
    assert list(versions["status"]) == ["draft", "submitted", "returned", "draft", "submitted"]
    diff = zones.boundary_diff(versions.geometry.iloc[0], versions.geometry.iloc[-1])
    assert diff.added_km2 == 0 and diff.removed_km2 == pytest.approx(km2(NEW_ZONE.difference(smaller)), rel=1e-9)


def test_a_stale_version_is_refused(seeded_store):
    row = draft(seeded_store)
    zones.save_draft(
        seeded_store, PLANNER, name="改名", fuel_class="II", geometry=NEW_ZONE, proposal_id=row["id"], base_version=1
    )
    with pytest.raises(VersionConflict, match="已被 gui.hua"):
        zones.submit(seeded_store, PLANNER, row["id"], 1)


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        (shapely.Polygon([(117.55, 38.90), (117.57, 38.92), (117.57, 38.90), (117.55, 38.92)]), "自相交"),
        (shapely.LineString([(117.55, 38.90), (117.57, 38.92)]), "必须是面"),
        (shapely.box(117.55, 38.90, 117.55004, 38.90003), "小于最小面积"),
        (shapely.box(117.92, 38.90, 118.40, 38.92), "区范围外"),
    ],
)
def test_a_draft_failing_a_check_is_refused_and_nothing_is_saved(seeded_store, geometry, words):
    path = state(seeded_store)
    with pytest.raises(InputError) as refused:
        draft(seeded_store, geometry=geometry)
    assert words in refused.value.zh
    assert state(seeded_store) == path


def test_a_draft_overlapping_a_zone_in_force_by_forty_percent_is_refused(seeded_store):
    zone = zones.zones_in_force(seeded_store).iloc[0]
    x0, y0, x1, y1 = zone.geometry.bounds
    core = zone.geometry.representative_point()
    probe = shapely.box(core.x - 0.004, core.y - 0.004, core.x + 0.004, core.y + 0.004)
    assert probe.within(zone.geometry)
    outside = shapely.box(x1 + 0.01, core.y - 0.004, x1 + 0.022, core.y + 0.004)  # 1.5 × the probe's width
    with pytest.raises(InputError, match="重叠"):
        draft(seeded_store, geometry=shapely.MultiPolygon([probe, outside]))


def test_approving_an_edit_of_a_multi_part_zone_with_a_hole_keeps_the_old_boundary_in_history(seeded_store):
    zone = zones.zones_in_force(seeded_store).iloc[0]
    hole = zone.geometry.representative_point().buffer(0.003)
    island = shapely.box(117.55, 38.90, 117.57, 38.92)
    changed = shapely.MultiPolygon([shapely.Polygon(zone.geometry.exterior.coords, [hole.exterior.coords]), island])
    impact = zones.impact(seeded_store, changed, zone_id=zone["id"])
    assert impact.diff.added_km2 == pytest.approx(km2(island), rel=1e-6)
    assert impact.diff.removed_km2 == pytest.approx(km2(hole), rel=1e-3)
    row = draft(seeded_store, geometry=changed, kind="edit", zone_id=zone["id"])
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    row = zones.decide(seeded_store, APPROVER, row["id"], row["version"], True, "同意", DAY.date(), "批-2", now=DAY)
    versions = zones.zone_versions(seeded_store, zone["id"])
    assert list(versions["version"]) == [1, 2]
    assert versions.geometry.iloc[1].equals_exact(changed, 1e-9)
    assert (
        zones.zones_in_force(seeded_store, as_of=DAY.date() - dt.timedelta(days=1))
        .set_index("id")
        .loc[zone["id"]]
        .geometry.equals_exact(zone.geometry, 1e-12)
    )


def test_a_future_approval_waits_for_its_date_then_a_repeal_closes_the_zone(seeded_store):
    row = draft(seeded_store)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    later = DAY.date() + dt.timedelta(days=10)
    row = zones.decide(seeded_store, APPROVER, row["id"], row["version"], True, "同意", later, "批-3", now=DAY)
    assert row["status"] == "approved"
    assert zones.enact_due(seeded_store, APPROVER, now=DAY + dt.timedelta(days=1)) == []
    assert zones.enact_due(seeded_store, APPROVER, now=DAY + dt.timedelta(days=12)) == [row["id"]]
    zone_id = zones.proposal(seeded_store, row["id"])["zone_id"]
    in_force = zones.zones_in_force(seeded_store, as_of=later).set_index("id")
    assert zone_id in in_force.index  # in force from its date, although enacted two days late
    assert zone_id not in zones.zones_in_force(seeded_store, as_of=later - dt.timedelta(days=1))["id"].tolist()
    repeal = zones.save_draft(
        seeded_store, PLANNER, name="废止测试", fuel_class="III", geometry=None, kind="repeal", zone_id=zone_id, now=DAY
    )
    repeal = zones.submit(seeded_store, PLANNER, repeal["id"], repeal["version"], now=DAY + dt.timedelta(days=13))
    when = DAY + dt.timedelta(days=14)
    zones.decide(seeded_store, APPROVER, repeal["id"], repeal["version"], True, "废止", when.date(), "批-4", now=when)
    assert zone_id not in zones.zones_in_force(seeded_store)["id"].tolist()
    assert zone_id in zones.zones_in_force(seeded_store, as_of=later)["id"].tolist()


def test_the_effective_date_cannot_lie_in_the_past(seeded_store):
    row = draft(seeded_store)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    with pytest.raises(InputError, match="不能早于今天"):
        zones.decide(
            seeded_store, APPROVER, row["id"], row["version"], True, "同意", DAY.date() - dt.timedelta(days=1), "批"
        )


def test_impact_lists_units_with_areas_and_the_features_inside(seeded_store):
    units = read_layer(seeded_store, layers.get_spec("admin_units"))
    town = units[units["kind"] == "town"].iloc[0]
    core = town.geometry.representative_point()
    geometry = shapely.box(core.x - 0.01, core.y - 0.01, core.x + 0.01, core.y + 0.01)
    impact = zones.impact(seeded_store, geometry)
    assert impact.area_km2 == pytest.approx(km2(geometry), rel=1e-9)
    row = impact.units.set_index("id").loc[town["id"]]
    covered = km2(shapely.intersection(town.geometry, geometry))
    assert row["covered_km2"] == pytest.approx(covered, rel=1e-6)
    assert row["share"] == pytest.approx(covered / km2(town.geometry), rel=1e-6)
    assert impact.units["covered_km2"].sum() >= covered
    for name in zones.IMPACT_LAYERS:
        frame = read_layer(seeded_store, layers.get_spec(name))
        expected = set(frame[frame.geometry.representative_point().within(geometry)]["id"])
        assert set(impact.inside[name]["id"]) == expected


def test_migration_9_adds_the_proposal_tables_to_a_store_made_before_it(new_store, monkeypatch):
    store = new_store
    monkeypatch.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m[0] != 9])
    store.migrate(layers.all_specs())
    assert "zone_proposals" not in store.tables()
    monkeypatch.undo()
    assert store.migrate(layers.all_specs()) == migrations.LATEST
    assert {"zone_proposals", "zone_proposals_history"} <= store.tables()
    assert 9 in set(store.query("SELECT version FROM schema_version")["version"])


@pytest.mark.parametrize(
    ("fuel_class", "fuel", "capacity", "unit", "banned"),
    [
        ("III", "coal", 75, "t_h", True),
        ("III", "biomass", 10, "t_h", True),
        ("III", "gas", 10, "t_h", False),
        ("II", "coal", 35, "t_h", False),  # boilers of 20 t/h or more are spared in class II
        ("II", "coal", 10, "t_h", True),
        ("II", "heavy_oil", 75, "t_h", True),
        ("II", "biomass", 10, "t_h", False),
        ("I", "coal", 14, "mw", False),  # 14 MW ≈ 20 t/h
        ("I", "coal", 7, "mw", True),
        ("I", "electric", 7, "mw", False),
    ],
)
def test_the_catalogue_rules_per_class(fuel_class, fuel, capacity, unit, banned):
    assert (zones.banned_fuel(fuel_class, fuel, capacity, unit) is not None) is banned


def test_a_zone_lists_the_in_use_boilers_that_burn_its_banned_fuels(seeded_store):
    boilers = read_layer(seeded_store, layers.get_spec("boilers"))
    zone = zones.zones_in_force(seeded_store)
    zone = zone[zone["fuel_class"] == "III"].iloc[0]
    inside = boilers[boilers.geometry.within(zone.geometry)]
    expected = set(inside[(inside["status"] == "in_use") & inside["fuel"].isin(["coal", "heavy_oil", "biomass"])]["id"])
    found = zones.impact(seeded_store, zone.geometry, fuel_class="III").boilers
    assert set(found["id"]) == expected
    assert set(zones.boilers_to_convert(seeded_store, zone.geometry, "II")["id"]) <= expected


@pytest.mark.parametrize("fmt", zones.EXPORT_FORMATS)
def test_approved_zones_export_with_chinese_names_and_the_approval(seeded_store, tmp_path, fmt):
    import zipfile

    row = draft(seeded_store)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    done = zones.decide(
        seeded_store, APPROVER, row["id"], row["version"], True, "同意", DAY.date(), "津滨批〔2026〕7号", now=DAY
    )
    data, name = zones.export_zones(seeded_store, fmt, "EPSG:4490")
    path = tmp_path / name
    path.write_bytes(data)
    if fmt == "shp":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp_path / "shp")
        path = next((tmp_path / "shp").glob("*.shp"))
    frame = gpd.read_file(path)
    assert {"编号", "名称", "管控类别", "施行日期", "批准文号", "批准日期"} <= set(frame.columns)
    ours = frame[frame["编号"] == done["zone_id"]].iloc[0]
    assert ours["批准文号"] == "津滨批〔2026〕7号" and str(ours["批准日期"])[:10] == DAY.date().isoformat()
    assert len(frame) == len(zones.zones_in_force(seeded_store))
    if fmt in ("gpkg", "geojson", "shp"):
        assert frame.crs.to_epsg() == 4490
