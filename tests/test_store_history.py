"""Feature history: versions on edit / delete / replace import, reads as of a date, diffs, version conflicts."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import layers
from geo import assessment, editing, io, stats
from geo.config import Limits
from geo.errors import InputError
from geo.store import audit, migrations
from geo.store.db import Store
from geo.store.features import VersionConflict, layer_diff, read_layer
from tests.conftest import ADMIN

PARKS = layers.get_spec("parks")
T0 = dt.datetime(2024, 1, 10, 9, 0)
T1 = dt.datetime(2024, 3, 1, 9, 0)
T2 = dt.datetime(2024, 6, 1, 9, 0)


def _versions(store: Store, park_id: str) -> list[tuple[int, str]]:
    current = store.query("SELECT version, name FROM parks WHERE id = ?", [park_id])
    closed = store.query("SELECT version, name FROM parks_history WHERE id = ? ORDER BY version", [park_id])
    return [(int(v), n) for v, n in zip(closed["version"], closed["name"], strict=True)] + [
        (int(v), n) for v, n in zip(current["version"], current["name"], strict=True)
    ]


@pytest.fixture
def parks_store(empty_store, tiny_parks):
    io.write_features(empty_store, ADMIN, PARKS, tiny_parks, "append", "first.geojson", now=T0)
    return empty_store


def test_a_replace_import_keeps_unchanged_features_and_versions_the_changed_ones(parks_store, tiny_parks):
    renamed = tiny_parks.copy()
    renamed.loc[1, "name"] = "临港新名字"
    extra = tiny_parks.iloc[[0]].assign(id="PK-T9", name="新园区", geometry=shapely.box(117.6, 38.9, 117.61, 38.91))
    incoming = gpd.GeoDataFrame(
        [renamed.iloc[1], extra.iloc[0]], geometry="geometry", crs="EPSG:4326"
    )  # PK-T1 gone, PK-T2 renamed, PK-T9 new
    change = io.write_features(parks_store, ADMIN, PARKS, incoming, "replace", "second.geojson", now=T1)
    assert (change.added, change.changed, change.removed, change.unchanged) == (["PK-T9"], ["PK-T2"], ["PK-T1"], 0)
    assert _versions(parks_store, "PK-T2") == [(1, "临港测试园区"), (2, "临港新名字")]
    assert _versions(parks_store, "PK-T1") == [(1, "南港测试园区")]  # closed, kept in history
    again = io.write_features(parks_store, ADMIN, PARKS, incoming, "replace", "third.geojson", now=T2)
    assert (again.written, again.unchanged) == (0, 2)  # nothing changed: no new versions
    assert _versions(parks_store, "PK-T2") == [(1, "临港测试园区"), (2, "临港新名字")]


def test_reads_as_of_a_date_between_versions_show_that_days_state(parks_store, tiny_parks):
    edited = tiny_parks.iloc[[1]].assign(name="临港新名字")
    editing.edit_feature(
        parks_store, ADMIN, PARKS, "PK-T2", edited.iloc[0].to_dict(), edited.geometry.iloc[0], 1, Limits(), now=T1
    )
    editing.delete_feature(parks_store, ADMIN, PARKS, "PK-T1", 1, now=T2)
    before = read_layer(parks_store, PARKS, as_of=dt.date(2024, 1, 1))
    first = read_layer(parks_store, PARKS, as_of=dt.date(2024, 2, 1))
    middle = read_layer(parks_store, PARKS, as_of=dt.date(2024, 4, 1), with_versions=True)
    now = read_layer(parks_store, PARKS)
    assert before.empty
    assert sorted(first["name"]) == ["临港测试园区", "南港测试园区"]
    assert sorted(middle["name"]) == ["临港新名字", "南港测试园区"]
    assert dict(zip(middle["id"], middle["version"], strict=True)) == {"PK-T1": 1, "PK-T2": 2}
    assert list(now["name"]) == ["临港新名字"]
    assert read_layer(parks_store, PARKS, as_of=T1).set_index("id").loc["PK-T2", "name"] == "临港新名字"


def test_a_diff_between_two_dates_lists_added_removed_and_changed_with_areas(parks_store, tiny_parks):
    moved = tiny_parks.iloc[1].to_dict()
    bigger = shapely.box(117.70, 38.92, 117.73, 38.94)
    editing.edit_feature(parks_store, ADMIN, PARKS, "PK-T2", moved, bigger, 1, Limits(), now=T1)
    editing.delete_feature(parks_store, ADMIN, PARKS, "PK-T1", 1, now=T1)
    diff = layer_diff(parks_store, PARKS, dt.date(2024, 2, 1), dt.date(2024, 4, 1))
    assert diff.added.empty and list(diff.removed["id"]) == ["PK-T1"]
    row = diff.changed.iloc[0]
    assert row["id"] == "PK-T2" and row["fields"] == "geometry"
    assert row["area_after_km2"] == pytest.approx(row["area_before_km2"] * 1.5, rel=1e-3)


def test_an_edit_based_on_an_old_version_is_refused_naming_who_changed_it(parks_store, tiny_parks):
    """Two sessions open PK-T2 at version 1; the first saves, the second is refused and nothing is lost."""
    feature = tiny_parks.iloc[1].to_dict()
    first = {**feature, "name": "甲的名字"}
    second = {**feature, "name": "乙的名字"}
    zhang = ADMIN.__class__("zhangsan", "张三", frozenset({"admin"}), "portal")
    editing.edit_feature(parks_store, zhang, PARKS, "PK-T2", first, feature["geometry"], 1, Limits(), now=T1)
    snapshot = parks_store.query("SELECT * FROM parks ORDER BY id")
    with pytest.raises(VersionConflict) as refused:
        editing.edit_feature(parks_store, ADMIN, PARKS, "PK-T2", second, feature["geometry"], 1, Limits(), now=T2)
    assert "已被 zhangsan 于 2024-03-01 09:00 修改" in refused.value.zh
    assert "changed by zhangsan at 2024-03-01 09:00" in refused.value.en
    pd.testing.assert_frame_equal(parks_store.query("SELECT * FROM parks ORDER BY id"), snapshot)
    # Reloaded (version 2), the second edit goes through.
    editing.edit_feature(parks_store, ADMIN, PARKS, "PK-T2", second, feature["geometry"], 2, Limits(), now=T2)
    assert _versions(parks_store, "PK-T2")[-1] == (3, "乙的名字")


def test_a_delete_based_on_an_old_version_or_of_a_gone_feature_is_refused(parks_store, tiny_parks):
    feature = tiny_parks.iloc[0].to_dict()
    editing.edit_feature(parks_store, ADMIN, PARKS, "PK-T1", feature | {"name": "x"}, feature["geometry"], 1, Limits())
    with pytest.raises(VersionConflict):
        editing.delete_feature(parks_store, ADMIN, PARKS, "PK-T1", 1)
    editing.delete_feature(parks_store, ADMIN, PARKS, "PK-T1", 2)
    with pytest.raises(VersionConflict, match="no longer exists"):
        editing.delete_feature(parks_store, ADMIN, PARKS, "PK-T1", 2)


def test_each_edit_writes_one_audit_row_with_only_the_changed_attributes(parks_store, tiny_parks):
    feature = tiny_parks.iloc[1].to_dict()
    bigger = shapely.box(117.70, 38.92, 117.73, 38.94)
    editing.edit_feature(
        parks_store, ADMIN, PARKS, "PK-T2", feature | {"name": "新名"}, bigger, 1, Limits(), reason="测绘更正", now=T1
    )
    row = audit.entries(parks_store, action="feature.edit").iloc[0]
    assert (row["entity_type"], row["entity_id"], row["reason"], row["username"]) == (
        "parks",
        "PK-T2",
        "测绘更正",
        "tester",
    )
    before, after = row["before_json"], row["after_json"]
    assert '"name":"临港测试园区"' in before and '"name":"新名"' in after
    assert '"geometry_sha256"' in before and '"area_km2"' in after and '"version":2' in after
    assert "zone" not in after  # unchanged attributes are not repeated


def test_an_invalid_edit_is_refused_and_writes_nothing(parks_store, tiny_parks):
    bowtie = shapely.Polygon([(117.70, 38.92), (117.72, 38.94), (117.72, 38.92), (117.70, 38.94)])
    before = parks_store.query("SELECT * FROM parks ORDER BY id")
    with pytest.raises(InputError, match="几何无效"):
        editing.edit_feature(parks_store, ADMIN, PARKS, "PK-T2", tiny_parks.iloc[1].to_dict(), bowtie, 1, Limits())
    pd.testing.assert_frame_equal(parks_store.query("SELECT * FROM parks ORDER BY id"), before)
    assert audit.entries(parks_store, action="feature.").empty


def test_statistics_and_targets_read_as_of_a_date(seeded_store):
    """Sample statistics of a year become known on 31 March of the next; targets hold from 2020."""
    assert stats.years(seeded_store) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert stats.years(seeded_store, as_of=dt.date(2023, 6, 30)) == [2020, 2021, 2022]
    assert stats.years(seeded_store, as_of=dt.date(2021, 3, 30)) == []
    table = assessment.assessment(seeded_store, "zone", "energy_intensity", 2022, as_of=dt.date(2023, 6, 30))
    now = assessment.assessment(seeded_store, "zone", "energy_intensity", 2022)
    merged = table.merge(now, on="entity_id", suffixes=("_then", "_now"))
    assert len(merged) == len(now) > 0
    assert (merged["actual_then"].fillna(-1) == merged["actual_now"].fillna(-1)).all()


def test_a_target_edit_keeps_the_old_value_for_earlier_dates(seeded_store):
    target = assessment.targets_table(seeded_store, "zone", "vocs").iloc[0]
    rows = target[["entity_id", "indicator", "target_year"]].to_frame().T.assign(target_value=1.0)
    assert assessment.update_targets(seeded_store, ADMIN, rows, now=T1, reason="调整") == 1
    assert assessment.target_of(seeded_store, target["entity_id"], "vocs")["target_value"] == 1.0
    old = assessment.target_of(seeded_store, target["entity_id"], "vocs", as_of=dt.date(2024, 2, 1))
    assert old["target_value"] == target["target_value"]
    row = audit.entries(seeded_store, action="targets.update").iloc[0]
    assert row["entity_id"] == f"{target['entity_id']}/vocs/2025" and row["reason"] == "调整"
    assert f'"target_value":{float(target["target_value"])!r}' in row["before_json"]


def test_park_values_as_of_use_that_days_parks_and_membership(parks_store, tiny_parks):
    editing.delete_feature(parks_store, ADMIN, PARKS, "PK-T1", 1, now=T1)
    assert list(stats.park_values(parks_store, "vocs", 2023)["id"]) == ["PK-T2"]
    assert list(stats.park_values(parks_store, "vocs", 2023, as_of=dt.date(2024, 2, 1))["id"]) == ["PK-T1", "PK-T2"]


def test_migration_4_versions_the_layers_of_an_existing_store(new_store, monkeypatch, tiny_parks):
    """A store made at schema 3, with features, gets version columns (valid_from = updated_at) and history tables."""
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    store = new_store
    store.migrate()
    old_ddl = PARKS.ddl().split(", version INTEGER")[0] + ")"
    with store.transaction() as s:
        s.execute(old_ddl)
        s.execute(
            "INSERT INTO parks (id, name, area_km2, length_km, geom, updated_at) "
            "VALUES ('PK-OLD', '老园区', 1.0, NULL, ST_GeomFromText('POLYGON((117.5 38.8, 117.51 38.8, 117.51 38.81, 117.5 38.8))'), ?)",
            [T0],
        )
        s.execute("INSERT INTO statistics VALUES ('PK-OLD', 2023, 'vocs', 5.0, 't', 'old')")
        s.execute("INSERT INTO targets VALUES ('PK-OLD', 'park', 'vocs', 2020, 6.0, 2025, 4.0, 't', 'old')")
    monkeypatch.undo()
    assert store.migrate(layers.all_specs()) == migrations.LATEST
    row = store.query("SELECT version, valid_from, changed_by FROM parks").iloc[0]
    assert (int(row["version"]), row["valid_from"].to_pydatetime(), row["changed_by"]) == (1, T0, "system")
    assert store.scalar("SELECT count(*) FROM parks_history") == 0
    assert list(read_layer(store, PARKS, as_of=dt.date(2024, 2, 1))["id"]) == ["PK-OLD"]
    # Statistics and targets from before history count as always known.
    assert stats.years(store, as_of=dt.date(2000, 1, 1)) == [2023]
    assert assessment.target_of(store, "PK-OLD", "vocs", as_of=dt.date(2000, 1, 1))["target_value"] == 4.0
    assert store.scalar("SELECT count(*) FROM settings_history") == 0
