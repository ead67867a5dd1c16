"""Backup and restore of the whole store: a zip holding a checkpointed copy of the DuckDB file and a manifest.

`create_backup` holds the store's file lock (one connection) while it checkpoints, fingerprints every
table and copies the file, so no other process can write mid-copy; the copy is opened and compared
with the live store before the zip is moved into place. `restore_backup` checks the zip (members,
sizes, sha256), opens the copy in a temp file beside the store (schema version, every table read in
full, fingerprints as recorded), and only then swaps it in with `os.replace`; the replaced store is
kept beside it. Pure: no streamlit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from geo.config import SettingsError
from geo.errors import PortalError
from geo.outfile import BACKUP_FORMAT, atomic_write, checked_target, fsync_dir
from geo.permissions import Actor, writes
from geo.store import audit, migrations
from geo.store.db import Session, Store, quote_identifier

FORMAT = BACKUP_FORMAT
FORMAT_VERSION = 1
DB_MEMBER = "store.duckdb"
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1 << 20
CORE_TABLES = ("meta", "schema_version")


class BackupError(PortalError):
    """A backup cannot be written, or a file is not a usable backup."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds: the store's schema version and, per table, (rows, content hash)."""

    path: Path
    schema_version: int
    tables: dict[str, tuple[int, int]]
    size: int
    sha256: str
    created_at: str

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.tables.values())


def _refuse_server(store: Store) -> None:
    """A PostGIS store is backed up by the server's own tools (pg_dump), not by copying a file."""
    if store.kind != "duckdb":
        raise BackupError(
            f"{store.label} 是 PostGIS 数据库：请用 pg_dump / pg_restore 备份与恢复（见 README“部署”），"
            "或用 python -m layers migrate-store 复制到 DuckDB 文件后再备份",
            f"{store.label} is a PostGIS store: back it up with pg_dump / pg_restore (see README, Deployment), "
            "or copy it to a DuckDB file with python -m layers migrate-store and back that up",
        )


def fingerprint(session: Session) -> dict[str, tuple[int, int]]:
    """Every table read in full: (row count, xor of row hashes). Reading each block is the integrity check.

    DuckDB has no integrity_check pragma; a scan of every column of every row verifies the block
    checksums, and a damaged file raises here.
    """
    names = session.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    tables: dict[str, tuple[int, int]] = {}
    for (name,) in names:
        # Names come from the file's own catalog, quoted as identifiers: never from a user's text.
        sql = f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {quote_identifier(name)} t"  # noqa: S608
        count, digest = session.execute(sql).fetchone()
        tables[name] = (int(count), int(digest))
    return tables


def _schema_version(session: Session) -> int:
    return migrations.current_version(session)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _temporary(path: Path) -> Iterator[Path]:
    """A path that is removed (with any DuckDB WAL beside it) unless the caller moved it away."""
    try:
        yield path
    finally:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _inspect_copy(path: Path) -> tuple[int, dict[str, tuple[int, int]]]:
    """Open a DuckDB file that is not live (a copy) and read it in full; BackupError if it is no store."""
    try:
        with Store(path).session() as session:
            return _schema_version(session), fingerprint(session)
    except (duckdb.Error, SettingsError) as exc:
        raise BackupError(
            f"备份中的数据库无法打开或已损坏: {exc}",
            f"the database in the backup cannot be opened or is damaged: {exc}",
        ) from exc


def create_backup(store: Store, out: Path, overwrite: bool = False, now: datetime | None = None) -> BackupInfo:
    """Write a consistent, verified backup of `store` to `out` (a zip); refuses to replace `out` unless told to."""
    out = Path(out)
    _refuse_server(store)
    if not store.exists:
        raise BackupError(
            f"数据库 {store.path} 不存在，无可备份", f"the store {store.path} does not exist: nothing to back up"
        )
    out = checked_target(out, store.files(), force=overwrite, replaces_backup=True)
    created = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    with (
        atomic_write(out) as packed,
        _temporary(out.with_name(f".{out.name}.{os.getpid()}.db")) as copy,
    ):
        # One connection holds the file lock from the checkpoint to the end of the copy: no writer can interleave.
        with store.session() as session:
            session.execute("CHECKPOINT")
            version = _schema_version(session)
            live = fingerprint(session)
            shutil.copyfile(store.path, copy)
        copied_version, copied = _inspect_copy(copy)
        if (copied_version, copied) != (version, live):
            raise BackupError("备份副本与数据库不一致，已放弃", "the copy does not match the store; backup abandoned")
        info = BackupInfo(out, version, live, copy.stat().st_size, _sha256(copy), created)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created,
            "duckdb_version": duckdb.__version__,
            "schema_version": version,
            "size": info.size,
            "sha256": info.sha256,
            "tables": {name: {"rows": n, "hash": str(h)} for name, (n, h) in live.items()},
        }
        with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            archive.write(copy, DB_MEMBER)
    return info


