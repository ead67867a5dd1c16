"""What a test compares to say "the store is unchanged", on either backend."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd
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


def five_audited_writes(store: Store, parks, now) -> Store:
    """A user, a parks import, a park edit, a target and a setting: five writes, one audit row each."""
    import layers
    from geo import assessment, auth, editing, io
    from geo.config import Limits
    from geo.settings import update_setting
    from tests.conftest import ADMIN

    spec = layers.get_spec("parks")
    auth.add_user(store, ADMIN, "zhang", "zhang-password", ["planner"], "张三", now=now)
    io.write_features(store, ADMIN, spec, parks, "append", "tiny.geojson", now=now, reason="补录")
    feature = parks.iloc[0].to_dict()
    editing.edit_feature(
        store, ADMIN, spec, "PK-T1", feature | {"name": "改名"}, feature["geometry"], 1, Limits(), now=now
    )
    target = assessment.targets_table(store, "zone", "vocs").iloc[0]
    rows = pd.DataFrame([{**target[["entity_id", "indicator", "target_year"]].to_dict(), "target_value": 1.5}])
    assessment.update_targets(store, ADMIN, rows, now=now)
    update_setting(store, ADMIN, "water.nh3n_heavy_mg_l", "16", reason="试行", now=now)
    return store
