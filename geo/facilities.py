"""Wastewater plants (污水处理): load rate, effluent compliance, coverage per 街镇, and the monthly import.

Rules (hand-checked in tests/test_facilities.py):

  * load rate (负荷率) of a month = treated volume in the month (万m³) ÷ (design capacity (万m³/d) ×
    days in the month); of a year = Σ volume ÷ (capacity × days of the reported months).
    Overloaded: a yearly load rate above 100 %.
  * effluent: a parameter passes when its monthly mean is ≤ the limit of the plant's standard
    (settings `effluent.<standard>.<parameter>`, GB 18918-2002 / DB12/599-2015). For NH3-N the
    low-temperature limit (`nh3n_cold`) applies when the water is below `effluent.cold_water_c`
    (12 °C); for DB12/599 plants, `effluent.db12_cold_rule` = winter_months applies it from
    November to March instead. A month without a temperature is judged by the normal limit.
    A month complies when every measured parameter passes; compliance rate = compliant months ÷
    months with at least one measurement.
  * coverage of a 街镇: expected sewage (万m³/d) = residents (万人) × per-capita sewage (L/人·日) ÷ 1000
    (method `population`), or Σ parks' water use (万m³/a) × sewage share ÷ 365 (method `water_use`),
    or both added (`both`); capacity serving it = Σ plant capacity × the plant's share for that
    街镇 (table `facility_service`); gap = capacity − expected (negative: capacity lacking).
"""

from __future__ import annotations

import calendar
import io
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.config import Limits
from geo.errors import InputError, Problem
from geo.io.csvfile import UNKNOWN_ENCODING, decode_text
from geo.ledgers import rural_sewage_by_town
from geo.permissions import Actor, writes
from geo.settings import EFFLUENT_LIMITS, EFFLUENT_PARAMETERS, current_settings, effluent_key
from geo.store import audit
from geo.store.db import Store
from geo.store.facility_tables import MONTHLY_COLUMNS, SERVICE_COLUMNS, write_monthly, write_service

WINTER_MONTHS = (11, 12, 1, 2, 3)
TOWN_KINDS = ("street", "town")
POPULATION = "resident_population"  # 常住人口 (万人) per 街镇, a statistics indicator
COVERAGE_METHODS = ("both", "population", "water_use")
# Monthly means above these are implausible for treated effluent: the import warns (and still imports).
PLAUSIBLE_MAX = {"cod": 500.0, "bod5": 300.0, "ss": 500.0, "tn": 100.0, "nh3n": 100.0, "tp": 20.0}
MEASURED = (*EFFLUENT_PARAMETERS, "water_temp_c")


# -- arithmetic -----------------------------------------------------------------------------------


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def load_rate(volume_10k_m3: float, capacity_10k_m3_d: float, month: date) -> float:
    """Share of the design capacity used in a month (1.0 = 100 %); NaN without a capacity."""
    if not capacity_10k_m3_d or capacity_10k_m3_d <= 0 or volume_10k_m3 is None:
        return math.nan
    return float(volume_10k_m3) / (float(capacity_10k_m3_d) * days_in_month(month))


def limits_of(settings: dict[str, Any], standard: str) -> dict[str, float]:
    """The limits (mg/L) of a standard, nh3n_cold included, as the settings hold them now."""
    if standard not in EFFLUENT_LIMITS:
        return {}
    return {p: float(settings[effluent_key(standard, p)]) for p in EFFLUENT_LIMITS[standard][2]}


def cold_applies(settings: dict[str, Any], standard: str, month: date, water_temp_c: float | None) -> bool:
    """Whether the low-temperature NH3-N limit applies to this plant-month."""
    if str(standard).startswith("DB12/599") and settings["effluent.db12_cold_rule"] == "winter_months":
        return month.month in WINTER_MONTHS
    if water_temp_c is None or (isinstance(water_temp_c, float) and math.isnan(water_temp_c)):
        return False
    return float(water_temp_c) < float(settings["effluent.cold_water_c"])


