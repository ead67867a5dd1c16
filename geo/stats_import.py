"""Statistics import: the yearly workbooks of the statistics and ecology bureaux into the store.

Two shapes are read, from XLSX (every sheet) or CSV (UTF-8 or GBK/GB18030):

* wide — one row per park or unit, one column per indicator, headers such as `综合能耗（吨标准煤）`
  or `工业增加值(亿元)`; the year comes from a `年份` column, else from the sheet's name (`2025`,
  `2025年`), else from the caller (`--year`);
* long — columns `entity, year, indicator, value, unit` (or 名称/年份/指标/数值/单位).

Rows name a park or a 街镇/开发区 by id or by name: exact first, then normalised (full-width →
half-width, spaces and case ignored, a trailing 工业园区/产业园区/工业园/产业园/园区/园 dropped). Units are
converted to the indicator's own unit where `UNIT_FACTORS` knows the factor and refused otherwise.

`plan_import` reads and checks everything and returns the `ImportPlan` — the matching and every
value with its old → new — without writing; `import_statistics` writes exactly that plan's new and
changed values in one audited transaction (the replaced values stay in `statistics_history`).
Energy intensity is recomputed from energy ÷ value added where the file changes either and does
not give intensity itself; the derived rows are in the plan, so the preview is what is written.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import InputError, PortalError, Problem
from geo.i18n import t, unit_text
from geo.indicators import INDICATORS
from geo.io.csvfile import UNKNOWN_ENCODING, decode_text
from geo.permissions import Actor, writes
from geo.store import audit, history
from geo.store.db import Store
from geo.store.statistics import COLUMNS, write_statistics

SUPPORTED = (".xlsx", ".csv")
# A value this many times the entity's previous year is flagged and needs a confirmation to import.
OUTLIER_FACTOR = 1000.0
# Years an import may carry: the earliest plan period's baseline to the latest period's target year.
YEAR_RANGE = (2015, 2030)

# canonical unit (as `geo.indicators` writes it) → {unit as offices write it → factor to the canonical unit}
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "tce": {
        "tce": 1.0,
        "t标准煤": 1.0,
        "吨标准煤": 1.0,
        "吨标煤": 1.0,
        "万tce": 1e4,
        "万吨标准煤": 1e4,
        "万吨标煤": 1e4,
    },
    "万元": {"万元": 1.0, "亿元": 1e4, "元": 1e-4, "千元": 0.1},
    "t": {"t": 1.0, "吨": 1.0, "kg": 1e-3, "千克": 1e-3, "公斤": 1e-3, "万吨": 1e4},
    "万m³": {"万m³": 1.0, "万m3": 1.0, "万立方米": 1.0, "万方": 1.0, "m³": 1e-4, "m3": 1e-4, "立方米": 1e-4},
    "%": {"%": 1.0},
    "tce/万元": {"tce/万元": 1.0, "吨标准煤/万元": 1.0, "吨标煤/万元": 1.0, "tce/亿元": 1e-4, "吨标准煤/亿元": 1e-4},
}
# Extra header words for each indicator, besides its Chinese and English titles and its code.
INDICATOR_ALIASES: dict[str, tuple[str, ...]] = {
    "energy_consumption": ("综合能耗", "能耗总量", "综合能源消费量", "能源消费量", "能耗"),
    "value_added": ("工业增加值", "增加值"),
    "energy_intensity": ("能耗强度", "单位工业增加值能耗", "单位增加值能耗", "万元工业增加值能耗"),
    "cod": ("化学需氧量", "cod"),
    "nh3n": ("氨氮", "nh3-n", "nh3n"),
    "nox": ("氮氧化物", "nox"),
    "vocs": ("挥发性有机物", "vocs"),
    "water_use": ("用水量", "取水量"),
    "circular_progress": ("循环化改造完成度", "循环化改造进度"),
    "rural_sewage_treatment_rate": ("农村生活污水治理率",),
}
EMISSIONS = ("cod", "nh3n", "nox", "vocs")
# Headers of the wide form that are not indicators.
ID_HEADERS = ("id", "编号", "代码", "园区编号", "单位编号", "entity_id")
NAME_HEADERS = ("名称", "园区名称", "园区", "单位名称", "单位", "name", "entity", "park", "街镇", "开发区")
YEAR_HEADERS = ("年份", "年度", "年", "year")
IGNORED_HEADERS = ("序号", "备注", "所属开发区", "所属街镇", "行业", "no", "note", "remark")
# Headers of the long form.
LONG_INDICATOR = ("指标", "指标名称", "indicator")
LONG_VALUE = ("数值", "值", "value")
LONG_UNIT = ("单位", "计量单位", "unit")
NAME_SUFFIXES = ("工业园区", "产业园区", "工业园", "产业园", "园区", "园")  # longest first
BLANKS = {"", "-", "—", "－", "/", "nan", "none", "null"}
_PAREN = re.compile(r"^(?P<name>.*?)\s*[(\[（【](?P<unit>[^()\[\]（）【】]*)[)\]）】]\s*$")


def fold(text: Any) -> str:
    """Text as compared: full-width → half-width (NFKC), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def normalise_name(name: Any) -> str:
    """A park or unit name for the second matching pass: `fold`, then one trailing 园区-type suffix dropped."""
    folded = fold(name)
    for suffix in NAME_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            return folded[: -len(suffix)]
    return folded


