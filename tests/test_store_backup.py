"""geo.store.backup and `python -m layers backup|restore`: a whole-store round trip, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import shapely

import layers
from geo.outfile import OutputError
from geo.store import backup, migrations
from geo.store.backup import BackupError, create_backup, restore_backup, verify_backup
from geo.store.db import Store
from geo.store.features import write_layer
from layers.__main__ import main
from tests.conftest import ADMIN

# About the DuckDB file itself (its bytes, WAL, copies): the PostGIS contract run leaves it out.
pytestmark = pytest.mark.duckdb_only

PARKS = layers.get_spec("parks")
NOW = dt.datetime(2025, 6, 1, 8, 30)


# A restore records itself in the audit log and moves the data version past both stores': those two
# tables differ by design (checked in test_restore_is_audited_and_moves_the_data_version_on).
BOOKKEEPING = {"meta", "audit_log"}


def contents(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table but the bookkeeping (geometry as WKB bytes), sorted: what 'identical' means here."""
    with store.session() as session:
        names = [r[0] for r in session.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        names = [n for n in names if n not in BOOKKEEPING]
        return {name: sorted(session.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def modify(store: Store, tiny_parks) -> None:
    """Touch several tables: new parks, deleted statistics, a new user, a bumped data version."""
    with store.transaction() as session:
        write_layer(session, PARKS, tiny_parks, "append", NOW)
        session.execute("DELETE FROM statistics WHERE year = 2024")
        session.execute(
            "INSERT INTO users (username, password_hash, display_name, created_at) VALUES ('late', 'x', '后来者', ?)",
            [NOW],
        )


@pytest.fixture
def backup_file(seeded_store, tmp_path) -> Path:
    return create_backup(seeded_store, tmp_path / "store.zip", now=NOW).path


def test_backup_then_restore_round_trips_every_table(seeded_store, backup_file, tiny_parks):
    original = contents(seeded_store)
    modify(seeded_store, tiny_parks)
    assert contents(seeded_store) != original
    restored = restore_backup(seeded_store, ADMIN, backup_file, force=True, now=NOW)
    assert contents(seeded_store) == original
    backed_up = sum(len(rows) for rows in original.values()) + sum(
        seeded_store.scalar(f"SELECT count(*) FROM {t}")
        for t in BOOKKEEPING  # noqa: S608
    )
    assert restored.info.rows == backed_up - 1  # the restore's own audit row came after the backup
    # The replaced store is kept beside it, with the modifications.
    assert restored.kept is not None and contents(Store(restored.kept)) != original


def test_backup_manifest_records_schema_tables_and_checksum(seeded_store, backup_file):
    with zipfile.ZipFile(backup_file) as archive:
        assert sorted(archive.namelist()) == sorted([backup.DB_MEMBER, backup.MANIFEST])
        manifest = json.loads(archive.read(backup.MANIFEST))
        db_bytes = archive.read(backup.DB_MEMBER)
    assert manifest["format"] == backup.FORMAT and manifest["schema_version"] == migrations.LATEST
    assert manifest["sha256"] == hashlib.sha256(db_bytes).hexdigest()
    assert manifest["tables"]["parks"]["rows"] == seeded_store.scalar("SELECT count(*) FROM parks")
    assert verify_backup(backup_file).tables["parks"][0] == manifest["tables"]["parks"]["rows"]


def test_restore_into_a_missing_store_needs_no_force(backup_file, seeded_store, tmp_path):
    target = Store(tmp_path / "new" / "restored.duckdb")
    result = restore_backup(target, ADMIN, backup_file)
    assert result.kept is None and contents(target) == contents(seeded_store)


def test_restore_refuses_to_replace_an_existing_store_without_force(backup_file, seeded_store, tiny_parks):
    modify(seeded_store, tiny_parks)
    before = sha256(seeded_store.path)
    with pytest.raises(BackupError, match="--force"):
        restore_backup(seeded_store, ADMIN, backup_file)
    assert sha256(seeded_store.path) == before


def tampered(backup_file: Path, tmp_path: Path, change) -> Path:
    """A copy of the backup with its members rewritten by `change(manifest, db_bytes) -> members`."""
    with zipfile.ZipFile(backup_file) as archive:
        manifest = json.loads(archive.read(backup.MANIFEST))
        db_bytes = archive.read(backup.DB_MEMBER)
    out = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out, "w") as archive:
        for name, payload in change(manifest, db_bytes).items():
            archive.writestr(name, payload)
    return out


def flipped_byte(manifest, db_bytes):
    damaged = bytearray(db_bytes)
    damaged[len(damaged) // 2] ^= 0xFF
    return {backup.MANIFEST: json.dumps(manifest), backup.DB_MEMBER: bytes(damaged)}


def newer_schema(manifest, db_bytes):
    return {backup.MANIFEST: json.dumps({**manifest, "schema_version": 99}), backup.DB_MEMBER: db_bytes}


def wrong_counts(manifest, db_bytes):
    tables = {**manifest["tables"], "parks": {"rows": 1, "hash": "0"}}
    return {backup.MANIFEST: json.dumps({**manifest, "tables": tables}), backup.DB_MEMBER: db_bytes}


def extra_member(manifest, db_bytes):
    return {backup.MANIFEST: json.dumps(manifest), backup.DB_MEMBER: db_bytes, "../evil.sh": b"x"}


def not_a_database(manifest, db_bytes):
    fake = b"not a database" * 100
    doc = {**manifest, "size": len(fake), "sha256": hashlib.sha256(fake).hexdigest()}
    return {backup.MANIFEST: json.dumps(doc), backup.DB_MEMBER: fake}


@pytest.mark.parametrize(
    "change, message",
    [
        (flipped_byte, "checksum"),
        (newer_schema, "do not match"),
        (wrong_counts, "do not match"),
        (extra_member, "not a backup of this portal"),
        (not_a_database, "cannot be opened"),
    ],
)
def test_restore_refuses_a_damaged_or_foreign_backup_and_changes_nothing(
    backup_file, seeded_store, tmp_path, tiny_parks, change, message
):
    modify(seeded_store, tiny_parks)
    before = sha256(seeded_store.path)
    with pytest.raises(BackupError, match=message):
        restore_backup(seeded_store, ADMIN, tampered(backup_file, tmp_path, change), force=True)
    assert sha256(seeded_store.path) == before
    leftovers = [p.name for p in seeded_store.path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == [] and not list(seeded_store.path.parent.glob("*.before-restore-*"))


def test_restore_refuses_files_that_are_not_backups(seeded_store, tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("not a zip", encoding="utf-8")
    with pytest.raises(BackupError, match="not a zip"):
        restore_backup(seeded_store, ADMIN, text, force=True)
    with pytest.raises(BackupError, match="not found"):
        restore_backup(seeded_store, ADMIN, tmp_path / "absent.zip", force=True)


def test_restore_refuses_a_backup_from_a_newer_schema(seeded_store, tmp_path):
    newer = Store(tmp_path / "newer.duckdb")
    newer.migrate(layers.all_specs())
    with newer.session() as session:
        session.execute("INSERT INTO schema_version VALUES (99, 'from the future', ?)", [NOW])
    archive = create_backup(newer, tmp_path / "newer.zip").path
    with pytest.raises(BackupError, match="newer version"):
        restore_backup(seeded_store, ADMIN, archive, force=True)


def test_a_wal_left_beside_the_store_goes_with_the_replaced_copy(backup_file, seeded_store, tmp_path):
    wal = seeded_store.path.with_name(seeded_store.path.name + ".wal")
    seeded_store.path.write_bytes(b"damaged beyond opening")  # what a restore is for
    wal.write_bytes(b"stale log")
    result = restore_backup(seeded_store, ADMIN, backup_file, force=True, now=NOW)
    assert result.kept_unreadable and not wal.exists()
    assert result.kept.with_name(result.kept.name + ".wal").read_bytes() == b"stale log"
    assert seeded_store.scalar("SELECT count(*) FROM parks") > 0


def test_backup_refuses_to_overwrite_without_force_and_a_missing_store(seeded_store, backup_file, tmp_path):
    with pytest.raises(OutputError, match="--force"):
        create_backup(seeded_store, backup_file)
    assert create_backup(seeded_store, backup_file, overwrite=True).path == backup_file
    with pytest.raises(BackupError, match="does not exist"):
        create_backup(Store(tmp_path / "absent.duckdb"), tmp_path / "x.zip")
    assert not (tmp_path / "absent.duckdb").exists()
    with pytest.raises(OutputError, match="it is the store"):
        create_backup(seeded_store, seeded_store.path, overwrite=True)


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_backup_and_restore_round_trip(seeded_store, tmp_path, tiny_parks, capsys):
    db, out = str(seeded_store.path), tmp_path / "nightly.zip"
    original = contents(seeded_store)
    assert main(["--db", db, "backup", "--out", str(out)]) == 0
    assert "backed up" in capsys.readouterr().out
    modify(seeded_store, tiny_parks)
    assert main(["--db", db, "restore", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "已存在" in err
    assert main(["--db", db, "restore", str(out), "--force"]) == 0
    assert "kept as" in capsys.readouterr().out
    assert contents(seeded_store) == original


def test_cli_restore_of_a_bad_file_exits_2_with_both_languages(seeded_store, tmp_path, capsys):
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as archive:
        archive.writestr("hello.txt", "hi")
    before = sha256(seeded_store.path)
    assert main(["--db", str(seeded_store.path), "restore", str(bogus), "--force"]) == 2
    err = capsys.readouterr().err
    assert "不是本门户的备份" in err and "not a backup of this portal" in err and "Traceback" not in err
    assert sha256(seeded_store.path) == before


def test_a_point_written_after_the_backup_is_gone_after_restore(seeded_store, backup_file):
    with seeded_store.transaction() as session:
        session.execute(
            "INSERT INTO parks (id, name, geom, updated_at) VALUES ('PK-LATE', '后加园区', ST_GeomFromText(?), ?)",
            [shapely.box(117.6, 39.0, 117.61, 39.01).wkt, NOW],
        )
    restore_backup(seeded_store, ADMIN, backup_file, force=True)
    assert seeded_store.scalar("SELECT count(*) FROM parks WHERE id = 'PK-LATE'") == 0


def test_restore_is_audited_and_moves_the_data_version_on(seeded_store, backup_file, tiny_parks):
    from geo.store import audit

    modify(seeded_store, tiny_parks)
    before = seeded_store.data_version()
    restore_backup(seeded_store, ADMIN, backup_file, force=True, now=NOW)
    assert seeded_store.data_version() > before
    last = audit.entries(seeded_store, limit=1).iloc[0]
    assert (last["action"], last["username"], last["entity_id"]) == ("store.restore", "tester", seeded_store.path.name)
    assert backup_file.name in last["after_json"]
    assert audit.verify(seeded_store).ok