def breaches(settings: dict[str, Any], standard: str, month: date, values: dict[str, float | None]) -> list[dict]:
    """The parameters of one plant-month above their limit: [{parameter, value, limit, cold}]."""
    limits = limits_of(settings, standard)
    cold = cold_applies(settings, standard, month, values.get("water_temp_c"))
    found = []
    for parameter in EFFLUENT_PARAMETERS:
        value = values.get(parameter)
        if value is None or (isinstance(value, float) and math.isnan(value)) or parameter not in limits:
            continue
        limit = limits["nh3n_cold"] if parameter == "nh3n" and cold else limits[parameter]
        if float(value) > limit:  # ≤ the limit passes
            found.append(
                {"parameter": parameter, "value": float(value), "limit": limit, "cold": parameter == "nh3n" and cold}
            )
    return found


# -- reads ------------------------------------------------------------------------------------------


def _plants(store: Store) -> pd.DataFrame:
    return store.query(
        "SELECT id, name, facility_type, design_capacity, discharge_standard, town, "
        "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM wastewater ORDER BY id"
    )


def years(store: Store) -> list[int]:
    """Years with monthly plant figures, oldest first."""
    df = store.query("SELECT DISTINCT year(month) AS y FROM facility_monthly ORDER BY y")
    return [int(y) for y in df["y"]]


def _monthly(store: Store, year: int, facility_id: str | None = None) -> pd.DataFrame:
    cols = ", ".join(c for c in MONTHLY_COLUMNS if c != "source")
    return store.query(
        f"SELECT {cols} FROM facility_monthly WHERE year(month) = $year "  # noqa: S608 - constants
        "AND ($facility IS NULL OR facility_id = $facility) ORDER BY facility_id, month",
        {"year": int(year), "facility": facility_id},
    )


def judge(monthly: pd.DataFrame, plants: pd.DataFrame, settings: dict[str, Any]) -> pd.DataFrame:
    """Monthly rows with load_rate, measured (any effluent value), compliant, breaches (list) and each limit.

    `monthly` has MONTHLY_COLUMNS; `plants` id, design_capacity, discharge_standard.
    """
    info = plants.set_index("id")[["design_capacity", "discharge_standard"]]
    df = monthly.join(info, on="facility_id")
    df["month"] = pd.to_datetime(df["month"]).dt.date
    df["load_rate"] = [
        load_rate(v, c, m) for v, c, m in zip(df["volume_10k_m3"], df["design_capacity"], df["month"], strict=True)
    ]
    records = df[list(MEASURED)].astype(float).to_dict("records")
    found = [
        breaches(settings, std, m, r) for std, m, r in zip(df["discharge_standard"], df["month"], records, strict=True)
    ]
    df["breaches"] = found
    df["measured"] = df[list(EFFLUENT_PARAMETERS)].notna().any(axis=1)
    df["compliant"] = df["measured"] & (df["breaches"].map(len) == 0)
    df["cold"] = [
        cold_applies(settings, std, m, r.get("water_temp_c"))
        for std, m, r in zip(df["discharge_standard"], df["month"], records, strict=True)
    ]
    for parameter in EFFLUENT_PARAMETERS:
        df[f"{parameter}_limit"] = [
            limits_of(settings, std).get("nh3n_cold" if parameter == "nh3n" and cold else parameter, np.nan)
            for std, cold in zip(df["discharge_standard"], df["cold"], strict=True)
        ]
    return df


