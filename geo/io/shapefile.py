"""Zipped Shapefiles: the archive checked before anything is extracted, read, and written back.

Reading refuses zip bombs (expansion ratio, member count, members growing past their declared size),
absolute or `..` paths, encrypted or exotic members and incomplete sets (.shp/.shx/.dbf/.prj); .dbf
text is decoded by the .cpg, else UTF-8, else GBK. Writing makes one Shapefile per geometry family,
UTF-8 with a .cpg, field names cut to dBase's 10 characters (reading accepts them back).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw

from geo.config import Limits
from geo.io.common import HEAD_BYTES, RawFeatures, check_feature_count, fail, shown
from geo.io.ogr import ogr_type, read_ogr

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj")


DBF_NAME_LENGTH = 10  # dBase field names are cut to 10 characters


def read_zipped_shapefile(path: Path, spec: Any, limits: Limits, source: str) -> RawFeatures:
    """Check the archive before extracting anything, then read each Shapefile in it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as exc:  # NotImplementedError: a mangled version
        raise fail(source, "不是有效的 zip 压缩包", "not a valid zip archive") from exc
    with archive, tempfile.TemporaryDirectory(prefix="binhai-import-") as tmp:
        shapefiles = _extract_shapefiles(archive, path, limits, source, Path(tmp))
        frames = []
        declared = ""
        for shp in shapefiles:
            raw = _read_shapefile(shp, spec, limits, source)
            frames.append(raw.frame)
            declared = declared or raw.declared_crs
            check_feature_count(sum(len(f) for f in frames), limits, source)
    crs = {f.crs for f in frames}
    if len(crs) > 1:
        raise fail(source, "压缩包内各 Shapefile 的坐标系不一致", "the Shapefiles in the zip use different CRSs")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return RawFeatures(gpd.GeoDataFrame(frame, geometry="geometry", crs=frames[0].crs), declared_crs=declared)


def _extract_shapefiles(archive: zipfile.ZipFile, path: Path, limits: Limits, source: str, into: Path) -> list[Path]:
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise fail(
            source,
            f"压缩包内文件过多（{len(members)} 个），上限为 {limits.max_zip_members} 个",
            f"too many files in the zip ({len(members)}); the limit is {limits.max_zip_members}",
        )
    unsafe = [m.filename for m in members if _unsafe_member(m.filename)]
    if unsafe:
        raise fail(
            source,
            f"压缩包含有不安全的路径（绝对路径或 ..）: {', '.join(map(shown, unsafe[:5]))}",
            f"the zip holds unsafe paths (absolute or ..): {', '.join(map(shown, unsafe[:5]))}",
        )
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), path.stat().st_size, 1)
    if unpacked > limits.max_zip_ratio * packed:
        raise fail(
            source,
            f"压缩包解压后过大（{unpacked} 字节，压缩比超过 {limits.max_zip_ratio:g}），疑似压缩炸弹",
            f"the zip expands too much ({unpacked} bytes, ratio over {limits.max_zip_ratio:g}); refusing a zip bomb",
        )
    # Group the members of each Shapefile by their path without suffix (case-insensitive).
    sets: dict[str, dict[str, zipfile.ZipInfo]] = defaultdict(dict)
    for m in members:
        p = PurePosixPath(m.filename.replace("\\", "/"))
        if m.is_dir() or p.name.startswith("._") or "__MACOSX" in p.parts:
            continue
        suffix = p.suffix.lower()
        if suffix in (*SHAPEFILE_PARTS, ".cpg"):
            sets[str(p.with_suffix("")).casefold()][suffix] = m
    with_shp = {stem: parts for stem, parts in sets.items() if ".shp" in parts}
    if not with_shp:
        missing = [s for s in (".shp", ".shx", ".dbf") if not any(s in parts for parts in sets.values())]
        missing = missing or [".shp"]
        raise fail(
            source,
            f"压缩包中不是完整的 Shapefile，缺少 {', '.join(missing)}",
            f"the zip does not hold a complete Shapefile: missing {', '.join(missing)}",
        )
    extracted = []
    for number, (_, parts) in enumerate(sorted(with_shp.items()), start=1):
        label = parts[".shp"].filename
        missing = [s for s in (".shx", ".dbf") if s not in parts]
        if missing:
            raise fail(
                source,
                f"{label} 缺少 {', '.join(missing)}",
                f"{label} is missing {', '.join(missing)}",
            )
        if ".prj" not in parts:
            raise fail(
                source,
                f"{label} 缺少 .prj，无法确定坐标系",
                f"{label} has no .prj: the coordinate system is unknown",
            )
        # Members are written under names we choose, so nothing in the archive picks a path.
        base = into / f"layer{number}"
        for suffix, member in parts.items():
            _copy_member(archive, member, base.with_suffix(suffix), source)
        extracted.append(base.with_suffix(".shp"))
    return extracted


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, source: str) -> None:
    """Copy one member, never writing more than the size it declares (the bomb check relied on it)."""
    written = 0
    with _reading_member(member, source):
        src = archive.open(member)
    with src, open(target, "wb") as dst:
        while True:
            with _reading_member(member, source):
                chunk = src.read(1 << 20)
            if not chunk:
                break
            written += len(chunk)
            if written > member.file_size:
                raise fail(
                    source,
                    f"{member.filename} 解压后大于其声明的大小，已拒绝",
                    f"{member.filename} expands beyond its declared size; refused",
                )
            dst.write(chunk)


