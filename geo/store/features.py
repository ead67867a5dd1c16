"""Layer features in the store, with every version kept. Takes a LayerSpec; never builds SQL from user text.

The layer's table holds the current version of each feature (`version`, `valid_from`, `changed_by`);
`<layer>_history` holds the closed ones (`geo.store.history`). A replace import closes only the
features that are gone or changed and inserts only what changed: an unchanged feature keeps its
version. A single-feature edit or delete names the version it was based on and is refused
(`VersionConflict`) when someone saved a newer one in between.

Table and column names come from the spec (the registry, whose names are checked to be plain
identifiers: that is why the f-strings below carry `noqa: S608`); values are bound parameters or a
registered DataFrame, and every write runs inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import STORAGE_CRS, measures_km
from geo.errors import InputError, PortalError, Problem
from geo.store import history, membership
from geo.store.db import Session, Store
from geo.store.tables import check_mode

CASTS = {"text": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "date": "DATE"}


class VersionConflict(PortalError):
    """A single-feature edit based on a version that is no longer the current one."""


@dataclass(frozen=True)
class LayerChange:
    """What a layer write did: ids added, changed (new version) and removed; unchanged features counted."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def written(self) -> int:
        """Rows inserted (new features and new versions)."""
        return len(self.added) + len(self.changed)

    def summary(self, limit: int = 50) -> dict[str, Any]:
        """Counts and (at most `limit`) ids of each kind, for the audit log."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
            "added_ids": self.added[:limit],
            "changed_ids": self.changed[:limit],
            "removed_ids": self.removed[:limit],
        }


def _select_list(spec: Any, fields: list[str], versions: bool) -> str:
    cols = ["id", *fields, "area_km2", "length_km"]
    if versions:
        cols += ["version", "valid_from", "changed_by"]
    return ", ".join(cols)


def read_layer(
    store: Store,
    spec: Any,
    columns: tuple[str, ...] | None = None,
    as_of: date | datetime | None = None,
    with_versions: bool = False,
    feature_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Features of a layer as a GeoDataFrame in EPSG:4326 (id, fields, area_km2, length_km, geometry).

    Parameters
    ----------
    columns : the spec's fields to read (all when None); `KeyError` for a field the layer lacks.
    as_of : a date (its end) or moment: the features as they were then; None is now.
    with_versions : add `version`, `valid_from` and `changed_by` (what an edit must name).
    feature_id : that feature only (none when the layer has no such id then), not the whole layer.
    """
    fields = list(columns) if columns is not None else list(spec.field_names)
    unknown = set(fields) - set(spec.field_names)
    if unknown:
        raise KeyError(f"layer {spec.name} has no fields {sorted(unknown)}")
    moment = history.as_of_moment(as_of)
    wanted = _select_list(spec, fields, with_versions)
    inner = _select_list(spec, list(spec.field_names), True) + ", geom"
    source = history.source(spec.name, moment, inner)
    params: dict[str, Any] = {"as_of": moment} if moment is not None else {}
    where = ""
    if feature_id is not None:
        where, params["feature_id"] = " WHERE id = $feature_id", feature_id
    with store.session() as s:
        sql = f"SELECT {wanted}, ST_AsWKB(geom) AS wkb FROM {source} AS features{where} ORDER BY id"  # noqa: S608
        table = s.execute(sql, params or None).arrow().read_all()
    frame = table.drop(["wkb"]).to_pandas()
    geoms = shapely.from_wkb(table.column("wkb").to_numpy(zero_copy_only=False))
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=STORAGE_CRS)


def count_features(store: Store, spec: Any) -> int:
    """Number of features stored in a layer."""
    with store.session() as s:
        return int(s.scalar(f"SELECT count(*) FROM {spec.name}"))  # noqa: S608


def count_in(session: Session, spec: Any) -> int:
    """Number of current features of a layer, inside an open session."""
    return int(session.scalar(f"SELECT count(*) FROM {spec.name}"))  # noqa: S608


