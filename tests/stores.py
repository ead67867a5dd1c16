"""What a test compares to say "the store is unchanged", on either backend."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import psycopg

from geo.store import Store, open_store
from tests import pg

# A write breaking a key, as each backend reports it.
CONSTRAINT_ERRORS = (duckdb.ConstraintException, psycopg.errors.IntegrityError)


def state(store: Store | Path) -> str:
    """A digest of everything the store holds: a DuckDB file's bytes, or every PostGIS table's rows."""
    if isinstance(store, Path):
        return hashlib.sha256(store.read_bytes()).hexdigest()
    if store.kind == "duckdb":
        return hashlib.sha256(store.path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    with store.session() as s:
        names = [r[0] for r in s.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]  # fmt: skip
        for name in names:
            rows = s.con.execute(
                f"SELECT md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) FROM \"{name}\" t"  # noqa: S608
            ).fetchone()
            digest.update(f"{name}:{rows[0]};".encode())
    return digest.hexdigest()


def db_env(store: Store) -> tuple[str, str]:
    """The environment variable (and value) that points the portal at `store`."""
    return ("BINHAI_DB_URL", store.location) if store.kind == "postgis" else ("BINHAI_DB", str(store.path))


def clone(store: Store, folder: Path) -> Store:
    """A copy of `store` (a file in `folder`, or a database made from it on the same server)."""
    if store.kind == "postgis":
        return open_store(pg.url_of(pg.create_database(template=store.name)))
    copy = Store(folder / f"copy-{store.path.name}")
    shutil.copy(store.path, copy.path)
    return copy