def plant_summary(store: Store, year: int) -> pd.DataFrame:
    """One row per plant for `year`: id, name, facility_type, design_capacity, discharge_standard, town,
    lon, lat, months, volume_10k_m3, load_rate, max_load_rate, overloaded, measured_months,
    compliant_months, compliance_rate, exceedances."""
    plants = _plants(store)
    settings = current_settings(store)
    monthly = judge(_monthly(store, year), plants, settings)
    monthly["days"] = monthly["month"].map(days_in_month)
    monthly["capacity_days"] = monthly["design_capacity"] * monthly["days"]
    monthly["exceedances"] = monthly["breaches"].map(len)
    grouped = monthly.groupby("facility_id").agg(
        months=("month", "count"),
        volume_10k_m3=("volume_10k_m3", "sum"),
        capacity_days=("capacity_days", "sum"),
        max_load_rate=("load_rate", "max"),
        measured_months=("measured", "sum"),
        compliant_months=("compliant", "sum"),
        exceedances=("exceedances", "sum"),
    )
    out = plants.join(grouped, on="id")
    out["load_rate"] = out["volume_10k_m3"] / out["capacity_days"].replace(0, np.nan)
    out["overloaded"] = out["load_rate"] > 1.0
    out["compliance_rate"] = out["compliant_months"] / out["measured_months"].replace(0, np.nan)
    for column in ("months", "measured_months", "compliant_months", "exceedances"):
        out[column] = out[column].fillna(0).astype(int)
    return out.drop(columns="capacity_days")


def plant_months(store: Store, facility_id: str, year: int) -> pd.DataFrame:
    """The months of one plant in `year` with load rate, each parameter and its limit (for the panel's charts)."""
    plants = _plants(store)
    df = judge(_monthly(store, year, facility_id), plants, current_settings(store))
    return df.drop(columns=["breaches"])


def exceedances(store: Store, year: int, facility_id: str | None = None) -> pd.DataFrame:
    """Every parameter above its limit in `year`: facility_id, name, month, parameter, value, limit, cold."""
    plants = _plants(store)
    df = judge(_monthly(store, year, facility_id), plants, current_settings(store))
    names = plants.set_index("id")["name"]
    rows = [
        {"facility_id": fid, "name": names.get(fid), "month": month, "standard": std, **b}
        for fid, month, std, found in zip(
            df["facility_id"], df["month"], df["discharge_standard"], df["breaches"], strict=True
        )
        for b in found
    ]
    columns = ["facility_id", "name", "month", "standard", "parameter", "value", "limit", "cold"]
    return pd.DataFrame(rows, columns=columns)


# -- coverage ---------------------------------------------------------------------------------------


def expected_sewage(
    population_10k: float | None, water_use_10k_m3: float | None, settings: dict[str, Any], method: str
) -> float:
    """Expected sewage of a 街镇 (万m³/d) by `method` (see the module docstring); NaN when nothing is known."""
    domestic = (
        np.nan if population_10k is None else float(population_10k) * settings["coverage.sewage_per_capita_l"] / 1000
    )
    industrial = (
        np.nan if water_use_10k_m3 is None else float(water_use_10k_m3) * settings["coverage.water_to_sewage"] / 365
    )
    if method == "population":
        return domestic
    if method == "water_use":
        return industrial
    parts = [p for p in (domestic, industrial) if not math.isnan(p)]
    return float(sum(parts)) if parts else np.nan


def coverage(store: Store, year: int, method: str = "both") -> pd.DataFrame:
    """Per 街镇: unit_id, unit_name, population (万人), water_use (万m³/a, parks), expected, capacity, gap
    (万m³/d), plants (list of the names serving it), and the rural sewage treatment rate and its target."""
    if method not in COVERAGE_METHODS:
        raise ValueError(f"method must be one of {COVERAGE_METHODS}, got {method!r}")
    settings = current_settings(store)
    units = store.query(
        """
        WITH pop AS (SELECT entity_id, value FROM statistics WHERE indicator = $population AND year = $year),
             water AS (SELECT m.unit_id, sum(s.value) AS water_use FROM park_units m
                       JOIN statistics s ON s.entity_id = m.park_id AND s.indicator = 'water_use' AND s.year = $year
                       GROUP BY m.unit_id),
             served AS (SELECT f.served_id, sum(w.design_capacity * f.share) AS capacity,
                               list(w.name ORDER BY w.id) AS plants
                        FROM facility_service f JOIN wastewater w ON w.id = f.facility_id
                        WHERE f.served_kind = 'town' GROUP BY f.served_id)
        SELECT a.id AS unit_id, a.name AS unit_name, pop.value AS population, water.water_use,
               coalesce(served.capacity, 0) AS capacity, served.plants, ST_AsWKB(a.geom) AS wkb
        FROM admin_units a
        LEFT JOIN pop ON pop.entity_id = a.id
        LEFT JOIN water ON water.unit_id = a.id
        LEFT JOIN served ON served.served_id = a.id
        WHERE list_contains($kinds, a.kind)
        ORDER BY a.id
        """,
        {"population": POPULATION, "year": int(year), "kinds": list(TOWN_KINDS)},
    )
    units["expected"] = [
        expected_sewage(None if pd.isna(p) else p, None if pd.isna(w) else w, settings, method)
        for p, w in zip(units["population"], units["water_use"], strict=True)
    ]
    units["gap"] = units["capacity"] - units["expected"]

    rural = rural_sewage_by_town(store, year).set_index("unit_id")
    units["rural_rate"] = units["unit_id"].map(rural["rate"])
    units["rural_target"] = units["unit_id"].map(rural["target"])
    return units


