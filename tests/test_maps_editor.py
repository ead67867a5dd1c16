"""The zone editor map: vendored Geoman (no CDN), only the edited zone editable, escaped labels, round trip."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import shapely

import layers
from geo.maps import render_html
from geo.maps.editor import drawings_to_geometry, editor_map, review_map

ZONES = layers.get_spec("prohibited_zones")
EVIL = "<img src=x onerror=alert(1)>"
MULTI = shapely.MultiPolygon(
    [
        shapely.Polygon(
            shapely.box(117.56, 38.88, 117.60, 38.91).exterior.coords,
            [shapely.box(117.575, 38.89, 117.585, 38.90).exterior.coords],
        ),
        shapely.box(117.61, 38.88, 117.62, 38.89),
    ]
)


def zones_frame():
    return gpd.GeoDataFrame(
        {"id": ["PZ-0001"], "name": [EVIL], "fuel_class": ["III"], "status": ["in_force"]},
        geometry=[shapely.box(117.60, 39.00, 117.65, 39.05)],
        crs="EPSG:4326",
    )


def test_the_editor_loads_vendored_geoman_and_nothing_from_the_internet():
    page = render_html(editor_map([(ZONES, zones_frame())], MULTI, "PZ-MULTI"))
    assert "../../app/static/vendor/leaflet-geoman/leaflet-geoman.js" in page
    assert "../../app/static/vendor/leaflet-geoman/leaflet-geoman.css" in page
    assert not re.findall(r"""(?:src|href)=["']https?://""", page)
    assert "L.PM.setOptIn(true)" in page and "window.drawnItems = " in page
    assert '"zone_id": "PZ-MULTI"' in page


def test_labels_on_the_review_map_are_escaped():
    page = render_html(review_map([(ZONES, zones_frame())], MULTI, [("blocking", EVIL, MULTI)]))
    assert EVIL not in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page  # html-escaped, then JSON-encoded


def test_drawings_come_back_as_one_multi_part_zone_with_its_hole():
    feature = {
        "type": "Feature",
        "properties": {"zone_id": "PZ-MULTI"},
        "geometry": json.loads(shapely.to_geojson(MULTI)),
    }
    assert drawings_to_geometry([feature]).equals(MULTI)
    drawn = {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(shapely.box(0, 0, 1, 1)))}
    both = drawings_to_geometry([feature, drawn])
    assert both.geom_type == "MultiPolygon" and len(both.geoms) == 3
    assert drawings_to_geometry([]) is None and drawings_to_geometry(None) is None
