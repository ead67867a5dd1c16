"""The store on PostgreSQL + PostGIS: the same `Store` / `Session` surface as the DuckDB file.

Selected by `BINHAI_DB_URL=postgresql://…` (see `geo.store.open_store`). The portal's tables live in
one schema (`main` by default, the name DuckDB gives its own), with PostGIS in `public`; statements
are the project's DuckDB SQL translated once per text by `geo.store.dialect`, with bound parameters.

Writers take one transaction-scoped advisory lock first, so writes are serialised as they are on a
DuckDB file: a single-feature edit's version check sees every write committed before it, and the
audit log's hash chain is appended by one writer at a time. Readers never wait for it.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.config import DB_URL_SCHEMES, SettingsError
from geo.errors import StoreBusyError
from geo.store.db import Params, Session, Store, quote_identifier
from geo.store.dialect import to_postgres

WRITER_LOCK = 0x62696E68  # "binh": the one advisory lock every write transaction holds
MIGRATION_LOCK = WRITER_LOCK + 1  # held by the one process bringing the schema up to date
SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(DB_URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password (what messages and logs may show)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _pg_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    sample = next((v for v in series if v is not None and not (isinstance(v, float) and np.isnan(v))), None)
    if isinstance(sample, bytes | bytearray | memoryview):
        return "BYTEA"
    if isinstance(sample, bool | np.bool_):
        return "BOOLEAN"
    if isinstance(sample, int | np.integer):
        return "BIGINT"
    if isinstance(sample, float | np.floating | Decimal):
        return "DOUBLE PRECISION"
    if isinstance(sample, datetime | pd.Timestamp):
        return "TIMESTAMP"
    if isinstance(sample, date):
        return "DATE"
    if isinstance(sample, list | tuple | np.ndarray):
        return "TEXT[]"
    return "TEXT"


def _cell(value: Any) -> Any:
    """A frame's cell as psycopg copies it (missing → None, numpy scalars → Python)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        return [_cell(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_cell(v) for v in value]
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


class PgResult:
    """What a statement returns, with the DuckDB result's reading methods the project uses."""

    def __init__(self, cursor: Any):
        self.cursor = cursor
        self.description = cursor.description

    @property
    def columns(self) -> list[str]:
        return [d.name for d in self.description or ()]

    def fetchone(self) -> tuple | None:
        if self.description is None:  # INSERT/UPDATE/DELETE: DuckDB answers with the row count
            return (self.cursor.rowcount,)
        return self.cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        if self.description is None:
            return [(self.cursor.rowcount,)]
        return self.cursor.fetchall()

    def _records(self) -> pd.DataFrame:
        rows = self.cursor.fetchall() if self.description is not None else []
        return pd.DataFrame.from_records(rows, columns=self.columns)

    def df(self) -> pd.DataFrame:
        frame = self._records()
        for name, desc in zip(self.columns, self.description or (), strict=True):
            if desc.type_code in _DATE_OIDS and len(frame):  # DuckDB's df() gives DATE as datetime64
                frame[name] = pd.to_datetime(frame[name])
        return frame

    def arrow(self) -> PgResult:
        return self

    def read_all(self) -> pa.Table:
        """An Arrow table, as DuckDB's `.arrow().read_all()` (DATE stays a date, as Arrow's date32)."""
        return pa.Table.from_pandas(self._records(), preserve_index=False)


_DATE_OIDS = {1082}  # date


class PgSession(Session):
    """One PostgreSQL connection for one unit of work; statements translated from DuckDB SQL."""

    backend = "postgis"

    def __init__(self, con: Any, store: PgStore):
        super().__init__(con)
        self.store = store
        self.spatial_loaded = True  # PostGIS is always there

    def load_spatial(self) -> None:
        return None

    def execute(self, sql: str, params: Params = None) -> PgResult:  # type: ignore[override]
        translated = to_postgres(sql)
        cursor = self.con.cursor()
        cursor.execute(translated.sql, translated.bind(params))
        if translated.sql.upper().startswith("BEGIN"):
            self._queue_as_writer(cursor)
        return PgResult(cursor)

    def executemany(self, sql: str, rows: Any) -> None:  # type: ignore[override]
        translated = to_postgres(sql)
        with self.con.cursor() as cursor:
            cursor.executemany(translated.sql, [translated.bind(row) for row in rows])

    def _queue_as_writer(self, cursor: Any) -> None:
        """Every write transaction queues here: writes are serialised as on a DuckDB file.

        A writer waits at most the store's `writer_wait_s` (a long import elsewhere), then gets `StoreBusyError`.
        """
        import psycopg

        cursor.execute(f"SET LOCAL lock_timeout = '{int(self.store.writer_wait_s * 1000)}ms'")
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
        except psycopg.errors.LockNotAvailable as exc:
            self.con.execute("ROLLBACK")
            raise StoreBusyError(
                f"数据库 {self.store.label} 正被另一个进程写入，请稍后再试",
                f"database {self.store.label} is being written by another process; try again shortly",
            ) from exc

    def register(self, name: str, frame: Any) -> None:
        """A temporary table `name` holding the frame's rows (COPY), for INSERT … SELECT."""
        if isinstance(frame, pa.Table):
            frame = frame.to_pandas()
        columns = [str(c) for c in frame.columns]
        ddl = ", ".join(f"{quote_identifier(c)} {_pg_type(frame[c])}" for c in columns)
        table = quote_identifier(name)
        with self.con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
            cur.execute(f"CREATE TEMPORARY TABLE {table} ({ddl})")
            quoted = ", ".join(quote_identifier(c) for c in columns)
            with cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in frame.itertuples(index=False, name=None):
                    copy.write_row([_cell(v) for v in row])

    def unregister(self, name: str) -> None:
        from psycopg.pq import TransactionStatus

        if self.con.info.transaction_status == TransactionStatus.INERROR:
            return  # the failed statement's error is what counts; the rollback removes the table
        with self.con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{quote_identifier(name)}")


