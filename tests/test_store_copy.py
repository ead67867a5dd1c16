"""`python -m layers migrate-store`: every table copied DuckDB ↔ PostGIS, verified, refusals leave the target alone.

The PostGIS cases need a server (`BINHAI_TEST_PG`, see tests/pg.py) and skip without one; the
DuckDB → DuckDB cases always run. The module is marked `store`, so the PostGIS contract run keeps it.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

import layers
from geo.store import audit, copy, open_store
from geo.store.db import Store
from geo.store.features import read_layer
from layers.__main__ import main
from tests import pg
from tests.conftest import ADMIN
from tests.stores import five_audited_writes, state

pytestmark = pytest.mark.store
NOW = dt.datetime(2025, 3, 1, 10, 0)
PARKS = layers.get_spec("parks")
BLOB = bytes(range(256)) + b"\\x00\x00'\"\n\t,"  # every byte value, and what COPY and CSV escape
needs_pg = pytest.mark.skipif(not pg.enabled(), reason="no PostgreSQL: set BINHAI_TEST_PG=postgresql://… to run")


def _enrich(store: Store, tiny_parks) -> None:
    """Writes that fill history, audit, users, settings, import_log (its sequence) and BLOB/NULL/Chinese rows."""
    five_audited_writes(store, tiny_parks, NOW)
    with store.transaction() as s:
        event = s.scalar(
            "INSERT INTO water_stage_events (water_body_id, from_stage, to_stage, note, proposed_by, proposed_at, "
            "base_version, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING event_id",
            ["WB-测试", "black", "treating", "整治中：含“引号”与\\反斜杠\n换行", "张三", NOW, 1],
        )
        s.execute(
            "INSERT INTO water_evidence (event_id, file_name, media_type, size_bytes, sha256, content, "
            "uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event,
                "现场照片.jpg",
                "image/jpeg",
                len(BLOB),
                "0" * 64,
                BLOB,
                "张三",
                dt.datetime(2025, 3, 1, 10, 0, 0, 123456),
            ],
        )


@pytest.fixture
def duck(seeded_store, tiny_parks, tmp_path) -> Store:
    """A DuckDB store of the sample after a few audited writes (made on either backend, then a DuckDB file)."""
    _enrich(seeded_store, tiny_parks)
    if seeded_store.kind == "duckdb":
        return seeded_store
    path = Store(tmp_path / "source.duckdb")
    assert not copy.migrate_store(path, ADMIN, seeded_store, layers.all_specs()).mismatches
    return path


@pytest.fixture
def pg_store():
    if not pg.enabled():
        pytest.skip("no PostgreSQL: set BINHAI_TEST_PG=postgresql://… to run")
    name = pg.create_database()
    yield open_store(pg.url_of(name))
    pg.drop_database(name)


def _records(frame) -> list[dict]:
    plain = frame.drop(columns="geometry").astype(object)
    return plain.where(pd.notna(plain), None).to_dict("records")


def _same_features(a: Store, b: Store, as_of=None) -> None:
    left = read_layer(a, PARKS, as_of=as_of).sort_values("id").reset_index(drop=True)
    right = read_layer(b, PARKS, as_of=as_of).sort_values("id").reset_index(drop=True)
    assert len(left) > 0
    # Values compared, not dtypes: INTEGER reads as int32 from DuckDB and int64 from PostgreSQL, and an
    # all-NULL float column as NaN from DuckDB and None from PostgreSQL.
    assert _records(left) == _records(right)
    assert left.geometry.geom_equals_exact(right.geometry, tolerance=0).all()


def _same_store(a: Store, b: Store, hops: int) -> None:
    """`b` holds exactly `a`'s rows after `hops` copies: each hop adds one `store.migrate` audit row (and
    moves the audit head and the data version); every other table, and every sequence, is equal."""
    (tables_a, sequences_a), (tables_b, sequences_b) = copy.fingerprint(a), copy.fingerprint(b)
    assert sequences_a == sequences_b
    assert set(tables_a) == set(tables_b)
    for name in tables_a:
        if name not in ("audit_log", "meta"):
            assert tables_a[name] == tables_b[name], name
    log_a, log_b = audit.entries(a), audit.entries(b)
    assert len(log_b) == len(log_a) + hops
    assert list(log_b["action"][:hops]) == ["store.migrate"] * hops
    older = log_b.iloc[hops:].reset_index(drop=True)
    assert older.astype(str).equals(log_a.reset_index(drop=True).astype(str))  # the copied chain, row for row
    assert audit.verify(b).ok
    assert b.data_version() == a.data_version() + hops


@needs_pg
def test_duckdb_to_postgis_and_back_is_the_same_store(duck, pg_store, tmp_path):
    back = Store(tmp_path / "back.duckdb")
    there = copy.migrate_store(pg_store, ADMIN, duck, layers.all_specs())
    assert there.mismatches == [] and there.rows > 8000 and there.audit_seq is not None
    assert {t.name for t in there.tables} >= {"audit_log", "parks_history", "users", "meta", "water_evidence"}
    again = copy.migrate_store(back, ADMIN, pg_store, layers.all_specs())
    assert again.mismatches == []
    _same_store(duck, pg_store, hops=1)
    _same_store(duck, back, hops=2)
    sequences = copy.fingerprint(duck)[1]
    assert sequences["import_log_seq"] >= 1 and sequences["water_stage_events_seq"] >= 1
    for store in (pg_store, back):
        _same_features(duck, store)
        _same_features(duck, store, as_of=dt.date(2025, 1, 1))  # before the edit: history copied
        content = store.scalar("SELECT content FROM water_evidence")
        assert bytes(content) == BLOB
        note = store.scalar("SELECT note FROM water_stage_events")
        assert note == "整治中：含“引号”与\\反斜杠\n换行"
        assert store.scalar("SELECT decided_at IS NULL FROM water_stage_events")
    assert read_layer(back, PARKS).set_index("id").loc["PK-T1", "name"] == "改名"
    # The sequences go on from where the source left off: the next import gets the next number.
    with pg_store.transaction() as s:
        s.execute("INSERT INTO import_log (layer, mode, source_name, features, imported_at) VALUES ('parks', 'append', 'x', 1, ?)", [NOW])  # fmt: skip
    assert pg_store.scalar("SELECT max(id) FROM import_log") == sequences["import_log_seq"] + 1


def test_duckdb_to_duckdb_copies_every_table(duck, tmp_path):
    target = Store(tmp_path / "copy.duckdb")
    report = copy.migrate_store(target, ADMIN, duck, layers.all_specs())
    assert report.mismatches == []
    _same_store(duck, target, hops=1)
    with duck.session() as s:
        assert {t.name for t in report.tables} == set(copy.catalogue(s))  # from the catalogue, nothing left out
    _same_features(duck, target, as_of=dt.date(2025, 1, 1))


@pytest.fixture
def target(request, tmp_path):
    """A PostGIS target when a server is there, else a DuckDB file."""
    if pg.enabled():
        name = pg.create_database()
        yield open_store(pg.url_of(name))
        pg.drop_database(name)
    else:
        yield Store(tmp_path / "target.duckdb")


def test_cli_copies_verifies_audits_and_refuses_a_target_with_data(duck, target, capsys):
    assert main(["migrate-store", "--from", str(duck.path), "--to", target.location]) == 0
    out, err = capsys.readouterr()
    assert "audit_log" in out and "MISMATCH" not in out and "copied" in out and "已复制" in out
    assert "复制 / copied parks" in err  # progress per table on stderr
    assert main(["audit", "verify", "--db", target.location]) == 0
    log = audit.entries(target)
    assert log.iloc[0]["action"] == "store.migrate" and log.iloc[0]["client"] == "cli"
    assert len(log) == len(audit.entries(duck)) + 1
    assert target.data_version() == duck.data_version() + 1
    capsys.readouterr()

    before = state(target)
    assert main(["migrate-store", "--from", str(duck.path), "--to", target.location]) == 2
    _, err = capsys.readouterr()
    assert "已有数据" in err and "already holds data" in err and "--force" in err
    assert state(target) == before

    version = target.data_version()
    assert main(["migrate-store", "--from", str(duck.path), "--to", target.location, "--force"]) == 0
    assert main(["audit", "verify", "--db", target.location]) == 0
    assert len(audit.entries(target)) == len(audit.entries(duck)) + 1  # replaced, not added to
    assert target.data_version() > version  # no page keeps a cached read of the replaced rows


def test_refusals_leave_both_stores_alone(duck, tmp_path, capsys):
    missing = tmp_path / "missing.duckdb"
    target = tmp_path / "t.duckdb"
    assert main(["migrate-store", "--from", str(missing), "--to", str(target)]) == 2
    assert "不存在" in capsys.readouterr().err and not missing.exists() and not target.exists()

    before = state(duck)
    same = f"{duck.path.parent}/../{duck.path.parent.name}/{duck.path.name}"
    assert main(["migrate-store", "--from", str(duck.path), "--to", same]) == 2
    assert "same store" in capsys.readouterr().err
    assert state(duck) == before

    foreign = tmp_path / "foreign.duckdb"  # someone else's DuckDB file: never ours to fill
    with duckdb.connect(str(foreign)) as con:
        con.execute("CREATE TABLE notes (body VARCHAR)")
    before = state(foreign)
    assert main(["migrate-store", "--from", str(duck.path), "--to", str(foreign)]) == 2
    assert "already holds data" in capsys.readouterr().err and state(foreign) == before

    old = Store(tmp_path / "old.duckdb")
    old.migrate(layers.all_specs())
    with old.session() as s:
        s.execute("DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)")
    assert main(["migrate-store", "--from", str(old.path), "--to", str(target)]) == 2
    err = capsys.readouterr().err
    assert "较旧" in err and "older schema version" in err and not target.exists()


def test_a_copy_that_does_not_match_exits_1_and_says_where(duck, tmp_path, monkeypatch, capsys):
    real = copy.fingerprint

    def damaged(store, progress=None):
        tables, sequences = real(store, progress)
        rows, _ = tables["statistics"]
        return {**tables, "statistics": (rows, "0" * 64)}, sequences

    monkeypatch.setattr(copy, "fingerprint", damaged)
    target = tmp_path / "t.duckdb"
    assert main(["migrate-store", "--from", str(duck.path), "--to", str(target)]) == 1
    out, err = capsys.readouterr()
    assert "statistics" in out and "MISMATCH" in out
    assert "不一致" in err and "does not match" in err and "statistics" in err
    assert len(audit.entries(Store(target))) == len(audit.entries(duck))  # no store.migrate row for a bad copy
