"""The 黑臭水体 map: bodies coloured by stage or latest class, the selected body outlined, its sampling points.

Takes a display spec (the water layer's spec with its colouring chosen by the domain module), so
this module never reads the registry; every label shown is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.maps.assets import STATIC_VENDOR, localize_assets
from geo.maps.basemaps import Basemap
from geo.maps.behaviour import layer_control
from geo.maps.build import new_map
from geo.maps.legend import Legend, legend_rows
from geo.maps.vector import add_layer

POINT_COLORS = {"clean": "#1a9850", "light": "#fdae61", "heavy": "#000000"}


def sampling_points_layer(
    points: pd.DataFrame, label: str, classes: Sequence[str] | None = None
) -> folium.FeatureGroup:
    """Numbered sampling points (point_no, lon, lat) as circle markers; coloured by class when given."""
    group = folium.FeatureGroup(name=html.escape(label))
    for i, row in enumerate(points.itertuples(index=False)):
        cls = classes[i] if classes is not None and i < len(classes) else None
        colour = POINT_COLORS.get(str(cls), "#2166ac")
        folium.CircleMarker(
            location=[float(row.lat), float(row.lon)],
            radius=7,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=colour,
            fill_opacity=0.95,
            tooltip=html.escape(f"{label} {int(row.point_no)}"),
        ).add_to(group)
    return group


def build_water_map(
    bodies: gpd.GeoDataFrame,
    spec: Any,
    reference: Sequence[tuple[Any, gpd.GeoDataFrame]] = (),
    *,
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    points: pd.DataFrame | None = None,
    point_classes: Sequence[str] | None = None,
    point_label: str = "",
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """Reference layers underneath, the bodies by `spec`'s colouring, optional sampling points, legend."""
    fmap = new_map(lang, basemap or Basemap(), bounds)
    for ref_spec, gdf in reference:
        add_layer(fmap, ref_spec, gdf, lang, reference=True)
    add_layer(fmap, spec, bodies, lang)
    if points is not None and len(points):
        sampling_points_layer(points, point_label, point_classes).add_to(fmap)
    layer_control(fmap, collapsed=True)
    Legend(spec.title(lang), legend_rows([spec], lang), t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)
