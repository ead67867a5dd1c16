"""The map's data payload: simplification, encoded polylines, and the same properties as before."""

from __future__ import annotations

import json
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import shapely

import layers
from geo import maps as mapping
from geo.maps import assets, vector
from geo.maps import payload as payload_module
from geo.maps.payload import (
    ADD_JS,
    EXPAND_JS,
    PRECISION,
    encode_polylines,
    encoded_geometries,
    payload,
    simplify_lonlat,
)


def decode_polyline(text: str, precision: int = PRECISION) -> list[list[float]]:
    """Reference decoder of Google's polyline format, (lon, lat) out."""
    points, index, lat, lon = [], 0, 0, 0
    while index < len(text):
        pair = []
        for _ in range(2):
            result, shift = 0, 0
            while True:
                b = ord(text[index]) - 63
                index += 1
                result |= (b & 31) << shift
                shift += 5
                if b < 32:
                    break
            pair.append(~(result >> 1) if result & 1 else result >> 1)
        lat, lon = lat + pair[0], lon + pair[1]
        points.append([lon / 10**precision, lat / 10**precision])
    return points


def expand(rows: list) -> list[dict]:
    """Python twin of EXPAND_JS: rows → GeoJSON features."""

    def walk(coords):
        return decode_polyline(coords) if isinstance(coords, str) else [walk(c) for c in coords]

    features = []
    for feature_id, properties, kind, coords in rows:
        if kind == "Point":
            geometry = {"type": kind, "coordinates": decode_polyline(coords)[0]}
        else:
            geometry = {"type": kind, "coordinates": walk(coords)} if kind else None
        features.append({"type": "Feature", "id": feature_id, "properties": properties, "geometry": geometry})
    return features


