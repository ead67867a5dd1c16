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
   way on both backends (`batch_digest`: each row's typed values hashed, the hashes summed so no
   sort is needed — floats by their bits, timestamps in microseconds, geometry as its WKB in hex,
   which DuckDB's ST_AsWKB and PostGIS's ST_AsBinary write alike (little-endian ISO WKB) — and the
   sum with the column names and kinds under SHA-256), and every sequence's last number.
   `CopyMismatch` on any difference;
4. only then one audit row `store.migrate` on the target (its own transaction, after the
   comparison: the copied audit chain is compared as it was in the source).

`_copy_store` is steps 1–3; only the declared write `migrate_store` calls it.
Reads and writes differ by backend only in how rows are streamed: typed Arrow batches on both,
from DuckDB's own Arrow export and into it by INSERT … SELECT, from and into PostgreSQL by
`COPY … TO/FROM STDIN` as CSV (parsed and written by pyarrow). Ten million rows took 1¾–2½ minutes
into PostGIS, verified, on 2 busy cores. The source is read in one snapshot (a DuckDB
file stays locked for the copy's duration, so nothing writes to it meanwhile).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.util import hash_pandas_object

from geo.errors import PortalError
from geo.permissions import Actor, writes
from geo.store import audit, migrations
from geo.store.db import Session, Store, quote_identifier

BATCH_ROWS = 50_000
MODULUS = 1 << 64
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


# -- reading: Arrow batches with one type per column kind, on either backend --------------------

# Each column kind's Arrow type in a batch; geometry (little-endian WKB) and BLOB/bytea travel as hex text.
ARROW_TYPES = {
    "geometry": pa.string(),
    "binary": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "other": pa.string(),
}


def _select(columns: list[Column], table: str, kind: str) -> str:
    """The table's rows with geometry as hex WKB and binary as hex (names from the catalogue, quoted)."""
    items = []
    for c in columns:
        name = quote_identifier(c.name)
        if kind == "postgis":
            item = {
                "geometry": f"encode(ST_AsBinary({name}), 'hex')",
                "binary": f"encode({name}, 'hex')",
                "other": f"{name}::text",
            }.get(c.kind, name)
        else:
            item = {
                "geometry": f"lower(hex(ST_AsWKB({name})))",
                "binary": f"lower(hex({name}))",
                "other": f"CAST({name} AS VARCHAR)",
            }.get(c.kind, name)
        items.append(f"{item} AS {name}")
    return f"SELECT {', '.join(items)} FROM {quote_identifier(table)}"  # noqa: S608 - names from the catalogue


class _Chunks(io.RawIOBase):
    """A file over the chunks COPY … TO STDOUT sends (what the CSV reader streams from)."""

    def __init__(self, chunks: Iterator[Any]):
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = bytes(chunk)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def _typed(batch: pa.RecordBatch, columns: list[Column]) -> pa.RecordBatch:
    arrays = [batch.column(i).cast(ARROW_TYPES[c.kind]) for i, c in enumerate(columns)]
    return pa.RecordBatch.from_arrays(arrays, names=[c.name for c in columns])


def _batches(session: Session, kind: str, table: str, columns: list[Column]) -> Iterator[pa.RecordBatch]:
    """The table's rows as typed Arrow batches, streamed (never the whole table in memory).

    DuckDB hands Arrow out itself; PostgreSQL streams `COPY (SELECT …) TO STDOUT` as CSV, which
    pyarrow parses with the column types given (NULL unquoted-empty, '' quoted, booleans t/f).
    """
    sql = _select(columns, table, kind)
    if kind != "postgis":
        reader = session.execute(sql).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            if batch.num_rows:
                yield _typed(batch, columns)
        return
    from pyarrow import csv

    with session.con.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as stream:
        chunks = iter(stream)
        first = next(chunks, None)
        if first is None:  # an empty table: nothing to parse
            return
        source = io.BufferedReader(_Chunks(itertools.chain([first], chunks)), 1 << 20)
        reader = csv.open_csv(
            source,
            read_options=csv.ReadOptions(column_names=[c.name for c in columns], use_threads=False, block_size=1 << 23),
            parse_options=csv.ParseOptions(newlines_in_values=True),
            convert_options=csv.ConvertOptions(
                column_types={c.name: ARROW_TYPES[c.kind] for c in columns},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
        for batch in reader:
            yield _typed(batch, columns)


def batch_digest(batch: pa.RecordBatch) -> int:
    """The sum (mod 2⁶⁴) of each row's 64-bit hash: independent of the order rows come in.

    Vectorised (pandas' `hash_pandas_object`: SipHash of each column's typed values, combined per
    row): floats by their bits, timestamps and dates as integers, text and hex WKB as UTF-8.
    """
    if not batch.num_rows:
        return 0
    arrays = []
    for column in batch.columns:
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64())
        elif pa.types.is_date(column.type):
            column = column.cast(pa.int32()).cast(pa.int64())
        arrays.append(column)
    frame = pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))]).to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    )
    return int(hash_pandas_object(frame, index=False).to_numpy().sum(dtype=np.uint64))


