"""A concentration grid as a coloured overlay: a PNG rendered here, embedded as a data URL (offline).

Leaflet stretches an image linearly between its corner coordinates in Web Mercator, so the grid is
first reprojected to EPSG:3857 (`rasterio.warp.reproject`, nearest neighbour: cell values stay
values), then coloured (a matplotlib colormap between `vmin` and `vmax`; nodata transparent) and
placed at the lon/lat of its Mercator corners. Large grids are thinned to at most `max_side` pixels
per side before colouring, because the PNG travels over the component's websocket.

A page adds it with one call after building its map: `add_grid_overlay(fmap, grid, …)`.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import folium
import numpy as np
from affine import Affine
from branca.element import MacroElement
from jinja2 import Template
from matplotlib import colormaps
from PIL import Image
from pyproj import Transformer
from rasterio.warp import Resampling, calculate_default_transform, reproject

from geo.maps.legend import format_number

WEB_MERCATOR = "EPSG:3857"
GRID_PANE = "binhaiGrid"
_TO_LONLAT = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Overlay:
    """A rendered grid: PNG bytes, Leaflet bounds [[south, west], [north, east]], the colour range."""

    png: bytes
    bounds: list[list[float]]
    vmin: float
    vmax: float
    cmap: str

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def to_web_mercator(
    values: np.ndarray, transform: Affine, crs: str, nodata: float | None, max_side: int = 800
) -> tuple[np.ndarray, Affine]:
    """The grid on an EPSG:3857 grid (NaN where there is no data), at most `max_side` cells a side."""
    source = values.astype("float32")
    if nodata is not None:
        source = np.where(source == nodata, np.nan, source)
    height, width = source.shape
    left, top = transform @ (0, 0)
    right, bottom = transform @ (width, height)
    dst_transform, dst_width, dst_height = calculate_default_transform(
        crs, WEB_MERCATOR, width, height, left=min(left, right), bottom=min(top, bottom),
        right=max(left, right), top=max(top, bottom),
    )  # fmt: skip
    scale = max(dst_width, dst_height) / max_side
    if scale > 1:
        dst_width, dst_height = max(int(dst_width / scale), 1), max(int(dst_height / scale), 1)
        dst_transform = dst_transform * Affine.scale(scale)
    out = np.full((dst_height, dst_width), np.nan, dtype="float32")
    reproject(
        source,
        out,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    return out, dst_transform


def render_overlay(
    values: np.ndarray,
    transform: Affine,
    crs: str,
    nodata: float | None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "YlOrRd",
    max_side: int = 800,
) -> Overlay:
    """The grid as a PNG on Web Mercator and its lon/lat bounds; colours from the 2nd to 98th percentile by default."""
    mercator, dst = to_web_mercator(values, transform, crs, nodata, max_side)
    finite = mercator[np.isfinite(mercator)]
    low = float(np.percentile(finite, 2)) if vmin is None and len(finite) else float(vmin or 0)
    high = float(np.percentile(finite, 98)) if vmax is None and len(finite) else float(vmax or 1)
    if high <= low:
        high = low + 1
    scaled = np.clip((mercator - low) / (high - low), 0, 1)
    rgba = (colormaps[cmap](np.nan_to_num(scaled)) * 255).astype("uint8")
    rgba[..., 3] = np.where(np.isfinite(mercator), 255, 0)
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=True)
    height, width = mercator.shape
    x0, y1 = dst @ (0, 0)
    x1, y0 = dst @ (width, height)
    west, south = _TO_LONLAT.transform(x0, y0)
    east, north = _TO_LONLAT.transform(x1, y1)
    return Overlay(buffer.getvalue(), [[south, west], [north, east]], low, high, cmap)


class GridLegend(MacroElement):
    """A colour ramp with its range and unit (bottom left), escaped text only."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="binhai-grid-legend" style="position:absolute; bottom:24px; left:10px; z-index:1000;
             background:rgba(255,255,255,.92); padding:6px 8px; border-radius:4px; font:12px/1.4 sans-serif;
             box-shadow:0 1px 4px rgba(0,0,0,.3);">
          <div style="font-weight:600;">{{ this.title }}</div>
          <div style="width:180px; height:12px; background:linear-gradient(to right, {{ this.stops }});"></div>
          <div style="display:flex; justify-content:space-between; width:180px;">
            <span>{{ this.low }}</span><span>{{ this.high }} {{ this.unit }}</span></div>
          <div style="color:#a50f15;">{{ this.note }}</div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, overlay: Overlay, unit: str, note: str):
        super().__init__()
        self._name = "GridLegend"
        self.title = html.escape(title)
        ramp = colormaps[overlay.cmap]
        self.stops = ", ".join(
            "#{:02x}{:02x}{:02x}".format(*(int(c * 255) for c in ramp(x)[:3])) for x in np.linspace(0, 1, 7)
        )
        self.low = html.escape(format_number(overlay.vmin))
        self.high = html.escape(format_number(overlay.vmax))
        self.unit = html.escape(unit)
        self.note = html.escape(note)


def add_grid_overlay(
    fmap: folium.Map,
    values: np.ndarray,
    transform: Affine,
    crs: str,
    nodata: float | None,
    *,
    title: str,
    unit: str,
    note: str = "",
    opacity: float = 0.6,
    cmap: str = "YlOrRd",
) -> Overlay:
    """Put a grid on `fmap` (below the vector layers, not clickable) with its colour-ramp legend."""
    overlay = render_overlay(values, transform, crs, nodata, cmap=cmap)
    # A pane of its own under the vector layers' (overlayPane, z-index 400): parks stay visible and clickable.
    folium.map.CustomPane(GRID_PANE, z_index=350, pointer_events=False).add_to(fmap)
    folium.raster_layers.ImageOverlay(
        image=overlay.data_url,
        bounds=overlay.bounds,
        opacity=float(opacity),
        name=html.escape(title),
        interactive=False,
        pane=GRID_PANE,
        # Not in the layer control: a page adds the grid after the control, whose script would then name
        # the overlay before it exists. The page's own picker switches it on and off.
        control=False,
    ).add_to(fmap)
    GridLegend(title, overlay, unit, note).add_to(fmap)
    return overlay
