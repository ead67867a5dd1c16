"""The store: spatial extension offline, migrations, transactions, data version."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

import layers
from geo.store import migrations
from geo.store.db import needs_spatial, spatial_extension_path
from geo.store.features import count_features, read_layer, write_layer


@pytest.mark.duckdb_only
def test_spatial_extension_loads_from_the_wheel_without_network(empty_store):
    assert spatial_extension_path().endswith("spatial.duckdb_extension")
    assert empty_store.scalar("SELECT ST_AsText(ST_Point(117.7, 39.0))") == "POINT (117.7 39)"


def test_migrate_creates_core_and_layer_tables_and_is_idempotent(new_store):
    store = new_store
    assert not store.exists
    assert store.migrate(layers.all_specs()) == migrations.LATEST
    assert store.migrate(layers.all_specs()) == migrations.LATEST
    assert {"statistics", "targets", "water_samples", "import_log", "schema_version"} <= store.tables()
    assert set(layers.REGISTRY) <= store.tables()
    assert store.scalar("SELECT count(*) FROM schema_version") == len(migrations.MIGRATIONS)


def test_transaction_rolls_back_everything_on_error(empty_store, tiny_parks):
    spec = layers.get_spec("parks")
    before = empty_store.data_version()
    with pytest.raises(RuntimeError, match="boom"):
        with empty_store.transaction() as s:
            write_layer(s, spec, tiny_parks, "replace", dt.datetime(2025, 1, 1))
            raise RuntimeError("boom")
    assert count_features(empty_store, spec) == 0
    assert empty_store.data_version() == before


def test_committed_write_bumps_data_version(empty_store, tiny_parks):
    before = empty_store.data_version()
    with empty_store.transaction() as s:
        write_layer(s, layers.get_spec("parks"), tiny_parks, "replace", dt.datetime(2025, 1, 1))
    assert empty_store.data_version() == before + 1


def test_bound_parameters_treat_sql_fragments_as_data(empty_store):
    evil = "x'); DROP TABLE statistics; --"
    with empty_store.transaction() as s:
        s.execute(
            "INSERT INTO statistics (entity_id, year, indicator, value, unit, source) VALUES (?, ?, ?, ?, ?, ?)",
            [evil, 2024, "cod", 1.0, "t", "test"],
        )
    assert "statistics" in empty_store.tables()
    assert empty_store.scalar("SELECT entity_id FROM statistics") == evil


def test_read_layer_returns_areas_computed_in_gauss_kruger(empty_store, tiny_parks):
    spec = layers.get_spec("parks")
    with empty_store.transaction() as s:
        write_layer(s, spec, tiny_parks, "replace", dt.datetime(2025, 1, 1))
    parks = read_layer(empty_store, spec)
    assert parks.crs.to_epsg() == 4326
    # 0.02° × 0.02° near 38.8°N ≈ 1.73 km × 2.22 km ≈ 3.85 km²
    assert parks.loc[parks.id == "PK-T1", "area_km2"].iloc[0] == pytest.approx(3.85, rel=0.02)
    assert parks["length_km"].isna().all()


def test_append_refuses_ids_already_in_the_store(empty_store, tiny_parks):
    from geo.errors import InputError

    spec = layers.get_spec("parks")
    with empty_store.transaction() as s:
        write_layer(s, spec, tiny_parks, "replace", dt.datetime(2025, 1, 1))
    with pytest.raises(InputError, match="PK-T1"):
        with empty_store.transaction() as s:
            write_layer(s, spec, tiny_parks, "append", dt.datetime(2025, 1, 1))
    assert count_features(empty_store, spec) == 2


@pytest.mark.parametrize(
    ("sql", "needed"),
    [
        ("SELECT value FROM meta WHERE key = 'data_version'", False),
        ("SELECT ST_AsWKB(geom) AS wkb FROM parks", False),
        ("INSERT INTO parks SELECT st_geomfromwkb(wkb) FROM x", False),
        ("SELECT ST_X(ST_Centroid(geom)) FROM parks", True),
        ("SELECT st_contains (a.geom, b.geom)", True),
        ("SELECT 'ST_Centroid' AS label", False),
    ],
)
def test_needs_spatial_only_for_functions_outside_duckdbs_core(sql, needed):
    assert needs_spatial(sql) is needed


@pytest.mark.duckdb_only
def test_a_session_loads_spatial_only_when_a_statement_needs_it(empty_store, tiny_parks):
    with empty_store.transaction() as s:
        write_layer(s, layers.get_spec("parks"), tiny_parks, "replace", dt.datetime(2025, 1, 1))
    with empty_store.session() as s:
        assert s.scalar("SELECT count(*) FROM parks") == 2
        assert s.query("SELECT ST_AsWKB(geom) AS wkb FROM parks").shape == (2, 1)
        assert not s.spatial_loaded
        assert s.scalar("SELECT round(ST_X(ST_Centroid(geom)), 2) FROM parks WHERE id = 'PK-T1'") == 117.56
        assert s.spatial_loaded


def test_before_commit_steps_run_once_at_commit_and_not_after_a_rollback(empty_store):
    ran: list[str] = []
    with empty_store.transaction() as s:
        s.before_commit("derived", lambda _s: ran.append("first"))
        s.before_commit("derived", lambda _s: ran.append("second"))  # the same key: one step, the latest
        assert ran == []
    assert ran == ["second"]
    with pytest.raises(RuntimeError, match="boom"):
        with empty_store.transaction() as s:
            s.before_commit("derived", lambda _s: ran.append("rolled back"))
            raise RuntimeError("boom")
    assert ran == ["second"]
    with empty_store.session() as s:  # no transaction: nothing to wait for
        s.before_commit("derived", lambda _s: ran.append("now"))
    assert ran == ["second", "now"]


def test_a_migration_merged_in_below_the_latest_applied_still_runs(new_store, monkeypatch):
    store = new_store
    store.migrate()
    latest = store.scalar("SELECT max(version) FROM schema_version")
    late = (0, "a step merged from a branch with a lower number", ["CREATE TABLE merged_late (x INTEGER)"])
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, late])
    assert store.migrate() == latest
    assert "merged_late" in store.tables()
    assert store.scalar("SELECT count(*) FROM schema_version WHERE version = 0") == 1


def test_statistics_are_indexed_by_indicator_and_year_on_a_server_only(empty_store):
    # One indicator-year on PostgreSQL: an index instead of a scan of every row (see make bench, part postgis).
    if empty_store.kind == "postgis":
        names = set(
            empty_store.query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")["indexname"]
        )
        assert {"statistics_indicator_year", "statistics_history_indicator_year"} <= names
    else:  # DuckDB skips other years' row groups (statistics are stored year by year)
        assert empty_store.scalar("SELECT count(*) FROM duckdb_indexes() WHERE index_name LIKE 'statistics%'") == 0


def test_reads_in_a_reading_block_share_one_connection_and_a_write_keeps_its_own(empty_store, tiny_parks, connections):
    spec = layers.get_spec("parks")
    opened = connections(empty_store)
    with empty_store.reading():
        before = empty_store.data_version()
        with empty_store.reading():  # nested: the outer block's connection
            assert count_features(empty_store, spec) == 0
        assert len(opened) == 1  # every read so far on the block's connection
        with empty_store.transaction() as s:
            write_layer(s, spec, tiny_parks, "replace", dt.datetime(2025, 1, 1))
        assert len(opened) == 2  # the write's own
        assert count_features(empty_store, spec) == len(tiny_parks)  # the block's connection sees the commit
        assert empty_store.data_version() == before + 1
        with pytest.raises(RuntimeError, match="boom"):  # a write that fails inside the block: rolled back
            with empty_store.transaction() as s:
                write_layer(s, spec, tiny_parks.iloc[:0], "replace", dt.datetime(2025, 1, 2))
                raise RuntimeError("boom")
        assert count_features(empty_store, spec) == len(tiny_parks)
        assert len(opened) == 3
    empty_store.data_version()  # after the block: connections of its own again
    assert len(opened) > 3


def test_a_reading_block_holds_a_connection_for_its_own_thread_only(empty_store, connections):
    opened = connections(empty_store)
    seen = []
    with empty_store.reading():
        other = threading.Thread(target=lambda: seen.append(empty_store.data_version()))
        other.start()
        other.join()
        assert len(opened) > 1  # the other thread opened its own
        held = len(opened)
        seen.append(empty_store.data_version())
        assert len(opened) == held and seen[0] == seen[1]


def test_read_layer_reads_one_feature_by_its_id(empty_store, tiny_parks):
    spec = layers.get_spec("parks")
    with empty_store.transaction() as s:
        write_layer(s, spec, tiny_parks, "replace", dt.datetime(2025, 1, 1))
    every = read_layer(empty_store, spec).set_index("id")
    chosen = str(tiny_parks["id"].iloc[-1])
    one = read_layer(empty_store, spec, feature_id=chosen, as_of=dt.date(2025, 6, 1))
    assert list(one["id"]) == [chosen] and one.geometry.iloc[0].equals(every.geometry.loc[chosen])
    assert read_layer(empty_store, spec, feature_id="PK-NONE").empty
    assert read_layer(empty_store, spec, feature_id=chosen, as_of=dt.date(2024, 12, 31)).empty  # not there yet