def existing_ids(session: Session, spec: Any, ids: list[str]) -> list[str]:
    """Those of `ids` the layer already holds (sorted)."""
    sql = f"SELECT id FROM {spec.name} WHERE id IN (SELECT unnest(CAST(? AS VARCHAR[]))) ORDER BY id"  # noqa: S608
    rows = session.execute(sql, [ids]).fetchall()
    return [r[0] for r in rows]


def stored_centroids(session: Session, spec: Any, ids: list[str]) -> dict[str, tuple[float, float]]:
    """Centroid (lon, lat, EPSG:4326) of each of `ids` that the layer already holds."""
    if not ids:
        return {}
    rows = session.execute(
        f"SELECT id, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM {spec.name} "  # noqa: S608
        "WHERE id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
        [ids],
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def ids_with_prefix(session: Session, spec: Any, prefix: str) -> list[str]:
    """Stored ids of the layer that start with `prefix` (to number new features after them)."""
    sql = f"SELECT id FROM {spec.name} WHERE starts_with(id, ?)"  # noqa: S608
    return [r[0] for r in session.execute(sql, [prefix]).fetchall()]


def _incoming_rows(spec: Any, gdf: gpd.GeoDataFrame, now: datetime, changed_by: str) -> pd.DataFrame:
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"features must be in {STORAGE_CRS}, got {gdf.crs}")
    area, length = measures_km(gdf.geometry)
    rows = pd.DataFrame({"id": gdf["id"].astype(str).to_numpy()})
    for f in spec.fields:
        rows[f.name] = gdf[f.name].to_numpy() if f.name in gdf else None
    rows["area_km2"] = area
    rows["length_km"] = length
    rows["wkb"] = shapely.to_wkb(gdf.geometry.values)
    rows["updated_at"] = now
    rows["valid_from"] = gdf["valid_from"].to_numpy() if "valid_from" in gdf else now
    rows["changed_by"] = changed_by
    rows["version"] = 1
    return rows


def _typed_incoming(spec: Any) -> str:
    """The registered rows with the spec's types (a FROM item named `i`)."""
    exprs = ["id"]
    exprs += [f"CAST({f.name} AS {CASTS[f.type]}) AS {f.name}" for f in spec.fields]
    exprs += ["area_km2", "length_km", "ST_GeomFromWKB(wkb) AS geom", "updated_at", "valid_from", "changed_by"]
    exprs += ["version"]
    return f"(SELECT {', '.join(exprs)} FROM incoming_features) AS i"  # noqa: S608 - names from the registry


def _ids(session: Session, sql: str) -> list[str]:
    return [r[0] for r in session.execute(sql).fetchall()]