@contextlib.contextmanager
def _reading_member(member: zipfile.ZipInfo, source: str) -> Iterator[None]:
    """zipfile's errors for a damaged, encrypted or exotic member, said as the user's problem.

    Only opening and reading the member are wrapped: a full disk while writing stays the server's error.
    """
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:  # OSError: a seek to a bad offset
        raise fail(source, f"压缩包已损坏: {member.filename}", f"the zip is damaged: {member.filename}") from exc
    except (NotImplementedError, RuntimeError) as exc:  # zipfile's words for encrypted or exotic members
        raise fail(
            source,
            f"{member.filename} 使用了不支持的压缩方式或已加密，请用普通 zip（deflate）重新压缩",
            f"{member.filename} is encrypted or uses an unsupported compression; re-zip it as a plain (deflate) zip",
        ) from exc


def _unsafe_member(name: str) -> bool:
    normal = name.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[A-Za-z]:", normal):
        return True
    return ".." in normal.split("/")


def _read_shapefile(shp: Path, spec: Any, limits: Limits, source: str) -> RawFeatures:
    """GDAL honours a .cpg; without one (or when it is wrong) try UTF-8, then GBK (common in Chinese GIS)."""
    # None lets GDAL decode by the .cpg; the explicit ones make pyogrio decode the raw .dbf bytes.
    attempts = [None, "UTF-8", "GBK"] if shp.with_suffix(".cpg").exists() else ["UTF-8", "GBK"]
    prj = shp.with_suffix(".prj")
    declared = prj.read_bytes()[:HEAD_BYTES].decode("utf-8", errors="replace") if prj.exists() else ""
    for encoding in attempts:
        try:
            raw = read_ogr(shp, spec, limits, source, encoding=encoding)
        except UnicodeDecodeError:
            continue
        raw.declared_crs = declared
        return raw
    raise fail(
        source,
        "无法识别 .dbf 的文字编码（应为 UTF-8 或 GBK），请附带正确的 .cpg 文件",
        "cannot tell the .dbf text encoding (expected UTF-8 or GBK); add a correct .cpg file",
    )


def write_shapefile_zip(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """One Shapefile per geometry family (a Shapefile holds one type), UTF-8 with a .cpg, zipped.

    Field names are cut to the 10 characters dBase allows; reading accepts the cut names back.
    """
    frame = frame.rename(columns={f.name: f.name[:DBF_NAME_LENGTH] for f in spec.fields})
    kinds = frame.geometry.geom_type
    present = [fam for fam in spec.geometry if kinds.isin((fam, f"Multi{fam}")).any()]
    with tempfile.TemporaryDirectory(prefix="binhai-export-") as tmp:
        written: list[Path] = []
        for family in present or list(spec.geometry):
            name = spec.name if len(spec.geometry) == 1 else f"{spec.name}_{family.lower()}"
            part = frame[kinds.isin((family, f"Multi{family}"))]
            geometry_type, promote = ogr_type(part, (family,))
            pyogrio.write_dataframe(
                part,
                Path(tmp) / f"{name}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type=geometry_type,
                promote_to_multi=promote,
            )
            written += sorted(Path(tmp).glob(f"{name}.*"))
        out.unlink(missing_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in written:
                archive.write(member, arcname=member.name)
