"""Zonal statistics against a hand-computed 4×4 raster (cell (row, col) holds 4·row + col)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from geo.zonal import STATS, overlapping, zonal_stats, zonal_stats_file

# Cells are 1 × 1 with the raster's top-left corner at (0, 4): cell (r, c) spans x c…c+1, y 3−r…4−r.
TRANSFORM = Affine(1, 0, 0, 0, -1, 4)
NORTH_WEST = shapely.box(0, 2, 2, 4)  # cells 0, 1, 4, 5
SOUTH_EAST = shapely.box(2, 0, 4, 2)  # cells 10, 11, 14, 15
NORTH_EAST = shapely.box(2, 2, 4, 4)  # cells 2, 3, 6, 7 — touches NORTH_WEST along x = 2
MIDDLE = shapely.box(1, 1, 3, 3)  # cells 5, 6, 9, 10 — overlaps all three


def raster() -> np.ndarray:
    return np.arange(16, dtype=np.float32).reshape(4, 4)


def row(frame, i) -> list:
    return [frame.loc[i, s] for s in STATS]


def test_cells_whose_centre_is_inside_are_counted():
    frame = zonal_stats([NORTH_WEST, SOUTH_EAST], raster(), TRANSFORM)
    assert row(frame, 0) == [4, 10.0, 2.5, 0.0, 5.0]
    assert row(frame, 1) == [4, 50.0, 12.5, 10.0, 15.0]


def test_overlapping_polygons_each_get_all_their_cells():
    frame = zonal_stats([NORTH_WEST, SOUTH_EAST, MIDDLE], raster(), TRANSFORM)
    assert row(frame, 0) == [4, 10.0, 2.5, 0.0, 5.0]
    assert row(frame, 1) == [4, 50.0, 12.5, 10.0, 15.0]
    assert row(frame, 2) == [4, 30.0, 7.5, 5.0, 10.0]


def test_touching_polygons_are_not_overlapping():
    assert overlapping(np.array([NORTH_WEST, NORTH_EAST, SOUTH_EAST])).tolist() == []
    assert overlapping(np.array([NORTH_WEST, NORTH_EAST, MIDDLE])).tolist() == [0, 1, 2]
    frame = zonal_stats([NORTH_WEST, NORTH_EAST], raster(), TRANSFORM)
    assert frame["sum"].tolist() == [10.0, 18.0]


def test_nodata_and_nan_cells_are_left_out():
    values = raster()
    values[0, 1] = -9999  # in NORTH_WEST
    values[3, 3] = np.nan  # in SOUTH_EAST
    frame = zonal_stats([NORTH_WEST, SOUTH_EAST, MIDDLE], values, TRANSFORM, nodata=-9999)
    assert row(frame, 0) == [3, 9.0, 3.0, 0.0, 5.0]
    assert row(frame, 1) == [3, 35.0, 35.0 / 3, 10.0, 14.0]
    assert row(frame, 2) == [4, 30.0, 7.5, 5.0, 10.0]


def test_polygons_without_cells_get_zero_count_and_nan():
    outside = shapely.box(10, 10, 12, 12)
    between_centres = shapely.box(0.6, 3.6, 0.9, 3.9)  # inside cell 0 but away from its centre
    frame = zonal_stats([outside, between_centres, None, NORTH_WEST, MIDDLE, outside], raster(), TRANSFORM)
    assert frame["count"].tolist() == [0, 0, 0, 4, 4, 0]
    assert frame.loc[[0, 1, 2, 5], ["sum", "mean", "min", "max"]].isna().all().all()


def test_a_single_band_is_required():
    with pytest.raises(ValueError, match="2-D"):
        zonal_stats([NORTH_WEST], np.zeros((2, 4, 4)), TRANSFORM)


def test_reads_a_geotiff_and_honours_its_nodata(tmp_path):
    values = raster()
    values[0, 0] = -1
    path = tmp_path / "cells.tif"
    profile = {"driver": "GTiff", "width": 4, "height": 4, "count": 1, "dtype": "float32", "transform": TRANSFORM}
    with rasterio.open(path, "w", nodata=-1, **profile) as dst:
        dst.write(values, 1)
    frame = zonal_stats_file([NORTH_WEST], path)
    assert row(frame, 0) == [3, 10.0, 10.0 / 3, 1.0, 5.0]


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # rasterstats' own affine `*`
def test_matches_rasterstats_with_overlaps():
    rasterstats = pytest.importorskip("rasterstats")  # a bench-only dependency (requirements-bench.txt)
    rng = np.random.default_rng(3)
    values = rng.normal(50, 10, (60, 80)).astype(np.float32)
    values[5:9, 5:30] = -9999
    transform = Affine(10, 0, 1000, 0, -10, 2000)
    centres = rng.uniform([1000, 1400], [1800, 2000], (40, 2))
    polygons = [shapely.Point(x, y).buffer(rng.uniform(15, 90), quad_segs=6) for x, y in centres]
    ours = zonal_stats(polygons, values, transform, nodata=-9999)
    theirs = rasterstats.zonal_stats(
        polygons, values, affine=transform, nodata=-9999, stats=list(STATS), all_touched=False
    )
    assert len(overlapping(np.array(polygons))) > 0
    for i, expected in enumerate(theirs):
        assert ours.loc[i, "count"] == expected["count"]
        for stat in ("sum", "mean", "min", "max"):
            if expected["count"]:
                assert ours.loc[i, stat] == pytest.approx(expected[stat], rel=1e-5)