def coverage_map_frame(store: Store, year: int, method: str = "both"):
    """`coverage` as a GeoDataFrame (EPSG:4326) for the capacity-gap map."""
    import geopandas as gpd
    import shapely

    df = coverage(store, year, method)
    geoms = shapely.from_wkb([bytes(b) for b in df.pop("wkb")])
    return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")


def service(store: Store) -> pd.DataFrame:
    """The service mapping: facility_id, facility name, served_kind, served_id, served name, share."""
    return store.query(
        """
        SELECT f.facility_id, w.name AS facility_name, f.served_kind, f.served_id,
               coalesce(a.name, p.name) AS served_name, f.share
        FROM facility_service f
        LEFT JOIN wastewater w ON w.id = f.facility_id
        LEFT JOIN admin_units a ON f.served_kind = 'town' AND a.id = f.served_id
        LEFT JOIN parks p ON f.served_kind = 'park' AND p.id = f.served_id
        ORDER BY f.facility_id, f.served_kind, f.served_id
        """
    )


# -- the monthly import -----------------------------------------------------------------------------

# Header (normalised: lower case, no spaces, no unit in brackets) → column.
_HEADERS = {
    "facility_id": ("facility_id", "id", "设施编号", "编号"),
    "name": ("name", "facility", "设施名称", "名称", "厂名", "污水处理厂"),
    "month": ("month", "月份", "年月", "日期"),
    "volume_10k_m3": ("volume_10k_m3", "volume", "处理水量", "处理量", "月处理水量"),
    "cod": ("cod", "化学需氧量"),
    "bod5": ("bod5", "bod", "五日生化需氧量"),
    "ss": ("ss", "悬浮物"),
    "tn": ("tn", "总氮"),
    "nh3n": ("nh3n", "nh3-n", "nh₃-n", "氨氮"),
    "tp": ("tp", "总磷"),
    "water_temp_c": ("water_temp_c", "temperature", "temp", "水温", "温度"),
}
_HEADER_OF = {alias: column for column, aliases in _HEADERS.items() for alias in aliases}


def _normal_header(text: Any) -> str:
    head = re.split(r"[（(]", str(text), maxsplit=1)[0]
    return re.sub(r"\s+", "", head).lower()


def _parse_month(value: Any) -> date | None:
    if isinstance(value, datetime | pd.Timestamp):
        return date(value.year, value.month, 1)
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\s*\d{1,2}\s*日?)?|(\d{2}))(?:\s.*)?", text)
    if not match:
        return None
    month = int(match.group(2) or match.group(3))
    if not 1 <= month <= 12:
        return None
    return date(int(match.group(1)), month, 1)


@dataclass
class MonthlyImport:
    """A checked monthly file: the rows to write, errors (nothing may be written) and warnings."""

    source: str
    rows: pd.DataFrame
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_table(data: bytes, source: str) -> pd.DataFrame:
    suffix = Path(source).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(io.BytesIO(data), dtype=object)
        if suffix == ".csv":
            text = decode_text(data)
            if text is None:
                raise InputError(source, [Problem(*UNKNOWN_ENCODING)])
            return pd.read_csv(io.StringIO(text), dtype=object)
    except (ValueError, OSError, KeyError) as exc:  # a damaged workbook or CSV: the reader's own words
        raise InputError(source, [Problem(f"无法读取文件: {exc}", f"cannot read the file: {exc}")]) from None
    raise InputError(source, [Problem("只接受 .csv 或 .xlsx 文件", "only .csv or .xlsx files are accepted")])


