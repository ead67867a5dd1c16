"""Vector layers on a folium map: `CompactGeoJson` (encoded payload, styled in the browser) and `add_layer`."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geo.maps.payload import (
    ADD_JS,
    DETAIL_JS,
    DISPLAY_TOLERANCE_M,
    MERGE_JS,
    PRECISION,
    Detail,
    LayerRows,
    html_safe,
    layer_rows,
)
from geo.maps.popups import display_properties, popup_columns


class RawScript(Element):
    """Ready JavaScript put on the page as it is: never parsed as a template (it can be megabytes)."""

    def __init__(self, script: str):
        super().__init__()
        self.script = script

    def render(self, **kwargs: Any) -> str:
        return self.script


class _LayerRows(MacroElement):
    """Adds a CompactGeoJson's rows to it in the browser, expanding the encoded geometries first.

    The rows travel inside the map's script, in full detail, or — once `geo.maps.served.serve_layer_data`
    has set `url` — as a static JSON file the browser fetches (in parallel, while the rest of the map sets
    up). A large layer is then served as its overview (`detail.overview` at `url`), and its full-detail
    geometries (`detail.rows`, at `detail_url`) are put in place when the map is zoomed to `detail.zoom`
    or further (level of detail).
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def __init__(self, rows: str, signal: str, layer: LayerRows | None = None):
        super().__init__()
        self._name = "LayerRows"
        self.rows = rows
        self.signal = json.dumps(signal)
        self.layer = layer  # where the overview and detail come from when the rows are served
        self.url: str | None = None  # a local path (…/app/static/cache/…) when the rows are served as a file
        self.detail: Detail | None = None  # set with `url` for a layer drawn from its overview first
        self.detail_url: str | None = None  # … and where its full detail is served

    def js(self) -> str:
        # After the next two animation frames the features are painted: `window.binhaiDrawn[layer]`
        # then holds their count — what tests and the bench wait for, whatever the renderer — and
        # `window.binhaiTiming[layer]` the clock (ms since the epoch) at start, added and painted. Each
        # feature's Leaflet layer carries `_binhaiLayer` (the layer's name) for tests to find it by.
        # `window.binhaiDetail[layer]` says which geometries are painted: "overview" or "full".
        def painted(then: str) -> str:
            return f"requestAnimationFrame(function () {{ requestAnimationFrame(function () {{ {then} }}); }});"

        level = "(window.binhaiDetail = window.binhaiDetail || {})[layer_name] = "
        add = (
            "function add(rows, full) { "
            f"var count = ({ADD_JS})(layer, rows, {PRECISION}); "
            "layer.eachLayer(function (feature) { feature._binhaiLayer = layer_name; }); "
            "var added = Date.now(); detailed = detailed || full; built = true; "
            + painted(
                f"(window.binhaiTiming = window.binhaiTiming || {{}})[{self.signal}] = "
                "{started: started, added: added, painted: Date.now()}; "
                f"(window.binhaiDrawn = window.binhaiDrawn || {{}})[{self.signal}] = count; "
                f"{level}full ? 'full' : 'overview'; "
                "window.binhaiPending -= 1; if (window.binhaiCheckReady) { window.binhaiCheckReady(); }"
            )
            + " watch(); }"
        )
        inline = self.url is None
        if inline or self.detail is None:
            lod = "var detailed = true, built = false; function watch() {} function zoomedIn() { return false; }"
        else:
            # The detail is fetched once, when first needed.
            get = (
                f"fetch({html_safe(json.dumps(self.detail_url))}).then(function (r) {{ "
                "if (!r.ok) { throw new Error(r.status + ' ' + r.url); } return r.json(); })"
            )
            lod = (
                "var detailed = false, built = false, watched = null; "
                f"function detailRows() {{ return {get}; }} "
                f"function zoomedIn() {{ return !!layer._map && layer._map.getZoom() >= {int(self.detail.zoom)}; }} "
                "function refine() { if (detailed || !built || !zoomedIn()) { return; } detailed = true; "
                f"detailRows().then(function (rows) {{ ({DETAIL_JS})(layer, rows, {PRECISION}); "
                + painted(f"{level}'full';")
                + " }).catch(function (e) { detailed = false; console.error('binhai: detail of ' + layer_name, e); }); } "
                "function watch() { var map = layer._map; if (map && watched !== map) { watched = map; "
                'map.on("zoomend", refine); } refine(); } '
                'layer.on("add", watch);'
            )
        # A layer's rows as they are added: with the detail's geometries when the map is already zoomed in,
        # so the first paint is right (the overview if the detail cannot be had); else the overview.
        rows_then_add = (
            "function (rows) { if (detailed || !zoomedIn()) { add(rows, detailed); return; } detailed = true; "
            f"return detailRows().then(function (detail) {{ add(({MERGE_JS})(rows, detail), true); }}, "
            "function (e) { console.error('binhai: detail of ' + layer_name, e); detailed = false; add(rows, false); }); }"
        )
        count = "window.binhaiPending = (window.binhaiPending || 0) + 1; "
        if inline:
            load = f"{count}add({self.rows}, true);"
        else:
            # Same origin, a relative path: nothing leaves the portal (the offline rule). A file of a layer
            # shown at first is usually on its way already (static/binhai/prefetch.js, the map's first script).
            # Every layer's file is fetched at once, but the layers are added one after the other in
            # the map's order (`binhaiLayerQueue`): the canvas draws, and hit-tests, in the order shapes
            # were added, so parks stay above the admin units whichever file arrives first.
            fetch = (
                "function load() { started = Date.now(); "
                # Resolved as prefetch.js names what it fetched: the path, whatever the portal's sub-path.
                f"{count}var url = new URL({html_safe(json.dumps(self.url))}, document.baseURI).pathname, "
                "prefetched = window.binhaiPrefetched || {}; "
                "var text = prefetched[url] || fetch(url).then(function (r) { "
                "if (!r.ok) { throw new Error(r.status + ' ' + r.url); } return r.text(); }); "
                "delete prefetched[url]; "
                "window.binhaiLayerQueue = (window.binhaiLayerQueue || Promise.resolve())"
                ".then(function () { return text; }).then(function (t) { return JSON.parse(t); })"
                f".then({rows_then_add})"
                ".catch(function (e) { console.error('binhai: layer data of ' + layer_name, e); }); }"
            )
            # A layer hidden at first (e.g. 两高 projects on 一张图) is fetched and built when it is switched on.
            load = fetch + (' layer.once("add", load);' if self._hidden_at_first() else " load();")
        return (
            "(function (layer, layer_name) { var started = Date.now(); "
            f"{lod} {add} {load} }})({self._parent.get_name()}, {self.signal});"
        )

    def _hidden_at_first(self) -> bool:
        """Whether the layer's group starts switched off in the layer control (folium's `show=False`)."""
        group = getattr(self._parent, "_parent", None)
        return isinstance(group, folium.FeatureGroup) and not group.show

    def render(self, **kwargs: Any) -> None:
        # branca would compile the rendered script as a Jinja template: seconds for a large layer.
        self.get_root().script.add_child(RawScript(self.js()), name=self.get_name())


