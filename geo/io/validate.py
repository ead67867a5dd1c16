"""Validation: columns matched to the layer's fields, values coerced, attributes, ids and geometries checked.

`validate(raw, spec, limits, source)` returns the features shaped like the layer's table (id, fields,
geometry in EPSG:4326) or raises `InputError` listing every problem with its feature and field.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import Limits
from geo.crs import (
    STORAGE_CRS,
)
from geo.errors import InputError, Problem
from geo.io.common import RawFeatures, as_date, as_number, as_text, check_feature_count, fail, is_missing, shown
from geo.io.datum import check_location, declared_offset_datum, offset_problem
from geo.io.shapefile import DBF_NAME_LENGTH

MAX_TEXT_LENGTH = 500


ID_COLUMNS = ("id", "编号")


# A tag or comment (`<img …>`, `</b>`, `<!-- …`): no name, town or id needs one, and refusing it keeps
# markup out of the store even though every page escapes what it shows. `A<B` or `<未命名>` pass.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>|<!--")


def _accepted_names(spec: Any) -> dict[str, tuple[str, ...]]:
    """For `id` and each field, the column names a file may use (compared case-insensitively)."""
    cut = Counter(f.name[:DBF_NAME_LENGTH] for f in spec.fields)
    names: dict[str, tuple[str, ...]] = {"id": ID_COLUMNS}
    for f in spec.fields:
        candidates = [f.name, *f.aliases, f.title_zh]
        if cut[f.name[:DBF_NAME_LENGTH]] == 1:
            candidates.append(f.name[:DBF_NAME_LENGTH])  # a Shapefile's truncated column name
        names[f.name] = tuple(candidates)
    return names


def _column_map(columns: Iterable[Any], spec: Any) -> dict[str, Any]:
    """Target (`id` or field name) → the file's column; exact names win over aliases."""
    by_key: dict[str, Any] = {}
    for column in columns:
        by_key.setdefault(str(column).strip().casefold(), column)
    accepted = _accepted_names(spec)
    mapping: dict[str, Any] = {}
    used: set[str] = set()
    for rank in range(max(len(c) for c in accepted.values())):
        for target, candidates in accepted.items():
            if target in mapping or rank >= len(candidates):
                continue
            key = candidates[rank].casefold()
            if key in by_key and key not in used:
                mapping[target] = by_key[key]
                used.add(key)
    return mapping


def _coerce(f: Any, value: Any) -> tuple[Any, tuple[str, str] | None]:
    """One field value → (stored value, None) or (None, (zh, en) problem)."""
    if f.choices:
        text = as_text(value)
        code = f.normalise_choice(text)
        if code is None:
            zh = "，".join(f"{c}（{z}）" for c, z, _ in f.choices)
            en = ", ".join(f"{c} ({e})" for c, _, e in f.choices)
            return None, (
                f"取值 {shown(text)} 不在可选范围内，可选: {zh}",
                f"value {shown(text)} is not allowed; choose one of: {en}",
            )
        return code, None
    if f.type == "text":
        text = as_text(value)
        if len(text) > MAX_TEXT_LENGTH:
            return None, (
                f"文字过长（{len(text)} 字），上限 {MAX_TEXT_LENGTH} 字",
                f"text too long ({len(text)} characters); the limit is {MAX_TEXT_LENGTH}",
            )
        if _MARKUP.search(text):
            return None, _markup_problem(text)
        return text, None
    if f.type in ("int", "float"):
        number = as_number(value)
        if number is None or (f.type == "int" and not float(number).is_integer()):
            kind_zh, kind_en = ("整数", "a whole number") if f.type == "int" else ("数字", "a number")
            return None, (f"应为{kind_zh}，实际为 {shown(value)}", f"expected {kind_en}, got {shown(value)}")
        number = int(number) if f.type == "int" else float(number)
        if f.minimum is not None and number < f.minimum or f.maximum is not None and number > f.maximum:
            low = "-∞" if f.minimum is None else f"{f.minimum:g}"
            high = "∞" if f.maximum is None else f"{f.maximum:g}"
            return None, (f"数值 {number:g} 超出范围 {low}–{high}", f"value {number:g} is outside {low}–{high}")
        return number, None
    if f.type == "date":
        day = as_date(value)
        if day is None:
            return None, (
                f"日期格式应为 YYYY-MM-DD，实际为 {shown(value)}",
                f"expected a date as YYYY-MM-DD, got {shown(value)}",
            )
        return day, None
    raise ValueError(f"field {f.name}: unknown type {f.type!r}")


def _markup_problem(text: str) -> tuple[str, str]:
    return (
        f"文字中含有 HTML/脚本标记 {shown(text)}，不予接受（请去掉 <…> 标记）",
        f"the text contains HTML/script markup {shown(text)}; it is not accepted (remove the <…> tags)",
    )