def _table_digest(columns: list[Column], total: int) -> str:
    header = hashlib.sha256(json.dumps([[c.name, c.kind] for c in columns]).encode()).digest()
    return hashlib.sha256(header + (total % MODULUS).to_bytes(8, "big")).hexdigest()


def fingerprint(
    store: Store, progress: Callable[[str], None] | None = None
) -> tuple[dict[str, tuple[int, str]], dict[str, int]]:
    """Every table's (rows, checksum) and every sequence's value, read from one snapshot."""
    with store.session() as session, _snapshot(session, store.kind):
        tables = catalogue(session)
        out = {}
        for name, columns in tables.items():
            count, total = 0, 0
            for batch in _batches(session, store.kind, name, columns):
                total += batch_digest(batch)
                count += batch.num_rows
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


def _write_batch(session: Session, kind: str, table: str, batch: pa.RecordBatch, columns: list[Column]) -> None:
    """Append one typed batch to the table, inside the caller's transaction."""
    names = ", ".join(quote_identifier(c.name) for c in columns)
    if kind == "postgis":
        from pyarrow import compute, csv

        arrays = list(batch.columns)
        for i, c in enumerate(columns):
            if c.kind == "binary":  # bytea's text form; geometry reads hex WKB as it is
                arrays[i] = compute.binary_join_element_wise("\\x", arrays[i], "")
        text = io.BytesIO()
        csv.write_csv(
            pa.RecordBatch.from_arrays(arrays, names=[c.name for c in columns]),
            text,
            csv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        with session.con.cursor() as cursor, cursor.copy(f"COPY {quote_identifier(table)} ({names}) FROM STDIN (FORMAT csv)") as copy:  # fmt: skip
            copy.write(text.getbuffer())
        return
    staged = f"_copy_{uuid.uuid4().hex[:12]}"
    session.register(staged, pa.Table.from_batches([batch]))
    try:
        items = []
        for c in columns:
            name = quote_identifier(c.name)
            items.append({"geometry": f"ST_GeomFromWKB(unhex({name}))", "binary": f"unhex({name})"}.get(c.kind, name))
        session.execute(f"INSERT INTO {quote_identifier(table)} ({names}) SELECT {', '.join(items)} FROM {staged}")  # noqa: S608
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
    """Whether the store holds anything beyond what a fresh migration writes (a file of other tables does)."""
    if not store.exists:
        return False
    with store.session() as session:
        tables = catalogue(session)
        if tables and "meta" not in tables:
            return True
        if tables and int(session.scalar("SELECT value FROM meta WHERE key = 'data_version'") or 0) > 0:
            return True
        for name in tables:
            if name not in MIGRATION_ROWS and session.scalar(f"SELECT count(*) FROM {quote_identifier(name)}"):  # noqa: S608
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


def _copy_store(
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
            writing.execute(f"DELETE FROM {quote_identifier(name)}")  # noqa: S608 - a name from the catalogue
        for name, columns in tables.items():
            count, total = 0, 0
            for batch in _batches(reading, source.kind, name, columns):
                _write_batch(writing, target.kind, name, batch, columns)
                total += batch_digest(batch)
                count += batch.num_rows
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
    """Copy `source` into `target` (see the module docstring): `CopyError` for a refusal (nothing
    written), `CopyMismatch` (with the report) when the written copy does not match.

    The target's audit log then gets a `store.migrate` row naming the source, and its data version
    moves past any it had before (so no page keeps a cached read of the replaced rows).
    """
    check(source, target, force)  # before the target is read at all: it may not be a store
    before = -1
    if target.exists:
        with target.session() as session:
            if "meta" in catalogue(session):
                before = int(session.scalar("SELECT value FROM meta WHERE key = 'data_version'") or 0)
    report = _copy_store(source, target, specs, force, progress)
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
