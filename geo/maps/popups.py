"""What a feature shows on hover and click: labelled, HTML-escaped display text (folium inserts it as innerHTML)."""

from __future__ import annotations

import html
import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.i18n import t
from geo.maps.payload import memoised

COORD_DECIMALS = 6  # ≈ 0.1 m; more digits only add payload


def round_coords(geoms: np.ndarray, decimals: int = COORD_DECIMALS) -> np.ndarray:
    """Geometries with coordinates rounded to `decimals` (≈ 0.1 m at 6)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def display_text(value: Any) -> str:
    """Text of an attribute value for a tooltip/popup, HTML-escaped (they are inserted as innerHTML)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return html.escape(f"{value:,.2f}")
    return html.escape(str(value))


def present(value: Any) -> bool:
    """Whether an attribute value is there (not None, NaN or NA)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


def measure_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    """The measure columns a layer shows: those with at least one value (lines: length, polygons: area)."""
    return [m for m in ("area_km2", "length_km") if m in gdf and gdf[m].notna().any()]


def display_properties(gdf: gpd.GeoDataFrame, spec: Any, lang: str) -> dict[str, list[str]]:
    """Escaped, labelled display text of a layer's features, column by column, plus `_color`.

    Every feature carries the same keys (folium's popup requires it); a missing value shows as "—".
    Each distinct value is formatted once: a layer of thousands of features has few distinct labels.
    """
    style = spec.style
    props: dict[str, list[str]] = {"id": memoised(display_text, gdf["id"].tolist())}
    for f in spec.fields:
        if f.name not in gdf:
            continue
        values = gdf[f.name].tolist()
        if f.choices:
            props[f.name] = memoised(lambda v, f=f: display_text(f.label(v, lang) if present(v) else v), values)
        else:
            props[f.name] = memoised(display_text, values)
    for measure in measure_columns(gdf):
        props[measure] = memoised(lambda v: display_text(float(v) if present(v) else None), gdf[measure].tolist())
    if style.category_field and style.category_field in gdf:
        props["_color"] = memoised(style.color_for, gdf[style.category_field].tolist())
    else:
        props["_color"] = [style.color] * len(gdf)
    return props


def feature_collection(gdf: gpd.GeoDataFrame, spec: Any, lang: str) -> dict[str, Any]:
    """GeoJSON dict of a layer with escaped, labelled display properties and a `_color` per feature.

    Full geometries (rounded to COORD_DECIMALS): the map itself sends simplified, encoded ones
    (`add_layer`), with the same properties.
    """
    geoms = round_coords(gdf.geometry.values)
    geo_json = shapely.to_geojson(geoms)
    props = display_properties(gdf, spec, lang)
    keys = list(props)
    features = [
        {
            "type": "Feature",
            "id": str(feature_id),
            "properties": {k: props[k][i] for k in keys},
            "geometry": json.loads(geo_json[i]),
        }
        for i, feature_id in enumerate(gdf["id"].tolist())
    ]
    return {"type": "FeatureCollection", "features": features}


def popup_columns(spec: Any, lang: str, gdf: gpd.GeoDataFrame) -> tuple[list[str], list[str]]:
    """The popup's fields (id, the layer's fields present, measures) and their escaped titles."""
    held = [f for f in spec.fields if f.name in gdf]
    fields = ["id", *[f.name for f in held], *measure_columns(gdf)]
    aliases = [t("id", lang), *[f.title(lang) for f in held], *[t(m, lang) for m in measure_columns(gdf)]]
    return fields, [html.escape(a) for a in aliases]
