"""Every table of one store copied into another: DuckDB ↔ PostGIS (and DuckDB → DuckDB), verified.

`migrate_store(target, actor, source, specs)` is what `python -m layers migrate-store` runs:

1. refusals first, the target untouched: a missing source, the source itself as the target, a source
   at another schema version than this program's, a target that already holds data (unless `force`);
2. the target gets the same schema (`target.migrate(specs)`), then ONE transaction fills it: every
   base table the source's catalogue lists (nothing hard-coded, so a table a later issue adds is
   copied too), read from one snapshot of the source in batches; geometry as WKB, BLOB/bytea, dates,
   timestamps, NULLs and text as they are; `meta` (data version, audit head) and the sequences'
   values too. With `force` the target's rows are deleted in that same transaction first;
3. verified after the commit: per table the row count and a checksum computed in Python the same
   way on both backends (`row_digest`: canonical JSON of each row, SHA-256, summed mod 2²⁵⁶ so no
   sort is needed; floats by repr, timestamps ISO, geometry re-encoded as little-endian ISO WKB),
   and every sequence's value. `CopyError` on any mismatch;
4. only then one audit row `store.migrate` on the target (its own transaction, after the
   comparison: the copied audit chain is compared as it was in the source).

`copy_store` is steps 1–3 without the audit row (what the round-trip tests compare exactly).
Reads and writes differ by backend only in how rows are streamed (a server-side cursor and COPY on
PostgreSQL, Arrow batches on DuckDB); every statement else goes through the sessions.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import shapely

from geo.errors import PortalError
from geo.permissions import Actor, writes
from geo.store import audit, migrations
from geo.store.db import Session, Store
from geo.store.dialect import to_postgres

BATCH_ROWS = 50_000
MODULUS = 1 << 256
# Rows a fresh migration writes: a target holding only these (and data version 0) holds no data.
MIGRATION_ROWS = frozenset({"meta", "schema_version", "plan_periods"})


class CopyError(PortalError):
    """A store cannot be copied (a refusal: nothing was written)."""


class CopyMismatch(CopyError):
    """The copy was written but does not match its source (`report` says where)."""

    def __init__(self, zh: str, en: str, report: CopyReport):
        super().__init__(zh, en)
        self.report = report


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # geometry | binary | timestamp | date | float | int | bool | text | other


@dataclass
class TableCheck:
    """One table's rows and checksum in the source and in the target."""

    name: str
    source_rows: int
    source_digest: str
    target_rows: int = -1
    target_digest: str = ""

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_digest) == (self.target_rows, self.target_digest)


@dataclass
class CopyReport:
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    sequences: dict[str, tuple[int, int]] = field(default_factory=dict)  # name → (source, target)
    audit_seq: int | None = None  # the target's `store.migrate` row

    @property
    def rows(self) -> int:
        return sum(t.source_rows for t in self.tables)

    @property
    def mismatches(self) -> list[str]:
        bad = [t.name for t in self.tables if not t.ok]
        # A DuckDB target that handed out higher numbers before a --force copy keeps them: never reused.
        return bad + [f"sequence {n}" for n, (a, b) in self.sequences.items() if b < a]


# -- the catalogue ------------------------------------------------------------------------------

_KINDS = {
    "geometry": "geometry",
    "blob": "binary",
    "bytea": "binary",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
    "date": "date",
    "double": "float",
    "double precision": "float",
    "float": "float",
    "real": "float",
    "integer": "int",
    "bigint": "int",
    "smallint": "int",
    "boolean": "bool",
    "varchar": "text",
    "text": "text",
    "character varying": "text",
}


