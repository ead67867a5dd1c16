"""The ledgers (专项台账): 两高 projects, key energy-using units and the rural sewage treatment rate.

They were added after the other layers, so each draws from its own stream `ctx.stream(k)`
(`default_rng([seed, k])`) instead of the shared `ctx.rng`: adding them left every earlier layer
and table byte-identical. Projects and units sit in the parks, so they come after the parks.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.sample.context import SOURCE, YEARS, SampleContext, feature_ids
from data.sample.geography import town_centres
from data.sample.parks import PARK_TEMPLATES
from data.sample.shapes import points_in, scatter, to_metres, to_storage, unit_at
from geo.crs import MEASURE_CRS
from geo.indicators import INDICATORS
from geo.plan import BASELINE_YEAR, RURAL_SEWAGE, RURAL_SEWAGE_TARGET, TARGET_YEAR
from layers import admin_units, key_energy_units, parks, two_high_projects

# The k of each ledger's own stream `default_rng([seed, k])`.
_TWO_HIGH_STREAM, _KEY_UNIT_STREAM, _RURAL_SEWAGE_STREAM = 1, 2, 3


class TwoHighProject(NamedTuple):
    """A 两高 project: in a park (copy c of it in copy c of the park) or at a site outside parks."""

    name: str
    park: str | None  # a PARK_TEMPLATES name; None for a site outside parks
    sector: str  # code of layers.two_high_projects.SECTORS
    company: str
    site: tuple[float, float] | None = None  # (lon, lat) when outside parks


class ApprovalOdds(NamedTuple):
    status: str  # code of layers.two_high_projects.APPROVAL_STATUSES
    below: float  # cumulative probability: a uniform draw below this (and above the previous) gets `status`


class KeyUnitProfile(NamedTuple):
    """Key energy-using units in a park of this industry."""

    weight: float  # how likely a key unit sits in such a park (relative)
    energy_tce: tuple[float, float]  # annual energy use range (tce, log-uniform)
    name_suffix: str  # company-name suffix


class KeyUnitsElsewhere(NamedTuple):
    """Key energy-using units outside parks (heat and power plants, data centres in urban streets)."""

    name_suffix: str
    industry: str  # code of layers.key_energy_units.INDUSTRIES
    streets: tuple[str, ...]  # streets they sit in
    energy_tce: tuple[float, float]  # annual energy use range (tce, log-uniform)


TWO_HIGH_PROJECTS = (
    TwoHighProject("南港乙烯及下游高端新材料项目（示意）", "南港工业区石化产业园", "petrochemical", "南港乙烯有限公司（示意）"),
    TwoHighProject("南港丙烷脱氢制丙烯项目（示意）", "南港工业区石化产业园", "petrochemical", "滨港丙烯有限公司（示意）"),
    TwoHighProject("南港芳烃联合装置项目（示意）", "南港工业区石化产业园", "petrochemical", "渤海芳烃有限公司（示意）"),
    TwoHighProject("南港轻烃综合利用项目（示意）", "南港工业区石化产业园", "petrochemical", "津港轻烃有限公司（示意）"),
    TwoHighProject("南港聚碳酸酯项目（示意）", "南港工业区化工新材料园", "chemical", "南港新材料有限公司（示意）"),
    TwoHighProject("南港环氧丙烷项目（示意）", "南港工业区化工新材料园", "chemical", "海河化工有限公司（示意）"),
    TwoHighProject("南港煤制乙二醇项目（示意）", "南港工业区化工新材料园", "coal_chemical", "北方煤化有限公司（示意）"),
    TwoHighProject("南港工业区燃煤热电联产项目（示意）", None, "coal_power", "南港热电有限公司（示意）", site=(117.595, 38.755)),
    TwoHighProject("大港炼油改扩建项目（示意）", "大港石化产业园", "petrochemical", "大港炼化有限公司（示意）"),
    TwoHighProject("大港乙烯裂解装置（示意）", "大港石化产业园", "petrochemical", "大港乙烯有限公司（示意）"),
    TwoHighProject("大港催化裂化装置（示意）", "大港石化产业园", "petrochemical", "大港炼化有限公司（示意）"),
    TwoHighProject("大港氯碱项目（示意）", "大港精细化工园", "chemical", "蓝海氯碱有限公司（示意）"),
    TwoHighProject("大港丙烯酸及酯项目（示意）", "大港精细化工园", "chemical", "瀚海化学有限公司（示意）"),
    TwoHighProject("大港环氧树脂项目（示意）", "大港精细化工园", "chemical", "恒信化工有限公司（示意）"),
    TwoHighProject("大港甲醇制烯烃项目（示意）", "大港新材料产业园", "coal_chemical", "华北烯烃有限公司（示意）"),
    TwoHighProject("大港发电厂燃煤机组（示意）", None, "coal_power", "大港发电有限公司（示意）", site=(117.490, 38.855)),
    TwoHighProject("大港水泥熟料生产线（示意）", "大港经济开发区", "building_materials", "广源建材有限公司（示意）"),
    TwoHighProject("临港氯碱及PVC项目（示意）", "临港经济区化工新材料园", "chemical", "临港氯碱有限公司（示意）"),
    TwoHighProject("临港聚烯烃项目（示意）", "临港经济区化工新材料园", "petrochemical", "临港石化有限公司（示意）"),
    TwoHighProject("临港煤焦油深加工项目（示意）", "临港经济区化工新材料园", "coal_chemical", "津海煤化有限公司（示意）"),
    TwoHighProject("临港高端特钢项目（示意）", "临港经济区装备制造园", "steel", "临港特钢有限公司（示意）"),
    TwoHighProject("临港水泥粉磨站项目（示意）", "临港经济区港口物流园", "building_materials", "港湾建材有限公司（示意）"),
    TwoHighProject("汉沽聚氯乙烯项目（示意）", "汉沽化工园", "chemical", "汉沽化工有限公司（示意）"),
    TwoHighProject("汉沽盐化工纯碱项目（示意）", "汉沽化工园", "chemical", "安泰盐化有限公司（示意）"),
    TwoHighProject("汉沽轧钢项目（示意）", "汉沽现代冶金产业园", "steel", "鑫达钢铁有限公司（示意）"),
    TwoHighProject("北疆发电厂燃煤机组（示意）", None, "coal_power", "北疆发电有限公司（示意）", site=(117.850, 39.190)),
    TwoHighProject("小王庄平板玻璃生产线（示意）", "小王庄工业园", "building_materials", "瑞丰玻璃有限公司（示意）"),
    TwoHighProject("中塘耐火材料项目（示意）", "中塘工业园", "building_materials", "中塘耐材有限公司（示意）"),
    TwoHighProject("生态城岩棉保温材料项目（示意）", "中新天津生态城绿色建材园", "building_materials", "德润建材有限公司（示意）"),
)  # fmt: skip
# Annual comprehensive energy use per sector (tce, log-uniform range).
TWO_HIGH_ENERGY = {
    "coal_power": (6e5, 1.5e6),
    "petrochemical": (1.5e5, 1.2e6),
    "coal_chemical": (2e5, 8e5),
    "chemical": (2e4, 2.5e5),
    "building_materials": (1.5e4, 1.5e5),
    "steel": (2e5, 9e5),
}
TWO_HIGH_STAGE_SHARES = {"proposed": 0.25, "under_construction": 0.25}  # the rest are 存量 (existing)
# Approval status given the stage: nothing built is unapproved.
TWO_HIGH_APPROVALS = {
    "existing": (ApprovalOdds("approved", below=0.9), ApprovalOdds("filed", below=1.0)),
    "under_construction": (ApprovalOdds("approved", below=0.8), ApprovalOdds("filed", below=1.0)),
    "proposed": (
        ApprovalOdds("pending", below=0.6),
        ApprovalOdds("filed", below=0.75),
        ApprovalOdds("rejected", below=0.9),
        ApprovalOdds("approved", below=1.0),
    ),
}

KEY_UNITS_PER_SCALE = 45
KEY_UNITS_OUTSIDE_PARKS = 6  # per scale: heat and power plants, data centres in the urban streets
KEY_UNIT_PROFILES = {
    "petrochemical": KeyUnitProfile(weight=5.0, energy_tce=(1e5, 1.5e6), name_suffix="石化有限公司"),
    "chemical": KeyUnitProfile(weight=4.0, energy_tce=(2e4, 3e5), name_suffix="化工有限公司"),
    "materials": KeyUnitProfile(weight=3.0, energy_tce=(1e4, 1.5e5), name_suffix="新材料有限公司"),
    "equipment": KeyUnitProfile(weight=2.0, energy_tce=(5e3, 5e4), name_suffix="重工有限公司"),
    "automotive": KeyUnitProfile(weight=2.0, energy_tce=(1e4, 8e4), name_suffix="汽车有限公司"),
    "electronics": KeyUnitProfile(weight=1.5, energy_tce=(5e3, 8e4), name_suffix="电子科技有限公司"),
    "biomedicine": KeyUnitProfile(weight=1.0, energy_tce=(5e3, 3e4), name_suffix="制药有限公司"),
    "food": KeyUnitProfile(weight=1.0, energy_tce=(5e3, 4e4), name_suffix="粮油有限公司"),
    "logistics": KeyUnitProfile(weight=0.5, energy_tce=(5e3, 2e4), name_suffix="冷链物流有限公司"),
    "mixed": KeyUnitProfile(weight=0.5, energy_tce=(5e3, 3e4), name_suffix="实业有限公司"),
}
KEY_UNITS_ELSEWHERE = (
    KeyUnitsElsewhere("热电有限公司", "power_heat", ("塘沽街道", "汉沽街道", "大港街道"), energy_tce=(2e5, 8e5)),
    KeyUnitsElsewhere("数据中心", "data_services", ("泰达街道", "新北街道", "北塘街道"), energy_tce=(1e4, 6e4)),
)
KEY_UNIT_NAME_PREFIXES = (
    "渤海", "津港", "滨港", "海河", "蓝海", "港湾", "北方", "华北", "津海", "瀚海", "新港", "金桥",
    "万顺", "鑫达", "恒信", "宏远", "安泰", "中汇", "广源", "瑞丰", "德润", "华盛", "兴业", "海泰",
)  # fmt: skip
KEY_UNIT_STATUS_SHARES = {"not_connected": 0.10, "data_gap": 0.15}  # the rest are connected
MONITORING_AS_OF = date(2024, 12, 31)  # the last day before FIXED_TIMESTAMP
DATA_GAP_DAYS = (5, 61)  # data_gap: the last data came this many days before MONITORING_AS_OF

# Streets and towns with rural villages that report the rural domestic sewage treatment rate.
RURAL_SEWAGE_UNITS = (
    "新城镇", "杨家泊镇", "太平镇", "小王庄镇", "中塘镇", "茶淀街道", "寨上街道", "古林街道", "胡家园街道",
)  # fmt: skip
RURAL_SEWAGE_BASELINE = (60.0, 80.0)  # % in 2020
RURAL_SEWAGE_2024 = (80.0, 96.0)  # spread of 2024 rates, so some units are below 90 % and some above


def _log_uniform(rng: np.random.Generator, ranges: np.ndarray) -> np.ndarray:
    """Log-uniform draws between each row's (low, high), rounded to 10 tce."""
    return np.round(np.exp(rng.uniform(np.log(ranges[:, 0]), np.log(ranges[:, 1]))), -1)


