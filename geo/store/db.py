"""The one place that opens DuckDB, loads the spatial extension and runs bound-parameter SQL.

Connections are short-lived (one per unit of work) so the portal, the CLI and a backup can take
turns on the same file; a later PostGIS backend implements the same `Store` surface.

Opening the file costs ≈ 15 ms; loading the spatial extension into it ≈ 200 ms more. The GEOMETRY
type, ST_GeomFromWKB, ST_AsWKB and ST_AsText are in DuckDB's core, so a session loads spatial only
before the first statement that calls another ST_ function (or when asked to): the data-version
check on every page rerun and the indicator queries never pay for it.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from geo.config import SettingsError, check_store_path
from geo.errors import StoreBusyError
from geo.outfile import store_files
from geo.store import migrations

STORE_PATH_SOURCE = "BINHAI_DB / --db"

# The sessions this thread's `Store.reading()` blocks hold, by store location.
_held = threading.local()


def _transient(exc: duckdb.Error) -> bool:
    """An open that succeeds when tried again: a lock held elsewhere, or a file handle being released."""
    text = str(exc).lower()
    return "lock" in text or "unique file handle conflict" in text


def _cannot_open(path: Path, exc: Exception) -> SettingsError:
    reason = getattr(exc, "strerror", None) or str(exc)
    return SettingsError(f"无法打开或创建数据库 {path}: {reason}", f"cannot open or create the store {path}: {reason}")


Params = Sequence[Any] | dict[str, Any] | None

# ST_ functions DuckDB 1.5 has without the extension; any other ST_ call loads spatial first.
CORE_GEOMETRY_FUNCTIONS = frozenset({"st_geomfromwkb", "st_aswkb", "st_astext"})
_ST_CALL = re.compile(r"\b(ST_\w+)\s*\(", re.IGNORECASE)


def quote_identifier(name: str) -> str:
    """A table or column name from the catalogue as a quoted SQL identifier (never a user's text)."""
    return '"' + name.replace('"', '""') + '"'


def needs_spatial(sql: str) -> bool:
    """Whether a statement calls an ST_ function that only the spatial extension provides."""
    return any(name.lower() not in CORE_GEOMETRY_FUNCTIONS for name in _ST_CALL.findall(sql))


@cache
def spatial_extension_path() -> str:
    """Path of the spatial extension shipped in the duckdb-extension-spatial wheel (no network)."""
    import duckdb_extension_spatial

    root = Path(duckdb_extension_spatial.__file__).parent
    wanted = root / "extensions" / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if wanted.exists():
        return str(wanted)
    found = sorted(root.rglob("spatial.duckdb_extension"))
    if not found:
        raise RuntimeError(
            "找不到 DuckDB 空间扩展文件，请安装 duckdb-extension-spatial / "
            "spatial extension file not found: pip install duckdb-extension-spatial"
        )
    raise RuntimeError(
        f"空间扩展版本与 duckdb {duckdb.__version__} 不匹配 / spatial extension version does not match "
        f"duckdb {duckdb.__version__}: found {[str(p) for p in found]}"
    )


class Session:
    """One connection for one unit of work; every statement goes through `execute` with bound params."""

    backend = "duckdb"  # "postgis" for geo.store.postgis.PgSession: what a migration step may ask

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.spatial_loaded = False
        self.in_transaction = False
        self._before_commit: dict[str, Callable[[Session], Any]] = {}

    def before_commit(self, key: str, step: Callable[[Session], Any]) -> None:
        """Run `step(session)` once before this transaction commits, however often it is asked for.

        Derived tables use it: a transaction that writes several of their sources recomputes them
        once. Outside a transaction the step runs at once.
        """
        if self.in_transaction:
            self._before_commit[key] = step
        else:
            step(self)

    def load_spatial(self) -> None:
        """Load the spatial extension into this connection (once; also inside a transaction)."""
        if not self.spatial_loaded:
            self.con.load_extension(spatial_extension_path())
            self.spatial_loaded = True

    def execute(self, sql: str, params: Params = None) -> duckdb.DuckDBPyConnection:
        if not self.spatial_loaded and needs_spatial(sql):
            self.load_spatial()
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each row of bound parameters."""
        if not self.spatial_loaded and needs_spatial(sql):
            self.load_spatial()
        self.con.executemany(sql, rows)

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        return self.execute(sql, params).df()

    def scalar(self, sql: str, params: Params = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def register(self, name: str, frame: Any) -> None:
        """Expose a DataFrame/Arrow table as a relation for INSERT … SELECT (data, not SQL text)."""
        self.con.register(name, frame)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)


class Store:
    """A DuckDB file with the spatial extension, schema migrations and a data version counter."""

    lock_wait_s = 5.0

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def location(self) -> str:
        """What `geo.store.open_store` opens again (a file path here; a URL for PostGIS): a cache key."""
        return str(self.path)

    @property
    def label(self) -> str:
        """How messages name the store (never a password)."""
        return str(self.path)

    @property
    def name(self) -> str:
        """A short name of the store for the audit log (the file's name)."""
        return self.path.name

    def files(self) -> list[Path]:
        """The files a writer must never overwrite: the store, its WAL and the stores kept beside it."""
        return store_files(self.path)

    @property
    def kind(self) -> str:
        return "duckdb"

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        check_store_path(self.path, STORE_PATH_SOURCE)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_open(self.path, exc) from exc
        deadline = time.monotonic() + self.lock_wait_s
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except (duckdb.IOException, duckdb.BinderException) as exc:
                # Another process's lock, or this process's last connection to the file still closing
                # on another thread ("Unique file handle conflict"): both pass; anything else does not.
                if not _transient(exc):
                    raise _cannot_open(self.path, exc) from exc
                if time.monotonic() > deadline:
                    raise StoreBusyError(
                        f"数据库 {self.path} 正被另一个进程写入，请稍后再试",
                        f"database {self.path} is being written by another process; try again shortly",
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:  # a damaged file or one from an incompatible DuckDB version
                raise _cannot_open(self.path, exc) from exc
        con.execute("SET enable_progress_bar = false")  # long imports must not draw on the CLI's stderr
        return con

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A connection for reads (or autocommitted single statements); closed on exit.

        Always read-write: DuckDB refuses two configurations of one file in a process, and the
        connection is closed at once so other processes get their turn. Inside `reading()` on this
        thread, the block's session is handed out again instead.
        """
        held = getattr(_held, "sessions", {}).get(self.location)
        if held is not None:
            yield held
            return
        with self._own_session() as s:
            yield s

    @contextlib.contextmanager
    def _own_session(self) -> Iterator[Session]:
        con = self._connect()
        try:
            yield self._wrap(con)
        finally:
            con.close()

    def _wrap(self, con: Any) -> Session:
        return Session(con)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One connection for every read of this store inside the block, on this thread.

        For a unit of reads made of many small queries (a park's panel: nine of them, each paying
        for a connection of its own otherwise — ≈ 30 ms each on a large file). Writes
        (`transaction`) still open their own connection; nested blocks share the outer one. Keep the
        block short: while it is open, another process cannot open a DuckDB file.
        """
        sessions = _held.__dict__.setdefault("sessions", {})
        if self.location in sessions:
            yield
            return
        with self._own_session() as s:
            sessions[self.location] = s
            try:
                yield
            finally:
                del sessions[self.location]

    @contextlib.contextmanager
    def transaction(self, bump_version: bool = True) -> Iterator[Session]:
        """All-or-nothing writes: commit on success, roll back on any exception.

        Bumps `data_version` (the pages' cache key) unless `bump_version` is False — for bookkeeping
        that no page shows (login throttling), so it does not empty every cache.
        """
        with self._own_session() as s:  # never a `reading()` block's connection
            s.execute("BEGIN TRANSACTION")
            s.in_transaction = True
            try:
                yield s
                for step in s._before_commit.values():
                    step(s)
                if bump_version:
                    s.execute(
                        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'"
                    )
                s.execute("COMMIT")
            except BaseException:
                s.execute("ROLLBACK")
                raise

    # -- conveniences for one-statement reads ---------------------------------------------------
    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        with self.session() as s:
            return s.query(sql, params)

    def scalar(self, sql: str, params: Params = None) -> Any:
        with self.session() as s:
            return s.scalar(sql, params)

    def migrate(self, specs: Sequence[Any] = ()) -> int:
        """Apply pending migrations and create tables for registered layers; returns schema version."""
        with self.session() as s:
            version = migrations.apply(s, now=datetime.now(UTC).replace(tzinfo=None))
            for spec in specs:
                s.execute(spec.ddl())
                s.execute(spec.history_ddl())
            return version

    def data_version(self) -> int:
        """A counter bumped by every committed write: a cheap cache key for readers."""
        if not self.exists:
            return -1
        return int(self.scalar("SELECT value FROM meta WHERE key = 'data_version'"))

    def tables(self) -> set[str]:
        if not self.exists:
            return set()
        df = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")
        return set(df["table_name"])
