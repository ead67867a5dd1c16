"""How every portal map behaves in the browser, whatever it shows.

- It frames the district (or the page's bounds) when it first becomes visible: a map created in a
  hidden tab has no size, so Leaflet would fit the bounds to nothing and show the whole world.
- A metric scale bar only (no miles on a Chinese government map).
- The attribution names the data source (示意数据 / the basemap's own), without Leaflet's prefix.
- A click is a click: focusing the map never scrolls the page under the pointer, and tooltips
  sit above the cursor and let pointer events through.
- A signal for tests and the bench: `window.binhaiMap` is the Leaflet map, `window.binhaiReady`
  turns true once it is framed and drawn.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import Element, MacroElement
from jinja2 import Template

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
            function frame() {
                if (container.clientWidth === 0 || container.clientHeight === 0) { return; }
                map.invalidateSize();
                if (!framed) {
                    map.fitBounds(bounds, {padding: [8, 8]});
                    framed = true;
                    window.binhaiReady = true;
                }
            }
            if (window.ResizeObserver) { new ResizeObserver(frame).observe(container); }
            map.whenReady(frame);
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
        x0, y0, x1, y1 = bounds
        self.bounds_js = json.dumps([[y0, x0], [y1, x1]])
        # JSON-encoded and HTML-safe: the attribution is inserted as HTML by Leaflet.
        self.attribution_js = json.dumps(attribution).replace("<", "\\u003c").replace(">", "\\u003e")


def add_behaviour(fmap: Any, bounds: tuple[float, float, float, float], attribution: str) -> None:
    """Give `fmap` the portal's common behaviour (see the module docstring)."""
    MapBehaviour(bounds, attribution).add_to(fmap)
    fmap.get_root().header.add_child(Element(TOOLTIP_CSS), name="binhai_tooltip_css")
