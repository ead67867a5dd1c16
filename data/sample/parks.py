"""Industrial parks (the `parks` layer), their yearly statistics and their 2025 targets.

Parks are named after real industrial areas and scattered around them; sizes, indicators and
targets are invented from per-industry profiles.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from data.sample.context import SOURCE, YEARS, Geography, SampleContext, feature_ids
from data.sample.shapes import anchor_points, blobs, clip_polygons, scatter, to_metres, to_storage, unit_at
from geo.indicators import INDICATORS
from geo.plan import BASELINE_YEAR, ENERGY_INTENSITY_CUT, TARGET_YEAR
from layers import admin_units, parks

PARKS_PER_SCALE = 40
EMISSION_INDICATORS = ("cod", "nh3n", "nox", "vocs")
EMISSION_CUT_RANGE = (0.08, 0.12)  # 2025 emission targets cut the 2020 baseline by 8–12 %


class IndustrialArea(NamedTuple):
    """Where parks cluster: a centre (degrees) and the spread of park centres around it."""

    lon: float
    lat: float
    spread_km: float


class ParkTemplate(NamedTuple):
    name: str
    area: str  # key of INDUSTRIAL_AREAS
    industry: str  # code of layers.parks.INDUSTRIES
    level: str  # code of layers.parks.PARK_LEVELS
    established: int  # year


class IndustryProfile(NamedTuple):
    """Magnitudes of a park of this industry."""

    value_added: float  # median value added in 2020 (万元)
    intensity: tuple[float, float]  # energy intensity range (tce/万元)
    cod_rate: float  # COD per value added (t/万元)
    nox_rate: float  # NOx per energy (t/tce)
    vocs_rate: float  # VOCs per energy (t/tce)
    water_rate: float  # water use per value added (m³/万元)
    area_km2: tuple[float, float]  # park area range (km²)


INDUSTRIAL_AREAS = {
    "南港": IndustrialArea(117.575, 38.770, spread_km=2.5),
    "大港石化": IndustrialArea(117.520, 38.830, spread_km=1.8),
    "临港": IndustrialArea(117.735, 38.930, spread_km=1.8),
    "TEDA": IndustrialArea(117.700, 39.050, spread_km=1.2),
    "TEDA西区": IndustrialArea(117.605, 39.095, spread_km=0.9),
    "汉沽": IndustrialArea(117.800, 39.245, spread_km=1.8),
    "茶淀": IndustrialArea(117.735, 39.275, spread_km=1.2),
    "中塘": IndustrialArea(117.370, 38.860, spread_km=1.2),
    "生态城": IndustrialArea(117.784, 39.153, spread_km=1.2),
    "渤龙湖": IndustrialArea(117.545, 39.130, spread_km=1.2),
    "海洋科技园": IndustrialArea(117.630, 39.078, spread_km=0.7),
    "东疆": IndustrialArea(117.815, 39.025, spread_km=1.0),
    "保税区": IndustrialArea(117.765, 38.995, spread_km=0.7),
    "北塘": IndustrialArea(117.730, 39.110, spread_km=1.0),
    "古林": IndustrialArea(117.505, 38.775, spread_km=1.5),
    "太平": IndustrialArea(117.390, 38.645, spread_km=1.2),
    "小王庄": IndustrialArea(117.405, 38.760, spread_km=1.2),
    "新城": IndustrialArea(117.620, 38.930, spread_km=1.2),
    "胡家园": IndustrialArea(117.575, 39.060, spread_km=1.2),
    "杨家泊": IndustrialArea(117.870, 39.310, spread_km=0.8),
    "大港": IndustrialArea(117.470, 38.860, spread_km=1.2),
}
PARK_TEMPLATES = (
    ParkTemplate("南港工业区石化产业园", "南港", "petrochemical", "national", established=2010),
    ParkTemplate("南港工业区化工新材料园", "南港", "materials", "national", established=2012),
    ParkTemplate("南港工业区轻纺产业园", "南港", "mixed", "municipal", established=2015),
    ParkTemplate("南港工业区港口物流园", "南港", "logistics", "municipal", established=2013),
    ParkTemplate("大港石化产业园", "大港石化", "petrochemical", "municipal", established=1995),
    ParkTemplate("大港精细化工园", "大港石化", "chemical", "municipal", established=2003),
    ParkTemplate("大港新材料产业园", "大港石化", "materials", "district", established=2008),
    ParkTemplate("大港油田装备制造园", "大港石化", "equipment", "district", established=2005),
    ParkTemplate("临港经济区装备制造园", "临港", "equipment", "national", established=2006),
    ParkTemplate("临港经济区粮油食品园", "临港", "food", "municipal", established=2008),
    ParkTemplate("临港经济区化工新材料园", "临港", "chemical", "national", established=2007),
    ParkTemplate("临港经济区港口物流园", "临港", "logistics", "municipal", established=2009),
    ParkTemplate("TEDA 电子信息产业园", "TEDA", "electronics", "national", established=1986),
    ParkTemplate("TEDA 汽车产业园", "TEDA", "automotive", "national", established=1995),
    ParkTemplate("TEDA 生物医药产业园", "TEDA", "biomedicine", "national", established=2000),
    ParkTemplate("TEDA 装备制造产业园", "TEDA", "equipment", "national", established=1990),
    ParkTemplate("TEDA 西区新材料产业园", "TEDA西区", "materials", "national", established=2008),
    ParkTemplate("TEDA 西区汽车零部件园", "TEDA西区", "automotive", "national", established=2009),
    ParkTemplate("汉沽化工园", "汉沽", "chemical", "municipal", established=1998),
    ParkTemplate("汉沽现代冶金产业园", "汉沽", "materials", "district", established=2006),
    ParkTemplate("茶淀葡萄酒食品园", "茶淀", "food", "district", established=2004),
    ParkTemplate("中塘工业园", "中塘", "equipment", "district", established=2005),
    ParkTemplate("中塘汽车橡胶制品园", "中塘", "automotive", "district", established=2007),
    ParkTemplate("中新天津生态城信息产业园", "生态城", "electronics", "municipal", established=2011),
    ParkTemplate("中新天津生态城绿色建材园", "生态城", "mixed", "municipal", established=2012),
    ParkTemplate("滨海高新区渤龙湖科技园", "渤龙湖", "electronics", "national", established=2010),
    ParkTemplate("滨海高新区海洋科技园", "海洋科技园", "equipment", "national", established=2008),
    ParkTemplate("滨海高新区新能源产业园", "渤龙湖", "materials", "municipal", established=2012),
    ParkTemplate("东疆冷链物流园", "东疆", "logistics", "national", established=2008),
    ParkTemplate("东疆航运物流园", "东疆", "logistics", "national", established=2007),
    ParkTemplate("天津港保税区航空制造园", "保税区", "equipment", "national", established=2009),
    ParkTemplate("北塘经济区工业园", "北塘", "mixed", "district", established=2010),
    ParkTemplate("古林工业园", "古林", "mixed", "district", established=2004),
    ParkTemplate("太平镇科技工业园", "太平", "mixed", "district", established=2006),
    ParkTemplate("小王庄工业园", "小王庄", "materials", "district", established=2006),
    ParkTemplate("新城镇工业园", "新城", "mixed", "district", established=2008),
    ParkTemplate("胡家园工业园", "胡家园", "equipment", "district", established=2005),
    ParkTemplate("杨家泊工业园", "杨家泊", "food", "district", established=2009),
    ParkTemplate("大港经济开发区", "大港", "mixed", "municipal", established=2002),
    ParkTemplate("大港石化仓储物流园", "大港石化", "logistics", "district", established=2011),
)
INDUSTRY_PROFILES = {
    "petrochemical": IndustryProfile(value_added=3.0e5, intensity=(0.9, 2.2), cod_rate=4e-4, nox_rate=4e-4, vocs_rate=6e-4, water_rate=12.0, area_km2=(4.0, 15.0)),
    "chemical": IndustryProfile(value_added=1.2e5, intensity=(0.6, 1.6), cod_rate=5e-4, nox_rate=3e-4, vocs_rate=8e-4, water_rate=10.0, area_km2=(1.5, 8.0)),
    "materials": IndustryProfile(value_added=1.0e5, intensity=(0.5, 1.4), cod_rate=2e-4, nox_rate=4e-4, vocs_rate=2e-4, water_rate=6.0, area_km2=(1.5, 8.0)),
    "equipment": IndustryProfile(value_added=1.5e5, intensity=(0.25, 0.5), cod_rate=1e-4, nox_rate=2e-4, vocs_rate=3e-4, water_rate=3.0, area_km2=(0.8, 6.0)),
    "electronics": IndustryProfile(value_added=2.5e5, intensity=(0.22, 0.45), cod_rate=1.5e-4, nox_rate=1e-4, vocs_rate=4e-4, water_rate=4.0, area_km2=(0.8, 5.0)),
    "biomedicine": IndustryProfile(value_added=8.0e4, intensity=(0.25, 0.5), cod_rate=4e-4, nox_rate=1.5e-4, vocs_rate=3e-4, water_rate=6.0, area_km2=(0.5, 4.0)),
    "logistics": IndustryProfile(value_added=6.0e4, intensity=(0.25, 0.5), cod_rate=5e-5, nox_rate=5e-4, vocs_rate=2e-4, water_rate=1.5, area_km2=(1.0, 8.0)),
    "automotive": IndustryProfile(value_added=3.0e5, intensity=(0.25, 0.45), cod_rate=8e-5, nox_rate=1.5e-4, vocs_rate=6e-4, water_rate=2.5, area_km2=(1.0, 6.0)),
    "food": IndustryProfile(value_added=7.0e4, intensity=(0.3, 0.8), cod_rate=8e-4, nox_rate=2e-4, vocs_rate=5e-5, water_rate=8.0, area_km2=(0.5, 4.0)),
    "mixed": IndustryProfile(value_added=8.0e4, intensity=(0.3, 0.7), cod_rate=2e-4, nox_rate=2.5e-4, vocs_rate=2e-4, water_rate=4.0, area_km2=(0.5, 5.0)),
}  # fmt: skip
_HEAVY_INDUSTRIES = ("petrochemical", "chemical", "materials")


def park_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """The `parks` layer; adds the parks' statistics and the 2025 targets of parks and the units holding them.

    Draws from `ctx.rng` in this order: parks, their statistics, the targets' emission cuts.
    """
    frame, area_km2 = _parks(ctx.rng, ctx.geography, ctx.scale)
    statistics = _park_statistics(ctx.rng, frame, area_km2)
    ctx.statistics.append(statistics)
    ctx.targets.append(_targets(ctx.rng, frame, ctx.layer(admin_units.SPEC.name), statistics))
    return frame


def _parks(rng: np.random.Generator, geo: Geography, scale: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    spec = parks.SPEC
    n = PARKS_PER_SCALE * scale
    template = [PARK_TEMPLATES[t] for t in np.arange(n) % len(PARK_TEMPLATES)]
    copy = np.arange(n) // len(PARK_TEMPLATES)
    names = [t.name if scale == 1 else f"{t.name} {c + 1}" for t, c in zip(template, copy, strict=True)]
    industrial_areas = [INDUSTRIAL_AREAS[t.area] for t in template]
    industry = np.array([t.industry for t in template], dtype=object)
    level = np.array([t.level for t in template], dtype=object)
    established = np.array([t.established for t in template])
    if scale > 1:  # later copies are newer parks of the same area
        established = np.minimum(established + rng.integers(0, 8, n) * (copy > 0), 2019)

    centres = to_metres([(a.lon, a.lat) for a in industrial_areas])
    spread = np.array([a.spread_km for a in industrial_areas]) * 1000.0
    spread = spread * np.where(copy > 0, 1.8, 1.0)  # extra copies spread a little wider
    centres = scatter(rng, geo.outline, centres, spread)

    size_range = np.array([INDUSTRY_PROFILES[i].area_km2 for i in industry])
    area_km2 = np.exp(rng.uniform(np.log(size_range[:, 0]), np.log(size_range[:, 1])))
    polygons = blobs(rng, centres, area_km2 * 1e6, rng.integers(12, 61, n))
    polygons = clip_polygons(polygons, geo.outline)

    heavy = np.isin(industry, _HEAVY_INDUSTRIES)
    draw = rng.random(n)
    circular = np.where(
        heavy,
        np.select([draw < 0.5, draw < 0.9], ["done", "in_progress"], "not_started"),
        np.select([draw < 0.25, draw < 0.6, draw < 0.8], ["done", "in_progress", "not_started"], "not_required"),
    ).astype(object)

    anchors = anchor_points(polygons)
    frame = {
        "id": feature_ids(spec, n),
        "name": names,
        "zone": unit_at(anchors, geo.zones, fallback_nearest=False),
        "town": unit_at(anchors, geo.town_units(), fallback_nearest=True),
        "industry": industry,
        "level": level,
        "circular_status": circular,
        "established": established.astype(int),
    }
    return to_storage(polygons, frame), area_km2


def _park_statistics(rng: np.random.Generator, park_frame: gpd.GeoDataFrame, area_km2: np.ndarray) -> pd.DataFrame:
    """Every park's indicators 2020–2024, with a few rows missing on purpose ("no data")."""
    n, years = len(park_frame), len(YEARS)
    profile = [INDUSTRY_PROFILES[i] for i in park_frame["industry"].to_numpy()]
    va_median = np.array([p.value_added for p in profile])
    intensity_range = np.array([p.intensity for p in profile])
    cod_rate = np.array([p.cod_rate for p in profile])
    nox_rate = np.array([p.nox_rate for p in profile])
    vocs_rate = np.array([p.vocs_rate for p in profile])
    water_rate = np.array([p.water_rate for p in profile])

    step = np.arange(years)[None, :]
    value_added0 = va_median * rng.lognormal(0, 0.35, n) * (area_km2 / 5.0) ** 0.3
    growth = rng.uniform(0.02, 0.08, n)[:, None] + rng.normal(0, 0.03, (n, years))
    growth[:, 0] = 0.0
    value_added = np.round(value_added0[:, None] * np.cumprod(1 + growth, axis=1), 1)

    # Most parks cut intensity 2–4.5 %/yr; about one in six drifts up and falls behind its target.
    behind = rng.random(n) < 0.16
    trend = np.where(behind, rng.uniform(-0.005, 0.02, n), -rng.uniform(0.02, 0.045, n))
    drift = trend[:, None] + rng.normal(0, 0.015, (n, years))
    drift[:, 0] = 0.0
    intensity = rng.uniform(intensity_range[:, 0], intensity_range[:, 1])[:, None] * np.cumprod(1 + drift, axis=1)
    energy = np.round(intensity * value_added, 1)
    energy_intensity = energy / value_added  # exactly the ratio of the stored totals

    def declining(base: np.ndarray, lo: float, hi: float) -> np.ndarray:
        change = -rng.uniform(lo, hi, n)[:, None] + rng.normal(0, 0.03, (n, years))
        change[:, 0] = 0.0
        return base[:, None] * rng.lognormal(0, 0.3, n)[:, None] * np.cumprod(1 + change, axis=1)

    cod = np.round(declining(value_added[:, 0] * cod_rate, -0.01, 0.05), 2)
    nh3n = np.round(cod * rng.uniform(0.06, 0.12, n)[:, None], 3)
    nox = np.round(declining(energy[:, 0] * nox_rate, -0.01, 0.05), 2)
    vocs = np.round(declining(energy[:, 0] * vocs_rate, -0.01, 0.06), 2)
    water_use = np.round(declining(value_added[:, 0] * water_rate / 1e4, -0.02, 0.03), 2)

    status = park_frame["circular_status"].to_numpy()
    first = rng.uniform(5, 40, n)
    last = rng.uniform(50, 90, n)
    done_year = rng.integers(0, 4, n)  # index into YEARS: done parks finished by 2023 at the latest
    done_start = rng.uniform(30, 80, n)
    ramp = first[:, None] + (last - first)[:, None] * step / (years - 1)
    done_ramp = np.where(
        step >= done_year[:, None], 100.0, done_start[:, None] + (100 - done_start)[:, None] * step / 4
    )
    progress = np.select(
        [status[:, None] == "done", status[:, None] == "in_progress", status[:, None] == "not_started"],
        [done_ramp, ramp, np.zeros((n, years))],
        np.nan,  # not_required: no rows
    )
    progress = np.round(progress, 1)

    values = {
        "energy_consumption": energy,
        "value_added": value_added,
        "energy_intensity": energy_intensity,
        "cod": cod,
        "nh3n": nh3n,
        "nox": nox,
        "vocs": vocs,
        "water_use": water_use,
        "circular_progress": progress,
    }
    # "No data" cases: a few parks have not reported the latest year; a few gaps in 2021–2023.
    latest_missing = rng.choice(n, size=max(1, round(0.025 * n)), replace=False)
    for code in values:
        values[code][latest_missing, -1] = np.nan
    gap_codes = ("cod", "nh3n", "nox", "vocs", "water_use")
    gaps = max(2, round(0.01 * n * 3 * len(gap_codes)))
    gap_park = rng.integers(0, n, gaps)
    gap_year = rng.integers(1, 4, gaps)
    gap_code = rng.integers(0, len(gap_codes), gaps)
    for p, y, c in zip(gap_park, gap_year, gap_code, strict=True):
        values[gap_codes[c]][p, y] = np.nan

    ids = park_frame["id"].to_numpy()
    parts = []
    for order, (code, matrix) in enumerate(values.items()):
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": np.repeat(ids, years),
                    "year": np.tile(np.array(YEARS), n),
                    "indicator": code,
                    "value": matrix.ravel(),
                    "order": order,
                }
            )
        )
    stats = pd.concat(parts, ignore_index=True)
    stats = stats[stats["value"].notna()].sort_values(["entity_id", "year", "order"], kind="stable")
    stats["unit"] = stats["indicator"].map({code: INDICATORS[code].unit for code in values})
    stats["source"] = SOURCE
    return stats.drop(columns="order").reset_index(drop=True)