def _by_quota(rng: np.random.Generator, n: int, shares: dict[str, float], rest: str) -> np.ndarray:
    """`n` labels in random order with at least one of each share's label: the rest get `rest`."""
    quota = {label: max(1, round(share * n)) for label, share in shares.items()}
    quota[rest] = n - sum(quota.values())
    return rng.permutation(np.array([label for label, count in quota.items() for _ in range(count)], dtype=object))


def two_high_project_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """两高 projects inside the petrochemical, chemical and materials parks, plus coal power sites."""
    rng = ctx.stream(_TWO_HIGH_STREAM)
    spec = two_high_projects.SPEC
    park_frame = ctx.layer(parks.SPEC.name)
    n = len(TWO_HIGH_PROJECTS) * ctx.scale
    project = [TWO_HIGH_PROJECTS[t] for t in np.arange(n) % len(TWO_HIGH_PROJECTS)]
    copy = np.arange(n) // len(TWO_HIGH_PROJECTS)
    park_template = {template.name: i for i, template in enumerate(PARK_TEMPLATES)}
    park_metres = park_frame.geometry.to_crs(MEASURE_CRS).values

    # Copy c of a project sits in copy c of its park (parks are numbered template-major, copy-minor).
    park_index = np.array(
        [
            -1 if p.park is None else c * len(PARK_TEMPLATES) + park_template[p.park]
            for p, c in zip(project, copy, strict=True)
        ]
    )
    in_park = park_index >= 0
    points = np.empty((n, 2))
    points[in_park] = points_in(rng, park_metres[park_index[in_park]])
    sites = to_metres([p.site for p, inside in zip(project, in_park, strict=True) if not inside])
    spread = np.where(copy[~in_park] > 0, 3000.0, 500.0)
    points[~in_park] = scatter(rng, ctx.geography.outline.buffer(-300), sites, spread)

    sector = np.array([p.sector for p in project], dtype=object)
    energy = _log_uniform(rng, np.array([TWO_HIGH_ENERGY[s] for s in sector]))
    stage = _by_quota(rng, n, TWO_HIGH_STAGE_SHARES, "existing")
    draw = rng.random(n)
    approval = np.array(
        [
            next(odds.status for odds in TWO_HIGH_APPROVALS[s] if d < odds.below)
            for s, d in zip(stage, draw, strict=True)
        ],
        dtype=object,
    )
    park_names = park_frame["name"].to_numpy()
    frame = {
        "id": feature_ids(spec, n),
        "name": [p.name if c == 0 else f"{p.name} {c + 1}" for p, c in zip(project, copy, strict=True)],
        "stage": stage,
        "sector": sector,
        "energy_use_tce": energy,
        "approval_status": approval,
        "park": np.where(in_park, park_names[np.maximum(park_index, 0)], None),
        "town": unit_at(points, ctx.geography.town_units(), fallback_nearest=True),
        "company": [p.company for p in project],
    }
    return to_storage(shapely.points(points), frame)