def check_monthly(store: Store, data: bytes, source: str, limits: Limits | None = None) -> MonthlyImport:
    """Read and check a monthly file as plants report it; nothing is written.

    Errors: unreadable file, missing plant or month column, an unknown plant, a month that is not a
    month, a value that is not a number or is negative, a plant-month twice. Warnings: effluent above
    `PLAUSIBLE_MAX`, a load rate above 200 %, a water temperature outside −5…40 °C.
    """
    limits = limits or Limits()
    if len(data) > limits.max_upload_mb * 1024 * 1024:
        raise InputError(
            source,
            [
                Problem(
                    f"文件超过 {limits.max_upload_mb:g} MB 上限",
                    f"the file exceeds the {limits.max_upload_mb:g} MB limit",
                )
            ],
        )
    raw = _read_table(data, source)
    columns = {c: _HEADER_OF.get(_normal_header(c)) for c in raw.columns}
    frame = raw.rename(columns={c: k for c, k in columns.items() if k}).loc[:, lambda d: ~d.columns.duplicated()]
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if "month" not in frame or not ({"facility_id", "name"} & set(frame.columns)):
        raise InputError(
            source,
            [
                Problem(
                    "缺少“设施名称/设施编号”或“月份”列",
                    "the file needs a plant column (设施名称 or 设施编号) and a month column (月份)",
                )
            ],
        )
    plants = _plants(store)
    by_id = dict(zip(plants["id"], plants["id"], strict=True))
    by_name = dict(zip(plants["name"].str.strip(), plants["id"], strict=True))
    capacity = plants.set_index("id")["design_capacity"]
    out = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        ident = str(row.get("facility_id") or "").strip()
        name = str(row.get("name") or "").strip()
        if ident in ("nan", "None"):
            ident = ""
        if name in ("nan", "None"):
            name = ""
        facility = by_id.get(ident) or by_name.get(name)
        if facility is None:
            shown = ident or name or "（空）"
            errors.append(Problem(f"未知设施 {shown!r}", f"unknown plant {shown!r}", number, "设施名称"))
            continue
        month = _parse_month(row.get("month"))
        if month is None:
            errors.append(
                Problem(f"月份无法识别: {row.get('month')!r}", f"not a month: {row.get('month')!r}", number, "月份")
            )
            continue
        record: dict[str, Any] = {"facility_id": facility, "month": month}
        for column in ("volume_10k_m3", *MEASURED):
            value = row.get(column)
            if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
                record[column] = np.nan
                continue
            try:
                number_value = float(str(value).strip())
            except ValueError:
                errors.append(Problem(f"不是数字: {value!r}", f"not a number: {value!r}", number, column))
                continue
            if not math.isfinite(number_value):
                errors.append(Problem(f"不是有限数值: {value!r}", f"not a finite number: {value!r}", number, column))
                continue
            if number_value < 0 and column != "water_temp_c":
                errors.append(
                    Problem(f"不能为负数: {number_value:g}", f"must not be negative: {number_value:g}", number, column)
                )
                continue
            record[column] = number_value
            if column in PLAUSIBLE_MAX and number_value > PLAUSIBLE_MAX[column]:
                warnings.append(
                    Problem(
                        f"{number_value:g} mg/L 异常偏高（> {PLAUSIBLE_MAX[column]:g}），请核实",
                        f"{number_value:g} mg/L is implausibly high (> {PLAUSIBLE_MAX[column]:g}); please check",
                        number,
                        column,
                    )
                )
            if column == "water_temp_c" and not -5 <= number_value <= 40:
                warnings.append(
                    Problem(
                        f"水温 {number_value:g} °C 超出常见范围",
                        f"water temperature {number_value:g} °C is unusual",
                        number,
                        column,
                    )
                )
        rate = load_rate(record.get("volume_10k_m3"), capacity.get(facility), month)
        if not math.isnan(rate) and rate > 2:
            warnings.append(
                Problem(
                    f"负荷率 {rate:.0%}，请核实处理水量单位（万m³/月）",
                    f"load rate {rate:.0%}: check the volume unit (10k m³ per month)",
                    number,
                    "volume_10k_m3",
                )
            )
        out.append(record)
    rows = pd.DataFrame(out, columns=["facility_id", "month", "volume_10k_m3", *MEASURED])
    duplicated = rows.duplicated(["facility_id", "month"], keep="first")
    for index in np.flatnonzero(duplicated.to_numpy()):
        fid, month = rows.iloc[index][["facility_id", "month"]]
        errors.append(Problem(f"{fid} {month:%Y-%m} 重复出现", f"{fid} {month:%Y-%m} appears twice"))
    if not len(rows) and not errors:
        errors.append(Problem("文件没有数据行", "the file has no data rows"))
    rows["source"] = source
    return MonthlyImport(source, rows[list(MONTHLY_COLUMNS)], errors, warnings)


