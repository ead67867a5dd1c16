"""How every portal map behaves in the browser, whatever it shows.

- It frames the district (or the page's bounds) when it first becomes visible: a map created in a
  hidden tab has no size, so Leaflet would fit the bounds to nothing and show the whole world.
- A metric scale bar only (no miles on a Chinese government map).
- The attribution names the data source (示意数据 / the basemap's own), without Leaflet's prefix.
- A click is a click: focusing the map never scrolls the page under the pointer, and tooltips
  sit above the cursor and let pointer events through.
- On a phone (a screen under `NARROW_PX` wide) the layer list and the legend start folded.
- A signal for tests and the bench: `window.binhaiMap` is the Leaflet map, `window.binhaiReady`
  turns true once it is framed and every layer's features (fetched or inline) are painted.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

NARROW_PX = 600  # on a screen narrower than this (a phone) a map starts with its layer list and legend folded
TOOLTIP_CSS = (
    "<style>.leaflet-tooltip{pointer-events:none!important;}.leaflet-tooltip.foliumtooltip{margin-top:-14px;}</style>"
)


class MapBehaviour(MacroElement):
    """Framing on first show, metric scale, attribution without prefix, a ready signal."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var bounds = L.latLngBounds({{ this.bounds_js }});
            var container = map.getContainer();
            var framed = false;
            // Ready = framed and every layer's features painted (a layer whose data is fetched counts
            // itself in `binhaiPending` and calls binhaiCheckReady once it has drawn).
            window.binhaiPending = window.binhaiPending || 0;
            window.binhaiCheckReady = function () {
                if (framed && window.binhaiPending === 0 && !window.binhaiReady) {
                    window.binhaiReady = true;
                    map.fire("binhaiready");  // the tools recount what is in view once every layer is in
                }
            };
            function frame() {
                if (container.clientWidth === 0 || container.clientHeight === 0) { return; }
                map.invalidateSize();
                if (!framed) {
                    // Not animated: the layers are then projected once, at this view, not again after it.
                    map.fitBounds(bounds, {padding: [8, 8], animate: false});
                    framed = true;
                    setTimeout(window.binhaiCheckReady, 0);  // after the whole map script has run
                }
            }
            if (window.ResizeObserver) { new ResizeObserver(frame).observe(container); }
            map.whenReady(frame);
            // On a phone the layer list and the legend start folded, so they do not cover the map.
            setTimeout(function () {
                var screenWidth = window.innerWidth;
                try { screenWidth = window.top.innerWidth; } catch (e) { /* another origin: use our own */ }
                if (screenWidth >= {{ this.narrow_px }}) { return; }
                (window.binhaiLayerControls || []).forEach(function (control) {
                    control.collapse();
                    map.on("click", control.collapse, control);
                });
                document.querySelectorAll(".binhai-legend details").forEach(function (d) { d.open = false; });
            }, 0);
            // Leaflet focuses the map on mousedown; focusing an element inside the iframe makes the
            // page scroll the iframe into view, so the mouseup lands elsewhere and the click is lost.
            if (map.keyboard) {
                map.keyboard.disable();
                map.keyboard._onMouseDown = function () {
                    if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); }
                };
                map.keyboard.enable();
            }
            L.control.scale({metric: true, imperial: false}).addTo(map);
            map.attributionControl.setPrefix(false);
            map.attributionControl.addAttribution({{ this.attribution_js }});
            window.binhaiMap = map;
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: tuple[float, float, float, float], attribution: str):
        super().__init__()
        self._name = "MapBehaviour"
        self.narrow_px = NARROW_PX
        x0, y0, x1, y1 = bounds
        self.bounds_js = json.dumps([[y0, x0], [y1, x1]])
        # JSON-encoded and HTML-safe: the attribution is inserted as HTML by Leaflet.
        self.attribution_js = json.dumps(attribution).replace("<", "\\u003c").replace(">", "\\u003e")


class _RegisterLayerControl(MacroElement):
    """Makes a layer control reachable by MapBehaviour (to fold it on a phone)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (window.binhaiLayerControls = window.binhaiLayerControls || []).push({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def layer_control(fmap: Any, collapsed: bool) -> folium.LayerControl:
    """The map's layer control (top right), folded on narrow screens whatever `collapsed` says."""
    control = folium.LayerControl(collapsed=collapsed, position="topright")
    control.add_child(_RegisterLayerControl())
    control.add_to(fmap)
    return control


def add_behaviour(fmap: Any, bounds: tuple[float, float, float, float], attribution: str) -> None:
    """Give `fmap` the portal's common behaviour (see the module docstring)."""
    MapBehaviour(bounds, attribution).add_to(fmap)
    fmap.get_root().header.add_child(Element(TOOLTIP_CSS), name="binhai_tooltip_css")
