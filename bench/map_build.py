"""1. Map build of 10,000 park polygons: the portal's map vs a naive `folium.GeoJson(gdf)`.

Both build a folium map of the same parks and render it to HTML (what `st_folium` sends is measured
too: it re-renders the map and walks every element once more). "No visible change at district
zoom" is measured as the largest Hausdorff distance between a park as drawn and as stored, in
metres (EPSG:4548) and in screen pixels at zoom 10.
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

import layers
from geo import classify, stats
from geo.crs import MEASURE_CRS
from geo.maps import build_choropleth_map, build_map, class_legend_rows, palette, render_html
from geo.maps.payload import (
    DISPLAY_TOLERANCE_M,
    OVERVIEW_TOLERANCE_M,
    PRECISION,
    detail_zoom,
    forget_display_geometries,
    metres_per_pixel,
    simplify_lonlat,
)
from geo.store.db import Store
from geo.store.features import read_layer

TOOLTIP_FIELDS = ["name", "zone", "town", "industry"]


def naive_map(parks: gpd.GeoDataFrame) -> folium.Map:
    """What one writes first: the whole GeoDataFrame into folium, with a tooltip."""
    fmap = folium.Map(location=[38.95, 117.64], zoom_start=10, tiles=None)
    folium.GeoJson(parks, tooltip=folium.GeoJsonTooltip(fields=TOOLTIP_FIELDS)).add_to(fmap)
    return fmap


def portal_map(parks: gpd.GeoDataFrame) -> folium.Map:
    return build_map([(layers.get_spec("parks"), parks)])


def st_folium_script(fmap: folium.Map) -> str:
    """The Python side of `st_folium` for this map, without Streamlit: what each rerun pays."""
    logging.disable(logging.WARNING)  # no Streamlit app runs here: no "missing ScriptRunContext" noise
    try:
        from streamlit_folium import _get_header, _get_html, _get_map_string
    finally:
        logging.disable(logging.NOTSET)

    fmap.get_root().render()
    fmap.render()
    _get_html(fmap)
    _get_header(fmap)
    script = _get_map_string(fmap)
    fmap.get_bounds()
    return script


def _timed(fn, repeats: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        forget_display_geometries()  # a first build each time: not the memo a page rerun hits
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def drawn_vs_stored(parks: gpd.GeoDataFrame) -> dict[str, float]:
    """Largest Hausdorff distance (m, EPSG:4548) between each park as the browser draws it and as stored.

    Two levels (geo.maps.payload): the overview a page draws first, up to the zoom below `detail_zoom`
    (measured in pixels at z10, the district's zoom), and the full detail drawn from `detail_zoom` on.
    """
    x0, y0, x1, y1 = parks.total_bounds
    latitude = float(y0 + y1) / 2
    stored_m = gpd.GeoSeries(parks.geometry.values, crs=parks.crs).to_crs(MEASURE_CRS).values
    out: dict[str, float] = {
        "map_metres_per_pixel_z10": round(metres_per_pixel(10, latitude), 1),
        "map_detail_zoom": detail_zoom(latitude),
        "map_vertices_stored": int(shapely.get_num_coordinates(parks.geometry.values).sum()),
    }
    for prefix, tolerance in (("map_", DISPLAY_TOLERANCE_M), ("map_overview_", OVERVIEW_TOLERANCE_M)):
        drawn = simplify_lonlat(parks.geometry.values, tolerance)
        drawn = shapely.transform(drawn, lambda xy: np.round(xy, PRECISION))
        drawn_m = gpd.GeoSeries(drawn, crs=parks.crs).to_crs(MEASURE_CRS).values
        distance = shapely.hausdorff_distance(stored_m, drawn_m)
        out |= {
            f"{prefix}max_hausdorff_m": round(float(distance.max()), 2),
            f"{prefix}p99_hausdorff_m": round(float(np.percentile(distance, 99)), 2),
            f"{prefix}max_hausdorff_px_z10": round(float(distance.max()) / metres_per_pixel(10, latitude), 3),
            f"{prefix}vertices_drawn": int(shapely.get_num_coordinates(drawn).sum()),
        }
    # The full detail at the first zoom it is drawn at (the overview is drawn up to the one before).
    out["map_max_hausdorff_px_detail_zoom"] = round(
        out["map_max_hausdorff_m"] / metres_per_pixel(out["map_detail_zoom"], latitude), 3
    )
    return out


def choropleth(store: Store, parks: gpd.GeoDataFrame) -> folium.Map:
    """The cockpit's map (park choropleth over the admin units) as views/parks.py builds it."""
    values = stats.park_values(store, "energy_intensity", 2024, with_geometry=True)
    bounds = classify.breaks(values["value"], 5, "quantiles")
    colors = palette(len(bounds))
    classes = classify.assign_classes(values["value"], bounds)
    admin = read_layer(store, layers.get_spec("admin_units"))
    rows = class_legend_rows(bounds, colors, float(values["value"].min()), "tce/万元", "zh")
    return build_choropleth_map(
        values,
        [(layers.get_spec("admin_units"), admin)],
        classes=classes,
        colors=colors,
        legend_rows_=rows,
        title="能耗强度",
        value_label="能耗强度",
        unit="tce/万元",
    )


def run(store: Store, repeats: int = 3, naive_repeats: int = 2, log=print) -> dict[str, Any]:
    parks = read_layer(store, layers.get_spec("parks"))
    log(f"  {len(parks):,} parks, {shapely.get_num_coordinates(parks.geometry.values).mean():.0f} vertices each")
    naive_s, naive_all, naive_html = _timed(lambda: render_html(naive_map(parks)), naive_repeats)
    portal_s, portal_all, portal_html = _timed(lambda: render_html(portal_map(parks)), repeats)
    log(
        f"  naive {naive_s:.2f} s {len(naive_html) / 1e6:.1f} MB · portal {portal_s:.2f} s {len(portal_html) / 1e6:.1f} MB"
    )
    naive_st_s, _, naive_script = _timed(lambda: st_folium_script(naive_map(parks)), 1)
    portal_st_s, _, portal_script = _timed(lambda: st_folium_script(portal_map(parks)), repeats)
    log(f"  st_folium: naive {naive_st_s:.2f} s · portal {portal_st_s:.2f} s")
    cockpit_s, _, cockpit_html = _timed(lambda: render_html(choropleth(store, parks)), repeats)
    result = {
        "map_parks": len(parks),
        "map_naive_build_render_s": round(naive_s, 3),
        "map_portal_build_render_s": round(portal_s, 3),
        "map_naive_html_mb": round(len(naive_html) / 1e6, 2),
        "map_portal_html_mb": round(len(portal_html) / 1e6, 2),
        "map_time_ratio": round(naive_s / portal_s, 1),
        "map_size_ratio": round(len(naive_html) / len(portal_html), 1),
        "map_st_folium_naive_s": round(naive_st_s, 3),
        "map_st_folium_portal_s": round(portal_st_s, 3),
        "map_st_folium_naive_script_mb": round(len(naive_script) / 1e6, 2),
        "map_st_folium_portal_script_mb": round(len(portal_script) / 1e6, 2),
        "map_st_folium_time_ratio": round(naive_st_s / portal_st_s, 1),
        "map_cockpit_choropleth_build_render_s": round(cockpit_s, 3),
        "map_cockpit_choropleth_html_mb": round(len(cockpit_html) / 1e6, 2),
        "map_raw_s": {"naive": [round(t, 3) for t in naive_all], "portal": [round(t, 3) for t in portal_all]},
    }
    result.update(drawn_vs_stored(parks))
    return result
