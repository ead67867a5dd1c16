"""The parks choropleth: classed fills with ColorBrewer palettes, hatched no-data, the selected park outlined."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element

from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.maps.assets import STATIC_VENDOR, localize_assets
from geo.maps.basemaps import Basemap
from geo.maps.behaviour import layer_control
from geo.maps.build import new_map
from geo.maps.legend import Legend, format_number
from geo.maps.payload import memoised
from geo.maps.popups import display_text, present
from geo.maps.vector import CompactGeoJson, add_layer

# ColorBrewer sequential palettes by class count (lower-is-better indicators get the "warm" one).
PALETTES: dict[str, dict[int, list[str]]] = {
    "YlOrRd": {
        3: ["#ffeda0", "#feb24c", "#f03b20"],
        4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
        5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
        6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
        7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    },
    "YlGn": {
        3: ["#f7fcb9", "#addd8e", "#31a354"],
        4: ["#ffffcc", "#c2e699", "#78c679", "#238443"],
        5: ["#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"],
        6: ["#ffffcc", "#d9f0a3", "#addd8e", "#78c679", "#31a354", "#006837"],
        7: ["#ffffcc", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443", "#005a32"],
    },
}


# Target status colours (目标考核): on track green, at risk orange, behind red.
STATUS_COLORS = {"on_track": "#1a9850", "at_risk": "#fdae61", "behind": "#d73027"}
# ColorBrewer RdYlGn, 6 classes, green (good) → red (bad): for changes of an indicator.
DIVERGING = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"]
NO_DATA_PATTERN = "binhai-nodata"


NO_DATA_FILL = f"url(#{NO_DATA_PATTERN})"


SELECTED_COLOR = "#00b3ff"


_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    f'<pattern id="{NO_DATA_PATTERN}" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eeeeee"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs></svg>'
)


def diverging_palette(lower_is_better: bool = True) -> list[str]:
    """Six colours from the largest fall to the largest rise: a fall is green when lower is better."""
    return list(DIVERGING) if lower_is_better else list(reversed(DIVERGING))


def palette(k: int, lower_is_better: bool = True) -> list[str]:
    """`k` ColorBrewer colours: yellow-red when lower is better, yellow-green when higher is."""
    table = PALETTES["YlOrRd" if lower_is_better else "YlGn"]
    return table[min(max(k, 3), 7)][: max(k, 1)] if k >= 3 else table[3][:k]


def add_choropleth(
    fmap: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    classes: np.ndarray,
    colors: Sequence[str],
    title: str,
    value_label: str,
    unit: str,
    lang: str,
) -> folium.FeatureGroup:
    """Parks (id, name, value, geometry) filled by class; class −1 (no data) is hatched grey."""
    no_data = t("no_data", lang)
    # What the rows are made of, so that every session drawing the same indicator-year reuses them.
    shown = gdf[["id", "name", "value", "geometry"]].assign(_class=np.asarray(classes, dtype=int))

    def properties() -> dict[str, list[str]]:
        return {
            "id": memoised(display_text, shown["id"].tolist()),
            "name": memoised(display_text, shown["name"].tolist()),
            "value": memoised(
                lambda v: html.escape(f"{format_number(float(v))} {unit}") if present(v) else no_data,
                shown["value"].tolist(),
            ),
            "_fill": [colors[c] if c >= 0 else NO_DATA_FILL for c in shown["_class"].tolist()],
        }

    group = folium.FeatureGroup(name=html.escape(title))
    CompactGeoJson(
        shown,
        properties,
        memo_key=("choropleth", lang, unit, tuple(colors)),
        name="choropleth",
        style={"color": "#555555", "weight": 1, "fillOpacity": 0.85},
        style_from_properties={"fillColor": "_fill"},
        highlight={"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "value"], aliases=[html.escape(t("park", lang)), html.escape(value_label)], sticky=True
        ),
    ).add_to(group)
    group.add_to(fmap)
    fmap.get_root().html.add_child(Element(_HATCH_SVG), name="binhai_hatch")
    return group


def selection_layer(parks: gpd.GeoDataFrame, selected_id: str | None) -> folium.FeatureGroup:
    """The selected park's outline as its own layer (non-interactive, on top).

    Passed to `st_folium(feature_group_to_add=…)`: a new selection replaces this layer in the browser
    while the map itself stays as it is — the user's zoom and centre are kept.
    """
    group = folium.FeatureGroup(name="selection", control=False)
    chosen = parks[parks["id"] == selected_id] if selected_id is not None else parks.iloc[:0]
    if len(chosen):
        folium.GeoJson(
            json.loads(shapely.to_geojson(chosen.geometry.iloc[0])),
            name=html.escape(str(chosen["name"].iloc[0])),
            style_function=lambda _f: {"color": SELECTED_COLOR, "weight": 4, "fillOpacity": 0, "dashArray": None},
            interactive=False,
            control=False,
        ).add_to(group)
    return group


def build_choropleth_map(
    parks: gpd.GeoDataFrame,
    reference: Sequence[tuple[Any, gpd.GeoDataFrame]],
    *,
    classes: np.ndarray,
    colors: Sequence[str],
    legend_rows_: list[dict[str, Any]],
    title: str,
    value_label: str,
    unit: str,
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """The cockpit map: reference layers underneath, the park choropleth, the legend.

    The selected park is not part of it (`selection_layer`), so selecting one does not redraw the map.
    """
    fmap = new_map(lang, basemap or Basemap(), bounds)
    for spec, gdf in reference:
        add_layer(fmap, spec, gdf, lang, reference=True)
    add_choropleth(
        fmap, parks, classes=classes, colors=colors, title=title, value_label=value_label, unit=unit, lang=lang
    )
    layer_control(fmap, collapsed=True)
    Legend(title, legend_rows_, t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)