def _js_style(constant: dict[str, Any], from_properties: dict[str, str]) -> str:
    entries = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in constant.items()]
    entries += [f"{json.dumps(k)}: feature.properties[{json.dumps(p)}]" for k, p in from_properties.items()]
    return html_safe("function (feature) { return {" + ", ".join(entries) + "}; }")


class CompactGeoJson(folium.GeoJson):
    """A folium GeoJson layer for thousands of features, with the same tooltip, popup and marker API.

    The features travel as one JSON text from `geo.maps.payload.payload` (display properties, geometries
    simplified to DISPLAY_TOLERANCE_M and polyline-encoded) and are styled in the browser from their
    properties: `style` holds constant options, `style_from_properties` maps an option to a property
    (e.g. {"fillColor": "_fill"}). Python never builds a per-feature style table or parses the data.
    """

    _template = FoliumTemplate(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            style: {{ this.style_js }},
            {%- if this.highlight_style %}
            onEachFeature: function (feature, layer) {
                layer.on({
                    mouseout: function (e) {
                        if (typeof e.target.setStyle === "function") { {{ this.get_name() }}.resetStyle(e.target); }
                    },
                    mouseover: function (e) {
                        if (typeof e.target.setStyle === "function") { e.target.setStyle({{ this.highlight_style|tojson }}); }
                    },
                });
            },
            {%- endif %}
            {%- if this.marker %}
            pointToLayer: function (feature, latlng) {
                var options = Object.assign({{ this.marker.options|tojavascript }}, ({{ this.style_js }})(feature));
                return new L.{{ this.marker._name }}(latlng, options);
            },
            {%- endif %}
            ...{{ this.options|tojavascript }}
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        gdf: gpd.GeoDataFrame,
        properties: dict[str, list[str]] | Callable[[], dict[str, list[str]]],
        *,
        style: dict[str, Any],
        style_from_properties: dict[str, str],
        highlight: dict[str, Any] | None = None,
        tolerance_m: float = DISPLAY_TOLERANCE_M,
        memo_key: tuple[Any, ...] | None = None,
        **kwargs: Any,
    ):
        # `properties` may be a function and `memo_key` name what they are made from: see `layer_rows`.
        made = layer_rows(gdf, properties, tolerance_m, memo_key)
        first, rows = made.first, made.rows
        # folium reads the first feature's properties (tooltip/popup field checks) and the layer's
        # bounds from `data`: give it one feature with the layer's bounding box, not all of them.
        samples = []
        if len(gdf):
            x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
            samples.append(
                {
                    "type": "Feature",
                    "properties": dict(first),  # `first` may be remembered and shared by sessions
                    "geometry": json.loads(shapely.to_geojson(shapely.box(x0, y0, x1, y1))),
                }
            )
        super().__init__({"type": "FeatureCollection", "features": samples}, **kwargs)
        self.style_js = _js_style(style, style_from_properties)
        self.highlight_style = highlight
        signal = kwargs.get("name") or "layer"
        self.add_child(_LayerRows(rows, signal, made))


