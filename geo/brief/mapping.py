"""The brief's static map, drawn with matplotlib (no network, no tiles) in EPSG:4548 (CGCS2000 / 3° GK 117E).

Features coloured as on the page, the admin boundaries, a legend, a scale bar in km and a north arrow.
The same renderer gives the PDF's map and the PNG for slides.
"""

from __future__ import annotations

import functools
import io
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from geo.brief.content import BriefContent, MapLayer
from geo.brief.fonts import cjk_font_path
from geo.crs import MEASURE_CRS, STORAGE_CRS

MAP_CRS = MEASURE_CRS  # metres, so the scale bar is true across the district
BOUNDARY_COLOUR = "#555555"
DISTRICT_COLOUR = "#222222"
ZONE_COLOUR = "#6a3d9a"
NICE_LENGTHS_KM = (1, 2, 5, 10, 20, 25, 50)
OVERLAY_MARKERS = ("o", "^", "s", "D")
BACKGROUND = "#f7f7f7"


@dataclass(frozen=True)
class MapImage:
    """A rendered map: the image bytes (PNG, or JPEG for the PDF), its size in pixels and the extent drawn."""

    png: bytes
    width: int
    height: int
    extent: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in MAP_CRS


# rcParams are process-wide: two sessions of the portal rendering at once take turns.
_RENDERING = threading.RLock()


@functools.cache
def _font_name(path: str) -> str:
    """Register the font file with matplotlib once per process; its family name."""
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


@contextmanager
def cjk_fonts():
    """matplotlib's text in the CJK font for the duration (one renderer at a time)."""
    name = _font_name(str(cjk_font_path()))
    # The collection's face is registered as weight 500; matplotlib would note, for every text, that it
    # picked it for "normal" — true and harmless, so that note is kept out of the log.
    finder = logging.getLogger("matplotlib.font_manager")
    with _RENDERING:
        level = finder.level
        finder.setLevel(logging.ERROR)
        try:
            with matplotlib.rc_context({"font.family": [name], "font.weight": 500, "axes.unicode_minus": False}):
                yield
        finally:
            finder.setLevel(level)


def view_extent(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The view's lon/lat box in MAP_CRS (the box around its four projected corners)."""
    west, south, east, north = bounds
    box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs=STORAGE_CRS).to_crs(MAP_CRS)
    return tuple(float(v) for v in box.total_bounds)


def nice_scale_km(width_m: float) -> int:
    """A round length for the scale bar: the largest of NICE_LENGTHS_KM within a fifth of the map's width."""
    fitting = [k for k in NICE_LENGTHS_KM if k * 1000 <= width_m / 5]
    return fitting[-1] if fitting else NICE_LENGTHS_KM[0]


