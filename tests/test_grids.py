"""Concentration grids: zonal statistics on a hand-made 4×4 raster, overlay bounds, bad GeoTIFFs, the upload."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from PIL import Image
from rasterio.warp import transform_bounds

from geo import grids, stats
from geo.config import Limits
from geo.errors import InputError
from geo.maps import new_map, render_html
from geo.maps.raster import add_grid_overlay, render_overlay
from geo.store import audit
from geo.zonal import coverage_stats, zonal_stats
from tests.conftest import ADMIN

NOW = datetime(2025, 4, 1, 9, 0)
NODATA = -1.0
# x 0…4, y 0…4, one unit a cell; the bottom-right cell is nodata.
TRANSFORM = Affine(1, 0, 0, 0, -1, 4)
RASTER = np.array(
    [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, NODATA]],
    dtype="float32",
)
POLYGONS = [
    shapely.box(0, 2, 2, 4),  # the top-left 2×2 cells: 1, 2, 5, 6
    shapely.box(2.4, 2, 4.5, 3),  # on the raster's right edge: 0.6 of cell 7, all of cell 8, 0.5 outside
    shapely.box(3.2, 0.2, 3.8, 0.8),  # inside the nodata cell
    shapely.box(10, 10, 11, 11),  # off the raster
]


def test_zonal_statistics_of_a_hand_made_raster():
    centre = zonal_stats(POLYGONS, RASTER, TRANSFORM, NODATA)
    exact = coverage_stats(POLYGONS, RASTER, TRANSFORM, NODATA)
    assert centre.loc[0, ["count", "mean", "max"]].tolist() == [4, 3.5, 6.0]
    assert exact.loc[0].tolist() == pytest.approx([3.5, 1.0])
    # edge: centres of cells 7 (x 2.5) and 8 (x 3.5) are inside
    assert centre.loc[1, ["count", "mean", "max"]].tolist() == [2, 7.5, 8.0]
    assert exact.loc[1, "weighted_mean"] == pytest.approx((0.6 * 7 + 1.0 * 8) / 1.6)
    assert exact.loc[1, "coverage"] == pytest.approx(1.6 / 2.1)
    # nodata and off-raster: no cells, nothing to average, nothing covered
    for i in (2, 3):
        assert centre.loc[i, "count"] == 0 and np.isnan(centre.loc[i, "mean"])
        assert np.isnan(exact.loc[i, "weighted_mean"]) and exact.loc[i, "coverage"] == 0


def test_zonal_rows_are_indicators_of_the_year_without_empty_values():
    import geopandas as gpd

    grid = grids.Grid(RASTER, TRANSFORM, "EPSG:4548", NODATA, (0, 0, 0, 0))
    zones = gpd.GeoDataFrame({"id": ["A", "B", "C", "D"]}, geometry=POLYGONS, crs="EPSG:4548")
    rows = grids.zonal_rows(grid, zones, "pm25", 2024, "test").set_index(["entity_id", "indicator"])["value"]
    assert rows[("A", "pm25_mean")] == 3.5 and rows[("A", "pm25_coverage")] == 100.0
    assert rows[("B", "pm25_awmean")] == pytest.approx(7.625)
    assert rows[("C", "pm25_coverage")] == 0.0
    assert ("C", "pm25_mean") not in rows.index  # no cells: no value rather than a NaN row


# -- overlay ----------------------------------------------------------------------------------------


def test_overlay_of_a_projected_grid_lands_on_its_lonlat_bounds():
    # A 4548 (CGCS2000 GK CM 117E) grid of 20 × 30 cells of 1 km around TEDA.
    transform = Affine(1000, 0, 560_000, 0, -1000, 4_330_000)
    values = np.arange(600, dtype="float32").reshape(30, 20)
    overlay = render_overlay(values, transform, "EPSG:4548", None)
    west, south, east, north = transform_bounds("EPSG:4548", "EPSG:4326", 560_000, 4_300_000, 580_000, 4_330_000)
    (s, w), (n, e) = overlay.bounds
    cell_deg = 0.012  # ≈ 1 km
    assert abs(s - south) < cell_deg and abs(n - north) < cell_deg
    assert abs(w - west) < cell_deg and abs(e - east) < cell_deg
    image = Image.open(io.BytesIO(overlay.png))
    assert image.mode == "RGBA" and image.size[0] > 10


def test_overlay_is_an_offline_data_url_with_a_legend_and_transparent_nodata():
    transform = Affine(0.1, 0, 117.4, 0, -0.1, 39.3)
    values = np.full((4, 4), 40.0, dtype="float32")
    values[0, 0] = -9999
    fmap = new_map("zh", __import__("geo.maps", fromlist=["Basemap"]).Basemap())
    overlay = add_grid_overlay(
        fmap, values, transform, "EPSG:4326", -9999, title="PM2.5 <b>", unit="μg/m³", opacity=0.4
    )
    html = render_html(fmap)
    assert "data:image/png;base64," in html and "binhai-grid-legend" in html
    assert "PM2.5 &lt;b&gt;" in html and "PM2.5 <b>" not in html
    assert '"opacity": 0.4' in html
    alpha = np.asarray(Image.open(io.BytesIO(overlay.png)))[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255


# -- bad input --------------------------------------------------------------------------------------


NEAR_TEDA = Affine(0.05, 0, 117.4, 0, -0.05, 39.2)


def _tiff(values=None, crs="EPSG:4326", transform=NEAR_TEDA, nodata=-9999.0) -> bytes:
    values = np.full((8, 8), 35.0, dtype="float32") if values is None else values
    if crs is None:
        memory = rasterio.io.MemoryFile()
        with memory.open(
            driver="GTiff", width=values.shape[1], height=values.shape[0], count=1, dtype="float32", transform=transform
        ) as dst:
            dst.write(values, 1)
        return memory.read()
    return grids.grid_bytes(values, transform, crs, nodata)


def _huge_header(tmp_path) -> bytes:
    path = tmp_path / "huge.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=100_000, height=100_000, count=1, dtype="uint8", crs="EPSG:4326",
        transform=Affine(1e-5, 0, 117.4, 0, -1e-5, 39.2), tiled=True, sparse_ok=True, compress="deflate",
    ) as dst:  # fmt: skip
        dst.update_tags(note="header only")
    return path.read_bytes()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "words_zh", "words_en"),
    [
        ("no_crs.tif", lambda tmp: _tiff(crs=None), "没有坐标系", "no CRS"),
        ("huge.tif", _huge_header, "超过", "over the"),
        ("photo.tif", lambda tmp: _png(), "不是 GeoTIFF", "not a GeoTIFF"),
        ("empty.tif", lambda tmp: _tiff(np.full((8, 8), -9999.0, dtype="float32")), "无数据", "nodata"),
        (
            "shanghai.tif",
            lambda tmp: _tiff(transform=Affine(0.05, 0, 121.4, 0, -0.05, 31.3)),
            "滨海新区之外",
            "outside Binhai",
        ),
        ("truncated.tif", lambda tmp: _tiff()[:200], "无法读取", "cannot read"),
    ],
)
def test_bad_grids_are_refused_with_a_message_and_nothing_written(
    seeded_store, tmp_path, name, make, words_zh, words_en
):
    data = make(tmp_path)
    before = (seeded_store.data_version(), seeded_store.scalar("SELECT count(*) FROM grids"))
    with pytest.raises(InputError) as caught:
        grids.upload_grid(seeded_store, ADMIN, data, name, "pm25", 2024, now=NOW)
    assert words_zh in caught.value.zh and words_en in caught.value.en
    assert (seeded_store.data_version(), seeded_store.scalar("SELECT count(*) FROM grids")) == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(InputError, match="MB"):
        grids.read_grid(b"II*\x00" + b"\x00" * 2_000_000, "big.tif", Limits(max_raster_mb=1))


def test_the_pixel_limit_is_a_setting():
    with pytest.raises(InputError, match="64"):
        grids.read_grid(_tiff(), "x.tif", Limits(max_raster_pixels=63))


# -- upload → indicators ----------------------------------------------------------------------------


def test_upload_stores_the_grid_and_each_parks_mean_as_an_indicator(seeded_store):
    transform = Affine(0.01, 0, 117.3, 0, -0.01, 39.4)
    values = np.full((90, 70), 42.0, dtype="float32")
    rows = grids.upload_grid(seeded_store, ADMIN, _tiff(values, transform=transform), "my.tif", "pm25", 2024, now=NOW)
    parks = stats.park_values(seeded_store, "pm25_mean", 2024)
    # A park smaller than a cell may hold no cell centre (no mean), but it always has the area-weighted mean.
    assert parks["value"].notna().sum() >= 35 and (parks["value"].dropna() == 42.0).all()
    assert (stats.park_values(seeded_store, "pm25_awmean", 2024)["value"] == 42.0).all()
    assert (stats.park_values(seeded_store, "pm25_coverage", 2024)["value"] == 100.0).all()
    towns = rows[rows["entity_id"].str.startswith("AU-") & (rows["indicator"] == "pm25_awmean")]
    assert len(towns) == 21 and (towns["value"] == 42.0).all()
    assert seeded_store.scalar("SELECT name FROM grids WHERE grid_id = 'pm25-2024'") == "my.tif"
    # the sample's grid and figures of that year are kept in history, not lost
    assert seeded_store.scalar("SELECT count(*) FROM grids_history WHERE grid_id = 'pm25-2024'") == 1
    assert (
        seeded_store.scalar("SELECT count(*) FROM statistics_history WHERE indicator = 'pm25_mean' AND year = 2024") > 0
    )
    assert audit.entries(seeded_store, action="grids.upload")["entity_id"].tolist() == ["pm25-2024"]
    grid = grids.load_grid(seeded_store, "pm25-2024")
    assert grid.values.shape == (90, 70) and grid.crs == "EPSG:4326"


def test_sample_grids_give_every_park_a_plausible_pm25_mean(seeded_store):
    held = grids.list_grids(seeded_store)
    assert set(held["pollutant"]) == {"pm25", "no2"} and set(held["year"]) == {2020, 2021, 2022, 2023, 2024}
    parks = stats.park_values(seeded_store, "pm25_mean", 2024)
    assert parks["value"].notna().all() and parks["value"].between(20, 80).all()
    earlier = stats.park_values(seeded_store, "pm25_mean", 2020)["value"]
    assert parks["value"].mean() < earlier.mean()  # the regional background falls


def test_a_grid_added_after_the_layer_control_is_not_named_by_it():
    """The control's script runs before the overlay is defined: naming it there broke the whole map."""
    from geo.maps import Basemap
    from geo.maps.behaviour import layer_control

    fmap = new_map("zh", Basemap())
    layer_control(fmap, collapsed=True)
    add_grid_overlay(
        fmap, np.full((4, 4), 30.0), Affine(0.1, 0, 117.4, 0, -0.1, 39.3), "EPSG:4326", None, title="x", unit="u"
    )
    html = render_html(fmap)
    overlay = html[html.index("var image_overlay_") + 4 :].split(" ", 1)[0]
    assert html.count(overlay) == 2  # defined, then added to the map; nothing else refers to it