def layer_style(spec: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """A layer's style: constant options, and options read from each feature's properties."""
    style = spec.style
    constant: dict[str, Any] = {"weight": style.weight, "fillOpacity": style.fill_opacity}
    from_properties = {"color": "_color"}
    if style.category_field or not style.fill_color:
        from_properties["fillColor"] = "_color"
    else:
        constant["fillColor"] = style.fill_color
    if style.dash_array:
        constant["dashArray"] = style.dash_array
    return constant, from_properties


def add_layer(
    fmap: folium.Map, spec: Any, gdf: gpd.GeoDataFrame, lang: str, reference: bool = False
) -> folium.FeatureGroup:
    """One FeatureGroup per layer: GeoJSON with style, hover tooltip (name + key fields), click popup.

    `reference=True` draws the layer as a non-interactive backdrop (no tooltip, popup or clicks).
    """
    group = folium.FeatureGroup(name=html.escape(spec.title(lang)), show=spec.shown_by_default)
    style, from_properties = layer_style(spec)
    if len(gdf) and reference:
        backdrop = gdf[["id", "geometry"]]
        CompactGeoJson(
            backdrop,
            lambda: display_properties(backdrop, spec, lang),
            memo_key=("layer", spec, lang),
            name=spec.name,
            style=style,
            style_from_properties=from_properties,
            interactive=False,
        ).add_to(group)
    elif len(gdf):
        tips = [f for f in spec.tooltip_fields if f.name in gdf]
        tooltip_fields = [f.name for f in tips]
        tooltip_aliases = [html.escape(f.title(lang)) for f in tips]
        popup_fields, popup_aliases = popup_columns(spec, lang, gdf)
        CompactGeoJson(
            gdf,
            lambda: display_properties(gdf, spec, lang),
            memo_key=("layer", spec, lang),
            name=spec.name,
            style=style,
            style_from_properties=from_properties,
            highlight={"weight": 4, "fillOpacity": 0.6},
            marker=folium.CircleMarker(radius=spec.style.radius, weight=spec.style.weight, fill=True, fill_opacity=0.9)
            if "Point" in spec.geometry
            else None,
            tooltip=folium.GeoJsonTooltip(fields=tooltip_fields, aliases=tooltip_aliases, sticky=True),
            popup=folium.GeoJsonPopup(fields=popup_fields, aliases=popup_aliases, max_width=360),
        ).add_to(group)
    group.add_to(fmap)
    return group
