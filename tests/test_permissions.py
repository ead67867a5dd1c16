"""Authorisation lives in geo/: every write function refuses an anonymous caller and a viewer before touching the store."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import importlib
import pkgutil
from pathlib import Path

import pandas as pd
import pytest
import shapely

import geo
import layers
from geo.config import Limits
from geo.permissions import WRITERS, Actor, PermissionDenied
from tests.conftest import ADMIN
from tests.stores import state

ROOT = Path(__file__).resolve().parent.parent
VIEWER = Actor("guan.yuan", "官员", frozenset({"viewer"}), "portal")
PLANNER = Actor("gui.hua", "规划", frozenset({"planner"}), "portal")
APPROVER = Actor("shen.pi", "审批", frozenset({"zone_approver"}), "portal")
PARKS = layers.get_spec("parks")
ZONES = layers.get_spec("prohibited_zones")
# Functions in geo/ that open a transaction but are not users' writes, and why.
NOT_USER_WRITES = {
    "geo.auth.users.authenticate": "counts failed logins (bookkeeping, no data version bump)",
    "geo.auth.sessions.open_session": "portal login sessions (bookkeeping)",
    "geo.auth.sessions.redeem_ticket": "portal login sessions (bookkeeping)",
    "geo.auth.sessions.user_for_token": "portal login sessions (bookkeeping)",
    "geo.auth.sessions.close_session": "portal login sessions (bookkeeping)",
}

# Import every module so every @writes declaration is registered.
for info in pkgutil.walk_packages(geo.__path__, "geo."):
    importlib.import_module(info.name)


def _tiny_grid() -> bytes:
    import numpy as np
    from affine import Affine

    from geo.grids import grid_bytes

    return grid_bytes(np.full((4, 4), 40.0), Affine(0.2, 0, 117.4, 0, -0.2, 39.3), "EPSG:4326", -9999.0)


def _arguments(tmp_path: Path, store) -> dict[str, tuple]:
    """Plausible arguments (after store and actor) for each write function."""
    from geo.store.backup import create_backup

    parks_file = tmp_path / "parks.geojson"
    frame = layers.get_spec("parks")
    feature = shapely.box(117.55, 38.76, 117.57, 38.78)
    # A PostGIS store is backed up with pg_dump: any path will do, the role check refuses first.
    backup = create_backup(store, tmp_path / "b.zip").path if store.kind == "duckdb" else tmp_path / "b.zip"
    import geopandas as gpd

    gpd.GeoDataFrame({"name": ["新园区"]}, geometry=[feature], crs="EPSG:4326").to_file(parks_file)
    features = gpd.GeoDataFrame({"id": ["PK-NEW"], "name": ["新园区"]}, geometry=[feature], crs="EPSG:4326")
    targets = pd.DataFrame({"entity_id": ["x"], "indicator": ["vocs"], "target_year": [2025], "target_value": [1.0]})
    return {
        "geo.auth.users.add_user": ("new.user", "long-password", ["viewer"]),
        "geo.auth.users.set_roles": ("tester", ["viewer"]),
        "geo.auth.users.set_disabled": ("tester", True),
        "geo.auth.users.set_password": ("tester", "long-password"),
        "geo.io.importer.import_features": (frame, parks_file, "append", Limits()),
        "geo.io.importer.write_features": (frame, features, "append", "x.geojson"),
        "geo.assessment.update_targets": (targets,),
        "geo.editing.edit_feature": (PARKS, "PK-0001", {"name": "x"}, feature, 1, Limits()),
        "geo.editing.delete_feature": (PARKS, "PK-0001", 1),
        "geo.settings.update_setting": ("water.nh3n_heavy_mg_l", 16),
        "geo.store.backup.restore_backup": (backup, True),
        # issue 14
        "geo.facilities.import_monthly": ("设施名称,月份,处理水量\n塘沽新河污水处理厂,2024-01,400\n".encode(), "m.csv"),
        "geo.facilities.import_service": (
            pd.DataFrame(
                {"facility_id": ["WW-0001"], "served_kind": ["town"], "served_id": ["AU-0002"], "share": [1.0]}
            ),
            "s.csv",
        ),
        "geo.grids.upload_grid": (_tiny_grid(), "g.tif", "pm25", 2024),
        "geo.water.record_round": ("WB-0001", dt.date(2024, 12, 1), pd.DataFrame({"point_no": [1, 2, 3]})),
        "geo.water.propose_stage": ("WB-0001", "effective", "说明", 1),
        "geo.water.decide_proposal": (1, True),
        "geo.stats_import.import_statistics": (None,),  # the role is checked before the plan is read
        "geo.targets_import.import_targets": (None,),
        "geo.plan.save_period": (None,),
        "geo.zones.save_draft": ("新禁燃区", "III", feature),
        "geo.zones.submit": ("ZD-0001", 1),
        "geo.zones.decide": ("ZD-0001", 1, True, "同意"),
        "geo.zones.enact_due": (),
        # issue 17: the store copied into the one under test (the role is checked before the source is read)
        "geo.store.copy.migrate_store": (store,),
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_write_function_refuses_anonymous_and_viewer_callers_leaving_the_store_byte_identical(
    seeded_store, tmp_path
):
    from geo.auth import add_user

    add_user(seeded_store, ADMIN, "tester", "tester-password", ["admin"])
    arguments = _arguments(tmp_path, seeded_store)
    assert set(arguments) == set(WRITERS), "every write function needs arguments here"
    with seeded_store.session() as s:
        s.execute("CHECKPOINT")
    before = state(seeded_store)
    for name, writer in WRITERS.items():
        for actor in (None, VIEWER):
            with pytest.raises(PermissionDenied):
                writer.function(seeded_store, actor, *arguments[name])
        assert state(seeded_store) == before, name
        assert (
            seeded_store.kind != "duckdb" or not seeded_store.path.with_name(seeded_store.path.name + ".wal").exists()
        ), name


def test_a_refusal_names_the_role_needed_and_the_roles_held(seeded_store):
    from geo import io

    with pytest.raises(PermissionDenied) as refused:
        io.write_features(seeded_store, PLANNER, layers.get_spec("water_bodies"), None, "append", "x")
    assert refused.value.zh == "需要角色：水务局编辑；当前角色：规划人员"
    assert refused.value.en == "role needed: Water bureau editor; your roles: Planner"
    with pytest.raises(PermissionDenied, match="log in before changing data"):
        io.write_features(seeded_store, None, ZONES, None, "append", "x")


def test_a_layers_own_editor_role_is_enough_for_that_layer_only(seeded_store, tmp_path):
    import geopandas as gpd

    from geo import io

    zone = gpd.GeoDataFrame(
        {"id": ["PZ-NEW"], "name": ["新禁燃区"], "fuel_class": ["III"], "status": ["draft"]},
        geometry=[shapely.box(117.60, 39.00, 117.62, 39.02)],
        crs="EPSG:4326",
    )
    checked = io.validate_frame(zone, ZONES, Limits(), "zone.geojson")
    change = io.write_features(
        seeded_store, APPROVER, ZONES, checked, "append", "zone.geojson", now=dt.datetime(2025, 2, 1)
    )
    assert change.added == ["PZ-NEW"]
    with pytest.raises(PermissionDenied):
        io.write_features(seeded_store, APPROVER, PARKS, checked, "append", "parks.geojson")


def test_a_planner_cannot_import_the_whole_zone_layer_past_approval(seeded_store):
    from geo import io

    with pytest.raises(PermissionDenied) as refused:
        io.write_features(seeded_store, PLANNER, ZONES, None, "append", "zones.geojson")
    assert refused.value.zh == "需要角色：禁燃区审批；当前角色：规划人员"


def _functions() -> dict[str, tuple[ast.FunctionDef, str]]:
    found = {}
    for path in sorted((ROOT / "geo").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                found[f"{module}.{node.name}"] = (node, module)
    return found


def _calls(node: ast.FunctionDef, attribute: str) -> bool:
    return any(
        isinstance(n, ast.Call) and (getattr(n.func, "attr", "") == attribute or getattr(n.func, "id", "") == attribute)
        for n in ast.walk(node)
    )


def _declared(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "writes" for d in node.decorator_list)


def test_every_function_in_geo_that_opens_a_transaction_is_a_declared_write_or_named_bookkeeping():
    functions = _functions()
    for name, (node, module) in functions.items():
        if not _calls(node, "transaction") or name in NOT_USER_WRITES:
            continue
        if _declared(node):
            assert name in WRITERS, name
            continue
        # A private helper is fine when only declared writes of its module call it.
        short = node.name
        callers = [n for other, (n, m) in functions.items() if m == module and other != name and _calls(n, short)]
        assert short.startswith("_") and callers and all(_declared(c) for c in callers), (
            f"{name} writes without @writes"
        )


def test_no_code_updates_or_deletes_audit_rows():
    for path in [
        *ROOT.glob("geo/**/*.py"),
        *ROOT.glob("layers/**/*.py"),
        *ROOT.glob("views/*.py"),
        *ROOT.glob("data/**/*.py"),
    ]:
        text = path.read_text(encoding="utf-8").lower()
        for verb in ("update audit_log", "delete from audit_log", "drop table audit_log", "truncate audit_log"):
            assert verb not in text, f"{path}: {verb}"
