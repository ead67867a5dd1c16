"""The map's data payload: geometries simplified for display and sent as encoded polylines.

Thousands of park polygons as plain GeoJSON cost tens of megabytes and seconds of JSON work. Here
each layer becomes one JSON text the browser expands back into GeoJSON before Leaflet sees it:

* **simplified** with a tolerance of `DISPLAY_TOLERANCE_M` metres (Douglas–Peucker; results stay
  valid and non-empty) — invisible below street zoom: one pixel is ≈ 120 m at the district zoom
  (z10) and ≈ 7.5 m at z14 here;
* **quantised** to `PRECISION` decimals of a degree (1e-5° ≈ 1 m);
* **encoded** with Google's polyline algorithm: every coordinate list of a GeoJSON geometry (a ring,
  a line, the points of a MultiPoint, a Point's single position) becomes one ASCII string of
  zig-zag/varint deltas, e.g. ``{"type": "Polygon", "coordinates": ["_p~iF~ps|U_ulLnnqC"]}``.

`EXPAND_JS` is the browser side: it turns the rows `[id, properties, type, coordinates]` back into
GeoJSON Features. Everything here is vectorised with shapely/numpy; the only Python loops are over
features and rings, never over vertices.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import shapely

PRECISION = 5  # decimals of a degree kept in the browser: 1e-5° ≈ 1.1 m north–south, 0.86 m east–west


DISPLAY_TOLERANCE_M = 5.0  # simplification tolerance (metres); ≈ 1/24 pixel at z10, < 1 pixel up to z14

# Level of detail. A large layer is first drawn from geometries simplified by OVERVIEW_TOLERANCE_M
# (≈ 0.6 px at z10 here, GEOS's 1.7 × included): at the district's zoom the shapes look the same and the
# browser decodes, projects and paints about half the vertices (10,000 parks: 305,000 → 167,000). Its
# full detail (DISPLAY_TOLERANCE_M) is a second file, fetched and swapped in when the map is zoomed to
# where the overview would be off by a pixel or more (`detail_zoom`). Layers gaining little keep one level.
OVERVIEW_TOLERANCE_M = 40.0
LOD_MIN_VERTICES = 20_000  # below this a layer is drawn in full detail at once: a second file is not worth it
LOD_MAX_SHARE = 0.8  # … and when the overview keeps more than this share of the vertices
GEOS_SLACK = 1.7  # GEOS may move a ring's closing vertex up to ~1.7 × the tolerance (see simplify_lonlat)


# Shapely type ids
_POINT, _LINE, _RING, _POLYGON, _MULTIPOINT, _MULTILINE, _MULTIPOLYGON = 0, 1, 2, 3, 4, 5, 6


_TYPE_NAMES = {
    _POINT: "Point",
    _LINE: "LineString",
    _RING: "LineString",
    _POLYGON: "Polygon",
    _MULTIPOINT: "MultiPoint",
    _MULTILINE: "MultiLineString",
    _MULTIPOLYGON: "MultiPolygon",
}


_MAX_CHUNKS = 7  # 5 bits each: 35 bits, far beyond 180° · 10⁵ · 2


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Length of one degree of longitude and of latitude (metres) at a latitude, on the WGS84 ellipsoid."""
    phi = math.radians(lat)
    lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    lat_m = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi) - 0.0023 * math.cos(6 * phi)
    return lon, lat_m


def metres_per_pixel(zoom: float, latitude: float) -> float:
    """Web Mercator ground resolution (256-px tiles) at a zoom and latitude."""
    return 156_543.03392 * math.cos(math.radians(latitude)) / 2**zoom


def detail_zoom(latitude: float, overview_m: float = OVERVIEW_TOLERANCE_M) -> int:
    """The first zoom at which geometries simplified by `overview_m` may be off by a pixel or more.

    At Binhai's latitude (≈ 39°) and 40 m: z11 (59 m a pixel; at z10, 119 m, the overview is ≤ 0.6 px off).
    """
    return math.ceil(math.log2(metres_per_pixel(0, latitude) / (GEOS_SLACK * overview_m)))


