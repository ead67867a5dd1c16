"""The overview map (一张图): a district-framed map with every layer, the layer control and the legend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element

from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.maps.assets import STATIC_VENDOR, localize_assets
from geo.maps.basemaps import Basemap, add_basemap
from geo.maps.behaviour import add_behaviour, layer_control
from geo.maps.legend import Legend, legend_rows
from geo.maps.tools import add_tools
from geo.maps.vector import add_layer


def new_map(lang: str, basemap: Basemap, bounds: tuple[float, float, float, float] = BINHAI_BOUNDS) -> folium.Map:
    """An empty map framed on `bounds` (west, south, east, north in EPSG:4326) with the chosen basemap."""
    x0, y0, x1, y1 = bounds
    fmap = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=False,  # MapBehaviour adds a metric-only scale
        min_zoom=7,
        max_zoom=18,
    )
    add_basemap(fmap, basemap, lang)
    fmap.fit_bounds([[y0, x0], [y1, x1]])
    add_behaviour(fmap, bounds, t("illustrative_attribution", lang))
    add_tools(fmap, lang)
    # Without a basemap the map background is the page's; a pale sea-blue reads as "coast".
    fmap.get_root().header.add_child(
        Element("<style>.leaflet-container{background:#eef3f7;font-family:sans-serif;}</style>")
    )
    return fmap


def build_map(
    layer_frames: Sequence[tuple[Any, gpd.GeoDataFrame]],
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """The overview map: every given layer (in draw order), layer control, legend, local assets."""
    fmap = new_map(lang, basemap or Basemap(), bounds)
    ordered = sorted(layer_frames, key=lambda sf: sf[0].draw_order)
    for spec, gdf in ordered:
        add_layer(fmap, spec, gdf, lang)
    layer_control(fmap, collapsed=False)
    Legend(t("legend", lang), legend_rows([s for s, _ in ordered], lang), t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)


def render_html(fmap: folium.Map) -> str:
    """Standalone HTML of a map (for tests and exports)."""
    return fmap.get_root().render()
