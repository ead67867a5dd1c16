"""geo.crs: the GCJ-02 ("Mars coordinates") conversion against the published formulas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.crs import (
    BINHAI_BOUNDS,
    convert_gcj02_to_wgs84,
    gcj02_offset_m,
    gcj02_to_wgs84_xy,
    ground_distance_m,
    wgs84_to_gcj02_xy,
)


def binhai_grid(n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = BINHAI_BOUNDS
    lon, lat = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return lon.ravel(), lat.ravel()


def test_wgs84_to_gcj02_matches_the_published_reference_point():
    # The value every implementation of the formulas (coordtransform and its ports) documents.
    lon, lat = wgs84_to_gcj02_xy(np.array([116.404]), np.array([39.915]))
    assert lon[0] == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat[0] == pytest.approx(39.91640428150164, abs=1e-9)


def test_gcj02_round_trip_is_well_under_a_metre_across_binhai_and_china():
    lon, lat = binhai_grid()
    china_lon, china_lat = np.meshgrid(np.linspace(75, 135, 13), np.linspace(18, 53, 8))
    lon = np.concatenate([lon, china_lon.ravel()])
    lat = np.concatenate([lat, china_lat.ravel()])
    back_lon, back_lat = gcj02_to_wgs84_xy(*wgs84_to_gcj02_xy(lon, lat))
    assert ground_distance_m(lon, lat, back_lon, back_lat).max() < 0.01


def test_gcj02_shift_in_binhai_is_a_few_hundred_metres():
    lon, lat = binhai_grid(5)
    shifted = ground_distance_m(lon, lat, *wgs84_to_gcj02_xy(lon, lat))
    assert (shifted > 100).all() and (shifted < 700).all()
    assert 400 < gcj02_offset_m(117.70, 39.05) < 700


def test_outside_china_nothing_is_shifted():
    lon, lat = np.array([2.35, -74.0, 139.7]), np.array([48.85, 40.7, 35.7])
    assert np.array_equal(wgs84_to_gcj02_xy(lon, lat)[0], lon)
    assert np.array_equal(gcj02_to_wgs84_xy(lon, lat)[1], lat)


def test_convert_gcj02_to_wgs84_moves_whole_geometries_and_keeps_missing_ones():
    park = shapely.box(117.55, 38.76, 117.57, 38.78)
    coords = shapely.get_coordinates(park)
    gcj = shapely.Polygon(np.column_stack(wgs84_to_gcj02_xy(coords[:, 0], coords[:, 1])))
    series = gpd.GeoSeries([gcj, None, shapely.Point(*wgs84_to_gcj02_xy(117.6, 39.0))], crs="EPSG:4326")
    back = convert_gcj02_to_wgs84(series)
    assert back.crs == series.crs and back.iloc[1] is None
    assert shapely.hausdorff_distance(back.iloc[0], park) < 1e-8
    assert back.iloc[2].distance(shapely.Point(117.6, 39.0)) < 1e-8
    array = convert_gcj02_to_wgs84(np.array([gcj], dtype=object))
    assert shapely.hausdorff_distance(array[0], park) < 1e-8
