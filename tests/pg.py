"""The store contract on PostGIS: a throwaway database per test, copied from a template database.

`BINHAI_TEST_PG=postgresql://user@host:port/postgres` names a server (`.ci/run` and `make test` start
one on 127.0.0.1 when PostgreSQL is installed: see tests/pg_cluster.sh); with it, the fixtures
`empty_store` and `seeded_store` hand out PostGIS stores instead of DuckDB files, and the session runs
only the store-touching tests (see conftest's `pytest_collection_modifyitems`). PostgreSQL copies a
template database in ≈ 0.1 s, so every test still gets a store of its own.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit, urlunsplit

SERVER = os.environ.get("BINHAI_TEST_PG", "").strip()
_counter = itertools.count()


def enabled() -> bool:
    return bool(SERVER)


def url_of(database: str) -> str:
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as con:
        con.execute(sql)


def create_database(template: str | None = None) -> str:
    """A new database (from `template` when given); its name."""
    name = f"binhai_t{os.getpid()}_{next(_counter)}"
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name


def drop_database(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