def write_layer(
    session: Session, spec: Any, gdf: gpd.GeoDataFrame, mode: str, now: datetime, changed_by: str = "system"
) -> LayerChange:
    """Write validated features (id, spec fields, geometry in EPSG:4326) inside the caller's transaction.

    `replace`: features missing from `gdf` are closed, changed ones get a new version, unchanged ones
    are left as they are. `append`: refuses ids that already exist (`InputError`). A `valid_from`
    column in `gdf` sets when each feature took effect (default `now`). Tables derived from the
    layer (park → unit membership) are recomputed before the transaction commits.
    """
    check_mode(mode)
    rows = _incoming_rows(spec, gdf, now, changed_by)
    if mode == "append":
        clash = existing_ids(session, spec, list(rows["id"]))
        if clash:
            shown = ", ".join(clash[:10])
            raise InputError(
                spec.name,
                [Problem(f"编号已存在于库中: {shown}", f"ids already in the store: {shown}", field="id")],
            )
    layer = spec.name
    cols = [
        "id",
        *spec.field_names,
        "area_km2",
        "length_km",
        "geom",
        "updated_at",
        "valid_from",
        "changed_by",
        "version",
    ]
    incoming = _typed_incoming(spec)
    stored_sql = f"SELECT id, version FROM {layer} WHERE id IN (SELECT id FROM incoming_features)"  # noqa: S608
    removed_sql = f"SELECT id FROM {layer} WHERE id NOT IN (SELECT id FROM incoming_features) ORDER BY id"  # noqa: S608
    differs = " OR ".join(
        [f"c.{f.name} IS DISTINCT FROM i.{f.name}" for f in spec.fields] + ["ST_AsWKB(c.geom) <> ST_AsWKB(i.geom)"]
    )
    changed_sql = f"SELECT i.id FROM {incoming} JOIN {layer} c ON c.id = i.id WHERE {differs} ORDER BY i.id"  # noqa: S608
    insert_sql = (
        f"INSERT INTO {layer} ({', '.join(cols)}) "  # noqa: S608
        f"SELECT {', '.join('i.' + c for c in cols)} FROM {incoming} WHERE list_contains($ids, i.id)"
    )
    session.register("incoming_features", rows)
    try:
        stored = dict(session.execute(stored_sql).fetchall())
        removed = _ids(session, removed_sql) if mode == "replace" else []
        changed = _ids(session, changed_sql) if mode == "replace" and stored else []
    finally:
        session.unregister("incoming_features")
    added = sorted(set(rows["id"]) - set(stored))
    closing, writing = removed + changed, added + changed
    if closing:
        history.archive(session, layer, "list_contains($ids, id)", {"ids": closing}, now)
    if writing:
        rows["version"] = rows["id"].map(stored).fillna(0).astype("int64") + 1
        session.register("incoming_features", rows)
        try:
            session.execute(insert_sql, {"ids": writing})
        finally:
            session.unregister("incoming_features")
        membership.follow_write(session, layer)
    elif closing:
        membership.follow_write(session, layer)
    return LayerChange(added, changed, removed, len(rows) - len(added) - len(changed))


def clear_layer(session: Session, spec: Any, now: datetime) -> int:
    """Close every feature of a layer inside the caller's transaction (derived tables follow)."""
    closed = history.archive(session, spec.name, "true", {}, now)
    membership.follow_write(session, spec.name)
    return closed


def geometry_digest(geom: Any) -> str:
    """SHA-256 of a geometry's WKB (what the audit log records instead of the coordinates)."""
    return hashlib.sha256(shapely.to_wkb(geom)).hexdigest()


def feature_state(session: Session, spec: Any, feature_id: str) -> dict[str, Any] | None:
    """A feature's current attributes, version, geometry digest and area (for an audit row); None if absent."""
    fields = ", ".join(spec.field_names)
    row = session.execute(
        f"SELECT {fields}, area_km2, length_km, version, valid_from, changed_by, ST_AsWKB(geom) "  # noqa: S608
        f"FROM {spec.name} WHERE id = ?",
        [feature_id],
    ).fetchone()
    if row is None:
        return None
    names = [*spec.field_names, "area_km2", "length_km", "version", "valid_from", "changed_by"]
    state = dict(zip(names, row[:-1], strict=True))
    state["geometry_sha256"] = hashlib.sha256(bytes(row[-1])).hexdigest()
    return state


def _check_version(session: Session, spec: Any, feature_id: str, base_version: int) -> dict[str, Any]:
    state = feature_state(session, spec, feature_id)
    if state is None:
        raise VersionConflict(
            f"{spec.title_zh} {feature_id} 已不存在（可能已被他人删除），请刷新后重做",
            f"{spec.title_en} {feature_id} no longer exists (perhaps deleted by someone); reload and redo",
        )
    if int(state["version"]) != int(base_version):
        when = pd.Timestamp(state["valid_from"]).strftime("%Y-%m-%d %H:%M")
        raise VersionConflict(
            f"已被 {state['changed_by']} 于 {when} 修改（当前第 {state['version']} 版，你基于第 {base_version} 版），"
            "未保存；请刷新后重做",
            f"changed by {state['changed_by']} at {when} (now version {state['version']}, yours was based on "
            f"version {base_version}); nothing was saved: reload and redo",
        )
    return state


