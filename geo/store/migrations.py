"""Forward-only schema migrations. Append a new (version, description, steps) entry; never edit one.

A step is an SQL statement or a function of the session (for data that must be computed, such as a
derived table filled from the layers a store already holds).

Layer tables are not here: each LayerSpec creates its own table (CREATE TABLE IF NOT EXISTS), so a new
layer needs only its file in layers/. Changing an existing layer's columns needs a migration here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from geo.config import SettingsError
from geo.store import membership

Step = str | Callable[[Any], Any]

MIGRATIONS: list[tuple[int, str, list[Step]]] = [
    (
        1,
        "core tables: meta, statistics, targets, water samples, import log",
        [
            "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
            "INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT DO NOTHING",
            """CREATE TABLE IF NOT EXISTS statistics (
                entity_id VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                indicator VARCHAR NOT NULL,
                value DOUBLE,
                unit VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                PRIMARY KEY (entity_id, year, indicator))""",
            """CREATE TABLE IF NOT EXISTS targets (
                entity_id VARCHAR NOT NULL,
                level VARCHAR NOT NULL,
                indicator VARCHAR NOT NULL,
                baseline_year INTEGER NOT NULL,
                baseline_value DOUBLE,
                target_year INTEGER NOT NULL,
                target_value DOUBLE NOT NULL,
                unit VARCHAR NOT NULL,
                source VARCHAR NOT NULL,
                PRIMARY KEY (entity_id, indicator, target_year))""",
            """CREATE TABLE IF NOT EXISTS water_samples (
                water_body_id VARCHAR NOT NULL,
                sampled_on DATE NOT NULL,
                point_no INTEGER NOT NULL,
                transparency_cm DOUBLE,
                dissolved_oxygen_mg_l DOUBLE,
                orp_mv DOUBLE,
                nh3n_mg_l DOUBLE,
                source VARCHAR NOT NULL,
                PRIMARY KEY (water_body_id, sampled_on, point_no))""",
            "CREATE SEQUENCE IF NOT EXISTS import_log_seq",
            """CREATE TABLE IF NOT EXISTS import_log (
                id BIGINT PRIMARY KEY DEFAULT nextval('import_log_seq'),
                layer VARCHAR NOT NULL,
                mode VARCHAR NOT NULL,
                source_name VARCHAR NOT NULL,
                features INTEGER NOT NULL,
                imported_at TIMESTAMP NOT NULL)""",
        ],
    ),
    (
        2,
        "users with roles (PBKDF2 password hashes)",
        [
            """CREATE TABLE IF NOT EXISTS users (
                username VARCHAR PRIMARY KEY,
                password_hash VARCHAR NOT NULL,
                role VARCHAR NOT NULL,
                display_name VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL)""",
        ],
    ),
    (
        3,
        "park_units: which park lies in which district / 开发区 / 街镇, kept in step with the layers",
        [membership.DDL, membership.refresh],
    ),
]

LATEST = MIGRATIONS[-1][0]


def current_version(session: Any) -> int:
    """The store's schema version (0 for a file no migration has touched)."""
    exists = session.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'")
    if not exists:
        return 0
    return int(session.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))


def apply(session: Any, now: datetime) -> int:
    """Run every migration newer than the store's version, each in its own transaction.

    Refuses (`SettingsError`) a DuckDB file that holds tables but was never a portal store: its
    owner's data is not ours to add tables to.
    """
    if current_version(session) == 0:
        foreign = session.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name <> 'schema_version'"
        )
        if foreign:
            raise SettingsError(
                "该 DuckDB 文件含有其他数据表，不是本门户的数据库，已拒绝改动",
                "this DuckDB file holds other tables and is not a store of this portal; it was left unchanged",
            )
    session.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    version = current_version(session)
    for number, description, statements in MIGRATIONS:
        if number <= version:
            continue
        session.execute("BEGIN TRANSACTION")
        try:
            for step in statements:
                if callable(step):
                    step(session)
                else:
                    session.execute(step)
            session.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [number, description, now])
            session.execute("COMMIT")
        except BaseException:
            session.execute("ROLLBACK")
            raise
        version = number
    return version
