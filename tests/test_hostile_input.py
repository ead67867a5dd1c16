"""Hostile input: every file in tests/data/bad, and the big ones generated here, gets a message, not a traceback.

Each rejected file goes through the page's path (`geo.io.read_features`, as views/data.py calls it)
and the CLI (`python -m layers import`, in-process and, for a subset, as a real process): the problem
is named in Chinese and English, the CLI exits 2 and the store file is byte-for-byte unchanged.
tests/data/bad/README.md lists what each file is and what it yields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import shapely.affinity

import layers
from geo import assessment, io, stats
from geo.config import Limits
from geo.crs import convert_gcj02_to_wgs84, wgs84_to_gcj02_xy
from geo.errors import InputError
from geo.store.db import Store
from geo.store.features import count_features, read_layer, write_layer
from layers.__main__ import main
from tests.stores import state

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "bad"
LIMITS = Limits()
PARKS = layers.get_spec("parks")
SQUARE = shapely.box(117.60, 39.00, 117.62, 39.02)


@dataclass(frozen=True)
class Expect:
    layer: str
    zh: str
    en: str
    field: str | None = None
    feature: int | None = None


REJECTED = {
    "empty.geojson": Expect("parks", "文件为空", "the file is empty"),
    "not_geo.geojson": Expect("parks", "内容不是 JSON", "the content is not JSON"),
    "truncated.geojson": Expect("parks", "似乎被截断", "looks truncated"),
    "bowtie.geojson": Expect("parks", "几何无效（如自相交）", "Self-intersection", "geometry", 1),
    "self_intersecting.geojson": Expect("parks", "几何无效（如自相交）", "Self-intersection", "geometry", 2),
    "unclosed_ring.geojson": Expect("parks", "面的环未闭合", "ring is not closed", "geometry", 2),
    "nan_coordinates.geojson": Expect("parks", "坐标含 NaN 或无穷值", "NaN or infinity", "geometry", 1),
    "inf_coordinates.kml": Expect("parks", "坐标含 NaN 或无穷值", "NaN or infinity", "geometry", 1),
    "swapped_lat_lon.geojson": Expect("parks", "经纬度顺序颠倒", "look like lat, lon", "geometry", 1),
    "projected_as_4326.geojson": Expect("parks", "投影坐标却声明为 EPSG:4326", "look projected", "geometry"),
    "gcj02_declared.geojson": Expect("parks", "疑似 GCJ-02（火星坐标）偏移", "--from-gcj02", "geometry"),
    "gcj02_amap_export.csv": Expect("wastewater", "疑似 GCJ-02（火星坐标）偏移", "GCJ-02", "geometry"),
    "bd09_baidu.csv": Expect("wastewater", "BD-09（百度坐标）", "does not convert Baidu", "geometry"),
    "xxe.kml": Expect("wastewater", "外部实体（XXE", "external entity (XXE"),
    "billion_laughs.kml": Expect("wastewater", "实体膨胀", "billion laughs"),
    "zip_slip.zip": Expect("parks", "不安全的路径", "unsafe paths"),
    "truncated.zip": Expect("parks", "不是有效的 zip", "not a valid zip"),
    "encrypted.zip": Expect("parks", "已加密", "is encrypted"),
    "shapefile_missing_shx_dbf.zip": Expect("parks", "缺少 .shx, .dbf", "missing .shx, .dbf"),
    "shapefile_missing_prj.zip": Expect("parks", "缺少 .prj", "no .prj"),
    "csv_non_numeric_lonlat.csv": Expect("wastewater", "经度不是数字", "longitude is not a number", "lon", 2),
    "html_in_names.geojson": Expect("parks", "HTML/脚本标记", "HTML/script markup", "name", 1),
    "sql_in_fields.geojson": Expect("parks", "不在可选范围内", "is not allowed", "industry", 1),
    "duplicate_ids.geojson": Expect("parks", "重复", "is repeated", "id", 2),
    "outside_binhai.geojson": Expect("parks", "不在滨海新区范围内", "outside Binhai", "geometry", 2),
}
# Tricky but valid: read correctly, stored verbatim.
ACCEPTED = {
    "gbk_with_cpg.zip": ("parks", ["南港测试园区", "临港测试园区"]),
    "gbk_without_cpg.zip": ("parks", ["南港测试园区", "临港测试园区"]),
    "sql_in_name.geojson": ("parks", ["Robert'); DROP TABLE parks; --"]),
}
# Too big (or binary) to commit: written by the `generated` fixture.
GENERATED = {
    "million_vertices.geojson": Expect("parks", "顶点总数过多", "too many vertices in total (1000000)"),
    "no_crs.gpkg": Expect("parks", "未声明坐标系", "declares no coordinate system", "geometry"),
    "zip_bomb.zip": Expect("parks", "压缩炸弹", "zip bomb"),
    "upload_300mb.geojson": Expect("parks", "文件过大（300.0 MB）", "file too large (300.0 MB)"),
}
# Run as real processes too (each costs an interpreter start).
IN_A_PROCESS = ("not_geo.geojson", "xxe.kml", "zip_slip.zip", "html_in_names.geojson", "upload_300mb.geojson")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def matching(err: InputError, expect: Expect):
    """The problem that names what `expect` describes, in both languages (field and feature too, if given)."""
    found = [p for p in err.problems if expect.zh in p.zh and expect.en in p.en]
    assert found, err.report("zh") + "\n" + err.report("en")
    problem = found[0]
    if expect.field is not None:
        assert problem.field == expect.field, problem
    if expect.feature is not None:
        assert problem.feature == expect.feature, problem
    return problem


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad-generated")
    files = {}

    # One polygon with 1,000,000 vertices (a circle): ≈ 25 MB of GeoJSON, under the 50 MB upload limit.
    angles = np.linspace(0, 2 * np.pi, 999_999, endpoint=False)  # + the closing vertex
    lon, lat = 117.65 + 0.05 * np.cos(angles), 39.0 + 0.05 * np.sin(angles)
    ring = ",".join(f"[{x:.6f},{y:.6f}]" for x, y in zip(lon, lat, strict=True)) + f",[{lon[0]:.6f},{lat[0]:.6f}]"
    path = folder / "million_vertices.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"名称":"百万顶点园区"},'
        f'"geometry":{{"type":"Polygon","coordinates":[[{ring}]]}}}}]}}',
        encoding="utf-8",
    )
    files[path.name] = path

    path = folder / "no_crs.gpkg"
    frame = gpd.GeoDataFrame({"name": ["无坐标系园区"]}, geometry=[SQUARE], crs=None)
    with pytest.warns(UserWarning, match="crs"):
        pyogrio.write_dataframe(frame, path, layer="parks")
    files[path.name] = path

    # 8 MB of zeros beside a real Shapefile packs to a few KB: a ratio far over the limit of 100.
    path = folder / "zip_bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(CORPUS / "gbk_with_cpg.zip") as parts:
            for name in parts.namelist():
                archive.writestr(name, parts.read(name))
        archive.writestr("padding.dbf", bytes(8 * 1024 * 1024))
    files[path.name] = path

    # A 300 MB upload as a sparse file: nothing is allocated, on disk or in memory.
    path = folder / "upload_300mb.geojson"
    with path.open("wb") as f:
        f.truncate(300 * 1024 * 1024)
    files[path.name] = path
    return files


def corpus_path(name: str, generated: dict[str, Path]) -> Path:
    return generated[name] if name in GENERATED else CORPUS / name


ALL_REJECTED = {**REJECTED, **GENERATED}


# -- the corpus itself ---------------------------------------------------------------------------


def test_every_corpus_file_has_an_expectation_and_a_readme_row():
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix not in (".md", ".py") and p.is_file()}
    assert on_disk == set(REJECTED) | set(ACCEPTED)
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for name in [*REJECTED, *ACCEPTED, *GENERATED]:
        assert f"`{name}`" in readme, name
    for path in CORPUS.iterdir():
        assert path.stat().st_size < 8 * 1024, f"{path.name}: keep committed corpus files small"


# -- the page's path: geo.io.read_features -------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", list(ALL_REJECTED))
def test_page_path_rejects_bad_file_naming_the_problem(name, generated):
    expect = ALL_REJECTED[name]
    with pytest.raises(InputError) as caught:
        io.read_features(corpus_path(name, generated), layers.get_spec(expect.layer), LIMITS, source_name=name)
    assert caught.value.source == name
    matching(caught.value, expect)


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_page_path_reads_tricky_but_valid_files(name):
    layer, names = ACCEPTED[name]
    features = io.read_features(CORPUS / name, layers.get_spec(layer), LIMITS)
    assert features["name"].tolist() == names


def test_300_mb_upload_is_refused_from_its_size_before_a_byte_is_read(generated):
    path = generated["upload_300mb.geojson"]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError, match="file too large"):
            io.read_features(path, PARKS, LIMITS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024 and time.perf_counter() - started < 1.0
    assert os.stat(path).st_blocks == 0  # still sparse: nothing was written into it either


# -- the CLI: exit 2, both languages, store untouched --------------------------------------------


@pytest.fixture
def store_file(seeded_store) -> Store:
    return seeded_store


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", list(ALL_REJECTED))
def test_cli_import_rejects_bad_file_with_exit_2_and_store_byte_identical(name, generated, store_file, capsys):
    expect = ALL_REJECTED[name]
    before = state(store_file)
    path = corpus_path(name, generated)
    assert main(["--db", store_file.location, "import", expect.layer, str(path)]) == 2
    err = capsys.readouterr().err
    assert expect.zh in err and expect.en in err, err
    assert name in err and "Traceback" not in err
    assert state(store_file) == before
    assert store_file.kind != "duckdb" or not store_file.path.with_name(store_file.path.name + ".wal").exists()


@pytest.mark.parametrize("name", IN_A_PROCESS)
def test_cli_process_rejects_bad_file_with_exit_2(name, generated, store_file):
    expect = ALL_REJECTED[name]
    before = state(store_file)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "layers",
            "--db",
            store_file.location,
            "import",
            expect.layer,
            str(corpus_path(name, generated)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert expect.zh in result.stderr and expect.en in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert state(store_file) == before


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_cli_imports_tricky_but_valid_files_verbatim(name, store_file, capsys):
    layer, names = ACCEPTED[name]
    spec = layers.get_spec(layer)
    store = store_file
    before = count_features(store, spec)
    assert main(["--db", store_file.location, "import", layer, str(CORPUS / name)]) == 0, capsys.readouterr().err
    stored = read_layer(store, spec)
    assert count_features(store, spec) == before + len(names)
    assert set(names) <= set(stored["name"])  # SQL text is data: stored as written, the table intact


# -- GCJ-02 --------------------------------------------------------------------------------------


def test_from_gcj02_converts_a_declared_gcj02_file_back_onto_wgs84(store_file, capsys):
    path = CORPUS / "gcj02_declared.geojson"
    features = io.read_features(path, PARKS, LIMITS, from_gcj02=True)
    assert shapely.hausdorff_distance(features.geometry.iloc[0], SQUARE) < 1e-5  # ≈ 1 m
    assert main(["--db", store_file.location, "validate", "parks", str(path), "--from-gcj02"]) == 0
    assert main(["--db", store_file.location, "import", "parks", str(path), "--from-gcj02"]) == 0
    assert "新增 1" in capsys.readouterr().out


def test_file_named_after_amap_is_flagged(tmp_path):
    path = tmp_path / "高德地图导出_污水厂.csv"
    path.write_text("name,facility_type,lon,lat\n厂,urban,117.636,39.001\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        io.read_features(path, layers.get_spec("wastewater"), LIMITS)
    assert "文件名含“高德”" in caught.value.problems[0].zh


def gcj02_copy(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    def shift(coords):
        return np.column_stack(wgs84_to_gcj02_xy(coords[:, 0], coords[:, 1]))

    return layer.set_geometry(shapely.transform(layer.geometry.values, shift), crs=layer.crs)


def test_parks_redrawn_in_gcj02_are_refused_against_the_stored_ones(store_file, tmp_path, capsys):
    store = store_file
    stored = read_layer(store, PARKS)
    redrawn = gcj02_copy(stored).drop(columns=["area_km2", "length_km"])
    path = tmp_path / "parks_redrawn.geojson"  # nothing in the file says GCJ-02: only the positions do
    pyogrio.write_dataframe(redrawn, path)
    before = state(store_file)
    assert main(["--db", store_file.location, "import", "parks", str(path), "--replace"]) == 2
    err = capsys.readouterr().err
    assert "疑似 GCJ-02（火星坐标）偏移" in err and "one GCJ-02 shift" in err
    assert state(store_file) == before
    assert main(["--db", store_file.location, "import", "parks", str(path), "--replace", "--from-gcj02"]) == 0
    back = read_layer(store, PARKS)
    assert back["id"].tolist() == stored["id"].tolist()
    distances = [shapely.hausdorff_distance(a, b) for a, b in zip(back.geometry, stored.geometry, strict=True)]
    assert max(distances) < 1e-5


def test_a_genuine_edit_of_stored_parks_is_not_taken_for_gcj02(store_file, tmp_path, capsys):
    stored = read_layer(store_file, PARKS).drop(columns=["area_km2", "length_km"])
    moved = stored.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(moved.geometry.iloc[0], xoff=0.002)
    path = tmp_path / "parks_edited.geojson"
    pyogrio.write_dataframe(moved, path)
    assert main(["--db", store_file.location, "import", "parks", str(path), "--replace"]) == 0, capsys.readouterr().err


def test_convert_gcj02_keeps_the_geometry_valid(tmp_path):
    geoms = convert_gcj02_to_wgs84(gcj02_copy(gpd.GeoDataFrame(geometry=[SQUARE], crs=4326)).geometry)
    assert geoms.is_valid.all()


# -- markup, formulas and SQL are data, never code -----------------------------------------------


def test_markup_in_text_is_refused_but_angle_brackets_alone_are_not(tiny_parks):
    frame = tiny_parks.copy()
    frame["name"] = ["A<B 园区", "<未命名>"]
    assert io.validate_frame(frame, PARKS, LIMITS, "表单")["name"].tolist() == ["A<B 园区", "<未命名>"]
    frame["name"] = ["<b>粗体</b>", "正常"]
    frame["id"] = ["<!-- x -->", "PK-1"]
    with pytest.raises(InputError) as caught:
        io.validate_frame(frame, PARKS, LIMITS, "表单")
    assert {(p.feature, p.field) for p in caught.value.problems} == {(1, "name"), (1, "id")}


def test_csv_export_defuses_spreadsheet_formulas_and_import_restores_them(empty_store, tiny_parks, tmp_path):
    names = ['=HYPERLINK("http://x","点我")', "+1", "-2", "@SUM(A1)", "\t制表", "正常 = 园区"]
    frame = pd.concat([tiny_parks] * 3, ignore_index=True)
    frame["id"] = [f"PK-F{i}" for i in range(len(frame))]
    frame["name"] = names
    with empty_store.transaction() as session:
        write_layer(session, PARKS, frame, "replace", dt.datetime(2025, 1, 1))
    out = io.export_layer(empty_store, PARKS, "csv", tmp_path / "parks.csv")
    cells = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    exported = dict(zip(cells["id"], cells["name"], strict=True))
    assert exported["PK-F0"] == "'" + names[0] and exported["PK-F3"] == "'@SUM(A1)"
    assert exported["PK-F5"] == "正常 = 园区"
    assert not any(v.startswith(("=", "+", "-", "@", "\t")) for v in cells.stack())
    back = io.read_features(out, PARKS, LIMITS)
    # Import trims surrounding whitespace from every text (the tab too); the guard itself leaves no trace.
    assert dict(zip(back["id"], back["name"], strict=True)) == dict(
        zip(frame["id"], map(str.strip, names), strict=True)
    )


SQL = ["x' OR '1'='1", "1; DROP TABLE parks; --", 'PK-0001" --', "'); DELETE FROM statistics; --"]


@pytest.mark.parametrize("fragment", SQL)
def test_sql_fragments_in_filter_values_match_nothing_and_change_nothing(seeded_store, fragment):
    tables_before = seeded_store.tables()
    rows_before = seeded_store.scalar("SELECT count(*) FROM statistics")
    assert stats.park_profile(seeded_store, fragment, 2024).empty
    assert stats.park_trend(seeded_store, fragment, "energy_consumption").empty
    assert assessment.target_of(seeded_store, fragment, "energy_intensity") is None
    with pytest.raises(ValueError):
        assessment.targets_table(seeded_store, fragment, "energy_intensity")
    with pytest.raises(ValueError):
        stats.park_trend(seeded_store, "PK-0001", fragment)
    assert seeded_store.tables() == tables_before
    assert seeded_store.scalar("SELECT count(*) FROM statistics") == rows_before


@pytest.mark.parametrize(
    "command", [["list"], ["import", "parks", str(CORPUS / "sql_in_name.geojson")], ["backup", "--out", "x.zip"]]
)
def test_a_db_option_that_names_no_store_exits_2_with_a_message(tmp_path, capsys, command):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("会议纪要", encoding="utf-8")
    for db in (notes, tmp_path):  # a text file, a directory
        assert main(["--db", str(db), *[c.replace("x.zip", str(tmp_path / "x.zip")) for c in command]]) == 2
        err = capsys.readouterr().err
        assert str(db) in err and "--db" in err and "Traceback" not in err
        assert ("不是 DuckDB 数据库" in err and "not a DuckDB database" in err) or ("文件夹" in err and "folder" in err)
    assert notes.read_text(encoding="utf-8") == "会议纪要"


def test_a_file_name_with_terminal_escapes_is_reported_escaped(tmp_path, capsys):
    path = tmp_path / "evil\x1b[2Jname.geojson"
    path.write_text("not json", encoding="utf-8")
    assert main(["validate", "parks", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "evil\\x1b[2Jname.geojson" in err


def test_reports_quote_hostile_values_instead_of_passing_them_through(tmp_path):
    path = tmp_path / "p.geojson"
    feature = {
        "type": "Feature",
        "properties": {"名称": "园区", "主导产业": "\x1b[2J<script>"},
        "geometry": json.loads(shapely.to_geojson(SQUARE)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        io.read_features(path, PARKS, LIMITS)
    report = caught.value.report("en")
    assert "\x1b" not in report and "\\x1b" in report  # a terminal escape is shown, not obeyed


# -- a reviewer's own bad files: mangled copies of valid ones -------------------------------------

VALID_KML = (
    '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
    "<name>园区</name><Polygon><outerBoundaryIs><LinearRing><coordinates>117.55,38.76 117.57,38.76 117.57,38.78 "
    "117.55,38.76</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"
)
VALID_CSV = 'name,wkt\n园区,"POLYGON((117.55 38.76,117.57 38.76,117.57 38.78,117.55 38.76))"\n'


@pytest.mark.filterwarnings("ignore")
def test_mangled_files_get_a_message_not_a_traceback(tmp_path):
    """Byte flips, cuts, insertions and repeats in every format: the answer is always an InputError."""
    seeds = {
        ".geojson": (CORPUS / "sql_in_name.geojson").read_bytes(),
        ".zip": (CORPUS / "gbk_with_cpg.zip").read_bytes(),
        ".kml": VALID_KML.encode(),
        ".csv": VALID_CSV.encode(),
    }
    rnd = random.Random(20251124)
    outcomes = Counter()
    for number in range(120):
        suffix = list(seeds)[number % len(seeds)]
        data = bytearray(seeds[suffix])
        at = rnd.randrange(len(data))
        cut = rnd.choice(["flip", "cut", "insert", "repeat"])
        if cut == "flip":
            for _ in range(rnd.randint(1, 12)):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif cut == "cut":
            data = data[: max(at, 1)]
        elif cut == "insert":
            data[at:at] = rnd.choice([b"\x00", b"{", b"]", b"NaN", b"<!--", b"\xff\xfe", b"-1e999", b'"', b","]) * 3
        else:
            end = rnd.randrange(at, len(data) + 1)
            data[end:end] = data[at:end]
        path = tmp_path / f"mangled{number}{suffix}"
        path.write_bytes(bytes(data))
        try:
            io.read_features(path, PARKS, LIMITS)
            outcomes["read"] += 1  # some mangling leaves a valid file
        except InputError as err:
            assert err.problems and all(p.zh and p.en for p in err.problems)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 60, outcomes