@functools.cache
def _indicator_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for code, ind in INDICATORS.items():
        for word in (code, ind.title_zh, ind.title_en, *INDICATOR_ALIASES.get(code, ())):
            for variant in (fold(word), _without_parens(fold(word))):
                for form in (variant, variant.removesuffix("排放量"), variant.removesuffix("总量")):
                    if form:
                        keys.setdefault(form, code)
    return keys


def _without_parens(text: str) -> str:
    return re.sub(r"[(（][^()（）]*[)）]", "", text)


def unit_factor(indicator: str, unit: str | None) -> float | None:
    """Factor from `unit` to the indicator's own unit (1 for no unit); None when no conversion is known."""
    canonical = INDICATORS[indicator].unit
    if unit is None or fold(unit) == "":
        return 1.0
    written = fold(unit).replace("³", "³")
    table = {fold(k): v for k, v in UNIT_FACTORS.get(canonical, {canonical: 1.0}).items()}
    table.setdefault(fold(canonical), 1.0)
    return table.get(written)


def _lookup(text: str) -> str | None:
    """The indicator a header's words name (its titles, code or aliases; 排放量/总量 and (formula) optional)."""
    keys = _indicator_keys()
    folded = fold(text)
    for key in (folded, _without_parens(folded)):
        for form in (key, key.removesuffix("排放量"), key.removesuffix("总量")):
            if form in keys:
                return keys[form]
    return None


def parse_header(header: Any) -> tuple[str | None, str | None]:
    """(indicator code, unit as written) of a wide-form header such as `综合能耗（万吨标准煤）`; code None if unknown.

    The last bracket holds the unit unless it names the indicator itself (`氮氧化物（NOx）`).
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    match = _PAREN.match(text)
    if match and _lookup(match.group("name")) and _lookup(match.group("unit")) is None:
        return _lookup(match.group("name")), match.group("unit").strip()
    return _lookup(text), None


def parse_number(cell: Any) -> float | None:
    """A cell as a number (None for a blank); `ValueError` for text such as `约 1200`."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | float | np.integer | np.floating):
        value = float(cell)
        return None if np.isnan(value) else value
    text = unicodedata.normalize("NFKC", str(cell)).strip().replace(",", "").replace(" ", "")
    if text.lower() in BLANKS:
        return None
    value = float(text)  # ValueError for 约1200, 1.2万 …
    if not np.isfinite(value):
        raise ValueError(cell)
    return value


def year_of(text: Any) -> int | None:
    """A year from a sheet name or cell: `2025`, `2025年`, `2025年度`, 2025.0; None otherwise."""
    if isinstance(text, int | float | np.integer | np.floating) and not isinstance(text, bool):
        return int(text) if float(text).is_integer() and 1900 <= float(text) <= 2100 else None
    match = re.fullmatch(r"\s*(\d{4})\s*(年度?)?\s*", unicodedata.normalize("NFKC", str(text)))
    return int(match.group(1)) if match else None


# -- reading ------------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One table of the file: its name, its rows (the first non-blank row is the header) and merged header ranges."""

    name: str
    rows: list[list[Any]]
    merged_header: list[str] = field(default_factory=list)
    header_row: int = 1  # 1-based row number of the header in the sheet


def _decode_csv(data: bytes) -> str:
    text = decode_text(data)
    if text is None:
        raise InputError("CSV", [Problem(*UNKNOWN_ENCODING)])
    return text


