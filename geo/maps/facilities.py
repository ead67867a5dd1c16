"""The 污水处理 maps: plants sized by capacity and coloured by load rate or compliance; the capacity-gap map."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np

from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.maps.assets import STATIC_VENDOR, localize_assets
from geo.maps.basemaps import Basemap
from geo.maps.behaviour import layer_control
from geo.maps.build import new_map
from geo.maps.choropleth import SELECTED_COLOR, add_choropleth
from geo.maps.legend import NO_DATA_SWATCH, Legend, legend_row
from geo.maps.vector import CompactGeoJson, add_layer

# Classes: (upper bound, colour, i18n key of the label). Load rate in %, compliance in %.
LOAD_CLASSES = (
    (80.0, "#1a9850", "load_below_80"),
    (100.0, "#fdae61", "load_80_100"),
    (math.inf, "#d73027", "load_over_100"),
)
COMPLIANCE_CLASSES = (
    (90.0, "#d73027", "compliance_below_90"),
    (99.999, "#fdae61", "compliance_90_100"),
    (math.inf, "#1a9850", "compliance_100"),
)
NO_DATA_COLOR = "#9e9e9e"
GAP_COLORS = ("#b2182b", "#ef8a62", "#d1e5f0", "#67a9cf")  # gap < −1, −1…0, 0…1, > 1 (万m³/d)


def plant_radius(capacity: float) -> float:
    """Circle radius (px) growing with the square root of the design capacity, so areas compare."""
    if capacity is None or not np.isfinite(capacity) or capacity <= 0:
        return 4.0
    return float(min(4.0 + 4.0 * math.sqrt(capacity), 24.0))


def class_color(value: float, classes: Sequence[tuple[float, str, str]]) -> str:
    if value is None or not np.isfinite(value):
        return NO_DATA_COLOR
    for upper, colour, _ in classes:
        if value < upper or (upper == math.inf):
            return colour
    return classes[-1][1]


def _pct(value: float) -> str:
    return "—" if value is None or not np.isfinite(value) else f"{value:.0f}%"


def build_plant_map(
    plants: gpd.GeoDataFrame,
    reference: Sequence[tuple[Any, gpd.GeoDataFrame]],
    *,
    colour_by: str,
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """Plants (id, name, design_capacity, load_rate, compliance_rate as shares) on the reference layers.

    `colour_by` is "load" or "compliance"; clicking a plant reports its id (st_folium's last_active_drawing).
    """
    fmap = new_map(lang, basemap or Basemap(), bounds)
    for spec, gdf in reference:
        add_layer(fmap, spec, gdf, lang, reference=True)
    classes = LOAD_CLASSES if colour_by == "load" else COMPLIANCE_CLASSES
    shown = (plants["load_rate"] if colour_by == "load" else plants["compliance_rate"]).astype(float) * 100
    properties = {
        "id": [html.escape(str(v)) for v in plants["id"]],
        "name": [html.escape(str(v)) for v in plants["name"]],
        "capacity": [f"{v:g} {html.escape(t('unit_10k_m3_d', lang))}" for v in plants["design_capacity"]],
        "load": [_pct(v * 100) for v in plants["load_rate"].astype(float)],
        "compliance": [_pct(v * 100) for v in plants["compliance_rate"].astype(float)],
        "_color": [class_color(v, classes) for v in shown],
        "_radius": [plant_radius(v) for v in plants["design_capacity"].astype(float)],
    }
    group = folium.FeatureGroup(name=html.escape(t("nav_facilities", lang)))
    CompactGeoJson(
        plants,
        properties,
        name="plants",
        style={"color": "#333333", "weight": 1, "fillOpacity": 0.85},
        style_from_properties={"fillColor": "_color", "radius": "_radius"},
        highlight={"weight": 3, "color": "#000000"},
        marker=folium.CircleMarker(radius=6, weight=1, fill=True, fill_opacity=0.85),
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "capacity", "load", "compliance"],
            aliases=[html.escape(t(k, lang)) for k in ("plant", "design_capacity", "load_rate", "compliance_rate")],
            sticky=True,
        ),
    ).add_to(group)
    group.add_to(fmap)
    layer_control(fmap, collapsed=True)
    rows = [legend_row(t(key, lang), colour, radius="50%") for _, colour, key in classes]
    rows.append(legend_row(t("no_data", lang), NO_DATA_COLOR, radius="50%"))
    rows.append(legend_row(t("size_by_capacity", lang), "transparent", border="1px solid #333333", radius="50%"))
    title = t("load_rate" if colour_by == "load" else "compliance_rate", lang)
    Legend(title, rows, t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)


def plant_selection_layer(plants: gpd.GeoDataFrame, selected_id: str | None) -> folium.FeatureGroup:
    """The selected plant ringed (st_folium's `feature_group_to_add`: the map and its view stay as they are)."""
    group = folium.FeatureGroup(name="selection", control=False)
    chosen = plants[plants["id"] == selected_id] if selected_id is not None else plants.iloc[:0]
    if len(chosen):
        point = chosen.geometry.iloc[0]
        folium.CircleMarker(
            [point.y, point.x],
            radius=plant_radius(float(chosen["design_capacity"].iloc[0])) + 5,
            color=SELECTED_COLOR,
            weight=4,
            fill=False,
            interactive=False,
        ).add_to(group)
    return group


def gap_classes(gap: Sequence[float]) -> np.ndarray:
    """Class of each capacity gap (万m³/d): 0 < −1, 1 −1…0, 2 0…1, 3 > 1; −1 no data."""
    values = np.asarray(gap, dtype=float)
    classes = np.digitize(values, [-1.0, 0.0, 1.0])
    return np.where(np.isfinite(values), classes, -1)


def build_gap_map(
    units: gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """街镇 (unit_id as id, unit_name as name, gap as value) coloured by capacity gap (万m³/d)."""
    fmap = new_map(lang, basemap or Basemap(), bounds)
    frame = units.rename(columns={"unit_id": "id", "unit_name": "name"}).assign(value=units["gap"])
    title = t("capacity_gap", lang)
    unit = t("unit_10k_m3_d", lang)
    add_choropleth(
        fmap,
        frame,
        classes=gap_classes(frame["value"]),
        colors=GAP_COLORS,
        title=title,
        value_label=title,
        unit=unit,
        lang=lang,
    )
    labels = ("< −1", "−1 – 0", "0 – 1", "> 1")
    rows = [legend_row(f"{label} {unit}", colour) for label, colour in zip(labels, GAP_COLORS, strict=True)]
    rows.append(legend_row(t("no_data", lang), NO_DATA_SWATCH))
    Legend(title, rows, t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)
