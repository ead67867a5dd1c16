"""Folium map building: offline assets, basemaps, layer styles, escaped tooltips/popups, legend.

Pure: takes GeoDataFrames and LayerSpecs, returns a folium.Map. The Streamlit page only renders it.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.mapdata import DISPLAY_TOLERANCE_M, EXPAND_JS, PRECISION, html_safe, memoised, payload, simplify_lonlat

# Every JS/CSS asset a map may load, by folium's asset name → path under the vendored static folder.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "leaflet_draw_js": "leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": "leaflet-draw/leaflet.draw.css",
}
# folium's defaults that our maps never use (we draw CircleMarkers, not icon markers): left out.
UNUSED_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)
STATIC_VENDOR = "/app/static/vendor"  # absolute: relative URLs resolve against the component iframe
COORD_DECIMALS = 6  # ≈ 0.1 m; more digits only add payload

TIANDITU_URL = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"  # noqa: E501
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


class MissingAssetError(RuntimeError):
    """A map element wants a JS/CSS file that is not vendored: it would load from a CDN offline."""


def _walk(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localize_assets(fmap: folium.Map, base: str = STATIC_VENDOR) -> folium.Map:
    """Point every element's default_js/default_css at vendored files (instance attributes only).

    Raises MissingAssetError for an asset we do not ship, so a new plugin cannot silently pull a CDN.
    """
    for element in _walk(fmap):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if not assets:
                continue
            local = []
            for name, _url in assets:
                if name in UNUSED_ASSETS:
                    continue
                if name not in LOCAL_ASSETS:
                    raise MissingAssetError(
                        f"{type(element).__name__} needs asset {name!r} which is not in static/vendor; "
                        "vendor it and add it to geo.mapping.LOCAL_ASSETS"
                    )
                local.append((name, f"{base}/{LOCAL_ASSETS[name]}"))
            setattr(element, attr, local)
    return fmap


@dataclass(frozen=True)
class Basemap:
    kind: str = "none"  # none | local | tianditu | osm
    tianditu_key: str = ""
    local_tiles_url: str = "/app/static/tiles/{z}/{x}/{y}.png"


def add_basemap(fmap: folium.Map, basemap: Basemap, lang: str) -> None:
    """Add the chosen basemap; 'none' adds nothing (the admin boundaries are the reference layer)."""
    if basemap.kind == "local":
        folium.TileLayer(
            tiles=basemap.local_tiles_url, attr="本地瓦片 / local tiles", name=t("basemap_local", lang), max_zoom=18
        ).add_to(fmap)
    elif basemap.kind == "tianditu":
        key = quote(basemap.tianditu_key, safe="")
        for layer, overlay in (("vec", False), ("cva", True)):
            folium.TileLayer(
                tiles=TIANDITU_URL.format(s="{s}", layer=layer, key=key),
                attr="© 天地图 Tianditu",
                name=f"{t('basemap_tianditu', lang)} {layer}",
                subdomains="01234567",
                overlay=overlay,
                control=False,
                max_zoom=18,
            ).add_to(fmap)
    elif basemap.kind == "osm":
        folium.TileLayer(tiles=OSM_URL, attr="© OpenStreetMap contributors", name="OpenStreetMap").add_to(fmap)
    elif basemap.kind != "none":
        raise ValueError(f"unknown basemap {basemap.kind!r}")


def _round_coords(geoms: np.ndarray, decimals: int = COORD_DECIMALS) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def _display(value: Any) -> str:
    """Text of an attribute value for a tooltip/popup, HTML-escaped (they are inserted as innerHTML)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return html.escape(f"{value:,.2f}")
    return html.escape(str(value))


def measure_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    """The measure columns a layer shows: those with at least one value (lines: length, polygons: area)."""
    return [m for m in ("area_km2", "length_km") if m in gdf and gdf[m].notna().any()]


def display_properties(gdf: gpd.GeoDataFrame, spec: Any, lang: str) -> dict[str, list[str]]:
    """Escaped, labelled display text of a layer's features, column by column, plus `_color`.

    Every feature carries the same keys (folium's popup requires it); a missing value shows as "—".
    Each distinct value is formatted once: a layer of thousands of features has few distinct labels.
    """
    style = spec.style
    props: dict[str, list[str]] = {"id": memoised(_display, gdf["id"].tolist())}
    for f in spec.fields:
        if f.name not in gdf:
            continue
        values = gdf[f.name].tolist()
        if f.choices:
            props[f.name] = memoised(lambda v, f=f: _display(f.label(v, lang) if _present(v) else v), values)
        else:
            props[f.name] = memoised(_display, values)
    for measure in measure_columns(gdf):
        props[measure] = memoised(lambda v: _display(float(v) if _present(v) else None), gdf[measure].tolist())
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
    geoms = _round_coords(gdf.geometry.values)
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


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


def _layer_style(spec: Any) -> tuple[dict[str, Any], dict[str, str]]:
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