def read_sheets(path: Path, source_name: str | None = None) -> list[Sheet]:
    """The file's tables (every XLSX sheet, or the CSV), header rows located, merged header cells noted."""
    name = source_name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(
            name,
            [
                Problem(
                    f"不支持的文件类型 {suffix or '（无后缀）'}，请用 XLSX 或 CSV",
                    f"unsupported file type {suffix or '(none)'}: use XLSX or CSV",
                )
            ],
        )
    if suffix == ".csv":
        text = _decode_csv(path.read_bytes())
        rows = [row for row in csv.reader(io.StringIO(text))]
        return [_locate_header(Sheet(Path(name).stem, rows))]
    from openpyxl import load_workbook  # the XLSX reader pandas itself uses

    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file, reported as such
        raise InputError(name, [Problem(f"无法读取工作簿：{exc}", f"cannot read the workbook: {exc}")]) from None
    sheets = []
    for ws in book.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        sheet = _locate_header(Sheet(ws.title, rows))
        sheet.merged_header = [
            str(rng) for rng in ws.merged_cells.ranges if rng.min_row <= sheet.header_row <= rng.max_row
        ]
        sheets.append(sheet)
    return sheets


def _locate_header(sheet: Sheet) -> Sheet:
    for i, row in enumerate(sheet.rows):
        if any(cell is not None and str(cell).strip() for cell in row):
            sheet.header_row = i + 1
            sheet.rows = sheet.rows[i:]
            return sheet
    sheet.rows = []
    return sheet


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Cell:
    """One value read from the file, before matching: where it came from and what it says."""

    sheet: str
    row: int
    column: str
    entity: str
    year: int | None
    indicator: str
    value: float
    unit_written: str | None


def _where(sheet: str, row: int | None, column: str | None) -> tuple[str, str]:
    zh = f"工作表 {sheet}" + (f" 第 {row} 行" if row else "") + (f" {column} 列" if column else "")
    en = f"sheet {sheet}" + (f" row {row}" if row else "") + (f" column {column}" if column else "")
    return zh, en


def _problem(sheet: str, row: int | None, column: str | None, zh: str, en: str) -> Problem:
    where_zh, where_en = _where(sheet, row, column)
    return Problem(f"{where_zh}：{zh}", f"{where_en}: {en}")


def read_cells(sheets: list[Sheet], year: int | None, max_rows: int) -> tuple[list[Cell], list[Problem]]:
    """Every value of every sheet as `Cell`s (wide or long form per sheet), and what was wrong."""
    cells: list[Cell] = []
    problems: list[Problem] = []
    for sheet in sheets:
        if not sheet.rows:
            continue
        if len(sheet.rows) - 1 > max_rows:
            problems.append(
                _problem(
                    sheet.name,
                    None,
                    None,
                    f"共 {len(sheet.rows) - 1:,} 行，超过上限 {max_rows:,} 行",
                    f"{len(sheet.rows) - 1:,} rows, more than the limit of {max_rows:,}",
                )
            )
            continue
        if sheet.merged_header:
            ranges = "、".join(sheet.merged_header)
            problems.append(
                _problem(
                    sheet.name,
                    sheet.header_row,
                    None,
                    f"表头含合并单元格（{ranges}），请取消合并，每列一个表头",
                    f"the header has merged cells ({', '.join(sheet.merged_header)}): unmerge them, one header per column",
                )
            )
            continue
        header = [fold(h) if h is not None else "" for h in sheet.rows[0]]
        long_form = any(h in LONG_INDICATOR for h in header) and any(h in LONG_VALUE for h in header)
        reader = _read_long if long_form else _read_wide
        found, wrong = reader(sheet, header, year)
        cells += found
        problems += wrong
    return cells, problems


def _sheet_year(sheet: Sheet, year: int | None) -> int | None:
    return year_of(sheet.name) or year


def _index(header: list[str], names: Iterable[str]) -> int | None:
    wanted = {fold(n) for n in names}
    return next((i for i, h in enumerate(header) if h in wanted), None)


def _cell_year(
    sheet: Sheet, row: list[Any], r: int, col: int | None, default: int | None
) -> tuple[int | None, Problem | None]:
    if col is None or col >= len(row) or row[col] is None or str(row[col]).strip() == "":
        return default, None
    found = year_of(row[col])
    if found is None:
        return None, _problem(
            sheet.name, r, _column_letter(col), f"年份 {row[col]!r} 无法识别", f"year {row[col]!r} is not a year"
        )
    return found, None