@writes("facilities.import_monthly", "water_editor")
def import_monthly(
    store: Store, actor: Actor, data: bytes, source: str, limits: Limits | None = None, now: datetime | None = None
) -> MonthlyImport:
    """Check a monthly file and write it in one transaction (a plant-month already held is replaced, its old
    figures kept in history); `InputError` and nothing written when the check finds an error."""
    checked = check_monthly(store, data, source, limits)
    if checked.errors:
        raise InputError(source, checked.errors)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as s:
        written = write_monthly(s, checked.rows, now, actor.username)
        months = sorted({m.isoformat()[:7] for m in checked.rows["month"]})
        after = {
            "rows": written,
            "plants": sorted(set(checked.rows["facility_id"])),
            "months": [months[0], months[-1]],
            "warnings": len(checked.warnings),
        }
        audit.record(s, actor, "facilities.import_monthly", "facility_monthly", source, None, after, now=now)
    return checked


@writes("facilities.import_service", "water_editor")
def import_service(store: Store, actor: Actor, rows: pd.DataFrame, source: str, now: datetime | None = None) -> int:
    """Replace the service mapping (facility_id, served_kind town/park, served_id, share 0–1) in one transaction."""
    plants = set(_plants(store)["id"])
    units = set(store.query("SELECT id FROM admin_units")["id"]) | set(store.query("SELECT id FROM parks")["id"])
    problems = []
    for number, row in enumerate(rows.to_dict("records"), start=1):
        if row.get("facility_id") not in plants:
            problems.append(
                Problem(f"未知设施 {row.get('facility_id')!r}", f"unknown plant {row.get('facility_id')!r}", number)
            )
        if row.get("served_kind") not in ("town", "park") or row.get("served_id") not in units:
            problems.append(
                Problem(
                    f"未知服务对象 {row.get('served_id')!r}", f"unknown served unit {row.get('served_id')!r}", number
                )
            )
        share = pd.to_numeric(pd.Series([row.get("share")]), errors="coerce").iloc[0]
        if not (0 < share <= 1):
            problems.append(
                Problem(
                    f"份额应在 0–1 之间: {row.get('share')!r}", f"share must lie in 0–1: {row.get('share')!r}", number
                )
            )
    if problems:
        raise InputError(source, problems)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    frame = rows.assign(source=source)[list(SERVICE_COLUMNS)]
    with store.transaction() as s:
        written = write_service(s, frame, now, actor.username, replace=True)
        audit.record(
            s, actor, "facilities.import_service", "facility_service", source, None, {"rows": written}, now=now
        )
    return written


def service_settings(store: Store) -> tuple[float, float]:
    """(sewage per resident L/d, sewage share of water use): the figures the coverage method uses now."""
    values = current_settings(store)
    return float(values["coverage.sewage_per_capita_l"]), float(values["coverage.water_to_sewage"])