def blobs(n: int, seed: int = 1) -> np.ndarray:
    """Wobbly 120-vertex polygons around Binhai, 0.5–3 km across (lon/lat)."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    out = []
    for _ in range(n):
        cx, cy = rng.uniform(117.4, 117.9), rng.uniform(38.7, 39.3)
        radius = rng.uniform(0.003, 0.015) * (
            1 + 0.1 * np.sin(3 * angles + rng.uniform(0, 6)) + 0.002 * rng.normal(size=120)
        )
        out.append(shapely.Polygon(np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])))
    return np.array(out, dtype=object)


MIXED = np.array(
    [
        shapely.box(117.5, 39.0, 117.52, 39.02),
        shapely.Point(117.61234, 38.91234),
        shapely.MultiPolygon(
            [
                shapely.box(117.4, 38.8, 117.41, 38.81),
                shapely.box(117.6, 39.1, 117.7, 39.2).difference(shapely.box(117.62, 39.12, 117.64, 39.14)),
            ]
        ),
        shapely.LineString([(117.5, 39.0), (117.55, 39.05), (117.6, 39.0)]),
        shapely.MultiLineString([[(117.5, 39.0), (117.6, 39.1)], [(117.7, 39.2), (117.8, 39.3)]]),
        shapely.MultiPoint([(117.5, 39.0), (117.6, 39.1)]),
        None,
    ],
    dtype=object,
)


def test_encode_polylines_matches_googles_published_example():
    points = np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]])
    assert encode_polylines(points, np.array([0])) == ["_p~iF~ps|U_ulLnnqC_mqNvxq`@"]


def test_payload_round_trips_every_geometry_type_to_a_metre():
    rows = json.loads(payload([f"F{i}" for i in range(len(MIXED))], {"name": ["x"] * len(MIXED)}, MIXED))
    for feature, original in zip(expand(rows), MIXED, strict=True):
        if original is None:
            assert feature["geometry"] is None
            continue
        decoded = shapely.geometry.shape(feature["geometry"])
        assert decoded.geom_type == original.geom_type
        assert shapely.equals_exact(decoded, original, tolerance=0.6 * 10**-PRECISION)


def test_payload_escapes_script_breaking_characters_like_jinja_tojson():
    text = payload(["PK-1"], {"name": ["</script><b>&'"]}, MIXED[:1])
    assert "</script>" not in text and "&" not in text and "'" not in text
    assert json.loads(text)[0][1]["name"] == "</script><b>&'"


def test_simplify_keeps_every_polygon_valid_and_within_the_tolerance_in_metres():
    polygons = blobs(300)
    tiny = shapely.box(117.5, 39.0, 117.50002, 39.00002)  # 2 m across: smaller than the tolerance
    geoms = np.append(polygons, [tiny, shapely.Point(117.5, 39.0)])
    simplified = simplify_lonlat(geoms, tolerance_m=5.0)
    assert shapely.is_valid(simplified).all() and not shapely.is_empty(simplified).any()
    assert shapely.get_num_coordinates(simplified[:300]).sum() < 0.7 * shapely.get_num_coordinates(polygons).sum()
    assert shapely.equals(simplified[-1], geoms[-1])
    metres = gpd.GeoSeries(geoms, crs=4326).to_crs(4548).values
    simplified_metres = gpd.GeoSeries(simplified, crs=4326).to_crs(4548).values
    # GEOS' Douglas–Peucker may shift a ring's start; allow for that on top of the tolerance.
    assert shapely.hausdorff_distance(metres, simplified_metres, densify=0.25).max() < 2 * 5.0


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_browser_expansion_decodes_what_python_encoded():
    text = payload([f"F{i}" for i in range(len(MIXED))], {"name": ["<&>"] * len(MIXED)}, MIXED)
    script = f"process.stdout.write(JSON.stringify(({EXPAND_JS})({text}, {PRECISION})))"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=60)
    browser = json.loads(result.stdout)["features"]
    assert browser == json.loads(json.dumps(expand(json.loads(text))))


def _rows(fmap) -> list:
    (element,) = [e for e in assets._walk(fmap) if isinstance(e, vector._LayerRows)]
    return json.loads(element.rows)


def test_map_features_carry_the_feature_collection_properties(tiny_parks):
    spec = layers.get_spec("parks")
    rows = _rows(mapping.build_map([(spec, tiny_parks)]))
    collection = mapping.feature_collection(tiny_parks, spec, "zh")
    assert [r[1] for r in rows] == [f["properties"] for f in collection["features"]]
    assert [r[0] for r in rows] == ["PK-T1", "PK-T2"]


def test_feature_collection_content_is_unchanged(tiny_parks):
    collection = mapping.feature_collection(tiny_parks, layers.get_spec("parks"), "zh")
    first = collection["features"][0]
    assert first["id"] == "PK-T1"
    assert first["properties"] == {
        "id": "PK-T1",
        "name": "南港测试园区",
        "zone": "天津港保税区",
        "town": "古林街道",
        "industry": "石油化工",
        "level": "国家级",
        "circular_status": "已完成循环化改造",
        "established": "2010",
        "_color": "#d7301f",
    }
    assert first["geometry"]["type"] == "Polygon"
    assert [117.55, 38.76] in first["geometry"]["coordinates"][0]


def test_user_text_with_template_syntax_stays_literal(tiny_parks):
    # branca compiles rendered scripts as Jinja templates; feature data must never go through that.
    tiny_parks.loc[0, "name"] = "{{ 7 * 7 }}园区"
    page = mapping.render_html(mapping.build_map([(layers.get_spec("parks"), tiny_parks)]))
    assert "{{ 7 * 7 }}\\u56ed\\u533a" in page
    assert "49\\u56ed" not in page


def test_display_geometries_are_remembered_per_distinct_input_and_equal_a_fresh_encoding():
    polygons = blobs(50)
    payload_module.forget_display_geometries()
    first = payload_module.display_geometries(polygons)
    assert first == encoded_geometries(simplify_lonlat(polygons))
    assert payload_module.display_geometries(polygons.copy()) is first  # same shapes: not encoded again
    moved = shapely.transform(polygons, lambda xy: xy + 0.001)
    assert payload_module.display_geometries(moved) is not first


def test_a_layers_rows_are_remembered_for_the_same_content_and_remade_for_other_content():
    frame = gpd.GeoDataFrame(
        {"id": [f"P{i}" for i in range(50)], "name": [f"园区{i}" for i in range(50)]}, geometry=blobs(50), crs=4326
    )
    calls = []

    def properties(f=frame):
        calls.append(1)
        return {"id": f["id"].tolist(), "name": f["name"].tolist()}

    payload_module.forget_display_geometries()
    first = payload_module.layer_rows(frame, properties, memo_key=("layer", "parks", "zh"))
    again = payload_module.layer_rows(frame.copy(), properties, memo_key=("layer", "parks", "zh"))
    assert again is first and len(calls) == 1  # another session's copy of the same frame: not formatted again
    assert first == payload_module.layer_rows(frame, properties)  # same text as without the memo
    renamed = frame.assign(name=frame["name"].where(frame.index != 7, "<改名>"))
    changed = payload_module.layer_rows(renamed, lambda: properties(renamed), memo_key=("layer", "parks", "zh"))
    assert json.loads(changed.rows)[7][1]["name"] == "<改名>" and "<" not in changed.rows
    english = payload_module.layer_rows(frame, properties, memo_key=("layer", "parks", "en"))
    assert english is not first and len(calls) == 4
    listed = frame.assign(tags=[["a"]] * 50)  # a column pandas cannot hash: built, not remembered
    assert payload_module.layer_rows(listed, properties, memo_key=("x",)) == first


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_portal_builds_lines_and_polygons_from_the_rows_as_leaflet_geojson_would():
    """ADD_JS against a stand-in Leaflet: the same coordinates, features, style and hooks as addData."""
    text = payload([f"F{i}" for i in range(len(MIXED))], {"name": ["<&>"] * len(MIXED)}, MIXED)
    script = f"""
    var L = {{LatLng: function (lat, lng) {{ this.lat = lat; this.lng = lng; }}}};
    function shape(kind) {{ return function (latlngs, options) {{ this.kind = kind; this.latlngs = latlngs; this.options = options; }}; }}
    L.Polygon = shape("Polygon"); L.Polyline = shape("Polyline");
    var added = [], hooked = [], styled = [], data = [];
    var layer = {{
        options: {{weight: 2, onEachFeature: function (feature, s) {{ hooked.push(feature.id); }}}},
        resetStyle: function (s) {{ styled.push(s.feature.id); }},
        addLayer: function (s) {{ added.push(s); }},
        addData: function (collection) {{ data.push(collection); }},
    }};
    var count = ({ADD_JS})(layer, {text}, {PRECISION});
    function coords(x) {{ return Array.isArray(x) ? x.map(coords) : [x.lng, x.lat]; }}
    process.stdout.write(JSON.stringify({{count: count, hooked: hooked, styled: styled, data: data,
        shapes: added.map(function (s) {{ return {{kind: s.kind, id: s.feature.id, properties: s.feature.properties,
            same_options: s.options === layer.options, coords: coords(s.latlngs)}}; }})}}));
    """
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=60)
    out = json.loads(result.stdout)
    expected = json.loads(json.dumps(expand(json.loads(text))))
    assert out["count"] == len(MIXED)
    shapes = {"Polygon": "Polygon", "MultiPolygon": "Polygon", "LineString": "Polyline", "MultiLineString": "Polyline"}
    built = [f for f in expected if f["geometry"] and f["geometry"]["type"] in shapes]
    assert [s["id"] for s in out["shapes"]] == [f["id"] for f in built] == out["hooked"] == out["styled"]
    for shape, feature in zip(out["shapes"], built, strict=True):
        assert shape["kind"] == shapes[feature["geometry"]["type"]] and shape["same_options"]
        assert shape["coords"] == feature["geometry"]["coordinates"]  # Leaflet's nesting = GeoJSON's
        assert shape["properties"] == feature["properties"]
    # The rest (points) went through Leaflet's own addData, as GeoJSON.
    (collection,) = out["data"]
    assert collection["features"] == [f for f in expected if f not in built]