def _read_wide(sheet: Sheet, header: list[str], year: int | None) -> tuple[list[Cell], list[Problem]]:
    problems: list[Problem] = []
    id_col, name_col, year_col = _index(header, ID_HEADERS), _index(header, NAME_HEADERS), _index(header, YEAR_HEADERS)
    if id_col is None and name_col is None:
        return [], [
            _problem(
                sheet.name,
                sheet.header_row,
                None,
                "缺少园区/单位名称或编号列（名称、编号）",
                "no column naming the park or unit (名称 / name, 编号 / id)",
            )
        ]
    indicator_cols: list[tuple[int, str, str | None]] = []
    for i, raw in enumerate(sheet.rows[0]):
        if (
            i in (id_col, name_col, year_col)
            or raw is None
            or not str(raw).strip()
            or fold(raw) in {fold(h) for h in IGNORED_HEADERS}
        ):
            continue
        code, unit = parse_header(raw)
        letter = _column_letter(i)
        if code is None:
            problems.append(
                _problem(
                    sheet.name, sheet.header_row, letter, f"未知指标表头 {raw!r}", f"unknown indicator header {raw!r}"
                )
            )
        elif unit_factor(code, unit) is None:
            problems.append(
                _problem(
                    sheet.name,
                    sheet.header_row,
                    letter,
                    f"单位 {unit} 无法换算为 {INDICATORS[code].unit}（{raw}）",
                    f"unit {unit} cannot be converted to {INDICATORS[code].unit} ({raw})",
                )
            )
        else:
            indicator_cols.append((i, code, unit))
    default_year = _sheet_year(sheet, year)
    cells = []
    for r, row, entity, row_year in _data_rows(sheet, id_col, name_col, year_col, default_year, problems):
        for i, code, unit in indicator_cols:
            cell = row[i] if i < len(row) else None
            value, wrong = _value(sheet.name, r, _column_letter(i), cell, code)
            if wrong:
                problems.append(wrong)
            elif value is not None:
                cells.append(Cell(sheet.name, r, _column_letter(i), entity, row_year, code, value, unit))
    return cells, problems


def _data_rows(
    sheet: Sheet,
    id_col: int | None,
    name_col: int | None,
    year_col: int | None,
    default_year: int | None,
    problems: list[Problem],
) -> Iterator[tuple[int, list[Any], str, int | None]]:
    """(row number, cells, entity, year) of each non-empty row below the header; a row without an entity
    or with a bad year is reported in `problems` and skipped (both wide and long sheets read rows so)."""
    for offset, row in enumerate(sheet.rows[1:], start=1):
        r = sheet.header_row + offset
        if not any(c is not None and str(c).strip() for c in row):
            continue
        entity = _entity_text(row, id_col, name_col)
        if not entity:
            problems.append(_problem(sheet.name, r, None, "缺少园区/单位名称", "the park or unit is not named"))
            continue
        row_year, wrong = _cell_year(sheet, row, r, year_col, default_year)
        if wrong:
            problems.append(wrong)
            continue
        yield r, row, entity, row_year


def _entity_text(row: list[Any], id_col: int | None, name_col: int | None) -> str:
    for col in (id_col, name_col):
        if col is not None and col < len(row) and row[col] is not None and str(row[col]).strip():
            return str(row[col]).strip()
    return ""


def _value(sheet: str, r: int, letter: str, cell: Any, code: str) -> tuple[float | None, Problem | None]:
    try:
        value = parse_number(cell)
    except ValueError:
        return None, _problem(sheet, r, letter, f"{cell!r} 不是数字", f"{cell!r} is not a number")
    if value is not None and value < 0:
        ind = INDICATORS[code]
        return None, _problem(
            sheet,
            r,
            letter,
            f"{ind.title_zh} 不能为负数（{value:g}）",
            f"{ind.title_en} cannot be negative ({value:g})",
        )
    return value, None