def simplify_lonlat(geoms: np.ndarray, tolerance_m: float = DISPLAY_TOLERANCE_M) -> np.ndarray:
    """Simplify lon/lat geometries by about `tolerance_m` metres; points pass, results stay valid.

    Douglas–Peucker in degrees, with the tolerance expressed in degrees of the longer of a degree of
    latitude and of longitude (latitude, here), so the tolerance is at most `tolerance_m` in every
    direction. No per-vertex reprojection: it would cost more than the simplification. (GEOS may
    move a ring's closing vertex up to ~1.7 × the tolerance; the benchmark reports the maximum
    Hausdorff distance it measures in EPSG:4548.)
    """
    geoms = np.asarray(geoms, dtype=object)
    if tolerance_m <= 0 or not len(geoms):
        return geoms
    present = ~shapely.is_missing(geoms)
    if not present.any():
        return geoms
    latitude = float(np.nanmean(shapely.bounds(geoms[present])[:, [1, 3]]))
    degrees = tolerance_m / max(metres_per_degree(latitude))
    simplified = shapely.simplify(geoms, degrees, preserve_topology=False)
    # Douglas–Peucker drops a polygon smaller than the tolerance and may leave an invalid one:
    # those few go through the (slower) topology-preserving simplifier instead.
    broken = np.flatnonzero(present & (shapely.is_empty(simplified) | ~shapely.is_valid(simplified)))
    if len(broken):
        simplified[broken] = shapely.simplify(geoms[broken], degrees, preserve_topology=True)
    return simplified


def _leaves(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The coordinate lists of every geometry, in order: (leaf geometries, owner index, part index).

    A leaf is what becomes one encoded string: a ring, a line, a point, or a MultiPoint's points.
    """
    types = shapely.get_type_id(geoms)
    index = np.arange(len(geoms))
    simple = np.isin(types, (_POINT, _LINE, _RING, _MULTIPOINT))
    leaves = [geoms[simple]]
    owners = [index[simple]]
    parts_of = [np.zeros(simple.sum(), dtype=int)]

    multiline = types == _MULTILINE
    if multiline.any():
        parts, owner = shapely.get_parts(geoms[multiline], return_index=True)
        leaves.append(parts)
        owners.append(index[multiline][owner])
        parts_of.append(np.zeros(len(parts), dtype=int))

    polygonal = np.isin(types, (_POLYGON, _MULTIPOLYGON))
    if polygonal.any():
        parts, owner = shapely.get_parts(geoms[polygonal], return_index=True)
        part_number = np.arange(len(parts)) - np.searchsorted(owner, owner)  # 0, 1, … within each geometry
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        leaves.append(rings)
        owners.append(index[polygonal][owner][ring_owner])
        parts_of.append(part_number[ring_owner])

    leaves_all = np.concatenate(leaves)
    owners_all = np.concatenate(owners)
    parts_all = np.concatenate(parts_of)
    # Stable sort by owner keeps each geometry's parts and rings in their original order.
    order = np.argsort(owners_all, kind="stable")
    return leaves_all[order], owners_all[order], parts_all[order]


def encode_polylines(coords: np.ndarray, starts: np.ndarray, precision: int = PRECISION) -> list[str]:
    """Google-encoded polyline strings, one per run of coordinates (lon, lat) beginning at `starts`.

    Each string holds (lat, lon) pairs as zig-zag varint deltas from the previous pair (the first
    from 0, 0), 5 bits per character offset by 63 — the algorithm of Google's polyline format.
    """
    n = len(coords)
    if n == 0:
        return ["" for _ in starts]
    q = np.round(coords[:, ::-1] * 10**precision).astype(np.int64)  # (lat, lon) as integers
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    delta[starts] = q[starts]  # every run starts from (0, 0)
    values = delta.ravel()
    zigzag = ((values << 1) ^ (values >> 63)).astype(np.uint64)
    count = np.ones(len(zigzag), dtype=np.int64)
    for k in range(1, _MAX_CHUNKS):
        count += zigzag >= np.uint64(1 << (5 * k))
    chars = np.empty((len(zigzag), int(count.max())), dtype=np.uint8)
    for k in range(chars.shape[1]):
        chunk = ((zigzag >> np.uint64(5 * k)) & np.uint64(31)).astype(np.uint8)
        chars[:, k] = chunk + 63 + 32 * (count > k + 1)
    used = np.arange(chars.shape[1])[None, :] < count[:, None]
    text = chars[used].tobytes().decode("ascii")
    per_point = count.reshape(-1, 2).sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(per_point)])
    bounds = offsets[np.append(starts, n)].tolist()
    return [text[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _js_string(text: str) -> str:
    # Polyline characters are 63–126: only the backslash needs escaping inside a JSON string.
    return '"' + text.replace("\\", "\\\\") + '"'


def encoded_geometries(geoms: np.ndarray, precision: int = PRECISION) -> list[tuple[str, str]]:
    """(GeoJSON type, JSON text of the encoded coordinates) for each geometry; missing → ("", "null").

    GeometryCollections are not encoded: their GeoJSON is passed through as the coordinates with
    type "GeoJSON" (layers never hold them; kept so nothing is dropped silently).
    """
    geoms = np.asarray(geoms, dtype=object)
    out: list[tuple[str, str]] = [("", "null")] * len(geoms)
    types = shapely.get_type_id(geoms)
    known = np.isin(types, list(_TYPE_NAMES))
    for i in np.flatnonzero(~known & (types >= 0)):
        out[i] = ("GeoJSON", shapely.to_geojson(geoms[i]))
    chosen = np.flatnonzero(known & ~shapely.is_empty(geoms))
    if not len(chosen):
        return out
    leaves, owners, parts = _leaves(geoms[chosen])
    coords, leaf_of = shapely.get_coordinates(leaves, return_index=True)
    starts = np.searchsorted(leaf_of, np.arange(len(leaves)))
    encoded = encode_polylines(coords, starts, precision)
    # Group leaves by geometry (owners are sorted), then format each geometry's nesting.
    first = np.searchsorted(owners, np.arange(len(chosen)))
    last = np.append(first[1:], len(owners))
    for k, i in enumerate(chosen):
        kind = int(types[i])
        strings = [_js_string(s) for s in encoded[first[k] : last[k]]]
        if kind in (_POINT, _LINE, _RING, _MULTIPOINT):
            text = strings[0]
        elif kind in (_POLYGON, _MULTILINE):
            text = "[" + ", ".join(strings) + "]"
        else:
            polygon_of = parts[first[k] : last[k]]
            groups: dict[int, list[str]] = {}
            for part, s in zip(polygon_of, strings, strict=True):
                groups.setdefault(int(part), []).append(s)
            text = "[" + ", ".join("[" + ", ".join(g) + "]" for g in groups.values()) + "]"
        out[i] = (_TYPE_NAMES[kind], text)
    return out


class _Memo:
    """A small thread-safe LRU of computed texts (every session of the server shares it)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Any, value: Any) -> Any:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Layers remembered: every page's layers at every scale (10,000 parks ≈ 3 MB of text).