def _kind(data_type: str, udt_name: str | None) -> str:
    name = (udt_name if data_type.upper() == "USER-DEFINED" else data_type) or ""
    return _KINDS.get(name.lower(), "other")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def catalogue(session: Session) -> dict[str, list[Column]]:
    """Every base table of the store's schema and its columns in order (from the catalogue itself)."""
    rows = session.execute(
        "SELECT c.table_name, c.column_name, c.data_type, c.udt_name "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = 'main' AND t.table_schema = 'main' AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    tables: dict[str, list[Column]] = {}
    for table, column, data_type, udt_name in rows:
        tables.setdefault(table, []).append(Column(column, _kind(data_type, udt_name)))
    return tables


def sequences(session: Session, kind: str) -> dict[str, int]:
    """Each sequence of the store's schema and the last number it handed out (0: none yet).

    On DuckDB (whose `last_value` after a reopen is the next number, not the last) the next number
    is drawn and given back: call this inside a transaction that is rolled back (`_snapshot`).
    """
    if kind == "postgis":
        rows = session.con.execute(
            "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = current_schema()"
        ).fetchall()
        return {str(name): int(value) for name, value in rows}
    names = session.execute("SELECT sequence_name FROM duckdb_sequences() WHERE schema_name = 'main'").fetchall()
    # Names from the catalogue; the draw is undone with the transaction.
    return {str(name): int(session.scalar(f"SELECT nextval('{name}')")) - 1 for (name,) in names}  # noqa: S608


def _advance_sequence(session: Session, kind: str, name: str, value: int, current: int) -> None:
    """Make the sequence's last number `value` (a DuckDB sequence only moves forward: from `current`)."""
    if kind == "postgis":
        if value > 0:
            session.con.execute("SELECT setval(%s, %s, true)", [name, value])
        else:
            session.con.execute("SELECT setval(%s, 1, false)", [name])
    elif value > current:  # a name from the catalogue, a count as a bound parameter
        session.execute(f"SELECT max(nextval('{name}')) FROM range(?)", [value - current])  # noqa: S608


# -- reading, canonical digests -----------------------------------------------------------------


def _select(columns: list[Column], table: str) -> str:
    items = [f"ST_AsWKB({_quoted(c.name)})" if c.kind == "geometry" else _quoted(c.name) for c in columns]
    return f"SELECT {', '.join(items)} FROM {_quoted(table)}"  # noqa: S608 - names from the catalogue


def _batches(session: Session, kind: str, sql: str) -> Iterator[list[tuple]]:
    """The statement's rows in batches, never all in memory (a server-side cursor on PostgreSQL)."""
    if kind == "postgis":
        with session.con.cursor(name=f"copy_{uuid.uuid4().hex[:12]}") as cursor:
            cursor.itersize = BATCH_ROWS
            cursor.execute(to_postgres(sql).sql)
            while rows := cursor.fetchmany(BATCH_ROWS):
                yield rows
        return
    result = session.execute(sql)
    while rows := result.fetchmany(BATCH_ROWS):
        yield rows


def _wkb(values: list[Any]) -> list[bytes | None]:
    """Geometry as little-endian ISO WKB, however the backend wrote it (PostGIS and DuckDB agree then)."""
    present = [i for i, v in enumerate(values) if v is not None]
    out: list[bytes | None] = [None] * len(values)
    if present:
        shapes = shapely.from_wkb([bytes(values[i]) for i in present])
        for i, blob in zip(present, shapely.to_wkb(shapes, byte_order=1, include_srid=False), strict=True):
            out[i] = blob
    return out


def _normalised(columns: list[Column], rows: list[tuple]) -> list[tuple]:
    """Rows with geometry re-encoded and memoryviews as bytes: what is written and what is hashed."""
    geometry = [i for i, c in enumerate(columns) if c.kind == "geometry"]
    binary = [i for i, c in enumerate(columns) if c.kind == "binary"]
    if not geometry and not binary:
        return rows
    listed = [list(r) for r in rows]
    for i in geometry:
        for row, blob in zip(listed, _wkb([r[i] for r in rows]), strict=True):
            row[i] = blob
    for i in binary:
        for row in listed:
            if row[i] is not None:
                row[i] = bytes(row[i])
    return [tuple(r) for r in listed]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)  # shortest round-trip text: both backends hand back the same double
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return str(value)