def _popup_fields(spec: Any, lang: str, gdf: gpd.GeoDataFrame) -> tuple[list[str], list[str]]:
    present = [f for f in spec.fields if f.name in gdf]
    fields = ["id", *[f.name for f in present], *measure_columns(gdf)]
    aliases = [t("id", lang), *[f.title(lang) for f in present], *[t(m, lang) for m in measure_columns(gdf)]]
    return fields, [html.escape(a) for a in aliases]


class _Script(Element):
    """Ready JavaScript put on the page as it is: never parsed as a template (it can be megabytes)."""

    def __init__(self, script: str):
        super().__init__()
        self.script = script

    def render(self, **kwargs: Any) -> str:
        return self.script


class _LayerRows(MacroElement):
    """Adds a CompactGeoJson's rows to it in the browser, expanding the encoded geometries first."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def __init__(self, rows: str):
        super().__init__()
        self._name = "LayerRows"
        self.rows = rows

    def js(self) -> str:
        return f"{self._parent.get_name()}.addData(({EXPAND_JS})({self.rows}, {PRECISION}));"

    def render(self, **kwargs: Any) -> None:
        # branca would compile the rendered script as a Jinja template: seconds for a large layer.
        self.get_root().script.add_child(_Script(self.js()), name=self.get_name())


def _js_style(constant: dict[str, Any], from_properties: dict[str, str]) -> str:
    entries = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in constant.items()]
    entries += [f"{json.dumps(k)}: feature.properties[{json.dumps(p)}]" for k, p in from_properties.items()]
    return html_safe("function (feature) { return {" + ", ".join(entries) + "}; }")


class CompactGeoJson(folium.GeoJson):
    """A folium GeoJson layer for thousands of features, with the same tooltip, popup and marker API.

    The features travel as one JSON text from `geo.mapdata.payload` (display properties, geometries
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
        properties: dict[str, list[str]],
        *,
        style: dict[str, Any],
        style_from_properties: dict[str, str],
        highlight: dict[str, Any] | None = None,
        tolerance_m: float = DISPLAY_TOLERANCE_M,
        **kwargs: Any,
    ):
        # folium reads the first feature's properties (tooltip/popup field checks) and the layer's
        # bounds from `data`: give it one feature with the layer's bounding box, not all of them.
        samples = []
        if len(gdf):
            x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
            samples.append(
                {
                    "type": "Feature",
                    "properties": {k: v[0] for k, v in properties.items()},
                    "geometry": json.loads(shapely.to_geojson(shapely.box(x0, y0, x1, y1))),
                }
            )
        super().__init__({"type": "FeatureCollection", "features": samples}, **kwargs)
        self.style_js = _js_style(style, style_from_properties)
        self.highlight_style = highlight
        geoms = simplify_lonlat(gdf.geometry.values, tolerance_m)
        self.add_child(_LayerRows(payload(gdf["id"].tolist(), properties, geoms)))