def edit_feature(
    session: Session,
    spec: Any,
    feature: gpd.GeoDataFrame,
    base_version: int,
    now: datetime,
    changed_by: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replace one feature (a one-row validated frame) with its next version; returns (before, after) states.

    Raises `VersionConflict` when the stored version is not `base_version` (someone saved in between).
    """
    if len(feature) != 1:
        raise ValueError("edit_feature takes exactly one feature")
    feature_id = str(feature["id"].iloc[0])
    before = _check_version(session, spec, feature_id, base_version)
    history.archive(session, spec.name, "id = $id", {"id": feature_id}, now)
    rows = _incoming_rows(spec, feature, now, changed_by).assign(version=int(base_version) + 1)
    cols = [
        "id",
        *spec.field_names,
        "area_km2",
        "length_km",
        "geom",
        "updated_at",
        "valid_from",
        "changed_by",
        "version",
    ]
    insert_sql = f"INSERT INTO {spec.name} ({', '.join(cols)}) SELECT {', '.join('i.' + c for c in cols)} FROM {_typed_incoming(spec)}"  # noqa: S608
    session.register("incoming_features", rows)
    try:
        session.execute(insert_sql)
    finally:
        session.unregister("incoming_features")
    membership.follow_write(session, spec.name)
    return before, feature_state(session, spec, feature_id) or {}


def delete_feature(session: Session, spec: Any, feature_id: str, base_version: int, now: datetime) -> dict[str, Any]:
    """Close one feature (kept in history); returns its last state. `VersionConflict` as for an edit."""
    before = _check_version(session, spec, feature_id, base_version)
    history.archive(session, spec.name, "id = $id", {"id": feature_id}, now)
    membership.follow_write(session, spec.name)
    return before


@dataclass(frozen=True)
class LayerDiff:
    """Features added, removed and changed between two moments, with their areas (km², EPSG:4548)."""

    added: pd.DataFrame  # id, name, area_km2
    removed: pd.DataFrame
    changed: pd.DataFrame  # id, name, area_before_km2, area_after_km2, fields (changed field names)


def layer_diff(store: Store, spec: Any, start: date | datetime, end: date | datetime) -> LayerDiff:
    """What changed in a layer from `start` to `end` (each as of the end of that day)."""
    before = read_layer(store, spec, as_of=start, with_versions=True).set_index("id")
    after = read_layer(store, spec, as_of=end, with_versions=True).set_index("id")
    name = "name" if "name" in spec.field_names else None

    def listing(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
        sub = frame.loc[ids]
        return pd.DataFrame(
            {
                "id": ids,
                "name": sub[name].to_numpy() if name else [None] * len(ids),
                "area_km2": sub["area_km2"].to_numpy(),
            }
        )

    added = sorted(set(after.index) - set(before.index))
    removed = sorted(set(before.index) - set(after.index))
    common = sorted(set(before.index) & set(after.index))
    changed_rows = []
    for fid in common:
        b, a = before.loc[fid], after.loc[fid]
        if int(b["version"]) == int(a["version"]):
            continue
        fields = [f for f in spec.field_names if not _same(b[f], a[f])]
        if not shapely.equals_exact(b.geometry, a.geometry, 0.0):
            fields.append("geometry")
        changed_rows.append(
            {
                "id": fid,
                "name": a[name] if name else None,
                "area_before_km2": b["area_km2"],
                "area_after_km2": a["area_km2"],
                "fields": ", ".join(fields),
            }
        )
    changed = pd.DataFrame(changed_rows, columns=["id", "name", "area_before_km2", "area_after_km2", "fields"])
    return LayerDiff(listing(after, added), listing(before, removed), changed)


def _same(a: Any, b: Any) -> bool:
    missing_a, missing_b = (
        pd.isna(a) if np.isscalar(a) or a is None else False,
        pd.isna(b) if np.isscalar(b) or b is None else False,
    )
    if missing_a or missing_b:
        return bool(missing_a and missing_b)
    return bool(a == b)


def log_import(session: Session, layer: str, mode: str, source_name: str, features: int, now: datetime) -> None:
    """Record an import (layer, mode, source file, feature count, time) inside the caller's transaction."""
    session.execute(
        "INSERT INTO import_log (layer, mode, source_name, features, imported_at) VALUES (?, ?, ?, ?, ?)",
        [layer, mode, source_name, features, now],
    )