def _read_long(sheet: Sheet, header: list[str], year: int | None) -> tuple[list[Cell], list[Problem]]:
    problems: list[Problem] = []
    id_col, name_col = _index(header, ID_HEADERS), _index(header, NAME_HEADERS)
    year_col, ind_col = _index(header, YEAR_HEADERS), _index(header, LONG_INDICATOR)
    val_col, unit_col = _index(header, LONG_VALUE), _index(header, LONG_UNIT)
    if id_col is None and name_col is None:
        return [], [
            _problem(sheet.name, sheet.header_row, None, "缺少 entity（名称/编号）列", "no entity column (name / id)")
        ]
    default_year = _sheet_year(sheet, year)
    cells = []
    for r, row, entity, row_year in _data_rows(sheet, id_col, name_col, year_col, default_year, problems):
        raw_indicator = row[ind_col] if ind_col < len(row) else None
        code, header_unit = parse_header(raw_indicator or "")
        if code is None:
            problems.append(
                _problem(
                    sheet.name,
                    r,
                    _column_letter(ind_col),
                    f"未知指标 {raw_indicator!r}",
                    f"unknown indicator {raw_indicator!r}",
                )
            )
            continue
        unit = (
            row[unit_col] if unit_col is not None and unit_col < len(row) and row[unit_col] is not None else header_unit
        )
        unit = str(unit).strip() if unit is not None else None
        if unit_factor(code, unit) is None:
            problems.append(
                _problem(
                    sheet.name,
                    r,
                    _column_letter(unit_col if unit_col is not None else ind_col),
                    f"单位 {unit} 无法换算为 {INDICATORS[code].unit}",
                    f"unit {unit} cannot be converted to {INDICATORS[code].unit}",
                )
            )
            continue
        value, wrong = _value(
            sheet.name, r, _column_letter(val_col), row[val_col] if val_col < len(row) else None, code
        )
        if wrong:
            problems.append(wrong)
        elif value is not None:
            cells.append(Cell(sheet.name, r, _column_letter(val_col), entity, row_year, code, value, unit))
    return cells, problems


# -- matching and the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """How a name in the file was matched: the entity id and name in the store, and by which rule."""

    entity_id: str
    name: str
    how: str  # id | exact | normalised


def entity_index(store: Store) -> pd.DataFrame:
    """Parks and admin units a row may name: id, name, kind (park / zone / street / town / district)."""
    return store.query(
        "SELECT id, name, 'park' AS kind FROM parks UNION ALL SELECT id, name, kind FROM admin_units ORDER BY id"
    )


def match_names(names: Iterable[str], entities: pd.DataFrame) -> tuple[dict[str, Match], dict[str, list[Match]]]:
    """Each distinct name → its `Match` (by id, exact name, then normalised name), and the ambiguous ones.

    A name that matches nothing is in neither result; one that matches several entities is in the
    second with every candidate.
    """
    by_id = {str(i): (str(i), str(n)) for i, n in zip(entities["id"], entities["name"], strict=True)}
    exact: dict[str, list[tuple[str, str]]] = {}
    normal: dict[str, list[tuple[str, str]]] = {}
    for i, n in by_id.values():
        exact.setdefault(fold(n), []).append((i, n))
        normal.setdefault(normalise_name(n), []).append((i, n))
    found: dict[str, Match] = {}
    ambiguous: dict[str, list[Match]] = {}
    for name in dict.fromkeys(names):
        if name in by_id:
            found[name] = Match(*by_id[name], "id")
            continue
        for how, table, key in (("exact", exact, fold(name)), ("normalised", normal, normalise_name(name))):
            hits = table.get(key, [])
            if len(hits) == 1:
                found[name] = Match(*hits[0], how)
                break
            if len(hits) > 1:
                ambiguous[name] = [Match(i, n, how) for i, n in hits]
                break
    return found, ambiguous


@dataclass
class ImportPlan:
    """What an import would do: the file's name, the matching, and every value with its old → new.

    `values` columns: sheet, row, column, name_in_file, entity_id, name, matched_by, year, indicator,
    unit, value (in the indicator's unit), unit_written, factor, old, change (new / changed /
    unchanged), previous (the entity's value a year before), outlier (bool).
    """

    source_name: str
    values: pd.DataFrame
    matching: pd.DataFrame  # name_in_file, entity_id, name, matched_by
    years: list[int]

    @property
    def writes(self) -> pd.DataFrame:
        return self.values[self.values["change"] != "unchanged"]

    @property
    def outliers(self) -> pd.DataFrame:
        return self.values[self.values["outlier"]]

    def counts(self) -> dict[str, int]:
        change = self.values["change"].value_counts()
        return {k: int(change.get(k, 0)) for k in ("new", "changed", "unchanged")}