def _read_manifest(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    names = {m.filename: m for m in archive.infolist()}
    if set(names) != {MANIFEST, DB_MEMBER}:
        raise BackupError(
            f"{source.name} 不是本门户的备份（应只含 {MANIFEST} 与 {DB_MEMBER}）",
            f"{source.name} is not a backup of this portal (it must hold only {MANIFEST} and {DB_MEMBER})",
        )
    if names[MANIFEST].file_size > MAX_MANIFEST_BYTES:
        raise BackupError(f"{source.name} 的清单过大", f"the manifest in {source.name} is too large")
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
        tables = {
            str(name): (int(entry["rows"]), int(entry["hash"])) for name, entry in dict(manifest["tables"]).items()
        }
        checked = {
            "format": manifest["format"],
            "format_version": int(manifest["format_version"]),
            "schema_version": int(manifest["schema_version"]),
            "size": int(manifest["size"]),
            "sha256": str(manifest["sha256"]),
            "created_at": str(manifest.get("created_at", "")),
            "tables": tables,
        }
    except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{source.name} 的清单无法读取", f"the manifest in {source.name} cannot be read") from exc
    if checked["format"] != FORMAT or checked["format_version"] > FORMAT_VERSION:
        raise BackupError(
            f"{source.name} 不是可识别的备份格式", f"{source.name} is not a backup format this version understands"
        )
    if names[DB_MEMBER].file_size != checked["size"]:
        raise BackupError(
            f"{source.name} 中数据库大小与清单不符", f"the database size in {source.name} does not match its manifest"
        )
    return checked


def _extract_database(archive: zipfile.ZipFile, manifest: dict[str, Any], into: Path, source: Path) -> None:
    """Stream the database member out, never past its recorded size, and check its sha256."""
    free = shutil.disk_usage(into.parent).free
    if manifest["size"] > free:
        raise BackupError(
            f"磁盘空间不足以恢复 {source.name}（需 {manifest['size']} 字节）",
            f"not enough disk space to restore {source.name} ({manifest['size']} bytes needed)",
        )
    digest = hashlib.sha256()
    written = 0
    try:
        with archive.open(DB_MEMBER) as src, into.open("wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > manifest["size"]:
                    raise BackupError(
                        f"{source.name} 中数据库大于其声明", f"the database in {source.name} exceeds its declared size"
                    )
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BackupError(f"{source.name} 已损坏: {exc}", f"{source.name} is damaged: {exc}") from exc
    if written != manifest["size"] or digest.hexdigest() != manifest["sha256"]:
        raise BackupError(
            f"{source.name} 的校验和不符，备份已损坏",
            f"the checksum of {source.name} does not match: the backup is damaged",
        )


def _open_backup(path: Path) -> zipfile.ZipFile:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}", f"backup file not found: {path}")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(
            f"{path.name} 不是有效的备份（不是 zip）", f"{path.name} is not a valid backup (not a zip)"
        ) from exc


def _check_copy(copy: Path, manifest: dict[str, Any], source: Path) -> tuple[int, dict[str, tuple[int, int]]]:
    version, tables = _inspect_copy(copy)
    if not set(CORE_TABLES) <= set(tables):
        raise BackupError(
            f"{source.name} 中的数据库不是本门户的数据库", f"the database in {source.name} is not a portal store"
        )
    if version > migrations.LATEST:
        raise BackupError(
            f"{source.name} 来自更新的版本（架构版本 {version} > {migrations.LATEST}），请先升级本程序",
            f"{source.name} comes from a newer version (schema {version} > {migrations.LATEST}); upgrade first",
        )
    if version != manifest["schema_version"] or tables != manifest["tables"]:
        raise BackupError(f"{source.name} 的内容与清单不符", f"the contents of {source.name} do not match its manifest")
    return version, tables


