"""Level of detail (geo.maps.payload): a large layer is drawn from its overview, full detail when zoomed in."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import threading
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import numpy as np
import pytest
import shapely

import layers
from geo.config import ROOT
from geo.crs import MEASURE_CRS
from geo.maps import build_map, render_html, serve_layer_data, standalone_html
from geo.maps import payload as payload_module
from geo.maps.payload import (
    DISPLAY_TOLERANCE_M,
    GEOS_SLACK,
    LOD_MAX_SHARE,
    OVERVIEW_TOLERANCE_M,
    detail_zoom,
    display_geometries,
    metres_per_pixel,
)
from geo.maps.served import layer_rows as served_rows
from tests.test_maps_payload import decode_polyline

URL = re.compile(r"""https?://[^\s"'<>)]+""")


def jagged(n: int, vertices: int = 120, seed: int = 3) -> np.ndarray:
    """Parks with ragged edges: `vertices` each, ±15 m of noise (kept at 5 m, dropped at 40 m), 1–3 km across."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(117.45, 117.85), rng.uniform(38.8, 39.2)
        radius_m = rng.uniform(500, 1500) + rng.normal(0, 15, size=vertices)
        dx, dy = radius_m * np.cos(angles) / 86_500, radius_m * np.sin(angles) / 111_000
        out.append(shapely.Polygon(np.column_stack([cx + dx, cy + dy])))
    return np.array(out, dtype=object)


def parks_frame(geoms: np.ndarray, tiny_parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A parks layer of `geoms`, its fields copied from the tiny fixture (names made unique)."""
    rows = tiny_parks.drop(columns="geometry").iloc[np.arange(len(geoms)) % len(tiny_parks)].reset_index(drop=True)
    rows["id"] = [f"PK-L{i}" for i in range(len(geoms))]
    rows["name"] = [f"细节园区{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=4326)


def _decoded(coords) -> list:
    return decode_polyline(coords) if isinstance(coords, str) else [_decoded(c) for c in coords]


def _vertices(coords) -> int:
    return len(decode_polyline(coords)) if isinstance(coords, str) else sum(_vertices(c) for c in coords)


def test_the_overview_is_within_a_pixel_below_the_detail_zoom():
    assert detail_zoom(39.0) == 11  # Binhai: z10 (119 m a pixel) is drawn from the overview, z11 on in full
    for latitude in (38.6, 39.0, 39.4):
        zoom = detail_zoom(latitude)
        assert GEOS_SLACK * OVERVIEW_TOLERANCE_M < metres_per_pixel(zoom - 1, latitude)
        assert GEOS_SLACK * OVERVIEW_TOLERANCE_M >= metres_per_pixel(zoom, latitude)


def test_a_large_layer_travels_as_its_overview_with_its_full_detail_beside_it(tiny_parks):
    geoms = jagged(300)
    frame = parks_frame(geoms, tiny_parks)
    payload_module.forget_display_geometries()
    made = payload_module.layer_rows(frame, {"id": frame["id"].tolist()})
    detail = made.detail
    rows, detail_rows = json.loads(detail.overview), json.loads(detail.rows)
    assert detail.zoom == 11
    assert [r[0] for r in rows] == [d[0] for d in detail_rows] == frame["id"].tolist()
    assert [r[2] for r in rows] == [d[1] for d in detail_rows] == ["Polygon"] * 300
    # The detail is the full-detail geometry of every feature, exactly what the rows (one level) carry.
    full = display_geometries(geoms)
    assert [json.dumps(d[2]) for d in detail_rows] == [json.dumps(json.loads(c)) for _, c in full]
    assert [r[3] for r in json.loads(made.rows)] == [d[2] for d in detail_rows]
    assert [r[:2] for r in json.loads(made.rows)] == [r[:2] for r in rows]  # same ids and properties
    overview, complete = sum(_vertices(r[3]) for r in rows), sum(_vertices(d[2]) for d in detail_rows)
    assert overview <= LOD_MAX_SHARE * complete and complete >= payload_module.LOD_MIN_VERTICES
    # The overview is off by less than a pixel at the zoom below the detail's, measured in EPSG:4548.
    drawn = [shapely.Polygon(_decoded(r[3])[0], _decoded(r[3])[1:]) for r in rows]
    stored_m = gpd.GeoSeries(geoms, crs=4326).to_crs(MEASURE_CRS).values
    drawn_m = gpd.GeoSeries(drawn, crs=4326).to_crs(MEASURE_CRS).values
    off = shapely.hausdorff_distance(stored_m, drawn_m).max()
    assert DISPLAY_TOLERANCE_M < off < metres_per_pixel(detail.zoom - 1, 39.0)
    # One level when asked.
    one = payload_module.layer_rows(frame, {"id": frame["id"].tolist()}, overview_m=None)
    assert one.detail is None and one.rows == made.rows


def test_small_point_and_simple_layers_keep_one_level(tiny_parks):
    assert payload_module.layer_rows(tiny_parks, {"id": tiny_parks["id"].tolist()}).detail is None
    rng = np.random.default_rng(1)
    points = gpd.GeoDataFrame(
        {"id": [f"P{i}" for i in range(30_000)]},
        geometry=shapely.points(rng.uniform(117.4, 117.9, 30_000), rng.uniform(38.7, 39.3, 30_000)),
        crs=4326,
    )
    assert payload_module.layer_rows(points, {"id": points["id"].tolist()}).detail is None
    x, y = rng.uniform(117.4, 117.9, 6_000), rng.uniform(38.8, 39.2, 6_000)
    squares = gpd.GeoDataFrame(  # 30,000 vertices, but nothing the overview could drop
        {"id": [f"S{i}" for i in range(6_000)]}, geometry=shapely.box(x, y, x + 0.01, y + 0.01), crs=4326
    )
    assert payload_module.layer_rows(squares, {"id": squares["id"].tolist()}).detail is None


def test_the_detail_is_a_second_served_file_fetched_only_when_zoomed_in(tmp_path, tiny_parks):
    frame = parks_frame(jagged(300), tiny_parks)
    fmap = build_map([(layers.get_spec("parks"), frame)])
    (element,) = served_rows(fmap)
    serve_layer_data(fmap, folder=tmp_path)
    page = render_html(fmap)
    assert URL.findall(page) == []  # offline: same-origin paths only
    rows_name, detail_name = element.url.rsplit("/", 1)[1], element.detail_url.rsplit("/", 1)[1]
    assert (tmp_path / detail_name).read_text(encoding="utf-8") == element.detail.rows
    assert (tmp_path / rows_name).read_text(encoding="utf-8") == element.detail.overview
    assert f'fetch("{element.detail_url}")' in page
    assert "getZoom() >= 11" in page
    # The map's first script fetches the overview ahead; the detail waits for a zoom.
    prefetch = next(src for src in re.findall(r'<script src="([^"]+)"', page) if "prefetch.js" in src)
    assert parse_qs(urlsplit(prefetch).query)["f"] == [rows_name]


def test_an_exported_map_holds_the_full_detail_drawn_at_once(tmp_path, tiny_parks):
    frame = parks_frame(jagged(300), tiny_parks)
    fmap = build_map([(layers.get_spec("parks"), frame)])
    (element,) = served_rows(fmap)
    serve_layer_data(fmap, folder=tmp_path)
    assert element.detail is not None
    page = standalone_html(fmap)
    assert element.rows in page and element.detail.overview not in page  # the full detail, at once
    assert "/app/static/cache/" not in page and "getZoom() >=" not in page  # nothing fetched: no server


class _Static(http.server.SimpleHTTPRequestHandler):
    """Serves the repository's static/ at /app/static (as Streamlit does) and a test's folder at /."""

    def __init__(self, *args, folder, **kwargs):
        self.folder = folder
        super().__init__(*args, directory=str(folder), **kwargs)

    def translate_path(self, path):
        path = urlsplit(path).path
        if path.startswith("/app/static/cache/"):
            return str(self.folder / "cache" / path.rsplit("/", 1)[1])
        if path.startswith("/app/static/"):
            return str(ROOT / "static" / path[len("/app/static/") :])
        return super().translate_path(path)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served_map(tmp_path, fmap):
    """The map as a page served over HTTP with its layer files, as a portal page serves them; its URL."""
    serve_layer_data(fmap, folder=tmp_path / "cache")
    (tmp_path / "map.html").write_text(render_html(fmap), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Static, folder=tmp_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/map.html"
    finally:
        server.shutdown()


def fetched_as(url: str) -> str:
    """A map's relative file URL (../../app/static/cache/…) as the browser asks for it from this test's page."""
    assert url.startswith("../../app/static/cache/"), url
    return url.removeprefix("../..")


SHAPES_JS = """() => { const found = []; window.binhaiMap.eachLayer(l => {
    if (l._binhaiLayer === 'parks' && l._latlngs) found.push([l.feature.id, l._latlngs.flat(3).length]); });
    return found; }"""


def full_vertices(detail) -> dict[str, int]:
    """Each park's vertices in full detail, as Leaflet holds them (without a ring's closing vertex)."""
    return {d[0]: _vertices(d[2]) - 1 for d in json.loads(detail.rows)}


@pytest.mark.browser
def test_in_chromium_the_overview_is_drawn_then_the_full_detail_when_zoomed_in(tmp_path, tiny_parks, browser_page):
    page, requests = browser_page
    frame = parks_frame(jagged(300), tiny_parks)
    fmap = build_map([(layers.get_spec("parks"), frame)])
    (element,) = served_rows(fmap)
    with served_map(tmp_path, fmap) as url:
        page.goto(url)
        page.wait_for_function("() => window.binhaiReady && window.binhaiDrawn.parks === 300", timeout=60_000)
        assert page.evaluate("() => window.binhaiDetail.parks") == "overview"
        assert page.evaluate("() => window.binhaiMap.getZoom()") < element.detail.zoom
        overview = dict(page.evaluate(SHAPES_JS))
        assert not any(r.endswith(fetched_as(element.detail_url)) for r in requests)  # not before it is needed
        # Zoomed in: the full detail arrives and every park holds its full-detail ring.
        page.evaluate(
            f"() => {{ window.binhaiMap.setView([39.0, 117.65], {element.detail.zoom}, {{animate: false}}); }}"
        )
        page.wait_for_function("() => window.binhaiDetail.parks === 'full'", timeout=30_000)
        full = dict(page.evaluate(SHAPES_JS))
        assert full == full_vertices(element.detail) and sum(full.values()) > sum(overview.values())
        assert sum(r.endswith(fetched_as(element.detail_url)) for r in requests) == 1
        # Still the same interactive features: hover the park on top for its tooltip, click it for its popup.
        centre = shapely.centroid(frame.geometry.iloc[-1])
        page.evaluate(f"() => {{ window.binhaiMap.setView([{centre.y}, {centre.x}], 13, {{animate: false}}); }}")
        point = page.evaluate(f"() => window.binhaiMap.latLngToContainerPoint([{centre.y}, {centre.x}])")
        box = page.locator("#" + fmap.get_name()).bounding_box()
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        page.locator(".leaflet-tooltip").filter(has_text="细节园区299").wait_for(timeout=10_000)
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        page.locator(".leaflet-popup-content").filter(has_text="细节园区299").wait_for(timeout=10_000)


def zoomed_in_map(tiny_parks):
    """A map of 300 ragged parks framed on one of them, past the detail zoom; and its parks' rows element."""
    frame = parks_frame(jagged(300), tiny_parks)
    x, y = shapely.centroid(frame.geometry.iloc[0]).coords[0]
    fmap = build_map([(layers.get_spec("parks"), frame)], bounds=(x - 0.01, y - 0.01, x + 0.01, y + 0.01))
    (element,) = served_rows(fmap)
    return fmap, element


@pytest.mark.browser
def test_in_chromium_a_map_opened_zoomed_in_is_drawn_in_full_detail_at_once(tmp_path, tiny_parks, browser_page):
    page, requests = browser_page
    fmap, element = zoomed_in_map(tiny_parks)
    with served_map(tmp_path, fmap) as url:
        page.goto(url)
        page.wait_for_function("() => window.binhaiReady && window.binhaiDrawn.parks === 300", timeout=60_000)
        assert page.evaluate("() => window.binhaiMap.getZoom()") >= element.detail.zoom
        assert page.evaluate("() => window.binhaiDetail.parks") == "full"  # never painted from the overview
        assert dict(page.evaluate(SHAPES_JS)) == full_vertices(element.detail)
        assert sum(r.endswith(fetched_as(element.detail_url)) for r in requests) == 1


@pytest.mark.browser
def test_in_chromium_a_missing_detail_file_leaves_the_overview_drawn(tmp_path, tiny_parks, browser_page):
    page, _ = browser_page
    fmap, element = zoomed_in_map(tiny_parks)
    with served_map(tmp_path, fmap) as url:
        (tmp_path / "cache" / element.detail_url.rsplit("/", 1)[1]).unlink()  # e.g. swept meanwhile
        page.goto(url)
        page.wait_for_function("() => window.binhaiReady && window.binhaiDrawn.parks === 300", timeout=60_000)
        assert page.evaluate("() => window.binhaiDetail.parks") == "overview"
        assert sum(dict(page.evaluate(SHAPES_JS)).values()) < sum(full_vertices(element.detail).values())
