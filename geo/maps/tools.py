"""The GIS basics every portal map carries, running in the browser only (no Python rerun, offline):

- 搜索 / search: type part of a name, pick a result, the map zooms to that feature;
- 视野内 / in view: a list of the named features inside the current view, kept up to date as the
  user pans and zooms; a name zooms to its feature;
- 全屏 / full screen;
- 测量 / measure: click points for a length, three or more for an area, both computed in
  EPSG:4548 (CGCS2000 / 3° Gauss–Krüger CM 117°E) with the vendored proj4js — never in degrees.

Names reach the page as text (`textContent`), never as HTML: feature properties are stored
HTML-escaped for folium's tooltips, and are decoded without being parsed as markup.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.i18n import t
from geo.maps.assets import LOCAL_ASSETS, STATIC_VENDOR

# EPSG:4548 for proj4js (what pyproj gives for it).
MEASURE_PROJ4 = "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
TOOLS_CSS = """<style>
.binhai-tool{background:#fff;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.4 sans-serif;}
.binhai-tool button{border:0;background:#fff;cursor:pointer;padding:4px 8px;font:12px sans-serif;}
.binhai-tool button:hover{background:#f0f0f0;}
.binhai-search input{width:170px;padding:4px 6px;border:1px solid #ccc;border-radius:3px;font:12px sans-serif;}
.binhai-results{max-height:220px;overflow:auto;margin:0;padding:0;list-style:none;}
.binhai-results li,.binhai-inview li{padding:3px 6px;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:240px;}
.binhai-results li:hover,.binhai-inview li:hover{background:#eef3f7;}
.binhai-inview{max-height:240px;overflow:auto;margin:0;padding:0;list-style:none;}
.binhai-measure-out{padding:4px 8px;min-width:140px;}
.binhai-measuring .leaflet-interactive,.binhai-measuring .leaflet-overlay-pane canvas{pointer-events:none!important;}
.binhai-measuring{cursor:crosshair!important;}
@media (max-width:480px){.binhai-search input{width:110px;}.binhai-inview-box{display:none;}}
</style>"""


class MapTools(JSCSSMixin, MacroElement):
    """Search, in-view list, full screen and an EPSG:4548 measure tool (see the module docstring)."""

    default_js: list[tuple[str, str]] = []  # proj4js is loaded by the script after the first paint
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, words) {
            var decoder = document.createElement("textarea");
            // Only text with an entity needs the (slow) decoder: most names have none.
            function plain(html) {
                if (html.indexOf("&") < 0) { return html; }
                decoder.innerHTML = html;
                return decoder.value;
            }
            // The named features, walked once per change of the map's layers (not per search or move).
            var namedCache = null;
            map.on("layeradd layerremove", function () { namedCache = null; });
            function named() {
                if (namedCache !== null) { return namedCache; }
                var found = [];
                map.eachLayer(function (layer) {
                    var p = layer.feature && layer.feature.properties;
                    if (p && p.name && (layer.getBounds || layer.getLatLng)) {
                        if (layer._binhaiName === undefined) { layer._binhaiName = plain(String(p.name)); }
                        found.push({name: layer._binhaiName, layer: layer});
                    }
                });
                namedCache = found;
                return found;
            }
            function zoomTo(layer) {
                if (layer.getBounds) { map.fitBounds(layer.getBounds(), {maxZoom: 15, padding: [30, 30]}); }
                else { map.setView(layer.getLatLng(), Math.max(map.getZoom(), 15)); }
                if (layer.openTooltip) { layer.openTooltip(); }
            }
            function item(list, entry) {
                var li = L.DomUtil.create("li", "", list);
                li.textContent = entry.name;
                li.title = entry.name;
                L.DomEvent.on(li, "click", function (e) { L.DomEvent.stop(e); zoomTo(entry.layer); });
            }

            var Search = L.Control.extend({
                options: {position: "topleft"},
                onAdd: function () {
                    var box = L.DomUtil.create("div", "binhai-tool binhai-search leaflet-bar");
                    var input = L.DomUtil.create("input", "", box);
                    input.type = "search";
                    input.placeholder = words.search;
                    input.setAttribute("aria-label", words.search);
                    var list = L.DomUtil.create("ul", "binhai-results", box);
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    L.DomEvent.on(input, "input", function () {
                        list.innerHTML = "";
                        var q = input.value.trim().toLowerCase();
                        if (!q) { return; }
                        var hits = named().filter(function (e) { return e.name.toLowerCase().indexOf(q) >= 0; });
                        if (!hits.length) { L.DomUtil.create("li", "", list).textContent = words.none; return; }
                        hits.slice(0, 12).forEach(function (e) { item(list, e); });
                    });
                    return box;
                }
            });

            var InView = L.Control.extend({
                options: {position: "bottomleft"},
                onAdd: function () {
                    var box = L.DomUtil.create("div", "binhai-tool binhai-inview-box");
                    var details = L.DomUtil.create("details", "", box);
                    var summary = L.DomUtil.create("summary", "", details);
                    summary.style.cursor = "pointer";
                    summary.style.padding = "4px 8px";
                    var list = L.DomUtil.create("ul", "binhai-inview", details);
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    function refresh() {
                        var view = map.getBounds();
                        var inside = named().filter(function (e) {
                            return e.layer.getBounds ? view.intersects(e.layer.getBounds()) : view.contains(e.layer.getLatLng());
                        });
                        var seen = {};
                        inside = inside.filter(function (e) { if (seen[e.name]) { return false; } seen[e.name] = 1; return true; });
                        summary.textContent = words.inView + " (" + inside.length + ")";
                        box.setAttribute("data-count", inside.length);
                        // "1": counted with every layer in (fetched layers arrive after the tools are added).
                        box.setAttribute("data-settled", window.binhaiReady ? "1" : "0");
                        list.innerHTML = "";
                        inside.slice(0, 200).forEach(function (e) { item(list, e); });
                    }
                    // Once per burst of events: adding 10,000 features fires 10,000 "layeradd"s, and a
                    // refresh per event would walk every layer each time (quadratic: minutes).
                    var pending = null;
                    function later() {
                        if (pending === null) { pending = setTimeout(function () { pending = null; refresh(); }, 100); }
                    }
                    map.on("moveend zoomend layeradd layerremove binhaiready", later);
                    later();
                    return box;
                }
            });

            var FullScreen = L.Control.extend({
                options: {position: "topleft"},
                onAdd: function () {
                    var box = L.DomUtil.create("div", "binhai-tool leaflet-bar");
                    var button = L.DomUtil.create("button", "binhai-fullscreen", box);
                    button.type = "button";
                    button.textContent = words.fullscreenShort;
                    button.title = words.fullscreen;
                    button.setAttribute("aria-label", words.fullscreen);
                    L.DomEvent.on(button, "click", function (e) {
                        L.DomEvent.stop(e);
                        var el = map.getContainer();
                        if (document.fullscreenElement) { document.exitFullscreen(); }
                        else if (el.requestFullscreen) { el.requestFullscreen(); }
                    });
                    document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });
                    return box;
                }
            });

            // proj4js (94 KB) is not among the scripts the map waits for: it is loaded once the map is
            // drawn (or at the first measure), so the first paint does not wait for it. A standalone file
            // carries it inline (`standalone_js`). Without it the map works on; measuring says it cannot.
            var toMetres = null, proj4Waiting = [], proj4Failed = false;
            function withProj4(done) {
                if (toMetres || proj4Failed) { if (done) { done(); } return; }
                if (typeof proj4 === "function") { toMetres = proj4("EPSG:4326", {{ this.proj_js }}); if (done) { done(); } return; }
                if (done) { proj4Waiting.push(done); }
                if (proj4Waiting.loading) { return; }
                if (!{{ this.proj4_url }}) { proj4Failed = true; proj4Waiting.splice(0).forEach(function (f) { f(); }); return; }
                proj4Waiting.loading = true;
                var script = document.createElement("script");
                script.src = {{ this.proj4_url }};
                function settle(ok) {
                    if (ok && typeof proj4 === "function") { toMetres = proj4("EPSG:4326", {{ this.proj_js }}); } else { proj4Failed = true; }
                    proj4Waiting.splice(0).forEach(function (f) { f(); });
                }
                script.onload = function () { settle(true); };
                script.onerror = function () { settle(false); };
                document.head.appendChild(script);
            }
            map.once("binhaiready", function () { setTimeout(function () { withProj4(null); }, 0); });
            function metres(latlng) { return toMetres.forward([latlng.lng, latlng.lat]); }
            function measures(points) {
                var xy = points.map(metres), length = 0, area = 0, i;
                for (i = 1; i < xy.length; i++) { length += Math.hypot(xy[i][0] - xy[i - 1][0], xy[i][1] - xy[i - 1][1]); }
                if (xy.length >= 3) {
                    for (i = 0; i < xy.length; i++) {
                        var j = (i + 1) % xy.length;
                        area += xy[i][0] * xy[j][1] - xy[j][0] * xy[i][1];
                    }
                }
                return {length_m: length, area_m2: Math.abs(area) / 2};
            }
            window.binhaiMeasures = measures;

            var Measure = L.Control.extend({
                options: {position: "topleft"},
                onAdd: function () {
                    var box = L.DomUtil.create("div", "binhai-tool leaflet-bar binhai-measure");
                    var button = L.DomUtil.create("button", "binhai-measure-start", box);
                    button.type = "button";
                    button.textContent = words.measureShort;
                    button.title = words.measure;
                    button.setAttribute("aria-label", words.measure);
                    var out = L.DomUtil.create("div", "binhai-measure-out", box);
                    out.style.display = "none";
                    L.DomEvent.disableClickPropagation(box);
                    var points = [], line = null, shape = null, active = false;
                    function draw() {
                        if (line) { map.removeLayer(line); }
                        if (shape) { map.removeLayer(shape); }
                        line = L.polyline(points, {color: "#000", weight: 2, dashArray: "4 4", interactive: false}).addTo(map);
                        shape = points.length >= 3
                            ? L.polygon(points, {color: "#000", weight: 1, fillOpacity: 0.1, interactive: false}).addTo(map)
                            : null;
                        if (!toMetres) {  // proj4js still on its way (drawn again when it is in), or missing
                            out.textContent = proj4Failed ? words.unavailable : words.hint;
                            withProj4(draw);
                            return;
                        }
                        var m = measures(points);
                        var text = words.length + " " + (m.length_m >= 1000 ? (m.length_m / 1000).toFixed(3) + " km" : m.length_m.toFixed(1) + " m");
                        if (points.length >= 3) { text += " · " + words.area + " " + (m.area_m2 / 1e6).toFixed(4) + " km²"; }
                        out.textContent = points.length ? text + " (" + words.crs + ")" : words.hint;
                        out.setAttribute("data-length-m", m.length_m.toFixed(3));
                        out.setAttribute("data-area-m2", m.area_m2.toFixed(3));
                        out.setAttribute("data-points", String(points.length));
                    }
                    function onClick(e) { points.push(e.latlng); draw(); }
                    function stop() {
                        active = false;
                        map.off("click", onClick);
                        map.doubleClickZoom.enable();
                        L.DomUtil.removeClass(map.getContainer(), "binhai-measuring");
                        button.textContent = words.measureShort;
                    }
                    L.DomEvent.on(button, "click", function (e) {
                        L.DomEvent.stop(e);
                        if (active) { stop(); return; }
                        if (line) { map.removeLayer(line); line = null; }
                        if (shape) { map.removeLayer(shape); shape = null; }
                        points = [];
                        active = true;
                        out.style.display = "block";
                        out.textContent = words.hint;
                        map.on("click", onClick);
                        map.doubleClickZoom.disable();
                        L.DomUtil.addClass(map.getContainer(), "binhai-measuring");
                        button.textContent = words.finish;
                        withProj4(null);
                    });
                    return box;
                }
            });

            new Search().addTo(map);
            new FullScreen().addTo(map);
            new Measure().addTo(map);
            new InView().addTo(map);
        })({{ this._parent.get_name() }}, {{ this.words_js }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str):
        super().__init__()
        self._name = "MapTools"
        words = {
            key: t(f"tool_{key}", lang)
            for key in (
                "search",
                "none",
                "inView",
                "fullscreen",
                "fullscreenShort",
                "measure",
                "measureShort",
                "finish",
                "length",
                "area",
                "hint",
                "crs",
                "unavailable",
            )
        }
        self.words_js = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
        self.proj_js = json.dumps(MEASURE_PROJ4)
        self.proj4_url = json.dumps(f"{STATIC_VENDOR}/{LOCAL_ASSETS['proj4']}")

    def for_standalone(self) -> None:
        """In a file opened without a server (geo.maps.assets.standalone_html) proj4js is inlined, not loaded."""
        self.default_js = [("proj4", "proj4/proj4.js")]
        self.proj4_url = "null"


def add_tools(fmap: Any, lang: str) -> None:
    """Give `fmap` search, the in-view list, full screen and the EPSG:4548 measure tool."""
    MapTools(lang).add_to(fmap)
    fmap.get_root().header.add_child(Element(TOOLS_CSS), name="binhai_tools_css")
