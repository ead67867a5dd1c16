"""geo.io: every format round-trips, every class of bad input is refused with its feature and field."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import layers
from geo import io
from geo.config import Limits
from geo.errors import InputError, PortalError
from geo.store.db import Store
from geo.store.features import count_features, read_layer, write_layer
from tests.conftest import ADMIN

# Shapefiles written here from full field names get cut to 10 characters, as users' files do.
pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
LIMITS = Limits()
PARKS = layers.get_spec("parks")
WASTEWATER = layers.get_spec("wastewater")
WATER_BODIES = layers.get_spec("water_bodies")
ZONES = layers.get_spec("prohibited_zones")
NOW = dt.datetime(2025, 1, 1)
BOWTIE = shapely.Polygon([(117.60, 39.00), (117.62, 39.02), (117.62, 39.00), (117.60, 39.02), (117.60, 39.00)])


def rejected(path: Path, spec=PARKS, limits: Limits = LIMITS) -> InputError:
    with pytest.raises(InputError) as caught:
        io.read_features(path, spec, limits)
    return caught.value


def only_problem(err: InputError):
    assert len(err.problems) == 1, err.report("en")
    return err.problems[0]


def save(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    pyogrio.write_dataframe(gdf, path, **kwargs)
    return path


def parks_frame(tiny_parks, geometry=None, **columns) -> gpd.GeoDataFrame:
    frame = tiny_parks.copy()
    for name, values in columns.items():
        frame[name] = values
    if geometry is not None:
        frame = frame.set_geometry(geometry, crs=frame.crs)
    return frame


def zip_members(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return path


def shapefile_parts(gdf: gpd.GeoDataFrame, folder: Path, **kwargs) -> dict[str, bytes]:
    folder.mkdir(exist_ok=True)
    save(gdf, folder / "parks.shp", **kwargs)
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def kml(body: str, prolog: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>'


PARK_PLACEMARK = (
    "<Placemark><name>南港测试园区</name>"
    "<ExtendedData><Data name='industry'><value>石油化工</value></Data></ExtendedData>"
    "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
    "117.55,38.76 117.57,38.76 117.57,38.78 117.55,38.78 117.55,38.76"
    "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
)


# -- round trips ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_layers(tmp_path_factory) -> dict:
    """Parks, wastewater, water bodies (line + polygon with a hole) and zones (dates, multipolygons)."""
    parks = gpd.GeoDataFrame(
        {
            "id": ["PK-T1", "PK-T2"],
            "name": ["南港测试园区", "临港测试园区"],
            "zone": ["天津港保税区", None],
            "town": ["古林街道", "新城镇"],
            "industry": ["petrochemical", "equipment"],
            "level": ["national", None],
            "circular_status": ["done", "in_progress"],
            "established": [2010, None],
        },
        geometry=[shapely.box(117.55, 38.76, 117.57, 38.78), shapely.box(117.70, 38.92, 117.72, 38.94)],
        crs="EPSG:4326",
    )
    wastewater = gpd.GeoDataFrame(
        {
            "id": ["WW-T1", "WW-T2"],
            "name": ["塘沽新河污水处理厂", "中心渔港污水处理厂"],
            "facility_type": ["urban", "urban"],
            "design_capacity": [15.0, 2.5],
            "discharge_standard": ["DB12/599-A", None],
            "town": ["新河街道", "寨上街道"],
            "operator": ["示意运营单位", None],
            "online_monitoring": ["connected", "not_connected"],
        },
        geometry=[shapely.Point(117.63, 39.00), shapely.Point(117.8712345, 39.2256789)],
        crs="EPSG:4326",
    )
    water_bodies = gpd.GeoDataFrame(
        {
            "id": ["WB-T1", "WB-T2"],
            "name": ["测试河道 <&>", "测试坑塘"],
            "water_type": ["river", "pond"],
            "river_system": ["海河", None],
            "town": ["新河街道", "大沽街道"],
            "severity": ["light", None],
            "stage": ["sustained", "remediating"],
            "listed_year": [2016, None],
        },
        geometry=[
            shapely.LineString([(117.60, 39.00), (117.61, 39.01), (117.625, 39.012)]),
            shapely.box(117.65, 38.95, 117.66, 38.96).difference(shapely.box(117.652, 38.952, 117.654, 38.954)),
        ],
        crs="EPSG:4326",
    )
    zones = gpd.GeoDataFrame(
        {
            "id": ["PZ-T1", "PZ-T2"],
            "name": ['塘沽禁燃区 "A"', "汉沽禁燃区"],
            "fuel_class": ["III", "II"],
            "status": ["in_force", "draft"],
            "effective_date": [dt.date(2018, 10, 1), None],
            "document": ["津滨政发〔2018〕12号", None],
        },
        geometry=[
            shapely.box(117.60, 38.98, 117.70, 39.05),
            shapely.MultiPolygon(
                [shapely.box(117.78, 39.22, 117.80, 39.24), shapely.box(117.81, 39.22, 117.83, 39.24)]
            ),
        ],
        crs="EPSG:4326",
    )
    store = Store(tmp_path_factory.mktemp("io-source") / "source.duckdb")
    store.migrate(layers.all_specs())
    frames = {PARKS: parks, WASTEWATER: wastewater, WATER_BODIES: water_bodies, ZONES: zones}
    with store.transaction() as session:
        for spec, frame in frames.items():
            write_layer(session, spec, frame, "replace", NOW)
    return {"store": store, **{spec.name: read_layer(store, spec) for spec in frames}}


def plain(values) -> list:
    return [None if v is None or v != v else v for v in values]


@pytest.mark.parametrize("fmt", io.EXPORT_FORMATS)
def test_export_then_import_into_empty_store_keeps_ids_fields_and_geometry(sample_layers, empty_store, tmp_path, fmt):
    target = empty_store
    # Points, lines and polygons with holes, multipolygons, ints, floats, dates and nulls between them.
    for spec in (WASTEWATER, WATER_BODIES, ZONES):
        out = io.export_layer(sample_layers["store"], spec, fmt, tmp_path / f"{spec.name}.{io.EXPORT_SUFFIX[fmt]}")
        assert io.import_features(target, ADMIN, spec, out, "append", LIMITS).written == 2
        before, after = sample_layers[spec.name], read_layer(target, spec)
        assert after["id"].tolist() == before["id"].tolist()
        for f in spec.fields:
            if f.type == "float":
                assert after[f.name].tolist() == pytest.approx(before[f.name].tolist(), nan_ok=True)
            else:
                assert plain(after[f.name]) == plain(before[f.name]), (spec.name, f.name)
        for old, new in zip(before.geometry, after.geometry, strict=True):
            assert new.geom_type.removeprefix("Multi") == old.geom_type.removeprefix("Multi")
            assert shapely.hausdorff_distance(old, new) < 1e-6
            assert abs(old.area - new.area) < 1e-9
    assert target.scalar("SELECT count(*) FROM import_log") == 3


def test_shapefile_export_is_a_utf8_zip_with_all_parts(sample_layers, tmp_path):
    out = io.export_layer(sample_layers["store"], WATER_BODIES, "shp", tmp_path / "wb.zip")
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        # A Shapefile holds one geometry type, so lines and polygons travel as two sets.
        for stem in ("water_bodies_linestring", "water_bodies_polygon"):
            assert {f"{stem}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
        assert archive.read("water_bodies_polygon.cpg").decode().strip().upper().replace("-", "") == "UTF8"


def test_kml_export_escapes_markup_in_values(sample_layers, tmp_path):
    out = io.export_layer(sample_layers["store"], WATER_BODIES, "kml", tmp_path / "wb.kml")
    text = out.read_text(encoding="utf-8")
    assert "测试河道 &lt;&amp;&gt;" in text and "<&>" not in text


def test_csv_export_uses_lon_lat_for_points_and_wkt_for_others(sample_layers, tmp_path):
    points = io.export_layer(sample_layers["store"], WASTEWATER, "csv", tmp_path / "ww.csv").read_text(
        encoding="utf-8-sig"
    )
    assert points.splitlines()[0].endswith("lon,lat")
    polygons = io.export_layer(sample_layers["store"], PARKS, "csv", tmp_path / "pk.csv").read_text(
        encoding="utf-8-sig"
    )
    assert polygons.splitlines()[0].endswith(",wkt") and "POLYGON" in polygons


def test_geojson_export_is_rfc7946_wgs84(sample_layers, tmp_path):
    out = io.export_layer(sample_layers["store"], PARKS, "geojson", tmp_path / "parks.geojson")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "crs" not in doc and doc["type"] == "FeatureCollection"
    assert {f["properties"]["id"] for f in doc["features"]} == {"PK-T1", "PK-T2"}


def test_export_rejects_unknown_format(sample_layers, tmp_path):
    with pytest.raises(PortalError, match="unsupported export format"):
        io.export_layer(sample_layers["store"], PARKS, "dxf", tmp_path / "parks.dxf")


def test_export_of_an_empty_layer_writes_a_file(sample_layers, tmp_path):
    admin_units = layers.get_spec("admin_units")  # not filled in the sample store
    for fmt in io.EXPORT_FORMATS:
        out = io.export_layer(sample_layers["store"], admin_units, fmt, tmp_path / f"au.{io.EXPORT_SUFFIX[fmt]}")
        assert out.exists() and out.stat().st_size > 0


def test_export_of_a_layer_without_a_table_yet_writes_an_empty_file(new_store, tmp_path):
    store = new_store
    store.migrate([PARKS])  # a store from before the other layers existed
    out = io.export_layer(store, WATER_BODIES, "geojson", tmp_path / "wb.geojson")
    assert json.loads(out.read_text(encoding="utf-8"))["features"] == []
    assert "water_bodies" not in store.tables()


def test_export_from_a_missing_store_says_so(new_store, tmp_path):
    with pytest.raises(PortalError, match="does not exist"):
        io.export_layer(new_store, PARKS, "geojson", tmp_path / "p.geojson")
    assert not new_store.exists


# -- reading what users bring --------------------------------------------------------------------


def test_read_maps_aliases_and_labels_to_codes(tmp_path, tiny_parks):
    frame = tiny_parks.drop(columns=["id"]).rename(columns={"name": "名称", "industry": "主导产业", "level": "LEVEL"})
    frame["主导产业"] = ["石油化工", "Equipment manufacturing"]
    frame["LEVEL"] = ["国家级", "MUNICIPAL"]
    frame["established"] = ["2010", 2012.0]
    parks = io.read_features(save(frame, tmp_path / "parks.geojson"), PARKS, LIMITS)
    assert list(parks.columns) == ["id", *PARKS.field_names, "geometry"]
    assert parks["id"].isna().all()
    assert parks["name"].tolist() == ["南港测试园区", "临港测试园区"]
    assert parks["industry"].tolist() == ["petrochemical", "equipment"]
    assert parks["level"].tolist() == ["national", "municipal"]
    assert parks["established"].tolist() == [2010, 2012]
    assert parks.crs.to_epsg() == 4326


def test_import_assigns_next_free_ids_with_the_layer_prefix(empty_store, tmp_path, tiny_parks):
    path = save(tiny_parks.drop(columns=["id"]), tmp_path / "parks.geojson")
    assert io.import_features(empty_store, ADMIN, PARKS, path, "append", LIMITS).written == 2
    assert io.import_features(empty_store, ADMIN, PARKS, path, "append", LIMITS).written == 2
    assert read_layer(empty_store, PARKS)["id"].tolist() == ["PK-0001", "PK-0002", "PK-0003", "PK-0004"]
    # Replacing with the same two features (numbered PK-0001, PK-0002 again): they are unchanged and keep
    # their versions; the two not in the file are closed.
    change = io.import_features(empty_store, ADMIN, PARKS, path, "replace", LIMITS, source_name="上传.geojson")
    assert (change.unchanged, change.written, change.removed) == (2, 0, ["PK-0003", "PK-0004"])
    assert read_layer(empty_store, PARKS)["id"].tolist() == ["PK-0001", "PK-0002"]
    assert empty_store.scalar("SELECT source_name FROM import_log ORDER BY id DESC LIMIT 1") == "上传.geojson"


def test_rejected_import_writes_nothing(empty_store, tmp_path, tiny_parks):
    with empty_store.transaction() as session:
        write_layer(session, PARKS, tiny_parks, "replace", NOW)
    version = empty_store.data_version()
    bad = save(
        parks_frame(tiny_parks, geometry=[tiny_parks.geometry[0], BOWTIE], id=["PK-N1", "PK-N2"]),
        tmp_path / "bad.geojson",
    )
    with pytest.raises(InputError):
        io.import_features(empty_store, ADMIN, PARKS, bad, "append", LIMITS)
    clash = save(tiny_parks, tmp_path / "clash.geojson")  # valid file, but its ids are already stored
    with pytest.raises(InputError, match="PK-T1") as caught:
        io.import_features(empty_store, ADMIN, PARKS, clash, "append", LIMITS)
    assert caught.value.source == "clash.geojson"
    assert count_features(empty_store, PARKS) == 2
    assert empty_store.data_version() == version
    assert empty_store.scalar("SELECT count(*) FROM import_log") == 0


def test_every_problem_is_listed_with_feature_and_field_in_both_languages(tmp_path, tiny_parks):
    frame = parks_frame(tiny_parks, name=["", "ok"], level=["national", "galactic"], established=[1800, "soon"])
    err = rejected(save(frame, tmp_path / "parks.geojson"))
    found = {(p.feature, p.field) for p in err.problems}
    assert found == {(1, "name"), (1, "established"), (2, "level"), (2, "established")}
    for p in err.problems:
        assert p.zh and p.en and p.zh != p.en
    report = err.report("zh") + err.report("en")
    assert "parks.geojson" in report and "第 2 个要素" in report and "feature 2" in report


def test_import_rejects_unknown_choice_value_listing_allowed_labels(tmp_path, tiny_parks):
    err = rejected(save(parks_frame(tiny_parks, industry=["petrochemical", "造船"]), tmp_path / "p.geojson"))
    problem = only_problem(err)
    assert (problem.feature, problem.field) == (2, "industry")
    assert "造船" in problem.zh and "石油化工" in problem.zh and "Petrochemicals" in problem.en


def test_import_rejects_duplicate_ids_naming_id_and_rows(tmp_path, tiny_parks):
    frame = parks_frame(tiny_parks, id=["PK-9", "PK-9"])
    problem = only_problem(rejected(save(frame, tmp_path / "p.geojson")))
    assert problem.field == "id" and "PK-9" in problem.en and "1, 2" in problem.en


def test_import_rejects_missing_required_column(tmp_path, tiny_parks):
    problem = only_problem(rejected(save(tiny_parks.drop(columns=["name"]), tmp_path / "p.geojson")))
    assert problem.field == "name" and problem.feature is None and "名称" in problem.zh


def test_import_rejects_overlong_text(tmp_path, tiny_parks):
    problem = only_problem(rejected(save(parks_frame(tiny_parks, town=["镇" * 501, "新城镇"]), tmp_path / "p.geojson")))
    assert (problem.feature, problem.field) == (1, "town")


def test_import_rejects_non_numeric_and_out_of_range_capacity(tmp_path, tiny_wastewater):
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"], "facility_type": ["城镇污水处理厂", "rural"], "design_capacity": ["十五", "-1"]},
        geometry=[shapely.Point(117.63, 39.0), shapely.Point(117.64, 39.0)],
        crs="EPSG:4326",
    )
    err = rejected(save(frame, tmp_path / "ww.geojson"), WASTEWATER)
    assert [(p.feature, p.field) for p in err.problems] == [(1, "design_capacity"), (2, "design_capacity")]
    assert "outside" in err.problems[1].en


def test_import_rejects_self_intersecting_polygon_without_fixing_it(tmp_path, tiny_parks):
    frame = parks_frame(tiny_parks, geometry=[tiny_parks.geometry[0], BOWTIE])
    problem = only_problem(rejected(save(frame, tmp_path / "p.geojson")))
    assert (problem.feature, problem.field) == (2, "geometry")
    assert "Self-intersection" in problem.en and "几何无效" in problem.zh


def test_import_rejects_point_in_polygon_layer_naming_expected_type(tmp_path, tiny_parks):
    frame = parks_frame(tiny_parks, geometry=[shapely.Point(117.6, 39.0), tiny_parks.geometry[1]])
    problem = only_problem(rejected(save(frame, tmp_path / "p.geojson")))
    assert (problem.feature, problem.field) == (1, "geometry")
    assert "Point" in problem.en and "Polygon" in problem.en


def test_import_rejects_swapped_lat_lon(tmp_path, tiny_parks):
    swapped = [shapely.box(38.76, 117.55, 38.78, 117.57), shapely.box(38.92, 117.70, 38.94, 117.72)]
    err = rejected(save(parks_frame(tiny_parks, geometry=swapped), tmp_path / "p.geojson"))
    assert [p.feature for p in err.problems] == [1, 2]
    assert "经纬度顺序颠倒（应为经度, 纬度）" in err.problems[0].zh and "lat, lon" in err.problems[0].en


def test_import_rejects_projected_coordinates_declared_as_4326(tmp_path, tiny_parks):
    projected = tiny_parks.to_crs("EPSG:4548").set_crs("EPSG:4326", allow_override=True)
    problem = only_problem(rejected(save(projected, tmp_path / "p.geojson")))
    assert "坐标看起来是投影坐标却声明为 EPSG:4326" in problem.zh and problem.field == "geometry"


def test_import_rejects_degrees_declared_as_projected_crs(tmp_path, tiny_parks):
    mislabelled = tiny_parks.set_crs("EPSG:4548", allow_override=True)
    problem = only_problem(rejected(save(mislabelled, tmp_path / "p.gpkg")))
    assert "EPSG:4548" in problem.en and "degrees" in problem.en


def test_import_rejects_features_outside_binhai(tmp_path, tiny_parks):
    beijing = shapely.box(116.30, 39.90, 116.32, 39.92)
    problem = only_problem(
        rejected(save(parks_frame(tiny_parks, geometry=[tiny_parks.geometry[0], beijing]), tmp_path / "p.geojson"))
    )
    assert (problem.feature, problem.field) == (2, "geometry")
    assert "不在滨海新区范围内" in problem.zh and "outside Binhai" in problem.en


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_validate_frame_rejects_nan_and_empty_geometry(tiny_parks):
    nan_ring = shapely.Polygon([(117.55, 38.76), (117.57, np.nan), (117.57, 38.78), (117.55, 38.76)])
    frame = parks_frame(tiny_parks, geometry=[nan_ring, shapely.Polygon()])
    with pytest.raises(InputError) as caught:
        io.validate_frame(frame, PARKS, LIMITS, "表单")
    assert [(p.feature, p.field) for p in caught.value.problems] == [(1, "geometry"), (2, "geometry")]
    assert "NaN" in caught.value.problems[0].en and caught.value.source == "表单"


@pytest.mark.parametrize("epsg", [4490, 4548, 32650])
def test_cgcs2000_and_projected_inputs_are_stored_in_4326(tmp_path, tiny_parks, epsg):
    source = tiny_parks.set_crs(4490, allow_override=True) if epsg == 4490 else tiny_parks.to_crs(epsg)
    parks = io.read_features(save(source, tmp_path / "p.gpkg", layer="parks"), PARKS, LIMITS)
    assert parks.crs.to_epsg() == 4326
    for got, expected in zip(parks.geometry, tiny_parks.geometry, strict=True):
        assert shapely.hausdorff_distance(got, expected) < 1e-6  # 4490 is relabelled, not shifted


def test_geojson_declaring_gauss_kruger_crs_is_reprojected(tmp_path):
    x, y = gpd.GeoSeries([shapely.Point(117.63, 39.0)], crs=4326).to_crs(4548).iloc[0].coords[0]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4548"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"名称": "厂", "类型": "urban"},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        ],
    }
    path = tmp_path / "ww.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    point = io.read_features(path, WASTEWATER, LIMITS).geometry.iloc[0]
    assert point.x == pytest.approx(117.63, abs=1e-7) and point.y == pytest.approx(39.0, abs=1e-7)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_gpkg_without_crs_is_rejected(tmp_path, tiny_parks):
    problem = only_problem(rejected(save(tiny_parks.set_crs(None, allow_override=True), tmp_path / "p.gpkg")))
    assert "坐标系" in problem.zh and "coordinate system" in problem.en


def test_gpkg_layer_named_like_the_spec_is_chosen(tmp_path, tiny_parks, tiny_wastewater):
    path = save(tiny_wastewater, tmp_path / "both.gpkg", layer="aaa_wastewater")
    save(tiny_parks, path, layer="parks", append=False)
    assert io.read_features(path, PARKS, LIMITS)["id"].tolist() == ["PK-T1", "PK-T2"]


def test_import_rejects_empty_file(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_bytes(b"")
    problem = only_problem(rejected(path))
    assert "empty" in problem.en and "为空" in problem.zh


def test_import_rejects_non_geo_file_named_geojson_with_a_message(tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("会议纪要：这不是地图数据", encoding="utf-8")
    err = rejected(path)
    assert err.source == "notes.geojson" and "cannot read" in only_problem(err).en


@pytest.mark.filterwarnings("ignore:File .* has GPKG application_id:RuntimeWarning")
def test_import_rejects_geopackage_renamed_to_json(tmp_path, tiny_parks):
    path = save(tiny_parks, tmp_path / "p.gpkg")
    renamed = path.rename(tmp_path / "p.json")
    assert "GeoJSON" in only_problem(rejected(renamed)).en


def test_import_rejects_feature_collection_without_features(tmp_path):
    path = tmp_path / "none.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert "no features" in only_problem(rejected(path)).en


def test_import_rejects_unsupported_extension_and_missing_file(tmp_path):
    (tmp_path / "a.dxf").write_text("0\nSECTION\n")
    assert ".dxf" in only_problem(rejected(tmp_path / "a.dxf")).en
    assert "not found" in only_problem(rejected(tmp_path / "absent.geojson")).en


def test_limits_on_size_features_and_vertices_are_enforced(tmp_path, tiny_parks):
    path = save(tiny_parks, tmp_path / "p.geojson")
    assert "too large" in only_problem(rejected(path, limits=Limits(max_upload_mb=0.0001))).en
    assert "too many features" in only_problem(rejected(path, limits=Limits(max_features=1))).en
    assert "in total" in only_problem(rejected(path, limits=Limits(max_vertices=9))).en
    err = rejected(path, limits=Limits(max_vertices_per_feature=4))
    assert [(p.feature, p.field) for p in err.problems] == [(1, "geometry"), (2, "geometry")]


# -- zipped Shapefiles ---------------------------------------------------------------------------


def test_zipped_shapefile_is_read_with_truncated_field_names(tmp_path, tiny_parks):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp")
    parks = io.read_features(zip_members(tmp_path / "p.zip", {f"地块/{n}": b for n, b in parts.items()}), PARKS, LIMITS)
    assert parks["circular_status"].tolist() == ["done", "in_progress"]  # stored as "circular_s" in the .dbf


@pytest.mark.parametrize("with_cpg", [True, False], ids=["with-cpg", "without-cpg"])
def test_gbk_dbf_is_decoded_with_and_without_cpg(tmp_path, tiny_parks, with_cpg):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp", encoding="GBK")
    assert parts.pop("parks.cpg").decode().strip() == "GBK"
    if with_cpg:
        parts["parks.cpg"] = b"GBK"
    parks = io.read_features(zip_members(tmp_path / "p.zip", parts), PARKS, LIMITS)
    assert parks["name"].tolist() == ["南港测试园区", "临港测试园区"]


def test_dbf_whose_cpg_names_the_wrong_encoding_still_reads(tmp_path, tiny_parks):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp", encoding="GBK")
    parts["parks.cpg"] = b"UTF-8"
    parks = io.read_features(zip_members(tmp_path / "p.zip", parts), PARKS, LIMITS)
    assert parks["name"].tolist() == ["南港测试园区", "临港测试园区"]


def test_zip_without_prj_is_rejected_for_unknown_crs(tmp_path, tiny_parks):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp")
    del parts["parks.prj"]
    problem = only_problem(rejected(zip_members(tmp_path / "p.zip", parts)))
    assert "缺少 .prj，无法确定坐标系" in problem.zh and ".prj" in problem.en


def test_zip_missing_shapefile_parts_names_them(tmp_path, tiny_parks):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp")
    del parts["parks.dbf"], parts["parks.shx"]
    problem = only_problem(rejected(zip_members(tmp_path / "p.zip", parts)))
    assert ".shx" in problem.en and ".dbf" in problem.en
    no_shp = {"readme.txt": b"hello"}
    assert ".shp" in only_problem(rejected(zip_members(tmp_path / "q.zip", no_shp))).en


@pytest.mark.parametrize("member", ["../../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "C:\\evil.shp"])
def test_zip_with_path_traversal_is_rejected_before_extracting(tmp_path, tiny_parks, member):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp")
    parts[member] = b"x"
    problem = only_problem(rejected(zip_members(tmp_path / "p.zip", parts)))
    assert "unsafe" in problem.en
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_bomb_is_rejected_by_compression_ratio(tmp_path, tiny_parks):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp")
    parts["padding.dbf"] = bytes(4 * 1024 * 1024)  # 4 MB of zeros packs to a few KB
    problem = only_problem(rejected(zip_members(tmp_path / "p.zip", parts)))
    assert "zip bomb" in problem.en


def test_zip_with_too_many_members_is_rejected(tmp_path, tiny_parks):
    parts = shapefile_parts(tiny_parks, tmp_path / "shp")
    err = rejected(zip_members(tmp_path / "p.zip", parts), limits=Limits(max_zip_members=3))
    assert "too many files" in only_problem(err).en


def test_corrupt_zip_is_rejected(tmp_path):
    path = tmp_path / "p.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "zip" in only_problem(rejected(path)).en


# -- KML -----------------------------------------------------------------------------------------


def test_kml_placemarks_with_extended_data_holes_and_multigeometry(tmp_path):
    body = (
        "<Folder><Placemark><name>临港测试园区</name>"
        "<ExtendedData><SchemaData><SimpleData name='级别'>市级</SimpleData></SchemaData></ExtendedData>"
        "<MultiGeometry>"
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>117.70,38.92 117.72,38.92 117.72,38.94 117.70,38.92"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>117.60,38.80,0 117.65,38.80,0 117.65,38.85,0 117.60,38.85,0 "
        "117.60,38.80,0</coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>"
        "117.61,38.81 117.62,38.81 117.62,38.82 117.61,38.81</coordinates></LinearRing></innerBoundaryIs></Polygon>"
        "</MultiGeometry></Placemark></Folder>" + PARK_PLACEMARK
    )
    path = tmp_path / "parks.kml"
    path.write_text(kml(body), encoding="utf-8")
    parks = io.read_features(path, PARKS, LIMITS)
    assert parks["name"].tolist() == ["临港测试园区", "南港测试园区"]
    assert parks["level"].tolist() == ["municipal", None]
    assert parks["industry"].tolist() == [None, "petrochemical"]
    first = parks.geometry.iloc[0]
    assert first.geom_type == "MultiPolygon" and len(first.geoms[1].interiors) == 1


@pytest.mark.parametrize(
    "document",
    [
        re.sub(r"<(/?)(?=[A-Za-z])", r"<\1kml:", f"<kml><Document>{PARK_PLACEMARK}</Document></kml>").replace(
            "<kml:kml>", '<kml:kml xmlns:kml="http://www.opengis.net/kml/2.2">'
        ),
        f"<kml><Document>{PARK_PLACEMARK}</Document></kml>",
    ],
    ids=["prefixed", "no-namespace"],
)
def test_kml_is_read_with_or_without_namespace_prefix(tmp_path, document):
    path = tmp_path / "p.kml"
    path.write_text(document, encoding="utf-8")
    assert io.read_features(path, PARKS, LIMITS)["name"].tolist() == ["南港测试园区"]


def test_import_rejects_kml_with_external_entity(tmp_path):
    prolog = '<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    path = tmp_path / "xxe.kml"
    path.write_text(kml(PARK_PLACEMARK.replace("南港测试园区", "&xxe;"), prolog), encoding="utf-8")
    problem = only_problem(rejected(path))
    assert "XXE" in problem.en and "root:" not in problem.zh + problem.en


def test_import_rejects_kml_billion_laughs(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
    )
    path = tmp_path / "lol.kml"
    path.write_text(
        kml(PARK_PLACEMARK.replace("南港测试园区", "&lol9;"), f"<!DOCTYPE kml [{entities}]>\n"), encoding="utf-8"
    )
    assert "billion laughs" in only_problem(rejected(path)).en


def test_kml_with_broken_xml_or_coordinates_is_reported(tmp_path):
    broken = tmp_path / "broken.kml"
    broken.write_text("<kml><Placemark>", encoding="utf-8")
    assert "well-formed" in only_problem(rejected(broken)).en
    bad_coords = tmp_path / "coords.kml"
    bad_coords.write_text(kml(PARK_PLACEMARK.replace("117.57,38.76", "东经117,38.76")), encoding="utf-8")
    problem = only_problem(rejected(bad_coords))
    assert (problem.feature, problem.field) == (1, "geometry") and "not numeric" in problem.en
    assert "不是数字" in problem.zh


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_with_chinese_headers_in_gbk_is_read(tmp_path):
    path = tmp_path / "ww.csv"
    path.write_bytes("名称,类型,设计规模,经度,纬度\n塘沽新河污水处理厂,城镇污水处理厂,15,117.63,39.00\n".encode("gbk"))
    plants = io.read_features(path, WASTEWATER, LIMITS)
    assert plants["facility_type"].tolist() == ["urban"] and plants["design_capacity"].tolist() == [15.0]
    assert (plants.geometry.x.iloc[0], plants.geometry.y.iloc[0]) == (117.63, 39.0)


def test_csv_with_bom_and_case_insensitive_lon_lat(tmp_path):
    path = tmp_path / "ww.csv"
    path.write_text("ID,Name,facility_type,LNG,Latitude\nWW-1,厂,rural,117.5,38.9\n", encoding="utf-8-sig")
    plants = io.read_features(path, WASTEWATER, LIMITS)
    assert plants["id"].tolist() == ["WW-1"] and plants["facility_type"].tolist() == ["rural"]


def test_import_rejects_csv_with_non_numeric_lon_naming_the_row(tmp_path):
    path = tmp_path / "ww.csv"
    path.write_text("name,facility_type,lon,lat\na,urban,117.6,39.0\nb,urban,东经117度,39.0\n", encoding="utf-8")
    problem = only_problem(rejected(path, WASTEWATER))
    assert (problem.feature, problem.field) == (2, "lon")
    assert "经度不是数字" in problem.zh and "longitude is not a number" in problem.en


def test_import_rejects_csv_without_coordinate_columns(tmp_path):
    path = tmp_path / "ww.csv"
    path.write_text("name,facility_type\na,urban\n", encoding="utf-8")
    assert "lon/lat" in only_problem(rejected(path, WASTEWATER)).en