def add_layer(
    fmap: folium.Map, spec: Any, gdf: gpd.GeoDataFrame, lang: str, reference: bool = False
) -> folium.FeatureGroup:
    """One FeatureGroup per layer: GeoJSON with style, hover tooltip (name + key fields), click popup.

    `reference=True` draws the layer as a non-interactive backdrop (no tooltip, popup or clicks).
    """
    group = folium.FeatureGroup(name=html.escape(spec.title(lang)), show=spec.shown_by_default)
    style, from_properties = _layer_style(spec)
    if len(gdf) and reference:
        CompactGeoJson(
            gdf[["id", "geometry"]],
            display_properties(gdf[["id", "geometry"]], spec, lang),
            style=style,
            style_from_properties=from_properties,
            interactive=False,
        ).add_to(group)
    elif len(gdf):
        tips = [f for f in spec.tooltip_fields if f.name in gdf]
        tooltip_fields = [f.name for f in tips]
        tooltip_aliases = [html.escape(f.title(lang)) for f in tips]
        popup_fields, popup_aliases = _popup_fields(spec, lang, gdf)
        CompactGeoJson(
            gdf,
            display_properties(gdf, spec, lang),
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


class Legend(MacroElement):
    """A fixed legend control listing each layer's symbol (and categories), escaped text only."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="binhai-legend" style="position:absolute; bottom:24px; right:10px; z-index:1000;
             background:rgba(255,255,255,.92); padding:8px 10px; border-radius:4px; font:12px/1.5 sans-serif;
             box-shadow:0 1px 4px rgba(0,0,0,.3); max-height:45%; overflow:auto;">
          <details open><summary style="font-weight:600; cursor:pointer; margin-bottom:4px;">{{ this.title }}</summary>
          {% for row in this.rows %}
          <div style="{{ 'margin-left:14px;' if row.indent else 'margin-top:3px;' }}">
            <span style="display:inline-block; width:14px; height:{{ row.h }}px; vertical-align:middle;
              background:{{ row.fill }}; border:{{ row.border }}; border-radius:{{ row.radius }};"></span>
            {{ row.label }}
          </div>
          {% endfor %}
          </details>
          <div style="margin-top:6px; color:#a50f15;">{{ this.note }}</div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, rows: list[dict[str, Any]], note: str):
        super().__init__()
        self._name = "BinhaiLegend"
        self.title = html.escape(title)
        self.rows = rows
        self.note = html.escape(note)


def legend_rows(specs: Sequence[Any], lang: str) -> list[dict[str, Any]]:
    rows = []
    for spec in specs:
        s = spec.style
        point = "Point" in spec.geometry
        line_only = spec.geometry == ("LineString",)
        base = {
            "h": 14 if not line_only else 3,
            "radius": "50%" if point else "2px",
        }
        fill = s.fill_color or s.color
        rows.append(
            {
                **base,
                "label": html.escape(spec.title(lang)),
                "fill": fill if s.fill_opacity > 0 or point else "transparent",
                "border": f"2px {'dashed' if s.dash_array else 'solid'} {s.color}",
                "indent": False,
            }
        )
        if s.category_field:
            field = next(f for f in spec.fields if f.name == s.category_field)
            for code, colour in s.category_colors:
                rows.append(
                    {
                        **base,
                        "label": html.escape(field.label(code, lang)),
                        "fill": colour,
                        "border": f"1px solid {colour}",
                        "indent": True,
                    }
                )
    return rows


def new_map(lang: str, basemap: Basemap, bounds: tuple[float, float, float, float] = BINHAI_BOUNDS) -> folium.Map:
    x0, y0, x1, y1 = bounds
    fmap = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        min_zoom=7,
        max_zoom=18,
    )
    add_basemap(fmap, basemap, lang)
    fmap.fit_bounds([[y0, x0], [y1, x1]])
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
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    Legend(t("legend", lang), legend_rows([s for s, _ in ordered], lang), t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)


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
NO_DATA_PATTERN = "binhai-nodata"
NO_DATA_FILL = f"url(#{NO_DATA_PATTERN})"
SELECTED_COLOR = "#00b3ff"
_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    f'<pattern id="{NO_DATA_PATTERN}" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eeeeee"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs></svg>'
)


def palette(k: int, lower_is_better: bool = True) -> list[str]:
    table = PALETTES["YlOrRd" if lower_is_better else "YlGn"]
    return table[min(max(k, 3), 7)][: max(k, 1)] if k >= 3 else table[3][:k]


def format_number(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    if magnitude >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def class_legend_rows(bounds: Sequence[float], colors: Sequence[str], minimum: float, unit: str, lang: str):
    """Legend rows 'low – high unit' for each class plus the no-data swatch."""
    rows = []
    low = minimum
    for upper, colour in zip(bounds, colors, strict=False):
        label = f"{format_number(low)} – {format_number(upper)} {unit}"
        rows.append(
            {
                "h": 14,
                "radius": "2px",
                "fill": colour,
                "border": "1px solid #888",
                "indent": False,
                "label": html.escape(label),
            }
        )
        low = upper
    rows.append(
        {
            "h": 14,
            "radius": "2px",
            "fill": "repeating-linear-gradient(45deg,#9e9e9e 0 2px,#eeeeee 2px 5px)",
            "border": "1px solid #888",
            "indent": False,
            "label": html.escape(t("no_data", lang)),
        }
    )
    return rows


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
    properties = {
        "id": memoised(_display, gdf["id"].tolist()),
        "name": memoised(_display, gdf["name"].tolist()),
        "value": memoised(
            lambda v: html.escape(f"{format_number(float(v))} {unit}") if _present(v) else no_data,
            gdf["value"].tolist(),
        ),
        "_fill": [colors[c] if c >= 0 else NO_DATA_FILL for c in np.asarray(classes, dtype=int).tolist()],
    }
    group = folium.FeatureGroup(name=html.escape(title))
    CompactGeoJson(
        gdf,
        properties,
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


def add_selection(fmap: folium.Map, geometry: Any, label: str) -> None:
    """Outline the selected feature (non-interactive, drawn on top)."""
    folium.GeoJson(
        json.loads(shapely.to_geojson(geometry)),
        name=html.escape(label),
        style_function=lambda _f: {"color": SELECTED_COLOR, "weight": 4, "fillOpacity": 0, "dashArray": None},
        interactive=False,
        control=False,
    ).add_to(fmap)


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
    selected_id: str | None = None,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """The cockpit map: reference layers underneath, the park choropleth, the selection, legend."""
    fmap = new_map(lang, basemap or Basemap(), bounds)
    for spec, gdf in reference:
        add_layer(fmap, spec, gdf, lang, reference=True)
    add_choropleth(
        fmap, parks, classes=classes, colors=colors, title=title, value_label=value_label, unit=unit, lang=lang
    )
    if selected_id is not None:
        chosen = parks[parks["id"] == selected_id]
        if len(chosen):
            add_selection(fmap, chosen.geometry.iloc[0], str(chosen["name"].iloc[0]))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    Legend(title, legend_rows_, t("illustrative_short", lang)).add_to(fmap)
    return localize_assets(fmap, asset_base)


def render_html(fmap: folium.Map) -> str:
    """Standalone HTML of a map (for tests and exports)."""
    return fmap.get_root().render()
