"""The overview map (一张图): a district-framed map with every layer, the layer control and the legend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.config import map_renderer
from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.maps.assets import STATIC_VENDOR, localize_assets
from geo.maps.basemaps import Basemap, add_basemap
from geo.maps.behaviour import add_behaviour, layer_control
from geo.maps.legend import Legend, legend_rows
from geo.maps.tools import add_tools
from geo.maps.vector import add_layer

# A fill of "url(#id)" names an SVG <pattern> (the hatched no-data fill). Leaflet's canvas renderer
# would set it as a colour, which a canvas ignores: draw those fills with an equivalent CanvasPattern.
CANVAS_PATTERNS_JS = """
(function () {
    if (!window.L || !L.Canvas || L.Canvas.prototype._binhaiPatterns) { return; }
    var patterns = {};
    function hatch(ctx) {
        var tile = document.createElement("canvas");
        tile.width = 6; tile.height = 6;
        var c = tile.getContext("2d");
        c.fillStyle = "#eeeeee"; c.fillRect(0, 0, 6, 6);
        c.strokeStyle = "#9e9e9e"; c.lineWidth = 2;
        c.beginPath(); c.moveTo(-1, 7); c.lineTo(7, -1); c.moveTo(-1, 1); c.lineTo(1, -1);
        c.moveTo(5, 7); c.lineTo(7, 5); c.stroke();
        return ctx.createPattern(tile, "repeat");
    }
    var fillStroke = L.Canvas.prototype._fillStroke;
    L.Canvas.prototype._binhaiPatterns = patterns;
    L.Canvas.prototype._fillStroke = function (ctx, layer) {
        var options = layer.options, fill = options.fillColor;
        if (typeof fill !== "string" || fill.indexOf("url(#") !== 0) { return fillStroke.call(this, ctx, layer); }
        options.fillColor = patterns[fill] || (patterns[fill] = hatch(ctx));
        try { return fillStroke.call(this, ctx, layer); } finally { options.fillColor = fill; }
    };
})();
"""


class CanvasPatterns(MacroElement):
    """Runs CANVAS_PATTERNS_JS in the map's own script (st_folium does not run scripts of the page body)."""

    _template = Template("{% macro script(this, kwargs) %}" + CANVAS_PATTERNS_JS + "{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "CanvasPatterns"


def new_map(lang: str, basemap: Basemap, bounds: tuple[float, float, float, float] = BINHAI_BOUNDS) -> folium.Map:
    """An empty map framed on `bounds` (west, south, east, north in EPSG:4326) with the chosen basemap."""
    x0, y0, x1, y1 = bounds
    fmap = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=False,  # MapBehaviour adds a metric-only scale
        # One canvas for every vector layer: 10,000 parks are drawn in a fraction of the time one SVG
        # element per shape takes (measured in `make bench`, rows "drawing_…").
        prefer_canvas=map_renderer() == "canvas",
        min_zoom=7,
        max_zoom=18,
    )
    add_basemap(fmap, basemap, lang)
    add_behaviour(fmap, bounds, t("illustrative_attribution", lang))
    CanvasPatterns().add_to(fmap)
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
