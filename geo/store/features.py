"""Reading and writing layer features in the store. Takes a LayerSpec; never builds SQL from user text.

Table and column names come from the spec (the registry, whose names are checked to be plain
identifiers: that is why the f-strings below carry `noqa: S608`); values are bound parameters or a
registered DataFrame, and every write is one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import STORAGE_CRS, measures_km
from geo.errors import InputError, Problem
from geo.store import membership
from geo.store.db import Session, Store
from geo.store.tables import check_mode


def read_layer(store: Store, spec: Any, columns: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """All features of a layer as a GeoDataFrame in EPSG:4326 (id, fields, area_km2, length_km)."""
    fields = list(columns) if columns is not None else list(spec.field_names)
    unknown = set(fields) - set(spec.field_names)
    if unknown:
        raise KeyError(f"layer {spec.name} has no fields {sorted(unknown)}")
    select = ", ".join(["id", *fields, "area_km2", "length_km", "ST_AsWKB(geom) AS wkb"])
    with store.session() as s:
        table = s.execute(f"SELECT {select} FROM {spec.name} ORDER BY id").arrow().read_all()  # noqa: S608
    frame = table.drop(["wkb"]).to_pandas()
    geoms = shapely.from_wkb(table.column("wkb").to_numpy(zero_copy_only=False))
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=STORAGE_CRS)


def count_features(store: Store, spec: Any) -> int:
    """Number of features stored in a layer."""
    with store.session() as s:
        return int(s.scalar(f"SELECT count(*) FROM {spec.name}"))  # noqa: S608


def existing_ids(session: Session, spec: Any, ids: list[str]) -> list[str]:
    """Those of `ids` the layer already holds (sorted)."""
    sql = f"SELECT id FROM {spec.name} WHERE id IN (SELECT unnest(?::VARCHAR[])) ORDER BY id"  # noqa: S608
    rows = session.execute(sql, [ids]).fetchall()
    return [r[0] for r in rows]


def stored_centroids(session: Session, spec: Any, ids: list[str]) -> dict[str, tuple[float, float]]:
    """Centroid (lon, lat, EPSG:4326) of each of `ids` that the layer already holds."""
    if not ids:
        return {}
    rows = session.execute(
        f"SELECT id, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM {spec.name} "  # noqa: S608
        "WHERE id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def ids_with_prefix(session: Session, spec: Any, prefix: str) -> list[str]:
    """Stored ids of the layer that start with `prefix` (to number new features after them)."""
    sql = f"SELECT id FROM {spec.name} WHERE starts_with(id, ?)"  # noqa: S608
    return [r[0] for r in session.execute(sql, [prefix]).fetchall()]


def write_layer(session: Session, spec: Any, gdf: gpd.GeoDataFrame, mode: str, now: datetime) -> int:
    """Insert validated features (id, spec fields, geometry in EPSG:4326) inside the caller's transaction.

    `replace` empties the layer first; `append` refuses ids that already exist. Returns rows written.
    Tables derived from the layer (park → unit membership) are recomputed before the transaction commits.
    """
    check_mode(mode)
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"features must be in {STORAGE_CRS}, got {gdf.crs}")
    if mode == "replace":
        session.execute(f"DELETE FROM {spec.name}")  # noqa: S608
    else:
        clash = existing_ids(session, spec, [str(i) for i in gdf["id"]])
        if clash:
            shown = ", ".join(clash[:10])
            raise InputError(
                spec.name,
                [Problem(f"编号已存在于库中: {shown}", f"ids already in the store: {shown}", field="id")],
            )
    area, length = measures_km(gdf.geometry)
    rows = pd.DataFrame({"id": gdf["id"].astype(str).to_numpy()})
    for f in spec.fields:
        rows[f.name] = gdf[f.name].to_numpy() if f.name in gdf else None
    rows["area_km2"] = area
    rows["length_km"] = length
    rows["wkb"] = shapely.to_wkb(gdf.geometry.values)
    rows["updated_at"] = now
    casts = {"text": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "date": "DATE"}
    cols = ["id", *spec.field_names, "area_km2", "length_km", "geom", "updated_at"]
    exprs = ["id"]
    exprs += [f"CAST({f.name} AS {casts[f.type]})" for f in spec.fields]
    exprs += ["area_km2", "length_km", "ST_GeomFromWKB(wkb)", "updated_at"]
    session.register("incoming_features", rows)
    try:
        session.execute(f"INSERT INTO {spec.name} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM incoming_features")  # noqa: S608
    finally:
        session.unregister("incoming_features")
    membership.follow_write(session, spec.name)
    return len(rows)


def clear_layer(session: Session, spec: Any) -> None:
    """Remove every feature of a layer inside the caller's transaction (derived tables follow)."""
    session.execute(f"DELETE FROM {spec.name}")  # noqa: S608
    membership.follow_write(session, spec.name)


def log_import(session: Session, layer: str, mode: str, source_name: str, features: int, now: datetime) -> None:
    """Record an import (layer, mode, source file, feature count, time) inside the caller's transaction."""
    session.execute(
        "INSERT INTO import_log (layer, mode, source_name, features, imported_at) VALUES (?, ?, ?, ?, ?)",
        [layer, mode, source_name, features, now],
    )