def row_digest(row: Sequence[Any]) -> int:
    """SHA-256 of one normalised row's canonical JSON, as an integer (summed per table: order-free)."""
    text = json.dumps([_plain(v) for v in row], ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def _table_digest(columns: list[Column], total: int) -> str:
    header = hashlib.sha256(json.dumps([[c.name, c.kind] for c in columns]).encode()).digest()
    return hashlib.sha256(header + (total % MODULUS).to_bytes(32, "big")).hexdigest()


def fingerprint(
    store: Store, progress: Callable[[str], None] | None = None
) -> tuple[dict[str, tuple[int, str]], dict[str, int]]:
    """Every table's (rows, checksum) and every sequence's value, read from one snapshot."""
    with store.session() as session, _snapshot(session, store.kind):
        tables = catalogue(session)
        out = {}
        for name, columns in tables.items():
            count, total = 0, 0
            for rows in _batches(session, store.kind, _select(columns, name)):
                for row in _normalised(columns, rows):
                    total += row_digest(row)
                count += len(rows)
            out[name] = (count, _table_digest(columns, total))
            if progress:
                progress(f"  校验 / checked {name}: {count:,}")
        return out, sequences(session, store.kind)


class _snapshot:
    """One read-only snapshot of the store for a whole read (every table as of one moment)."""

    def __init__(self, session: Session, kind: str):
        self.session, self.kind = session, kind

    def __enter__(self) -> None:
        if self.kind == "postgis":  # no writer lock: reading never waits for, nor holds up, an editor
            self.session.con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        else:
            self.session.execute("BEGIN TRANSACTION")

    def __exit__(self, *exc: object) -> None:
        if self.kind == "postgis":
            self.session.con.execute("ROLLBACK")
        else:
            self.session.execute("ROLLBACK")


# -- writing ------------------------------------------------------------------------------------

_ARROW = {
    "geometry": pa.binary(),
    "binary": pa.binary(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "text": pa.string(),
}


def _write_batch(session: Session, kind: str, table: str, columns: list[Column], rows: list[tuple]) -> None:
    names = ", ".join(_quoted(c.name) for c in columns)
    if kind == "postgis":
        geometry = [i for i, c in enumerate(columns) if c.kind == "geometry"]
        with (
            session.con.cursor() as cursor,
            cursor.copy(f"COPY {_quoted(table)} ({names}) FROM STDIN") as copy,  # names from the catalogue
        ):
            for row in rows:
                if geometry:
                    row = list(row)
                    for i in geometry:
                        if row[i] is not None:
                            row[i] = row[i].hex()  # PostGIS reads hex WKB as geometry text
                copy.write_row(row)
        return
    arrays = []
    for i, c in enumerate(columns):
        values = [r[i] for r in rows]
        arrays.append(pa.array(values, type=_ARROW[c.kind]) if c.kind in _ARROW else pa.array(values))
    staged = f"_copy_{uuid.uuid4().hex[:12]}"
    session.register(staged, pa.Table.from_arrays(arrays, names=[c.name for c in columns]))
    try:
        items = ", ".join(
            f"ST_GeomFromWKB({_quoted(c.name)})" if c.kind == "geometry" else _quoted(c.name) for c in columns
        )
        session.execute(f"INSERT INTO {_quoted(table)} ({names}) SELECT {items} FROM {staged}")  # noqa: S608
    finally:
        session.unregister(staged)


# -- the copy -----------------------------------------------------------------------------------


def _same_store(a: Store, b: Store) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "duckdb":
        return a.path.resolve() == b.path.resolve()
    return a.location == b.location


def _applied(session: Session) -> set[int]:
    if not migrations.current_version(session):
        return set()
    return {int(v) for (v,) in session.execute("SELECT version FROM schema_version").fetchall()}


def holds_data(store: Store) -> bool:
    """Whether the store holds anything beyond what a fresh migration writes."""
    if not store.exists:
        return False
    with store.session() as session:
        if int(session.scalar("SELECT value FROM meta WHERE key = 'data_version'") or 0) > 0:
            return True
        for name in catalogue(session):
            if name not in MIGRATION_ROWS and session.scalar(f"SELECT count(*) FROM {_quoted(name)}"):  # noqa: S608
                return True
    return False


def check(source: Store, target: Store, force: bool = False) -> None:
    """The refusals, before anything is written (`CopyError`, bilingual)."""
    if _same_store(source, target):
        raise CopyError(
            f"源与目标是同一个数据库 {source.label}", f"the source and the target are the same store: {source.label}"
        )
    if not source.exists:
        raise CopyError(f"源数据库 {source.label} 不存在", f"the source store {source.label} does not exist")
    with source.session() as session:
        applied = _applied(session)
    wanted = {number for number, _, _ in migrations.MIGRATIONS}
    if applied - wanted:
        raise CopyError(
            f"源数据库 {source.label} 来自更新的版本（架构版本 {max(applied)} > {migrations.LATEST}），请先升级本程序",
            f"the source {source.label} comes from a newer version (schema {max(applied)} > {migrations.LATEST}); "
            "upgrade this program first",
        )
    if wanted - applied:
        missing = ", ".join(str(n) for n in sorted(wanted - applied))
        raise CopyError(
            f"源数据库 {source.label} 的架构版本较旧（缺迁移 {missing}）：请先升级它，"
            f"例如 python -m layers user list --db {source.location}，再复制",
            f"the source {source.label} is at an older schema version (missing migrations {missing}): migrate it "
            f"first, e.g. python -m layers user list --db {source.location}, then copy",
        )
    if not force and holds_data(target):
        raise CopyError(
            f"目标数据库 {target.label} 已有数据；复制会替换其全部内容，确认请加 --force",
            f"the target store {target.label} already holds data; the copy replaces all of it: add --force to confirm",
        )


def copy_store(
    source: Store,
    target: Store,
    specs: Sequence[Any] = (),
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CopyReport:
    """Steps 1–3 of the module docstring: refuse, copy in one transaction, verify. No audit row."""
    say = progress or (lambda _text: None)
    check(source, target, force)
    target.migrate(specs)
    report = CopyReport(source.label, target.label)
    with target.session() as session, _snapshot(session, target.kind):
        target_at = sequences(session, target.kind)
    source_sums: dict[str, tuple[int, str]] = {}
    with (
        source.session() as reading,
        _snapshot(reading, source.kind),
        target.transaction(bump_version=False) as writing,
    ):
        tables = catalogue(reading)
        present = catalogue(writing)
        missing = [t for t in tables if t not in present]
        missing += [
            f"{t}.{c.name}"
            for t, cols in tables.items()
            if t in present
            for c in cols
            if c.name not in {p.name for p in present[t]}
        ]
        if missing:
            raise CopyError(
                f"目标数据库缺少源中的表或列：{', '.join(missing)}",
                f"the target lacks tables or columns of the source: {', '.join(missing)}",
            )
        for name in present:  # emptied first: only the source's rows are left (one transaction)
            writing.execute(f"DELETE FROM {_quoted(name)}")  # noqa: S608 - a name from the catalogue
        for name, columns in tables.items():
            count, total = 0, 0
            for rows in _batches(reading, source.kind, _select(columns, name)):
                rows = _normalised(columns, rows)
                _write_batch(writing, target.kind, name, columns, rows)
                total += sum(row_digest(r) for r in rows)
                count += len(rows)
                if count >= BATCH_ROWS:
                    say(f"  {name}: {count:,}")
            source_sums[name] = (count, _table_digest(columns, total))
            say(f"复制 / copied {name}: {count:,}")
        source_sequences = sequences(reading, source.kind)
        for name, value in source_sequences.items():
            _advance_sequence(writing, target.kind, name, value, target_at.get(name, 0))
    say("校验目标 / verifying the target …")
    target_sums, target_sequences = fingerprint(target)
    for name, (rows, digest) in source_sums.items():
        got_rows, got_digest = target_sums.get(name, (-1, ""))
        report.tables.append(TableCheck(name, rows, digest, got_rows, got_digest))
    for name, (rows, digest) in target_sums.items():
        if name not in source_sums:  # a table only the target's registry has: it must be empty
            report.tables.append(TableCheck(name, 0, digest if rows == 0 else "", rows, digest))
    for name, value in source_sequences.items():
        report.sequences[name] = (value, target_sequences.get(name, -1))
    report.tables.sort(key=lambda t: t.name)
    return report


@writes("store.migrate", "admin")
def migrate_store(
    target: Store,
    actor: Actor,
    source: Store,
    specs: Sequence[Any] = (),
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> CopyReport:
    """Copy `source` into `target` (see the module docstring); `CopyError` when the copy does not match.

    The target's audit log then gets a `store.migrate` row naming the source, and its data version
    moves past any it had before (so no page keeps a cached read of the replaced rows).
    """
    before = target.data_version() if target.exists else -1
    report = copy_store(source, target, specs, force, progress)
    if report.mismatches:
        raise CopyMismatch(
            f"复制结果与源不一致：{', '.join(report.mismatches)}",
            f"the copy does not match the source: {', '.join(report.mismatches)}",
            report,
        )
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    with target.transaction() as session:
        copied = int(session.scalar("SELECT value FROM meta WHERE key = 'data_version'"))
        if before >= copied:
            session.execute("UPDATE meta SET value = ? WHERE key = 'data_version'", [str(before)])
        after = {"from": source.label, "kind": source.kind, "tables": len(report.tables), "rows": report.rows}
        report.audit_seq = audit.record(session, actor, "store.migrate", "store", target.name, None, after, now=moment)
    return report
