"""park_units: the park → district / 开发区 / 街镇 membership kept in step with every layer write."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

import layers
from geo import stats
from geo.config import Limits
from geo.io import import_features, write_features
from geo.store import membership, migrations
from geo.store.features import read_layer, write_layer
from tests.conftest import ADMIN as ADMIN_ACTOR

PARKS = layers.get_spec("parks")
ADMIN = layers.get_spec("admin_units")
NOW = dt.datetime(2025, 1, 1)


def stored(store) -> set[tuple[str, str, str]]:
    return set(store.query(f"SELECT park_id, unit_id, unit_kind FROM {membership.TABLE}").itertuples(index=False))


def by_rule(store) -> set[tuple[str, str, str]]:
    return set(store.query(membership.RULE_SQL).itertuples(index=False))


def test_seeded_store_holds_the_membership_the_rule_gives(seeded_store):
    rows = stored(seeded_store)
    assert rows == by_rule(seeded_store)
    parks = seeded_store.scalar("SELECT count(*) FROM parks")
    # every sample park lies in the district and in one street or town
    assert sum(1 for _, _, kind in rows if kind == "district") == parks
    assert sum(1 for _, _, kind in rows if kind in ("street", "town")) == parks


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_importing_parks_updates_membership_in_the_same_transaction(seeded_store, tiny_parks, tmp_path, mode):
    path = tmp_path / "parks.geojson"
    tiny_parks.to_file(path)
    import_features(seeded_store, ADMIN_ACTOR, PARKS, path, mode, Limits())
    rows = stored(seeded_store)
    assert rows == by_rule(seeded_store)
    assert {park for park, _, _ in rows} >= {"PK-T1", "PK-T2"}
    if mode == "replace":
        assert {park for park, _, _ in rows} == {"PK-T1", "PK-T2"}


def test_redrawing_admin_units_moves_parks_to_the_new_units(seeded_store):
    admin = read_layer(seeded_store, ADMIN)
    zones = admin[admin["kind"] == "zone"]
    first = zones.iloc[0]["id"]
    # one zone now covers the whole district: every park is in it, and in no other zone
    admin.loc[admin["kind"] == "zone", "geometry"] = shapely.box(116.0, 37.0, 119.0, 41.0)
    admin = admin[(admin["kind"] != "zone") | (admin["id"] == first)]
    write_features(
        seeded_store, ADMIN_ACTOR, ADMIN, admin.drop(columns=["area_km2", "length_km"]), "replace", "admin.gpkg"
    )
    zone_rows = {(p, u) for p, u, kind in stored(seeded_store) if kind == "zone"}
    parks = set(seeded_store.query("SELECT id FROM parks")["id"])
    assert zone_rows == {(p, first) for p in parks}
    assert stored(seeded_store) == by_rule(seeded_store)


def test_a_rolled_back_write_leaves_membership_as_it_was(seeded_store, tiny_parks):
    before = stored(seeded_store)
    with pytest.raises(RuntimeError, match="boom"):
        with seeded_store.transaction() as s:
            write_layer(s, PARKS, tiny_parks, "replace", NOW)
            raise RuntimeError("boom")
    assert stored(seeded_store) == before


def test_migration_fills_membership_for_a_store_made_before_it(seeded_store):
    expected = stored(seeded_store)
    with seeded_store.session() as s:  # the store as schema version 2 left it
        s.execute(f"DROP TABLE {membership.TABLE}")
        s.execute("DELETE FROM schema_version WHERE version >= 3")
    assert seeded_store.migrate(layers.all_specs()) == migrations.LATEST
    assert stored(seeded_store) == expected


def test_unit_values_follow_the_stored_membership(seeded_store):
    # The aggregation reads park_units: the same parks per zone as the spatial rule itself.
    df = stats.unit_values(seeded_store, "vocs", "zone", (2023, 2023))
    rule = seeded_store.query(
        f"SELECT unit_id, count(*) AS parks FROM ({membership.RULE_SQL}) WHERE unit_kind = 'zone' GROUP BY ALL"  # noqa: S608
    )
    assert dict(zip(df["unit_id"], df["parks"], strict=True)) == dict(zip(rule["unit_id"], rule["parks"], strict=True))


def test_one_transaction_writing_parks_and_units_recomputes_membership_once(seeded_store, monkeypatch):
    calls: list[int] = []
    real_refresh = membership.refresh
    monkeypatch.setattr(membership, "refresh", lambda s: calls.append(1) or real_refresh(s))
    admin, parks = read_layer(seeded_store, ADMIN), read_layer(seeded_store, PARKS)
    # A change in each layer (unchanged features are not rewritten, so nothing would need recomputing).
    admin.loc[0, "name"] = "改名的单位"
    parks.loc[0, "name"] = "改名的园区"
    with seeded_store.transaction() as s:
        write_layer(s, ADMIN, admin.drop(columns=["area_km2", "length_km"]), "replace", NOW)
        write_layer(s, PARKS, parks.drop(columns=["area_km2", "length_km"]), "replace", NOW)
        assert calls == []
    assert calls == [1]
    assert stored(seeded_store) == by_rule(seeded_store)
