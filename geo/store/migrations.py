"""Forward-only schema migrations. Append a new (version, description, steps) entry; never edit one.

A step is an SQL statement or a function of the session (for data that must be computed, such as a
derived table filled from the layers a store already holds).

Layer tables are not here: each LayerSpec creates its own table (CREATE TABLE IF NOT EXISTS), so a new
layer needs only its file in layers/. Changing an existing layer's columns needs a migration here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from geo.config import SettingsError
from geo.permissions import LEGACY_ROLES
from geo.store import audit, facility_tables, history, membership
from geo.store import water as water_tables

Step = str | Callable[[Any], Any]

# When rows written before history existed took effect: unknown, so "always" (an as-of read keeps them).
BEFORE_HISTORY = "1970-01-01"


def _columns(session: Any, table: str) -> list[str]:
    return [
        r[0]
        for r in session.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?", [table]
        ).fetchall()
    ]


def _users_with_several_roles(session: Any) -> None:
    """users.role → user_roles (water_bureau → water_editor, official → viewer); disabled, email, updated_at.

    Every existing user keeps their password hash, so they log in as before (PBKDF2 hashes are
    upgraded to argon2id at the next good login). The table is rebuilt rather than altered: DuckDB
    cannot commit several ALTERs of a keyed table next to the role copy in one transaction.
    """
    if "role" not in _columns(session, "users"):
        return
    legacy = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in LEGACY_ROLES.items())
    session.execute(
        f"INSERT INTO user_roles SELECT username, CASE role {legacy} ELSE role END FROM users "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    session.execute(
        """CREATE TABLE users_v4 (
            username VARCHAR PRIMARY KEY,
            password_hash VARCHAR NOT NULL,
            display_name VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP,
            disabled BOOLEAN NOT NULL DEFAULT false,
            email VARCHAR)"""
    )
    session.execute(
        "INSERT INTO users_v4 (username, password_hash, display_name, created_at, updated_at) "
        "SELECT username, password_hash, display_name, created_at, created_at FROM users"
    )
    session.execute("DROP TABLE users")
    session.execute("ALTER TABLE users_v4 RENAME TO users")


def _rebuild_versioned(session: Any, table: str, key: tuple[str, ...], layer: bool) -> None:
    """Give `table` its history columns (and `<table>_history`) by rebuilding it: new table, copy, drop, rename.

    Rebuilt rather than altered: DuckDB refuses a second constraint change on a table with rows in one
    transaction. Rows from before history existed take effect at `updated_at` (layers) or "always"
    (`BEFORE_HISTORY`), written by "system"; layer features become version 1.
    """
    described = session.execute(
        "SELECT column_name, CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END, is_nullable "
        "FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    names = [row[0] for row in described]
    cols = [f"{name} {kind}{' NOT NULL' if null == 'NO' else ''}" for name, kind, null, *_ in described]
    if "valid_from" in names:  # created with its history columns (settings): only the history table is missing
        history_cols = ", ".join(c.replace(" NOT NULL", "") for c in cols)
        session.execute(f"CREATE TABLE IF NOT EXISTS {table}_history ({history_cols}, valid_to TIMESTAMP NOT NULL)")
        return
    added = [
        f"valid_from TIMESTAMP NOT NULL DEFAULT TIMESTAMP '{BEFORE_HISTORY}'",
        "changed_by VARCHAR NOT NULL DEFAULT 'system'",
    ]
    if layer:
        added.insert(0, "version INTEGER NOT NULL DEFAULT 1")
    session.execute(f"CREATE TABLE {table}_rebuilt ({', '.join([*cols, *added])}, PRIMARY KEY ({', '.join(key)}))")
    history_key = (
        f", PRIMARY KEY ({', '.join(key)}, version)" if layer else ""
    )  # non-layer keys may repeat in one instant
    history_cols = [c.replace(" NOT NULL", "") for c in cols] + added + ["valid_to TIMESTAMP NOT NULL"]
    session.execute(f"CREATE TABLE IF NOT EXISTS {table}_history ({', '.join(history_cols)}{history_key})")
    listed = ", ".join(names)
    values = "1, updated_at, 'system'" if layer else f"TIMESTAMP '{BEFORE_HISTORY}', 'system'"
    extra = "version, valid_from, changed_by" if layer else "valid_from, changed_by"
    session.execute(f"INSERT INTO {table}_rebuilt ({listed}, {extra}) SELECT {listed}, {values} FROM {table}")  # noqa: S608
    session.execute(f"DROP TABLE {table}")
    session.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")


def _index_statistics_on_a_server(session: Any) -> None:
    """PostgreSQL reads one indicator-year through an index; DuckDB skips the row groups of other years
    (statistics are stored year by year, see geo/store/statistics.py) and needs none."""
    if session.backend != "postgis":
        return
    for table in ("statistics", "statistics_history"):
        session.execute(f"CREATE INDEX IF NOT EXISTS {table}_indicator_year ON {table} (indicator, year)")


def _version_table(session: Any, table: str) -> None:
    """statistics / targets / settings: history columns and `<table>_history` (see `_rebuild_versioned`)."""
    _rebuild_versioned(session, table, history.VERSIONED_TABLES[table], layer=False)


def _version_layer_tables(session: Any) -> None:
    """Every layer table of an existing store (id, geom, updated_at, area_km2) gets versions and history."""
    tables = [
        r[0]
        for r in session.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'main' "
            "GROUP BY table_name "
            "HAVING count(*) FILTER (WHERE column_name IN ('id', 'geom', 'updated_at', 'area_km2')) = 4"
        ).fetchall()
    ]
    for table in (t for t in tables if not t.endswith("_history")):
        _rebuild_versioned(session, table, ("id",), layer=True)


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
    (
        4,
        "several roles per user (water_bureau → water_editor, official → viewer), disabled users, e-mail",
        [
            "CREATE TABLE IF NOT EXISTS user_roles (username VARCHAR NOT NULL, role VARCHAR NOT NULL, "
            "PRIMARY KEY (username, role))",
            _users_with_several_roles,
        ],
    ),
    (
        5,
        "login throttling, the hash-chained audit log, settings kept in the store",
        [
            """CREATE TABLE IF NOT EXISTS login_failures (
                kind VARCHAR NOT NULL,
                key VARCHAR NOT NULL,
                failures INTEGER NOT NULL,
                first_failure_at TIMESTAMP NOT NULL,
                locked_until TIMESTAMP,
                PRIMARY KEY (kind, key))""",
            """CREATE TABLE IF NOT EXISTS settings (
                key VARCHAR PRIMARY KEY,
                value_json VARCHAR NOT NULL,
                valid_from TIMESTAMP NOT NULL,
                changed_by VARCHAR NOT NULL)""",
            *audit.DDL,
        ],
    ),
    (
        6,
        "history of statistics, targets and settings (valid_from, changed_by, <table>_history)",
        [
            functools.partial(_version_table, table="settings"),
            functools.partial(_version_table, table="statistics"),
            functools.partial(_version_table, table="targets"),
        ],
    ),
    (
        7,
        "history of every layer: version, valid_from, changed_by and <layer>_history",
        [_version_layer_tables],
    ),
    (
        8,
        "water bureau: sampling points and positions of samples, body records, stage events, evidence",
        [*water_tables.DDL, water_tables.points_for_existing_samples],
    ),
    (
        9,
        "prohibited-zone proposals (issue 12): planners' drafts, submission, approval, with history",
        [
            """CREATE TABLE IF NOT EXISTS zone_proposals (
                id VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                zone_id VARCHAR,
                base_version INTEGER,
                name VARCHAR NOT NULL,
                fuel_class VARCHAR NOT NULL,
                document VARCHAR,
                status VARCHAR NOT NULL,
                author VARCHAR NOT NULL,
                submitted_at TIMESTAMP,
                decided_by VARCHAR,
                decided_at TIMESTAMP,
                decision_reason VARCHAR,
                effective_date DATE,
                approval_no VARCHAR,
                area_km2 DOUBLE,
                geom_wkb BLOB,
                version INTEGER NOT NULL,
                valid_from TIMESTAMP NOT NULL,
                changed_by VARCHAR NOT NULL)""",
            """CREATE TABLE IF NOT EXISTS zone_proposals_history (
                id VARCHAR,
                kind VARCHAR,
                zone_id VARCHAR,
                base_version INTEGER,
                name VARCHAR,
                fuel_class VARCHAR,
                document VARCHAR,
                status VARCHAR,
                author VARCHAR,
                submitted_at TIMESTAMP,
                decided_by VARCHAR,
                decided_at TIMESTAMP,
                decision_reason VARCHAR,
                effective_date DATE,
                approval_no VARCHAR,
                area_km2 DOUBLE,
                geom_wkb BLOB,
                version INTEGER,
                valid_from TIMESTAMP,
                changed_by VARCHAR,
                valid_to TIMESTAMP NOT NULL,
                PRIMARY KEY (id, version))""",
        ],
    ),
    (
        10,
        "plan periods as data (十三五, 十四五, 十五五): baseline and target year, kept with history",
        [
            """CREATE TABLE IF NOT EXISTS plan_periods (
                code VARCHAR PRIMARY KEY,
                title_zh VARCHAR NOT NULL,
                title_en VARCHAR NOT NULL,
                baseline_year INTEGER NOT NULL,
                target_year INTEGER NOT NULL,
                source VARCHAR NOT NULL,
                valid_from TIMESTAMP NOT NULL,
                changed_by VARCHAR NOT NULL)""",
            """CREATE TABLE IF NOT EXISTS plan_periods_history (
                code VARCHAR,
                title_zh VARCHAR,
                title_en VARCHAR,
                baseline_year INTEGER,
                target_year INTEGER,
                source VARCHAR,
                valid_from TIMESTAMP,
                changed_by VARCHAR,
                valid_to TIMESTAMP NOT NULL)""",
            """INSERT INTO plan_periods VALUES
                ('fyp13', '十三五', '13th Five-Year Plan', 2015, 2020, '国民经济和社会发展第十三个五年规划',
                 TIMESTAMP '1970-01-01', 'system'),
                ('fyp14', '十四五', '14th Five-Year Plan', 2020, 2025, '滨海新区“十四五”节能减排工作实施方案',
                 TIMESTAMP '1970-01-01', 'system'),
                ('fyp15', '十五五', '15th Five-Year Plan', 2025, 2030, '“十五五”规划（目标为示意）',
                 TIMESTAMP '1970-01-01', 'system')
                ON CONFLICT DO NOTHING""",
        ],
    ),
    (
        11,
        "portal sessions behind an HttpOnly cookie (logins survive a reload)",
        [
            """CREATE TABLE IF NOT EXISTS portal_sessions (
                session_id VARCHAR PRIMARY KEY,
                username VARCHAR NOT NULL,
                client VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL,
                last_seen TIMESTAMP NOT NULL,
                token_sha256 VARCHAR,
                ticket_sha256 VARCHAR,
                ticket_expires TIMESTAMP)""",
        ],
    ),
    (
        12,
        "wastewater plants' monthly figures and service areas; concentration grids (GeoTIFF)",
        list(facility_tables.DDL),
    ),
    (
        13,
        "on PostgreSQL: statistics (and their history) indexed by indicator and year",
        [_index_statistics_on_a_server],
    ),
]

LATEST = max(number for number, _, _ in MIGRATIONS)


def current_version(session: Any) -> int:
    """The store's schema version (0 for a file no migration has touched)."""
    exists = session.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'schema_version'"
    )
    if not exists:
        return 0
    return int(session.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))


def apply(session: Any, now: datetime) -> int:
    """Run every migration the store has not had yet, in number order, each in its own transaction.

    "Not had yet" is by number, not "newer than the highest": a migration merged in from a branch
    with a lower number than one already applied still runs.

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
    applied = {int(r[0]) for r in session.execute("SELECT version FROM schema_version").fetchall()}
    for number, description, statements in sorted(MIGRATIONS, key=lambda m: m[0]):
        if number in applied:
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
    return current_version(session)