def _draw(ax, layer: MapLayer) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = view_extent(layer.bounds)
    admin = layer.admin.to_crs(MAP_CRS) if len(layer.admin) else layer.admin
    features = layer.features.to_crs(MAP_CRS) if len(layer.features) else layer.features
    if len(admin):
        towns = admin[admin["kind"].isin(["street", "town"])]
        zones = admin[admin["kind"] == "zone"]
        district = admin[admin["kind"] == "district"]
        if len(towns):
            towns.plot(ax=ax, facecolor=BACKGROUND, edgecolor="#bbbbbb", linewidth=0.4)
    if len(features):
        lineal = features.geom_type.isin(["LineString", "MultiLineString"])
        areas, lines = features[~lineal], features[lineal]
        if len(areas):
            areas.plot(ax=ax, color=list(areas["colour"]), edgecolor="#ffffff", linewidth=0.3)
        if len(lines):  # rivers and channels (黑臭水体): a line as wide as it must be to show its colour
            lines.plot(ax=ax, color=list(lines["colour"]), linewidth=2.2, zorder=4)
    overlay_handles = []
    for (title, frame, colour), marker in zip(layer.overlays, OVERLAY_MARKERS * 3, strict=False):
        if not len(frame):
            continue
        frame = frame.to_crs(MAP_CRS)
        points = frame[frame.geom_type.isin(["Point", "MultiPoint"])]
        shapes = frame[~frame.geom_type.isin(["Point", "MultiPoint"])]
        if len(shapes):
            shapes.plot(ax=ax, facecolor=colour, alpha=0.35, edgecolor=colour, linewidth=0.8)
            overlay_handles.append(Patch(facecolor=colour, alpha=0.5, edgecolor=colour, label=title))
        if len(points):
            # A black rim and a shape per layer: a point stays visible whatever the fill beneath it.
            points.plot(ax=ax, color=colour, marker=marker, markersize=16, edgecolor="#000000", linewidth=0.5, zorder=5)
            overlay_handles.append(
                Line2D([], [], marker=marker, linestyle="", color=colour, markeredgecolor="#000000", label=title)
            )
    if len(admin):
        if len(towns):
            towns.boundary.plot(ax=ax, color=BOUNDARY_COLOUR, linewidth=0.4)
        if len(zones):
            zones.boundary.plot(ax=ax, color=ZONE_COLOUR, linewidth=0.7, linestyle="--")
        if len(district):
            district.boundary.plot(ax=ax, color=DISTRICT_COLOUR, linewidth=1.2)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    # 'box' keeps the limits exactly the view's extent: the axes' frame takes the aspect instead.
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, xmin, ymin, xmax, ymax)
    _north_arrow(ax)
    handles = [Patch(facecolor=colour, edgecolor="#666666", label=label) for label, colour in layer.legend]
    if layer.background_label:
        handles.append(Patch(facecolor=BACKGROUND, edgecolor="#bbbbbb", label=layer.background_label))
    handles += overlay_handles
    handles.append(Patch(facecolor="none", edgecolor=DISTRICT_COLOUR, label="区界"))
    handles.append(Patch(facecolor="none", edgecolor=ZONE_COLOUR, linestyle="--", label="开发区界"))
    handles.append(Patch(facecolor="none", edgecolor=BOUNDARY_COLOUR, label="街镇界"))
    ax.legend(
        handles=handles, title=layer.legend_title, loc="lower right", fontsize=7, title_fontsize=8, framealpha=0.9
    )
    ax.set_title(layer.title, fontsize=11)
    return xmin, ymin, xmax, ymax


def _scale_bar(ax, xmin: float, ymin: float, xmax: float, ymax: float) -> None:
    km = nice_scale_km(xmax - xmin)
    x0 = xmin + (xmax - xmin) * 0.05
    y0 = ymin + (ymax - ymin) * 0.04
    h = (ymax - ymin) * 0.008
    half = km * 500
    ax.add_patch(Rectangle((x0, y0), half, h, facecolor="black", edgecolor="black", linewidth=0.6))
    ax.add_patch(Rectangle((x0 + half, y0), half, h, facecolor="white", edgecolor="black", linewidth=0.6))
    for x, text in ((x0, "0"), (x0 + half * 2, f"{km} 公里")):
        ax.text(x, y0 + h * 2.2, text, ha="center", va="bottom", fontsize=7)


def _north_arrow(ax) -> None:
    ax.annotate(
        "",
        xy=(0.06, 0.95),
        xytext=(0.06, 0.85),
        xycoords="axes fraction",
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 12, "headlength": 12},
    )
    ax.text(0.06, 0.955, "北 N", transform=ax.transAxes, ha="center", va="bottom", fontsize=9)


def render_map(
    layer: MapLayer, width_in: float = 7.0, height_in: float = 7.0, dpi: int = 200, image_format: str = "png"
) -> MapImage:
    """The map as a PNG (or JPEG) of width_in × height_in inches at `dpi` (the frame keeps the view's aspect)."""
    with cjk_fonts():
        fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.02, 0.03, 0.96, 0.91))
        extent = _draw(ax, layer)
        fig.text(
            0.98,
            0.005,
            f"坐标系 {MAP_CRS}（CGCS2000 / 3° 高斯-克吕格 117°E）",
            ha="right",
            va="bottom",
            fontsize=6,
            color="#555555",
        )
        buffer = io.BytesIO()
        extra = {"pil_kwargs": {"quality": 92}} if image_format == "jpeg" else {}
        fig.savefig(buffer, format=image_format, dpi=dpi, facecolor="white", **extra)
    width, height = (int(round(v)) for v in np.array(fig.get_size_inches()) * dpi)
    return MapImage(buffer.getvalue(), width, height, extent)


def render_map_png(content: BriefContent, width_px: int = 1600, height_px: int = 1200, dpi: int = 200) -> bytes:
    """The map alone as a PNG for slides (width_px × height_px), with the 示意数据 mark when sample data is in."""
    layer = content.map
    if content.sample:
        layer = replace(layer, title=f"{layer.title}（示意数据）")
    return render_map(layer, width_px / dpi, height_px / dpi, dpi).png