def plan_import(
    store: Store, path: Path, year: int | None = None, source_name: str | None = None, max_rows: int = 50_000
) -> ImportPlan:
    """Read, check and match a statistics file; returns the plan (nothing is written).

    Raises `InputError` listing every problem (sheet, row and column named) when anything is wrong.
    """
    name = source_name or path.name
    if year is not None and not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise InputError(
            name,
            [
                Problem(
                    f"年份 {year} 不在规划期 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} 内",
                    f"year {year} lies outside the plan periods {YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
                )
            ],
        )
    cells, problems = read_cells(read_sheets(path, name), year, max_rows)
    for c in cells:
        if c.year is None:
            problems.append(
                _problem(
                    c.sheet,
                    c.row,
                    None,
                    "无法确定年份：请加“年份”列、以年份命名工作表或指定年份",
                    "no year: add a 年份/year column, name the sheet after the year, or give the year",
                )
            )
            break
    bad_years = sorted({c.year for c in cells if c.year is not None and not YEAR_RANGE[0] <= c.year <= YEAR_RANGE[1]})
    for y in bad_years:
        first = next(c for c in cells if c.year == y)
        problems.append(
            _problem(
                first.sheet,
                first.row,
                None,
                f"年份 {y} 不在规划期 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} 内",
                f"year {y} lies outside the plan periods {YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
            )
        )
    if not cells and not problems:
        problems.append(Problem("文件中没有任何数值", "the file holds no values"))
    entities = entity_index(store)
    found, ambiguous = match_names([c.entity for c in cells], entities)
    reported: set[str] = set()
    for c in cells:
        if c.entity in reported:
            continue
        if c.entity in ambiguous:
            reported.add(c.entity)
            options_zh = "、".join(f"{m.name}（{m.entity_id}）" for m in ambiguous[c.entity])
            options_en = ", ".join(f"{m.name} ({m.entity_id})" for m in ambiguous[c.entity])
            problems.append(
                _problem(
                    c.sheet,
                    c.row,
                    None,
                    f"名称 {c.entity!r} 对应多个：{options_zh}，请改用编号",
                    f"name {c.entity!r} matches several: {options_en}; use the id",
                )
            )
        elif c.entity not in found:
            reported.add(c.entity)
            problems.append(
                _problem(c.sheet, c.row, None, f"找不到园区或单位 {c.entity!r}", f"no park or unit named {c.entity!r}")
            )
    if problems:
        raise InputError(name, problems)
    values = _values_frame(cells, found)
    duplicates = values[values.duplicated(["entity_id", "year", "indicator"], keep=False)]
    if len(duplicates):
        first = duplicates.iloc[0]
        rows = ", ".join(f"{s}:{r}" for s, r in list(zip(duplicates["sheet"], duplicates["row"], strict=True))[:6])
        raise InputError(
            name,
            [
                Problem(
                    f"{first['name']} {first['year']} 年 {first['indicator']} 出现多次（{rows}）",
                    f"{first['name']} {first['year']} {first['indicator']} appears more than once ({rows})",
                )
            ],
        )
    values = _with_derived_intensity(store, values)
    values = _with_store_values(store, values)
    matching = values.drop_duplicates("name_in_file")[["name_in_file", "entity_id", "name", "matched_by"]]
    matching = matching[matching["matched_by"] != "derived"].reset_index(drop=True)
    return ImportPlan(name, values.reset_index(drop=True), matching, sorted(int(y) for y in values["year"].unique()))


def _values_frame(cells: list[Cell], found: dict[str, Match]) -> pd.DataFrame:
    factors = [unit_factor(c.indicator, c.unit_written) or 1.0 for c in cells]
    return pd.DataFrame(
        {
            "sheet": [c.sheet for c in cells],
            "row": [c.row for c in cells],
            "column": [c.column for c in cells],
            "name_in_file": [c.entity for c in cells],
            "entity_id": [found[c.entity].entity_id for c in cells],
            "name": [found[c.entity].name for c in cells],
            "matched_by": [found[c.entity].how for c in cells],
            "year": [int(c.year) for c in cells],
            "indicator": [c.indicator for c in cells],
            "unit": [INDICATORS[c.indicator].unit for c in cells],
            "value": [c.value * f for c, f in zip(cells, factors, strict=True)],
            "unit_written": [c.unit_written or "" for c in cells],
            "factor": factors,
        }
    )