class PgStore(Store):
    """A PostgreSQL database (one schema of it) with PostGIS, the same migrations and data version."""

    lock_wait_s = 5.0  # for a free connection slot
    writer_wait_s = 30.0  # for the writer lock: another write transaction (a long import) holds it

    def __init__(self, url: str, schema: str = "main"):
        if not is_postgres_url(url):
            raise SettingsError(f"不是 PostgreSQL 地址: {redact(url)}", f"not a PostgreSQL URL: {redact(url)}")
        if not SCHEMA.match(schema):
            raise SettingsError(f"模式名不合法: {schema}", f"invalid schema name: {schema}")
        self.url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.schema = schema
        self.path = None  # type: ignore[assignment] - no file: see `location`

    def __repr__(self) -> str:
        return f"PgStore({redact(self.url)!r}, schema={self.schema!r})"

    @property
    def location(self) -> str:
        suffix = "" if self.schema == "main" else f"#{self.schema}"
        return self.url + suffix

    @property
    def label(self) -> str:
        return redact(self.url) + ("" if self.schema == "main" else f" ({self.schema})")

    @property
    def name(self) -> str:
        """The database (and schema when not `main`) for the audit log."""
        database = urlsplit(self.url).path.lstrip("/") or "postgres"
        return database if self.schema == "main" else f"{database}.{self.schema}"

    @property
    def kind(self) -> str:
        return "postgis"

    def _connect(self) -> Any:
        import psycopg
        from psycopg.types.numeric import FloatLoader

        deadline = time.monotonic() + self.lock_wait_s
        while True:
            try:
                con = psycopg.connect(
                    self.url, autocommit=True, options=f"-c search_path={self.schema},public", connect_timeout=5
                )
                break
            except psycopg.OperationalError as exc:
                full = "too many" in str(exc).lower()  # every connection slot taken: wait for one
                if full and time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                if full:
                    raise StoreBusyError(
                        f"数据库 {self.label} 连接已满，请稍后再试", f"database {self.label} is busy; try again shortly"
                    ) from exc
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise SettingsError(
                    f"无法连接数据库 {self.label}: {reason}", f"cannot connect to the database {self.label}: {reason}"
                ) from exc
        con.adapters.register_loader("numeric", FloatLoader)  # sums and averages as floats, as DuckDB gives
        return con

    def _wrap(self, con: Any) -> PgSession:
        return PgSession(con, self)

    @property
    def exists(self) -> bool:
        """Whether the schema holds a portal store (its `meta` table).

        A server that cannot be reached is not an absent store: that raises `SettingsError` naming it.
        """
        with self.session() as s:
            found = s.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'meta'",
                [self.schema],
            )
        return bool(found)

    def migrate(self, specs: Any = ()) -> int:
        """As for a DuckDB file; several instances starting at once migrate one after the other.

        The first creates PostGIS (if the role may), the schema and the tables; the others wait on a
        session lock, then find nothing left to do.
        """
        with self.session() as guard:
            guard.con.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
            try:
                guard.con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                guard.con.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
                return super().migrate(specs)
            finally:
                guard.con.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])

    def files(self) -> list[Path]:
        """No file of a PostGIS store can be overwritten by an export."""
        return []

    def sibling(self, schema: str) -> PgStore:
        """Another schema of the same database (a store built beside this one, then swapped in)."""
        return PgStore(self.url, schema)

    def replace_with(self, fresh: PgStore, label: str) -> str:
        """Swap `fresh` (a sibling schema) in as this store in one transaction; the old one is kept as `<schema>_<label>`.

        DDL is transactional on PostgreSQL: readers see the old store or the new one, never half of each.
        """
        kept = f"{self.schema}_{label}"[:63]
        if not SCHEMA.match(kept):
            raise SettingsError(f"模式名不合法: {kept}", f"invalid schema name: {kept}")
        with self.session() as s:
            s.con.execute("BEGIN")
            s.con.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
            # Above both stores' versions: no page keeps a cached read of the old store under a number
            # the new one happens to share.
            versions = [
                int(s.con.execute(f"SELECT value FROM {schema}.meta WHERE key = 'data_version'").fetchone()[0])  # noqa: S608
                for schema in (self.schema, fresh.schema)
            ]
            s.con.execute(
                f"UPDATE {fresh.schema}.meta SET value = %s WHERE key = 'data_version'",  # noqa: S608
                [str(max(versions) + 1)],
            )
            s.con.execute(f"ALTER SCHEMA {self.schema} RENAME TO {kept}")
            s.con.execute(f"ALTER SCHEMA {fresh.schema} RENAME TO {self.schema}")
            s.con.execute("COMMIT")
        return kept

    def drop(self) -> None:
        """Remove this store's schema and everything in it (a leftover of a failed build)."""
        with self.session() as s:
            s.con.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def tables(self) -> set[str]:
        if not self.exists:
            return set()
        df = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [self.schema])
        return set(df["table_name"])
