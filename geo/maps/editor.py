"""The zone editor map: draw, reshape, cut holes into and remove polygons with Leaflet-Geoman (vendored).

Why Geoman and not folium's Draw (Leaflet.draw): Leaflet.draw shows no vertex handles on a GeoJSON
layer and returns an edit without its properties (../shared/docs/offline-maps.md); Geoman edits
multi-part polygons and their holes in place and keeps each feature's properties.

The bridge to streamlit-folium: it listens only to Leaflet.draw's `draw:created/edited/deleted` and
then reads `window.drawnItems.toGeoJSON()`. So the editable group is `window.drawnItems`, and every
Geoman change (`pm:create`, `pm:edit`, `pm:cut`, `pm:remove`) is re-fired as `draw:edited`.

Only the editable group can be edited: `L.PM.setOptIn(true)` leaves every other layer (zones in
force, admin units) out of Geoman's edit, cut and removal modes — they stay snap targets.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from geo.crs import BINHAI_BOUNDS
from geo.i18n import t
from geo.maps.assets import STATIC_VENDOR, localize_assets
from geo.maps.basemaps import Basemap
from geo.maps.behaviour import layer_control
from geo.maps.build import new_map
from geo.maps.vector import add_layer

EDITABLE_STYLE = {"color": "#d7191c", "weight": 3, "fillColor": "#fdae61", "fillOpacity": 0.35}


class ZoneEditor(JSCSSMixin, MacroElement):
    """Geoman's toolbar (polygon, rectangle, edit, cut a hole, remove) acting on one editable group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, group) {
            L.PM.setOptIn(true);
            window.drawnItems = group;
            map.pm.setLang({{ this.lang_js }});
            map.pm.setGlobalOptions({layerGroup: group, allowSelfIntersection: true, snappable: true,
                                     snapDistance: 12, pathOptions: {{ this.style_js }}});
            map.pm.addControls({position: 'topleft', drawMarker: false, drawCircleMarker: false,
                                drawPolyline: false, drawCircle: false, drawText: false,
                                drawRectangle: true, drawPolygon: true, editMode: true, dragMode: false,
                                cutPolygon: true, removalMode: true, rotateMode: false});
            function report(e) {
                window.binhaiEdits = (window.binhaiEdits || 0) + 1;
                map.fire('draw:edited', {layer: e.layer || e.target});
            }
            function optIn(layer) {
                layer.options.pmIgnore = false;
                L.PM.reInitLayer(layer);
                if (layer.eachLayer) { layer.eachLayer(optIn); } else { layer.on('pm:edit', report); }
            }
            group.eachLayer(optIn);
            map.on('pm:create', function (e) { optIn(e.layer); report(e); });
            map.on('pm:cut', function (e) { optIn(e.layer); report(e); });
            map.on('pm:remove', report);
            window.binhaiEditor = {map: map, group: group};
        })({{ this._parent.get_name() }}, {{ this.group.get_name() }});
        {% endmacro %}
        """
    )
    default_js = [("leaflet_geoman_js", f"{STATIC_VENDOR}/leaflet-geoman/leaflet-geoman.js")]
    default_css = [("leaflet_geoman_css", f"{STATIC_VENDOR}/leaflet-geoman/leaflet-geoman.css")]

    def __init__(self, group: folium.FeatureGroup, lang: str):
        super().__init__()
        self._name = "ZoneEditor"
        self.group = group
        self.lang_js = json.dumps("zh" if lang == "zh" else "en")
        self.style_js = json.dumps(EDITABLE_STYLE)


def _feature(geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": json.loads(shapely.to_geojson(geometry))}


def editor_map(
    reference: Sequence[tuple[Any, gpd.GeoDataFrame]],
    editable: BaseGeometry | None,
    editable_id: str | None,
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """A map with reference layers (spec, frame) and one editable zone (or none, to draw a new one).

    The editable shape is framed when given; its feature carries `zone_id` so the edit maps back.
    """
    if editable is not None and not editable.is_empty:
        x0, y0, x1, y1 = editable.bounds
        pad = max(x1 - x0, y1 - y0) * 0.3 + 0.002
        bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    fmap = new_map(lang, basemap or Basemap(), bounds)
    for spec, frame in sorted(reference, key=lambda sf: sf[0].draw_order):
        add_layer(fmap, spec, frame, lang, reference=spec.name == "admin_units")
    group = folium.FeatureGroup(name=html.escape(t("zones_editing_layer", lang)), control=True)
    if editable is not None and not editable.is_empty:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [_feature(editable, {"zone_id": editable_id or ""})]},
            style_function=lambda _f: EDITABLE_STYLE,
        ).add_to(group)
    group.add_to(fmap)
    ZoneEditor(group, lang).add_to(fmap)
    layer_control(fmap, collapsed=True)
    return localize_assets(fmap, asset_base)


def drawings_to_geometry(drawings: Sequence[dict[str, Any]] | None) -> BaseGeometry | None:
    """The polygons the editor returned as one (multi)polygon, parts kept as drawn (not unioned).

    Not unioned on purpose: overlapping or self-crossing parts must reach the checks, which offer
    `make_valid`'s repair. Lines and points in the drawings are returned as they are (the checks refuse them).
    """
    if not drawings:
        return None
    geoms = [shapely.geometry.shape(f["geometry"]) for f in drawings if f and f.get("geometry")]
    polygons = [p for g in geoms for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        others = [g for g in geoms if not g.is_empty]
        return others[0] if others else None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


PART_COLOURS = {
    "blocking": "#d7191c",
    "warning": "#fdae61",
    "added": "#1a9641",
    "removed": "#7b3294",
    "candidate": "#2b83ba",
    "current": "#555555",
}


def review_map(
    reference: Sequence[tuple[Any, gpd.GeoDataFrame]],
    candidate: BaseGeometry | None,
    parts: Sequence[tuple[str, str, BaseGeometry]],
    lang: str = "zh",
    basemap: Basemap | None = None,
    bounds: tuple[float, float, float, float] = BINHAI_BOUNDS,
    asset_base: str = STATIC_VENDOR,
) -> folium.Map:
    """A read-only map of a draft and what the checks or a diff point at: (kind, label, geometry) each.

    `kind` is one of PART_COLOURS' keys; labels are escaped (they may quote a zone's name).
    """
    if candidate is not None and not candidate.is_empty:
        x0, y0, x1, y1 = candidate.bounds
        pad = max(x1 - x0, y1 - y0) * 0.3 + 0.002
        bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    fmap = new_map(lang, basemap or Basemap(), bounds)
    for spec, frame in sorted(reference, key=lambda sf: sf[0].draw_order):
        add_layer(fmap, spec, frame, lang, reference=True)
    if candidate is not None and not candidate.is_empty:
        _outline(fmap, candidate, t("zones_candidate", lang), "candidate", dash=None, fill=0.1)
    for kind, label, geometry in parts:
        if geometry is None or geometry.is_empty:
            continue
        _outline(fmap, geometry, label, kind, dash="5 4" if kind == "current" else None, fill=0.55)
    layer_control(fmap, collapsed=True)
    return localize_assets(fmap, asset_base)


def _outline(fmap: folium.Map, geometry: BaseGeometry, label: str, kind: str, dash: str | None, fill: float) -> None:
    colour = PART_COLOURS[kind]
    style = {"color": colour, "weight": 3, "fillColor": colour, "fillOpacity": fill, "dashArray": dash}
    shown = html.escape(label)
    if geometry.geom_type in ("Point", "MultiPoint"):
        for point in shapely.get_parts(geometry):
            folium.CircleMarker(
                [point.y, point.x], radius=9, color=colour, fill=True, fill_opacity=0.8, tooltip=shown
            ).add_to(fmap)
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [_feature(geometry, {"label": shown})]},
        name=shown,
        style_function=lambda _f: style,
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