def _stored(store: Store, keys: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """Stored values of `indicators` for the (entity_id, year) pairs of `keys`, and of the year before."""
    pairs = keys[["entity_id", "year"]].drop_duplicates()
    with store.session() as s:
        s.register("import_pairs", pairs)
        try:
            return s.query(
                "SELECT st.entity_id, st.year, st.indicator, st.value FROM statistics st "
                "JOIN import_pairs p ON p.entity_id = st.entity_id AND (st.year = p.year OR st.year = p.year - 1) "
                "WHERE list_contains($codes, st.indicator)",
                {"codes": indicators},
            ).drop_duplicates(["entity_id", "year", "indicator"])
        finally:
            s.unregister("import_pairs")


def _with_derived_intensity(store: Store, values: pd.DataFrame) -> pd.DataFrame:
    """Add energy-intensity rows (energy ÷ value added) where the file gives energy or value added but no intensity."""
    inputs = values[values["indicator"].isin(["energy_consumption", "value_added"])]
    if inputs.empty:
        return values
    given = set(
        zip(
            values.loc[values["indicator"] == "energy_intensity", "entity_id"],
            values.loc[values["indicator"] == "energy_intensity", "year"],
            strict=True,
        )
    )
    pairs = inputs[["entity_id", "name", "name_in_file", "year"]].drop_duplicates(["entity_id", "year"])
    pairs = pairs[[(e, y) not in given for e, y in zip(pairs["entity_id"], pairs["year"], strict=True)]]
    if pairs.empty:
        return values
    stored = _stored(store, pairs, ["energy_consumption", "value_added"])
    merged = pd.concat(
        [stored.assign(priority=1), inputs[["entity_id", "year", "indicator", "value"]].assign(priority=0)]
    )
    merged = merged.sort_values("priority").drop_duplicates(["entity_id", "year", "indicator"])
    wide = merged.pivot(index=["entity_id", "year"], columns="indicator", values="value")
    derived = []
    for row in pairs.itertuples(index=False):
        key = (row.entity_id, row.year)
        if key not in wide.index:
            continue
        energy = wide.loc[key].get("energy_consumption", np.nan)
        value_added = wide.loc[key].get("value_added", np.nan)
        if pd.notna(energy) and pd.notna(value_added) and value_added > 0:
            derived.append(
                {
                    "sheet": "",
                    "row": 0,
                    "column": "",
                    "name_in_file": row.name_in_file,
                    "entity_id": row.entity_id,
                    "name": row.name,
                    "matched_by": "derived",
                    "year": int(row.year),
                    "indicator": "energy_intensity",
                    "unit": INDICATORS["energy_intensity"].unit,
                    "value": float(energy) / float(value_added),
                    "unit_written": "",
                    "factor": 1.0,
                }
            )
    return pd.concat([values, pd.DataFrame(derived)], ignore_index=True) if derived else values


def _with_store_values(store: Store, values: pd.DataFrame) -> pd.DataFrame:
    """Join the stored value (old) and the year-before value (previous, from the store or the file); mark changes."""
    stored = _stored(store, values, sorted(values["indicator"].unique()))
    old = stored.rename(columns={"value": "old"})
    out = values.merge(old, on=["entity_id", "year", "indicator"], how="left")
    file_prev = values[["entity_id", "year", "indicator", "value"]].assign(year=values["year"] + 1)
    prev = pd.concat([file_prev.assign(priority=0), stored.assign(year=stored["year"] + 1, priority=1)])
    prev = prev.sort_values("priority").drop_duplicates(["entity_id", "year", "indicator"])
    out = out.merge(
        prev.drop(columns="priority").rename(columns={"value": "previous"}),
        on=["entity_id", "year", "indicator"],
        how="left",
    )
    same = np.isclose(out["value"], out["old"], rtol=1e-12, atol=0) & out["old"].notna()
    out["change"] = np.where(out["old"].isna(), "new", np.where(same, "unchanged", "changed"))
    out["outlier"] = (out["previous"] > 0) & (out["value"] >= OUTLIER_FACTOR * out["previous"])
    return out.sort_values(["year", "entity_id", "indicator"], kind="stable").reset_index(drop=True)


def preview_table(values: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The plan's values as the preview shows them: where in the file, who, what, old → new, what happens."""

    def shown(code: str, value: float) -> str:
        return "—" if value is None or value != value else INDICATORS[code].format(value)

    where = [
        t("stats_derived", lang) if by == "derived" else f"{sheet} {column}{row}"
        for sheet, column, row, by in zip(
            values["sheet"], values["column"], values["row"], values["matched_by"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            t("stats_where", lang): where,
            t("id", lang): values["entity_id"],
            t("stats_matched_name", lang): values["name"],
            t("year", lang): values["year"].astype(str),
            t("indicator", lang): [INDICATORS[c].title(lang) for c in values["indicator"]],
            t("stats_old", lang): [shown(c, v) for c, v in zip(values["indicator"], values["old"], strict=True)],
            t("stats_new", lang): [shown(c, v) for c, v in zip(values["indicator"], values["value"], strict=True)],
            t("unit", lang): [unit_text(u, lang) for u in values["unit"]],
            t("stats_as_written", lang): [
                f"{u} ×{f:g}" if u and f != 1 else (u or "")
                for u, f in zip(values["unit_written"], values["factor"], strict=True)
            ],
            t("stats_change", lang): [
                t(f"stats_change_{c}", lang) + (" ⚠" if o else "")
                for c, o in zip(values["change"], values["outlier"], strict=True)
            ],
        }
    )


# -- writing ------------------------------------------------------------------------------------------------


def outlier_problems(plan: ImportPlan) -> list[Problem]:
    """One problem per value ≥ `OUTLIER_FACTOR` × the entity's year before (they need a confirmation)."""
    return [
        _problem(
            r.sheet or "—",
            r.row or None,
            r.column or None,
            f"{r.name} {r.year} 年 {INDICATORS[r.indicator].title_zh} = {r.value:g}，是上一年 {r.previous:g} 的 "
            f"{r.value / r.previous:,.0f} 倍，请核实后确认导入",
            f"{r.name} {r.year} {INDICATORS[r.indicator].title_en} = {r.value:g} is {r.value / r.previous:,.0f}× "
            f"the year before ({r.previous:g}): check it and confirm",
        )
        for r in plan.outliers.itertuples(index=False)
    ]


class StalePreview(PortalError):
    """The store changed between the preview and the import: nothing was written."""


@writes("statistics.import", "stats_editor")
def import_statistics(
    store: Store,
    actor: Actor,
    plan: ImportPlan,
    *,
    confirm_outliers: bool = False,
    reason: str | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write the plan's new and changed values in one audited transaction; returns the counts.

    A value replaced keeps its old row in `statistics_history` (reads as of an earlier date still
    see it). Refused — nothing written — when the plan has values ≥ 1,000× the year before and
    `confirm_outliers` is not set, or when any old value differs from the store's (`StalePreview`).
    """
    if len(plan.outliers) and not confirm_outliers:
        raise InputError(plan.source_name, outlier_problems(plan))
    now = now or datetime.now(UTC).replace(tzinfo=None)
    rows = plan.writes
    keys = plan.values[["entity_id", "year", "indicator", "old", "change"]]
    counts = plan.counts()
    with store.transaction() as s:
        s.register("import_keys", keys)
        try:
            differs = s.scalar(
                "SELECT count(*) FROM import_keys k LEFT JOIN statistics st USING (entity_id, year, indicator) "
                "WHERE NOT ((k.old IS NULL AND st.value IS NULL) OR k.old = st.value)"
            )
            if differs:
                raise StalePreview(
                    f"预览之后已有 {differs} 个数值被他人修改，未写入；请重新预览",
                    f"{differs} values changed since the preview; nothing was written: preview again",
                )
            where = (
                "EXISTS (SELECT 1 FROM import_keys k WHERE k.entity_id = statistics.entity_id "
                "AND k.year = statistics.year AND k.indicator = statistics.indicator AND k.change = 'changed')"
            )
            replaced = history.archive(s, "statistics", where, {}, now)
        finally:
            s.unregister("import_keys")
        source = f"{plan.source_name}"
        incoming = rows.assign(source=source)[list(COLUMNS)]
        write_statistics(s, incoming, "append", now, actor.username)
        audit.record(
            s,
            actor,
            "statistics.import",
            "statistics",
            plan.source_name,
            {"values_replaced": int(replaced)},
            {
                "file": plan.source_name,
                "years": plan.years,
                "entities": int(plan.values["entity_id"].nunique()),
                **counts,
                "outliers_confirmed": int(len(plan.outliers)),
            },
            now=now,
            reason=reason,
        )
    return counts
