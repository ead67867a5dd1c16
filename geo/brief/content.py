"""Every number a brief shows, taken from the stats and assessment functions for the same inputs.

The PDF, the map, the charts and the summary only lay these out: nothing is computed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import assessment, classify, ledgers, stats
from geo.brief.request import PAGES, BriefRequest
from geo.crs import map_bounds
from geo.errors import InputError, Problem
from geo.i18n import t
from geo.indicators import INDICATORS
from geo.maps import STATUS_COLORS, format_number, palette
from geo.plan import RURAL_SEWAGE, TARGET_INDICATORS
from geo.store.db import Store
from geo.store.features import read_layer

# The sample generator labels every statistics and target row with a source starting with this
# (data/sample/context.py: SOURCE); a store holding any such row gets the 示意数据 mark.
SAMPLE_SOURCE_PREFIX = "示意数据"
NO_DATA_COLOR = "#bdbdbd"
TOP_N = 5


@dataclass(frozen=True)
class MapLayer:
    """What the static map draws: the coloured features, their legend, the admin boundaries and the extent."""

    features: gpd.GeoDataFrame  # geometry, name, colour (EPSG:4326)
    legend: list[tuple[str, str]]  # (label, colour)
    legend_title: str
    admin: gpd.GeoDataFrame  # the admin units (district, 开发区, 街镇) as reference lines
    bounds: tuple[float, float, float, float]  # the view's extent (west, south, east, north), EPSG:4326
    title: str
    overlays: tuple[tuple[str, gpd.GeoDataFrame, str], ...] = ()  # (title, features, colour) drawn on top
    background_label: str = ""  # what the grey of the 街镇 underneath means on this map


@dataclass(frozen=True)
class LedgerFacts:
    """The ledgers' headline figures (geo.ledgers, the current state): what 专项台账's tabs lead with."""

    projects: int  # 两高 projects
    project_energy_tce: float
    monitored_units: int  # key energy users
    connected_share: float  # share connected to online monitoring
    sewage_year: int | None
    towns_meeting: int  # streets/towns at or above the rural sewage target
    towns_reporting: int
    circular_done: int  # qualifying parks with circular transformation done
    circular_qualifying: int


def ledger_facts(store: Store) -> LedgerFacts:
    """The ledgers' headline figures from geo.ledgers (rural sewage: the latest year reported)."""
    two_high = ledgers.two_high_summary(store)
    monitoring = ledgers.monitoring_summary(store).set_index("monitoring_status")
    sewage_years = stats.years(store, RURAL_SEWAGE)
    sewage = ledgers.rural_sewage_by_town(store, sewage_years[-1]) if sewage_years else None
    circular = ledgers.circular_transformation(store)
    return LedgerFacts(
        projects=int(two_high["projects"].sum()),
        project_energy_tce=float(two_high["energy_use_tce"].sum()),
        monitored_units=int(monitoring["units"].sum()),
        connected_share=float(monitoring["share"].get("connected", np.nan)),
        sewage_year=sewage_years[-1] if sewage_years else None,
        towns_meeting=int(sewage["meets_target"].sum()) if sewage is not None else 0,
        towns_reporting=len(sewage) if sewage is not None else 0,
        circular_done=circular.done,
        circular_qualifying=circular.qualifying,
    )


@dataclass(frozen=True)
class BriefContent:
    """A brief's numbers and labels (see `brief_content`)."""

    request: BriefRequest  # with the year resolved
    page_title: str
    generated_on: date
    data_as_of: date  # the as-of date asked for, else the day of the store's last recorded change
    sample: bool  # sample (示意) data is in the store
    kpi_indicator: str  # the indicator of the KPI table (the chosen one if it has targets, else energy intensity)
    kpi: pd.DataFrame  # geo.assessment.assessment for the level, worst first
    district: pd.DataFrame  # the same for the whole district (one row, or none without a target)
    district_trend: pd.DataFrame  # year, value: the chosen indicator for the district, every year
    parks: pd.DataFrame  # geo.stats.park_values of the chosen indicator, year and basis
    best: pd.DataFrame  # the five best parks (by the indicator's direction)
    worst: pd.DataFrame  # the five worst
    map: MapLayer
    ledgers: LedgerFacts | None = None  # the 专项台账 brief only

    @property
    def year(self) -> int:
        return int(self.request.year)

    @property
    def level_title(self) -> str:
        return t(f"level_{self.request.level}", "zh")

    @property
    def status_counts(self) -> dict[str, int]:
        counts = self.kpi["status"].astype(str).value_counts()
        return {s: int(counts.get(s, 0)) for s in assessment.STATUSES}


def sample_data_present(store: Store) -> bool:
    """Whether any statistics or target row comes from the sample generator."""
    df = store.query(
        "SELECT (SELECT count(*) FROM statistics WHERE starts_with(source, $prefix)) "
        "+ (SELECT count(*) FROM targets WHERE starts_with(source, $prefix)) AS n",
        {"prefix": SAMPLE_SOURCE_PREFIX},
    )
    return int(df["n"].iloc[0]) > 0


def last_change_day(store: Store) -> date | None:
    """The day of the store's last recorded change (the audit log), or None for a store without one."""
    df = store.query("SELECT max(recorded_at) AS at FROM audit_log")
    at = df["at"].iloc[0]
    return None if at is None or pd.isna(at) else pd.Timestamp(at).date()


def _layer_spec(name: str):
    from layers import get_spec  # the registry is looked up when needed, never at import time

    return get_spec(name)