def _targets(
    rng: np.random.Generator,
    park_frame: gpd.GeoDataFrame,
    admin: gpd.GeoDataFrame,
    stats,
    baseline_year: int = BASELINE_YEAR,
    target_year: int = TARGET_YEAR,
    intensity_cut: float = ENERGY_INTENSITY_CUT,
) -> pd.DataFrame:
    """Targets (default 2025 from 2020 baselines) for every park, and for the units that hold parks.

    Aggregate baselines are sums of park totals; their intensity is total energy over total value
    added (the value-added-weighted mean of the parks' intensities).
    """
    totals = ["energy_consumption", "value_added", *EMISSION_INDICATORS]
    baseline = stats[stats["year"] == baseline_year].pivot(index="entity_id", columns="indicator", values="value")
    baseline = baseline.reindex(park_frame["id"])[totals]
    unit_id = dict(zip(admin["name"], admin["id"], strict=True))
    unit_kind = dict(zip(admin["name"], admin["kind"], strict=True))
    district = admin.loc[admin["kind"] == "district", "name"].iloc[0]

    groups = [baseline.assign(level="park")]
    groups.append(baseline.sum().to_frame(unit_id[district]).T.assign(level="district"))
    for column in ("zone", "town"):
        by_unit = baseline.groupby(park_frame[column].to_numpy(), sort=True).sum()
        groups.append(
            by_unit.assign(level=[unit_kind[name] for name in by_unit.index]).set_axis(
                [unit_id[name] for name in by_unit.index]
            )
        )
    entities = pd.concat(groups)
    m = len(entities)
    intensity = (entities["energy_consumption"] / entities["value_added"]).to_numpy(dtype=float)
    cuts = rng.uniform(*EMISSION_CUT_RANGE, (m, len(EMISSION_INDICATORS)))

    parts = [(0, "energy_intensity", intensity, np.round(intensity * (1 - intensity_cut), 4))]
    for j, code in enumerate(EMISSION_INDICATORS, 1):
        base = entities[code].to_numpy(dtype=float)
        parts.append((j, code, base, np.round(base * (1 - cuts[:, j - 1]), 4)))
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "entity_id": entities.index.to_numpy(),
                    "level": entities["level"].to_numpy(),
                    "indicator": code,
                    "baseline_year": baseline_year,
                    "baseline_value": base,
                    "target_year": target_year,
                    "target_value": target,
                    "unit": INDICATORS[code].unit,
                    "source": SOURCE,
                    "entity_order": np.arange(m),
                    "indicator_order": order,
                }
            )
            for order, code, base, target in parts
        ],
        ignore_index=True,
    )
    frame = frame.sort_values(["entity_order", "indicator_order"], kind="stable")
    return frame.drop(columns=["entity_order", "indicator_order"]).reset_index(drop=True)