def _check_attributes(frame: pd.DataFrame, spec: Any, problems: list[Problem]) -> dict[str, list[Any]]:
    mapping = _column_map((c for c in frame.columns if c != frame.geometry.name), spec)
    n = len(frame)
    out: dict[str, list[Any]] = {}
    ids: list[Any] = [None] * n
    if "id" in mapping:
        for i, value in enumerate(frame[mapping["id"]].tolist()):
            if is_missing(value):
                continue
            text = as_text(value)
            if len(text) > 100:
                problems.append(Problem("编号过长（上限 100 字）", "id too long (limit 100 characters)", i + 1, "id"))
            elif _MARKUP.search(text):
                problems.append(Problem(*_markup_problem(text), i + 1, "id"))
            ids[i] = text
    out["id"] = ids
    for f in spec.fields:
        column = mapping.get(f.name)
        if column is None:
            if f.required:
                names = ", ".join(_accepted_names(spec)[f.name][:4])
                problems.append(
                    Problem(
                        f"缺少必填列（可用列名: {names}）",
                        f"the required column is missing (accepted names: {names})",
                        field=f.name,
                    )
                )
            out[f.name] = [None] * n
            continue
        values: list[Any] = []
        for i, value in enumerate(frame[column].tolist()):
            if is_missing(value):
                if f.required:
                    problems.append(Problem("必填字段为空", "required value is empty", i + 1, f.name))
                values.append(None)
                continue
            stored, problem = _coerce(f, value)
            if problem:
                problems.append(Problem(problem[0], problem[1], i + 1, f.name))
            values.append(stored)
        out[f.name] = values
    return out


def _check_duplicate_ids(ids: list[Any], problems: list[Problem]) -> None:
    rows: dict[str, list[int]] = defaultdict(list)
    for number, value in enumerate(ids, start=1):
        if value is not None:
            rows[value].append(number)
    for value, numbers in rows.items():
        if len(numbers) > 1:
            listed = ", ".join(map(str, numbers))
            problems.append(
                Problem(
                    f"编号 {shown(value)} 重复（第 {listed} 个要素）",
                    f"id {shown(value)} is repeated (features {listed})",
                    numbers[1],
                    "id",
                )
            )


def validate(raw: RawFeatures, spec: Any, limits: Limits, source: str, from_gcj02: bool = False) -> gpd.GeoDataFrame:
    """Shape a reader's features like the layer's table, or raise `InputError` listing every problem.

    Checks counts and vertices against `limits`, maps and coerces columns, ids, geometry type, validity
    and finiteness, then datum and location (`geo.io.datum`); `from_gcj02` converts GCJ-02 first.
    """
    frame = raw.frame
    problems = list(raw.problems)
    n = len(frame)
    if n == 0:
        raise fail(source, "文件中没有要素", "the file holds no features")
    check_feature_count(n, limits, source)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    counts = shapely.get_num_coordinates(geoms)
    total = int(counts.sum())
    if total > limits.max_vertices:
        raise fail(
            source,
            f"顶点总数过多（{total} 个），上限为 {limits.max_vertices} 个",
            f"too many vertices in total ({total}); the limit is {limits.max_vertices}",
        )
    columns = _check_attributes(frame, spec, problems)
    _check_duplicate_ids(columns["id"], problems)

    # Geometry, feature by feature: present, the layer's type, finite, not too big, valid.
    wanted = " / ".join(spec.geometry_types)
    usable = np.zeros(n, dtype=bool)  # may go on to the location checks
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    non_finite = set(np.unique(owner[~np.isfinite(coords).all(axis=1)]).tolist())
    for i, geom in enumerate(geoms):
        number = i + 1
        if number in raw.geometry_reported:
            continue
        if geom is None or geom.is_empty:
            problems.append(Problem("几何为空", "the geometry is missing or empty", number, "geometry"))
            continue
        if geom.geom_type not in spec.geometry_types:
            problems.append(
                Problem(
                    f"几何类型为 {geom.geom_type}，本图层需要 {wanted}",
                    f"geometry type is {geom.geom_type}; this layer takes {wanted}",
                    number,
                    "geometry",
                )
            )
            continue
        if i in non_finite:
            problems.append(Problem("坐标含 NaN 或无穷值", "coordinates contain NaN or infinity", number, "geometry"))
            continue
        if counts[i] > limits.max_vertices_per_feature:
            problems.append(
                Problem(
                    f"顶点过多（{counts[i]} 个），单个要素上限为 {limits.max_vertices_per_feature} 个",
                    f"too many vertices ({counts[i]}); the limit per feature is {limits.max_vertices_per_feature}",
                    number,
                    "geometry",
                )
            )
            continue
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            problems.append(
                Problem(
                    f"几何无效（如自相交）: {reason}",
                    f"invalid geometry (e.g. self-intersection): {reason}",
                    number,
                    "geometry",
                )
            )
        usable[i] = True

    offset = declared_offset_datum(raw, source)
    if offset is not None and (offset[0] == "BD-09" or not from_gcj02):
        problems.append(offset_problem(*offset))
    stored = check_location(frame, geoms, usable, source, problems, from_gcj02)
    if problems:
        problems.sort(key=lambda p: p.feature or 0)
        raise InputError(source, problems)
    result = gpd.GeoDataFrame(
        {name: pd.Series(values, dtype=_dtype(spec, name)) for name, values in columns.items()},
        geometry=shapely.force_2d(stored),
        crs=STORAGE_CRS,
    )
    return result


def _dtype(spec: Any, name: str) -> str:
    if name == "id":
        return "object"
    return {"int": "Int64", "float": "Float64"}.get(spec.get_field(name).type, "object")