def key_energy_unit_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """Key energy-using units, mostly in parks (heavier industries more often), with monitoring status."""
    rng = ctx.stream(_KEY_UNIT_STREAM)
    spec = key_energy_units.SPEC
    park_frame = ctx.layer(parks.SPEC.name)
    n = KEY_UNITS_PER_SCALE * ctx.scale
    n_out = KEY_UNITS_OUTSIDE_PARKS * ctx.scale
    n_in = n - n_out

    park_industry = park_frame["industry"].to_numpy()
    weight = np.array([KEY_UNIT_PROFILES[i].weight for i in park_industry])
    park_index = rng.choice(len(park_frame), size=n_in, p=weight / weight.sum())
    park_metres = park_frame.geometry.to_crs(MEASURE_CRS).values
    in_points = points_in(rng, park_metres[park_index])
    in_industry = park_industry[park_index]
    in_energy = _log_uniform(rng, np.array([KEY_UNIT_PROFILES[i].energy_tce for i in in_industry]))

    elsewhere = [KEY_UNITS_ELSEWHERE[k] for k in np.arange(n_out) % len(KEY_UNITS_ELSEWHERE)]
    street = [e.streets[rng.integers(len(e.streets))] for e in elsewhere]
    street_centres = town_centres()
    centres = to_metres([street_centres[s] for s in street]).reshape(-1, 2)
    out_points = scatter(rng, ctx.geography.outline.buffer(-300), centres, np.full(n_out, 1200.0))
    out_energy = _log_uniform(rng, np.array([e.energy_tce for e in elsewhere]).reshape(-1, 2))

    # Company-like names, unique: units sharing a suffix take successive prefixes (numbered past the pool).
    suffixes = [KEY_UNIT_PROFILES[i].name_suffix for i in in_industry] + [e.name_suffix for e in elsewhere]
    prefixes = rng.permutation(np.array(KEY_UNIT_NAME_PREFIXES, dtype=object))
    all_suffixes = [p.name_suffix for p in KEY_UNIT_PROFILES.values()] + [e.name_suffix for e in KEY_UNITS_ELSEWHERE]
    offset = {suffix: 7 * i for i, suffix in enumerate(all_suffixes)}  # different suffixes start apart
    taken = dict.fromkeys(all_suffixes, 0)
    names = []
    for suffix in suffixes:
        k = taken[suffix]
        taken[suffix] = k + 1
        number = "" if k < len(prefixes) else str(k // len(prefixes) + 1)
        names.append(f"{prefixes[(offset[suffix] + k) % len(prefixes)]}{number}{suffix}（示意）")

    status = _by_quota(rng, n, KEY_UNIT_STATUS_SHARES, "connected")
    lag = np.where(status == "data_gap", rng.integers(*DATA_GAP_DAYS, n), rng.integers(0, 2, n))
    last_data_on = [
        None if s == "not_connected" else MONITORING_AS_OF - timedelta(days=int(d))
        for s, d in zip(status, lag, strict=True)
    ]
    points = np.vstack([in_points, out_points])
    park_names = park_frame["name"].to_numpy()
    frame = {
        "id": feature_ids(spec, n),
        "name": names,
        "industry": [*in_industry, *(e.industry for e in elsewhere)],
        "annual_energy_tce": np.concatenate([in_energy, out_energy]),
        "monitoring_status": status,
        "last_data_on": last_data_on,
        "park": [*park_names[park_index], *([None] * n_out)],
        "town": unit_at(points, ctx.geography.town_units(), fallback_nearest=True),
    }
    return to_storage(shapely.points(points), frame)


def rural_sewage(ctx: SampleContext) -> None:
    """Rural domestic sewage treatment rate (%) 2020–2024 per street/town with villages, and its 2025 target.

    Each unit rises from a 2020 rate of 60–80 % along its own uneven path; 2024 rates are spread
    over 80–96 % so some units have passed the 90 % target and some are still short of it. Adds
    rows to the statistics and targets; belongs to no layer.
    """
    rng = ctx.stream(_RURAL_SEWAGE_STREAM)
    m, years = len(RURAL_SEWAGE_UNITS), len(YEARS)
    units = ctx.layer(admin_units.SPEC.name).set_index("name").loc[list(RURAL_SEWAGE_UNITS)]
    base = rng.uniform(*RURAL_SEWAGE_BASELINE, m)
    latest = rng.permutation(np.linspace(*RURAL_SEWAGE_2024, m)) + rng.uniform(-1.0, 1.0, m)
    steps = rng.uniform(0.5, 1.5, (m, years - 1))
    path = np.concatenate([np.zeros((m, 1)), np.cumsum(steps, axis=1) / steps.sum(axis=1, keepdims=True)], axis=1)
    rate = np.round(base[:, None] + (latest - base)[:, None] * path, 1)

    code = RURAL_SEWAGE
    unit = INDICATORS[code].unit
    statistics = pd.DataFrame(
        {
            "entity_id": np.repeat(units["id"].to_numpy(), years),
            "year": np.tile(np.array(YEARS), m),
            "indicator": code,
            "value": rate.ravel(),
            "unit": unit,
            "source": SOURCE,
        }
    ).sort_values(["entity_id", "year"], kind="stable")
    targets = pd.DataFrame(
        {
            "entity_id": units["id"].to_numpy(),
            "level": units["kind"].to_numpy(),
            "indicator": code,
            "baseline_year": BASELINE_YEAR,
            "baseline_value": rate[:, 0],
            "target_year": TARGET_YEAR,
            "target_value": RURAL_SEWAGE_TARGET,
            "unit": unit,
            "source": SOURCE,
        }
    ).sort_values("entity_id", kind="stable")
    ctx.statistics.append(statistics.reset_index(drop=True))
    ctx.targets.append(targets.reset_index(drop=True))