_geometries_memo = _Memo(32)
_rows_memo = _Memo(24)


def geometry_digest(geoms: np.ndarray) -> str:
    """SHA-1 of geometries' WKB (≈ 60 ms for 10,000 parks): what identifies them for the memos."""
    digest = hashlib.sha1()
    wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
    digest.update(np.array([len(w) if w is not None else -1 for w in wkb], dtype=np.int64).tobytes())
    digest.update(b"".join(w for w in wkb if w is not None))
    return digest.hexdigest()


def values_digest(frame: pd.DataFrame) -> str:
    """SHA-1 of a frame's column names and every value but its geometries' (pandas' row hashes)."""
    digest = hashlib.sha1(json.dumps([str(c) for c in frame.columns]).encode())
    plain = frame.drop(columns=[c for c in frame.columns if c == "geometry"])
    if len(plain.columns):
        digest.update(pd.util.hash_pandas_object(plain, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def display_geometries(
    geoms: np.ndarray, tolerance_m: float = DISPLAY_TOLERANCE_M, precision: int = PRECISION, digest: str | None = None
) -> list[tuple[str, str]]:
    """`encoded_geometries(simplify_lonlat(geoms))`, remembered for the last 32 distinct inputs.

    A page rerun draws the same layers again (another indicator, year or language): their geometries
    are identified by a SHA-1 of their WKB (≈ 60 ms for 10,000 parks; `digest` when the caller has
    it already) instead of being simplified and encoded again (≈ 0.5 s).
    """
    geoms = np.asarray(geoms, dtype=object)
    key = (digest or geometry_digest(geoms), float(tolerance_m), int(precision))
    found = _geometries_memo.get(key)
    if found is not None:
        return found
    return _geometries_memo.put(key, encoded_geometries(simplify_lonlat(geoms, tolerance_m), precision))


class Detail(NamedTuple):
    """A large layer drawn first from its overview (level of detail), and its full detail."""

    overview: str  # `payload` rows with the overview's geometries: what the map fetches first
    rows: str  # JSON array of [id, type, coordinates], the full-detail geometries, put in place from `zoom` on
    zoom: int  # `detail_zoom`


def overview_geometries(
    geoms: np.ndarray, digest: str, tolerance_m: float = DISPLAY_TOLERANCE_M, overview_m: float = OVERVIEW_TOLERANCE_M
) -> list[tuple[str, str]] | None:
    """The encoded overview of a large layer (simplified by `overview_m`), or None when not worth a level.

    Worth it when the full-detail geometries have ≥ LOD_MIN_VERTICES vertices and the overview keeps at
    most LOD_MAX_SHARE of them (points, and layers of few or already simple shapes, keep one level).
    Remembered like `display_geometries`.
    """
    key = (digest, float(tolerance_m), float(overview_m), "overview")
    found = _geometries_memo.get(key)
    if found is not None:
        return found or None
    chosen: list[tuple[str, str]] = []
    if overview_m > tolerance_m and len(geoms):
        full = shapely.get_num_coordinates(simplify_lonlat(geoms, tolerance_m)).sum()
        overview = simplify_lonlat(geoms, overview_m)
        if full >= LOD_MIN_VERTICES and shapely.get_num_coordinates(overview).sum() <= LOD_MAX_SHARE * full:
            chosen = encoded_geometries(overview)
    return _geometries_memo.put(key, chosen) or None


@dataclass(eq=True)
class LayerRows:
    """A layer's rows for the browser: `rows` in full detail, and `detail` when drawn from an overview first.

    `detail` is computed when first asked for (a page serving its layers as files asks; an exported file,
    which holds `rows`, does not) and then kept with the rows, which `layer_rows` remembers.
    """

    first: dict[str, object]  # the first feature's properties (folium checks tooltip fields against them)
    rows: str  # `payload` rows, full detail
    # Each row's "[id, {properties}, ": the rows made again with other geometries (the overview's).
    heads: list[str] = field(repr=False, compare=False)
    ids: list[str] = field(repr=False, compare=False)  # each feature's id as JSON text
    geoms: np.ndarray = field(repr=False, compare=False)
    digest: str = field(repr=False, compare=False)
    tolerance_m: float = field(repr=False, compare=False)
    overview_m: float | None = field(default=OVERVIEW_TOLERANCE_M, repr=False, compare=False)

    @cached_property
    def detail(self) -> Detail | None:
        """The layer's overview rows and full-detail geometries, or None when it is drawn at one level."""
        if not self.overview_m:
            return None
        overview = overview_geometries(self.geoms, self.digest, self.tolerance_m, self.overview_m)
        if overview is None:
            return None
        full = display_geometries(self.geoms, self.tolerance_m, digest=self.digest)
        bounds = shapely.total_bounds(self.geoms)
        return Detail(
            overview=_rows_text(self.heads, overview),
            rows=html_safe(
                "[" + ",\n".join(f'[{i}, "{k}", {c}]' for i, (k, c) in zip(self.ids, full, strict=True)) + "]"
            ),
            zoom=detail_zoom(float(bounds[1] + bounds[3]) / 2, self.overview_m),
        )


def layer_rows(
    gdf: pd.DataFrame,
    properties: dict[str, Sequence[object]] | Callable[[], dict[str, Sequence[object]]],
    tolerance_m: float = DISPLAY_TOLERANCE_M,
    memo_key: tuple[Any, ...] | None = None,
    overview_m: float | None = OVERVIEW_TOLERANCE_M,
) -> LayerRows:
    """A layer's first feature's properties and its `payload` rows (and `detail`), remembered under `memo_key`.

    `memo_key` must name everything the properties are made from besides the frame (the layer's
    spec, the language …); the frame itself is identified by `values_digest` and `geometry_digest`.
    A new session drawing the same layers (every visitor's first view of a page) then skips
    formatting the properties of every feature again: ≈ 0.5 s of Python at 10,000 parks and 7,500
    water bodies. `properties` may be a function, called only when the rows are not remembered.
    `overview_m=None`: the layer is always drawn in full detail (no `detail`).
    """
    geoms = gdf.geometry.values
    shapes = geometry_digest(geoms)
    key = None
    if memo_key is not None:
        try:
            key = (*memo_key, float(tolerance_m), overview_m, values_digest(gdf), shapes)
        except TypeError:  # a column pandas cannot hash (lists, dicts): not remembered
            key = None
    found = None if key is None else _rows_memo.get(key)
    if found is not None:
        return found
    props = properties() if callable(properties) else properties
    first = {k: v[0] for k, v in props.items()} if len(gdf) else {}
    ids = json_column([str(i) for i in gdf["id"].tolist()])
    heads = row_heads(ids, props)
    rows = _rows_text(heads, display_geometries(geoms, tolerance_m, digest=shapes))
    made = LayerRows(first, rows, heads, ids, geoms, shapes, float(tolerance_m), overview_m)
    return made if key is None else _rows_memo.put(key, made)


def forget_display_geometries() -> None:
    """Empty the memos of `display_geometries` and `layer_rows` (the bench times first builds)."""
    _geometries_memo.clear()
    _rows_memo.clear()


def json_column(values: Sequence[object]) -> list[str]:
    """JSON text of each value (ASCII, like folium's tojson), computing each distinct value once."""
    return memoised(json.dumps, values)


_UNIFORM_KINDS = frozenset({"string", "integer", "floating", "boolean"})


def memoised(fn: Callable[[Any], str], values: Sequence[Any] | pd.Series) -> list[str]:
    """fn(v) for each value, computed once per distinct value (a layer has few distinct labels).

    Columns of one plain type are grouped with pandas' factorize; missing values (None, NaN, NA)
    and columns of mixed types are passed to `fn` one by one, so the result is always fn(v).
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    out = np.empty(len(series), dtype=object)
    missing = series.isna().to_numpy()
    present = np.flatnonzero(~missing)
    if len(present):
        known = series.iloc[present]
        if pd.api.types.infer_dtype(known, skipna=False) in _UNIFORM_KINDS:
            codes, distinct = pd.factorize(known)
            out[present] = np.array([fn(v) for v in distinct.tolist()], dtype=object)[codes]
        else:
            out[present] = [fn(v) for v in known.tolist()]
    for i in np.flatnonzero(missing):
        out[i] = fn(series.iat[i])
    return out.tolist()


def html_safe(text: str) -> str:
    """JSON text made safe inside a <script> element, exactly as Jinja's `tojson` filter does."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


def row_heads(id_texts: Sequence[str], properties: dict[str, Sequence[object]]) -> list[str]:
    """Each row's start, `[id, {properties}, ` (JSON text; ids already JSON): rows without their geometries."""
    keys = sorted(properties)
    columns = [
        [prefix + v for v in json_column(properties[k])] for k, prefix in ((k, f"{json.dumps(k)}: ") for k in keys)
    ]
    props = ["{" + ", ".join(row) + "}" for row in zip(*columns, strict=True)] if keys else ["{}"] * len(id_texts)
    return [f"[{i}, {p}, " for i, p in zip(id_texts, props, strict=True)]


def _rows_text(heads: list[str], encoded: list[tuple[str, str]]) -> str:
    rows = [f'{head}"{kind}", {coords}]' for head, (kind, coords) in zip(heads, encoded, strict=True)]
    return html_safe("[" + ",\n".join(rows) + "]")


def payload(
    ids: Sequence[str],
    properties: dict[str, Sequence[object]],
    geoms: np.ndarray | None,
    encoded: list[tuple[str, str]] | None = None,
) -> str:
    """The JSON array of rows `[id, {properties}, type, coordinates]`, HTML-safe for a <script>.

    `properties` maps each key to a column of JSON-serialisable values (already display text).
    Keys are written sorted with `": "` separators, as folium's own GeoJSON embedding does.
    `encoded` (from `display_geometries`) replaces encoding `geoms` here.
    """
    heads = row_heads(json_column([str(i) for i in ids]), properties)
    return _rows_text(heads, encoded if encoded is not None else encoded_geometries(geoms))


# The browser side of `payload`: rows → GeoJSON FeatureCollection (Google's polyline decoding).
EXPAND_JS = """function (rows, precision) {
    var factor = Math.pow(10, precision);
    function decode(text) {
        var points = [], index = 0, lat = 0, lon = 0;
        while (index < text.length) {
            var pair = [0, 0];
            for (var k = 0; k < 2; k++) {
                var result = 0, shift = 0, b;
                do {
                    b = text.charCodeAt(index++) - 63;
                    result |= (b & 31) << shift;
                    shift += 5;
                } while (b >= 32);
                pair[k] = (result & 1) ? ~(result >> 1) : (result >> 1);
            }
            lat += pair[0];
            lon += pair[1];
            points.push([lon / factor, lat / factor]);
        }
        return points;
    }
    function expand(coords) {
        return typeof coords === "string" ? decode(coords) : coords.map(expand);
    }
    var features = rows.map(function (row) {
        var type = row[2], coords = row[3], geometry = null;
        if (type === "GeoJSON") {
            geometry = coords;
        } else if (type === "Point") {
            geometry = {type: type, coordinates: decode(coords)[0]};
        } else if (type) {
            geometry = {type: type, coordinates: expand(coords)};
        }
        return {type: "Feature", id: row[0], properties: row[1], geometry: geometry};
    });
    return {type: "FeatureCollection", features: features};
}"""


# The browser side of `payload` on a portal map: rows added to a Leaflet GeoJSON layer. Lines and
# polygons — thousands of parks — are decoded straight into L.LatLng rings and built as L.Polyline /
# L.Polygon with the layer's options, the way L.GeoJSON.addData builds them (feature, default options,
# style, onEachFeature) but without the GeoJSON coordinate arrays in between: at 10,000 parks that is
# 365,000 fewer arrays for the garbage collector while the user waits. A built shape's `feature` has
# `geometry: null` — the shape holds it (`toGeoJSON()` gives it back, which is what streamlit-folium
# returns on a click). Points and raw GeoJSON rows go through EXPAND_JS and addData as before.
_DECODE_JS = """
    var factor = Math.pow(10, precision);
    var shapes = {Polygon: L.Polygon, MultiPolygon: L.Polygon, LineString: L.Polyline, MultiLineString: L.Polyline};
    function number(text, at) {
        var result = 0, shift = 0, b;
        do {
            b = text.charCodeAt(at.i++) - 63;
            result |= (b & 31) << shift;
            shift += 5;
        } while (b >= 32);
        return (result & 1) ? ~(result >> 1) : (result >> 1);
    }
    function decode(text) {
        var points = [], at = {i: 0}, lat = 0, lon = 0;
        while (at.i < text.length) {
            lat += number(text, at);
            lon += number(text, at);
            points.push(new L.LatLng(lat / factor, lon / factor));
        }
        return points;
    }
    function latlngs(coords) { return typeof coords === "string" ? decode(coords) : coords.map(latlngs); }
"""

ADD_JS = (
    """function (layer, rows, precision) {
    var options = layer.options, rest = [];"""
    + _DECODE_JS
    + """    for (var i = 0; i < rows.length; i++) {
        var row = rows[i], Shape = shapes[row[2]];
        if (!Shape) { rest.push(row); continue; }
        var feature = {type: "Feature", id: row[0], properties: row[1], geometry: null};
        var shape = new Shape(latlngs(row[3]), options);
        shape.feature = feature;
        shape.defaultOptions = shape.options;
        layer.resetStyle(shape);
        if (options.onEachFeature) { options.onEachFeature(feature, shape); }
        layer.addLayer(shape);
    }
    if (rest.length) { layer.addData(("""
    + EXPAND_JS
    + """)(rest, precision)); }
    return rows.length;
}"""
)


# The browser side of a layer's `Detail`: the full-detail geometries (rows [id, type, coordinates]) put
# into the shapes ADD_JS built from the overview, found by feature id; each shape is redrawn (for the
# canvas: projected again, and painted in one frame). Returns how many shapes changed.
DETAIL_JS = (
    """function (layer, rows, precision) {
    var byId = {}, changed = [];"""
    + _DECODE_JS
    + """    layer.eachLayer(function (shape) { if (shape.feature && shape._setLatLngs) { byId[shape.feature.id] = shape; } });
    for (var i = 0; i < rows.length; i++) {
        var shape = byId[rows[i][0]];
        if (shape && shapes[rows[i][1]]) { shape._setLatLngs(latlngs(rows[i][2])); changed.push(shape); }
    }
    changed.forEach(function (shape) { shape.redraw(); });
    return changed.length;
}"""
)


# Rows of a layer with the geometries of its `Detail` rows put in their place (matched by id): a layer
# drawn in full detail at once (a map opened already zoomed in, an exported file).
MERGE_JS = """function (rows, detail) {
    var byId = {};
    detail.forEach(function (d) { byId[d[0]] = d; });
    rows.forEach(function (row) { var d = byId[row[0]]; if (d) { row[2] = d[1]; row[3] = d[2]; } });
    return rows;
}"""