def verify_backup(path: Path) -> BackupInfo:
    """Check a backup without touching any store: zip, manifest, checksum, and the database read in full."""
    path = Path(path)
    with _open_backup(path) as archive:
        manifest = _read_manifest(archive, path)
        with _temporary(path.with_name(f".{path.name}.{os.getpid()}.verify")) as copy:
            _extract_database(archive, manifest, copy, path)
            version, tables = _check_copy(copy, manifest, path)
    return BackupInfo(path, version, tables, manifest["size"], manifest["sha256"], manifest["created_at"])


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup's info and where the replaced store was kept."""

    info: BackupInfo
    kept: Path | None  # the replaced store, kept beside it
    kept_unreadable: bool = False  # the replaced store could not be opened (why one restores)


@writes("store.restore", "admin")
def restore_backup(
    store: Store, actor: Actor, path: Path, force: bool = False, now: datetime | None = None
) -> Restored:
    """Replace `store` with the backup at `path`, all or nothing; an administrator's act.

    Refuses an existing store unless `force`. The backup is restored into a temp file beside the
    store and fully checked first; the swap is one `os.replace`, and the old store is kept as
    `<name>.before-restore-<time>`. The restored store is brought up to the current schema and its
    audit log gets a `store.restore` row naming the backup.
    """
    path = Path(path)
    _refuse_server(store)
    target = store.path
    if target.exists() and not force:
        raise BackupError(
            f"数据库 {target} 已存在；恢复会替换它，确认请加 --force",
            f"the store {target} exists; restoring replaces it: add --force to confirm",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    with _open_backup(path) as archive:
        manifest = _read_manifest(archive, path)
        with _temporary(target.with_name(f".{target.name}.{os.getpid()}.restore")) as incoming:
            _extract_database(archive, manifest, incoming, path)
            version, tables = _check_copy(incoming, manifest, path)
            kept, unreadable = replace_store(store, incoming, f"before-restore-{stamp}")
    info = BackupInfo(path, version, tables, manifest["size"], manifest["sha256"], manifest["created_at"])
    store.migrate()
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    with store.transaction() as session:
        after = {"backup": path.name, "sha256": info.sha256, "created_at": info.created_at, "rows": info.rows}
        audit.record(session, actor, "store.restore", "store", target.name, None, after, now=moment)
    return Restored(info, kept, unreadable)


def set_aside(store: Store, aside: Path) -> tuple[Path | None, bool]:
    """Keep the current store (and a WAL it may have) as `aside`; returns it and whether it was unreadable."""
    target = store.path
    if not target.exists():
        return None, False
    unreadable = False
    try:
        # Waits for any writer (StoreBusyError when one holds on), and folds a crash's WAL into the file.
        with store.session() as session:
            session.execute("CHECKPOINT")
    except (duckdb.Error, SettingsError):
        unreadable = True  # a damaged store is what a restore is for: it is kept as it is, WAL and all
    try:
        os.link(target, aside)  # the same bytes under a second name; free and instant
    except OSError:
        shutil.copy2(target, aside)
    wal = target.with_name(target.name + ".wal")
    if wal.exists():
        # A WAL left beside the restored file would be replayed onto it: it goes with the old store.
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    return aside, unreadable


def _readable_version(store: Store) -> int:
    try:
        return store.data_version()
    except (duckdb.Error, SettingsError, ValueError, TypeError):
        return -1


def replace_store(store: Store, incoming: Path, label: str) -> tuple[Path | None, bool]:
    """Swap a complete store file `incoming` in for `store` (one `os.replace`); the old one is kept as
    `<name>.<label>`. Returns where it was kept (None when there was none) and whether it was unreadable.

    The new file's data version is set above both files' versions, so no page keeps showing a cached
    read of the old store under a version number the new one happens to share.
    """
    versions = (_readable_version(store), _readable_version(Store(incoming)))
    kept, unreadable = set_aside(store, store.path.with_name(f"{store.path.name}.{label}"))
    with Store(incoming).session() as session:
        session.execute("UPDATE meta SET value = ? WHERE key = 'data_version'", [str(max(versions) + 1)])
        session.execute("CHECKPOINT")
    os.replace(incoming, store.path)
    fsync_dir(store.path.parent)
    return kept, unreadable