def brief_content(store: Store, request: BriefRequest, today: date | None = None) -> BriefContent:
    """Gather every number of the brief; InputError (bilingual) for a bad page, level, indicator or year."""
    request.check()
    available = stats.years(store, request.indicator, as_of=request.as_of)
    if not available:
        raise InputError(
            "brief",
            [Problem(f"没有 {request.indicator} 的统计数据", f"there are no statistics for {request.indicator}")],
        )
    year = available[-1] if request.year is None else int(request.year)
    if year not in available:
        zh, en = "、".join(map(str, available)), ", ".join(map(str, available))
        raise InputError(
            "brief", [Problem(f"{year} 年没有数据，可选：{zh}", f"no data for {year}; years with data: {en}")]
        )
    if request.normalisation not in stats.normalisations_for(request.indicator):
        raise InputError(
            "brief",
            [Problem(f"口径 {request.normalisation} 不适用", f"basis {request.normalisation} does not apply")],
        )
    request = replace(request, year=year)
    kpi_indicator = request.indicator if request.indicator in TARGET_INDICATORS else assessment.HEADLINE_INDICATOR
    kpi = assessment.assessment(store, request.level, kpi_indicator, year, as_of=request.as_of)
    district = assessment.assessment(store, "district", request.indicator, year, as_of=request.as_of)
    trend = stats.unit_values(
        store, request.indicator, "district", (available[0], available[-1]), request.normalisation, as_of=request.as_of
    )
    parks = stats.park_values(
        store, request.indicator, year, request.normalisation, with_geometry=True, as_of=request.as_of
    )
    ranked = parks.dropna(subset=["value"]).drop(columns="geometry")
    lower_better = INDICATORS[request.indicator].lower_is_better
    ordered = ranked.sort_values(["value", "id"], ascending=[lower_better, True])
    admin = read_layer(store, _layer_spec("admin_units"), as_of=request.as_of)
    as_of_day = request.as_of or last_change_day(store) or (today or date.today())
    if PAGES[request.page].map_kind == "parks":
        layer = _parks_map(parks, request)
    else:
        shapes = read_layer(store, _layer_spec("parks"), as_of=request.as_of) if request.level == "park" else admin
        layer = _status_map(shapes, kpi, kpi_indicator, request)
    overlays = []
    for name in PAGES[request.page].overlays:
        spec = _layer_spec(name)
        overlays.append((spec.title_zh, read_layer(store, spec, as_of=request.as_of), spec.style.color))
    layer = replace(layer, admin=admin, bounds=map_bounds(admin), overlays=tuple(overlays))
    return BriefContent(
        request=request,
        page_title=PAGES[request.page].title_zh,
        generated_on=today or date.today(),
        data_as_of=as_of_day if isinstance(as_of_day, date) else datetime.fromisoformat(str(as_of_day)).date(),
        sample=sample_data_present(store),
        kpi_indicator=kpi_indicator,
        kpi=kpi,
        district=district,
        district_trend=trend[["year", "value"]].reset_index(drop=True),
        parks=parks.drop(columns="geometry"),
        best=ordered.head(TOP_N).reset_index(drop=True),
        worst=ordered.iloc[::-1].head(TOP_N).reset_index(drop=True),
        map=layer,
        ledgers=ledger_facts(store) if PAGES[request.page].ledgers else None,
    )


def _status_map(shapes: gpd.GeoDataFrame, kpi: pd.DataFrame, indicator: str, request: BriefRequest) -> MapLayer:
    """The level's units coloured by their target status (目标考核's map)."""
    shapes = shapes[["id", "name", "geometry"]].merge(
        kpi[["entity_id", "status"]], left_on="id", right_on="entity_id", how="inner"
    )
    status = shapes["status"].astype(str)
    colours = status.map(lambda s: STATUS_COLORS.get(s, NO_DATA_COLOR))
    features = gpd.GeoDataFrame(
        {"name": shapes["name"], "colour": colours}, geometry=shapes.geometry.values, crs=shapes.crs
    )
    legend = [(t(f"status_{code}", "zh"), colour) for code, colour in STATUS_COLORS.items()]
    legend.append((t("status_no_data", "zh"), NO_DATA_COLOR))
    title = f"{INDICATORS[indicator].title_zh} · 目标进度 · {request.year}年"
    return MapLayer(features, legend, "考核状态", shapes.iloc[0:0], map_bounds(None), title, (), "未设目标")


def _parks_map(parks: gpd.GeoDataFrame, request: BriefRequest) -> MapLayer:
    """Each park coloured by its class of the indicator (园区指标's map, quantile classes)."""
    meta = INDICATORS[request.indicator]
    values = parks["value"]
    bounds = classify.breaks(values, int(request.classes), request.classification)
    colours = palette(len(bounds), meta.lower_is_better) if bounds else []
    classes = classify.assign_classes(values, bounds) if bounds else np.full(len(parks), -1)
    fill = [colours[c] if 0 <= c < len(colours) else NO_DATA_COLOR for c in classes]
    features = gpd.GeoDataFrame({"name": parks["name"], "colour": fill}, geometry=parks.geometry, crs=parks.crs)
    unit = stats.unit_of(request.indicator, request.normalisation)
    finite = values.dropna()
    low = float(finite.min()) if len(finite) else 0.0
    legend = []
    for upper, colour in zip(bounds, colours, strict=False):
        legend.append((f"{format_number(low)} – {format_number(upper)}", colour))
        low = upper
    legend.append((t("no_data", "zh"), NO_DATA_COLOR))
    title = f"{meta.title_zh}（{unit}）· {request.year}年"
    return MapLayer(features, legend, f"{meta.title_zh}（{unit}）", parks.iloc[0:0], map_bounds(None), title)
