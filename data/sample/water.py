"""Black-and-odorous water bodies (the `water_bodies` layer) and their quarterly water samples.

Lines are short meandering segments along plausible courses of the district's rivers and
channels; ponds are blobs near the towns. Sample quality improves with each body's stage.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.sample.context import SOURCE, Geography, SampleContext, feature_ids
from data.sample.shapes import (
    anchor_points,
    blobs,
    clip_polygons,
    meander_lines,
    scatter,
    to_metres,
    to_storage,
    unit_at,
)
from layers import water_bodies

SAMPLE_YEARS = (2021, 2022, 2023, 2024)
SAMPLE_MONTHS = (2, 5, 8, 11)  # quarterly, mid-month


class WaterLine(NamedTuple):
    name: str
    water_type: str  # code of layers.water_bodies.WATER_TYPES
    river_system: str
    course: tuple[tuple[float, float], ...]  # control points (lon, lat), upstream first


class WaterPond(NamedTuple):
    name: str
    water_type: str
    river_system: str
    centre: tuple[float, float]  # (lon, lat)
    area_km2: float


class StageProfile(NamedTuple):
    """How many bodies are at a remediation stage, since when, and how their water quality moves.

    Quality 0 is heavily black-odorous, 0.1 the heavy/light boundary, 0.4 the light/clean boundary, 1 clean.
    """

    share: float  # of all water bodies
    listed_years: tuple[int, int]  # range of the year it was listed
    quality_2021: tuple[float, float]  # range of its quality when sampling began
    quality_2024: tuple[float, float]  # range of its quality at the end


WATER_LINES = (
    WaterLine("海河故道（示意段）", "river", "海河水系", ((117.655, 38.997), (117.678, 38.990), (117.700, 38.984))),
    WaterLine("黄港排水渠", "channel", "永定新河水系", ((117.600, 39.100), (117.630, 39.110), (117.660, 39.115))),
    WaterLine("大港排咸河", "channel", "独流减河水系", ((117.440, 38.850), (117.470, 38.832), (117.500, 38.820))),
    WaterLine("北塘排水河（示意段）", "river", "永定新河水系", ((117.660, 39.082), (117.690, 39.095), (117.720, 39.104))),
    WaterLine("大沽排水河（示意段）", "river", "海河水系", ((117.600, 38.960), (117.630, 38.955), (117.660, 38.950))),
    WaterLine("蓟运河故道（示意段）", "river", "蓟运河水系", ((117.790, 39.270), (117.800, 39.245), (117.795, 39.220))),
    WaterLine("汉沽北引河", "channel", "蓟运河水系", ((117.760, 39.285), (117.790, 39.290), (117.820, 39.284))),
    WaterLine("寨上排干渠", "channel", "蓟运河水系", ((117.810, 39.232), (117.830, 39.226), (117.850, 39.215))),
    WaterLine("茶淀引水渠", "channel", "蓟运河水系", ((117.705, 39.258), (117.728, 39.265), (117.750, 39.272))),
    WaterLine("独流减河南侧支渠（示意段）", "channel", "大清河水系", ((117.400, 38.792), (117.440, 38.786), (117.480, 38.780))),
    WaterLine("子牙新河北侧排干（示意段）", "channel", "子牙河水系", ((117.370, 38.635), (117.410, 38.630), (117.450, 38.625))),
    WaterLine("马厂减河（示意段）", "river", "大清河水系", ((117.350, 38.880), (117.380, 38.875), (117.410, 38.870))),
    WaterLine("八米河", "channel", "独流减河水系", ((117.450, 38.800), (117.470, 38.815), (117.490, 38.830))),
    WaterLine("十米河", "channel", "独流减河水系", ((117.480, 38.862), (117.500, 38.852), (117.520, 38.846))),
    WaterLine("港东新城排水渠", "channel", "独流减河水系", ((117.520, 38.872), (117.540, 38.866), (117.560, 38.860))),
    WaterLine("胡家园排水渠", "channel", "海河水系", ((117.550, 39.030), (117.570, 39.045), (117.590, 39.060))),
    WaterLine("新河干渠", "channel", "海河水系", ((117.610, 39.010), (117.625, 39.020), (117.640, 39.030))),
    WaterLine("小王庄排干", "channel", "独流减河水系", ((117.390, 38.740), (117.410, 38.750), (117.430, 38.755))),
)  # fmt: skip
WATER_PONDS = (
    WaterPond("官港湖北部水域", "lake", "海河水系", (117.545, 38.925), area_km2=2.0),
    WaterPond("杨家泊镇坑塘", "pond", "蓟运河水系", (117.875, 39.305), area_km2=0.08),
    WaterPond("茶淀镇坑塘", "pond", "蓟运河水系", (117.738, 39.282), area_km2=0.06),
    WaterPond("太平镇坑塘", "pond", "子牙河水系", (117.385, 38.655), area_km2=0.10),
    WaterPond("小王庄镇坑塘", "pond", "独流减河水系", (117.405, 38.768), area_km2=0.07),
    WaterPond("中塘镇坑塘", "pond", "大清河水系", (117.378, 38.852), area_km2=0.05),
    WaterPond("新城镇坑塘", "pond", "海河水系", (117.612, 38.936), area_km2=0.06),
    WaterPond("寨上坑塘", "pond", "蓟运河水系", (117.835, 39.235), area_km2=0.04),
    WaterPond("胡家园坑塘", "pond", "海河水系", (117.568, 39.065), area_km2=0.05),
    WaterPond("北塘水库周边坑塘", "pond", "永定新河水系", (117.690, 39.130), area_km2=0.30),
    WaterPond("黄港水库周边坑塘", "pond", "永定新河水系", (117.620, 39.135), area_km2=0.20),
    WaterPond("古林坑塘", "pond", "独流减河水系", (117.495, 38.782), area_km2=0.05),
)
# The "sustained" share is what the other stages and the relapsed bodies (one in 30) leave.
STAGE_PROFILES = {
    "sustained": StageProfile(share=0.40, listed_years=(2016, 2018), quality_2021=(0.50, 0.70), quality_2024=(0.85, 0.95)),
    "effective": StageProfile(share=0.25, listed_years=(2016, 2019), quality_2021=(0.30, 0.50), quality_2024=(0.70, 0.85)),
    "completed": StageProfile(share=0.15, listed_years=(2017, 2020), quality_2021=(0.20, 0.35), quality_2024=(0.55, 0.70)),
    "remediating": StageProfile(share=0.12, listed_years=(2019, 2022), quality_2021=(0.05, 0.25), quality_2024=(0.30, 0.40)),
    "planning": StageProfile(share=0.08, listed_years=(2021, 2022), quality_2021=(0.03, 0.25), quality_2024=(0.05, 0.30)),
}  # fmt: skip
# Quality → indicator, piecewise linear through the guideline's thresholds (城市黑臭水体整治工作指南).
_QUALITY_KNOTS = np.array([0.0, 0.1, 0.4, 1.0])
_INDICATOR_KNOTS = {
    "transparency_cm": np.array([4.0, 10.0, 25.0, 80.0]),
    "dissolved_oxygen_mg_l": np.array([0.05, 0.2, 2.0, 7.5]),
    "orp_mv": np.array([-300.0, -200.0, 50.0, 300.0]),
    "nh3n_mg_l": np.array([25.0, 15.0, 8.0, 0.8]),
}


def water_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """The `water_bodies` layer; adds their samples. Draws from `ctx.rng`: bodies, then samples."""
    frame = _water_bodies(ctx.rng, ctx.geography, ctx.scale)
    ctx.water_samples.append(_water_samples(ctx.rng, frame))
    return frame


def _water_bodies(rng: np.random.Generator, geo: Geography, scale: int) -> gpd.GeoDataFrame:
    spec = water_bodies.SPEC
    templates = (*WATER_LINES, *WATER_PONDS)
    n = len(templates) * scale
    which = np.arange(n) % len(templates)
    copy = np.arange(n) // len(templates)
    body = [templates[i] for i in which]

    # Copies beyond the first are the same kind of water body a few km away.
    anchors = to_metres([t.course[0] if isinstance(t, WaterLine) else t.centre for t in body])
    shift_to = scatter(rng, geo.outline.buffer(-300), anchors, np.where(copy > 0, 2500.0, 0.0))
    shift = shift_to - anchors

    is_line = np.array([isinstance(t, WaterLine) for t in body])
    geoms = np.empty(n, dtype=object)
    line_idx = np.flatnonzero(is_line)
    courses = [to_metres(body[i].course) + shift[i] for i in line_idx]
    lines = shapely.intersection(meander_lines(rng, courses), geo.outline)
    geoms[line_idx] = [shapely.line_merge(g) if g.geom_type == "MultiLineString" else g for g in lines]
    pond_idx = np.flatnonzero(~is_line)
    pond_centres = np.array([to_metres(body[i].centre)[0] + shift[i] for i in pond_idx])
    pond_area = np.array([body[i].area_km2 for i in pond_idx]) * 1e6 * rng.uniform(0.7, 1.3, len(pond_idx))
    ponds = blobs(rng, pond_centres, pond_area, rng.integers(12, 31, len(pond_idx)), 0.2, (2.0, 3.0), (1.0, 2.5))
    geoms[pond_idx] = clip_polygons(ponds, geo.outline)

    # Stages by quota (then shuffled) so every seed has a few early-stage bodies and one relapse per 30.
    quota = {name: round(profile.share * n) for name, profile in STAGE_PROFILES.items() if name != "sustained"}
    quota["relapsed"] = max(1, round(n / 30))
    quota["sustained"] = n - sum(quota.values())
    stage = rng.permutation(np.array([name for name, count in quota.items() for _ in range(count)], dtype=object))
    listed_range = np.array([STAGE_PROFILES[s].listed_years if s != "relapsed" else (2017, 2019) for s in stage])
    listed_year = rng.integers(listed_range[:, 0], listed_range[:, 1] + 1)
    severity = np.where(rng.random(n) < 0.3, "heavy", "light").astype(object)

    names = [t.name if c == 0 else f"{t.name}（{c + 1}）" for t, c in zip(body, copy, strict=True)]
    frame = {
        "id": feature_ids(spec, n),
        "name": names,
        "water_type": [t.water_type for t in body],
        "river_system": [t.river_system for t in body],
        "town": unit_at(anchor_points(geoms), geo.town_units(), fallback_nearest=True),
        "severity": severity,
        "stage": stage,
        "listed_year": listed_year.astype(int),
    }
    return to_storage(geoms, frame)


def _water_samples(rng: np.random.Generator, water_frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Quarterly samples 2021–2024 at 3–5 points per body, improving as remediation goes on."""
    n = len(water_frame)
    dates = [date(y, m, 15) for y in SAMPLE_YEARS for m in SAMPLE_MONTHS]
    t = np.array([(d.year - SAMPLE_YEARS[0]) + (d.month - 1) / 12 for d in dates])
    progress = np.clip(t / t[-1], 0, 1)
    smooth = progress * progress * (3 - 2 * progress)

    stage = water_frame["stage"].to_numpy()
    heavy = water_frame["severity"].to_numpy() == "heavy"
    q_start = np.empty(n)
    q_end = np.empty(n)
    for name, profile in STAGE_PROFILES.items():
        mask = stage == name
        q_start[mask] = rng.uniform(*profile.quality_2021, mask.sum())
        q_end[mask] = rng.uniform(*profile.quality_2024, mask.sum())
    relapsed = stage == "relapsed"
    q_start[relapsed] = rng.uniform(0.30, 0.45, relapsed.sum())
    q_end[relapsed] = rng.uniform(0.70, 0.80, relapsed.sum())
    early = np.isin(stage, ("planning", "remediating"))
    q_start[early & heavy] = rng.uniform(0.02, 0.09, (early & heavy).sum())
    q_start[early & ~heavy] = np.maximum(q_start[early & ~heavy], 0.12)
    q_end = np.maximum(q_end, q_start)

    quality = q_start[:, None] + (q_end - q_start)[:, None] * smooth[None, :]
    # Relapsed bodies improved until 2023, then turned lightly black-odorous again in 2024.
    last_year = np.array([d.year == SAMPLE_YEARS[-1] for d in dates])
    quality[np.ix_(relapsed, last_year)] = rng.uniform(0.15, 0.3, (relapsed.sum(), last_year.sum()))
    summer = np.array([d.month == 8 for d in dates])
    quality = quality - 0.05 * summer[None, :]  # warm water is worse

    points = rng.integers(3, 6, n)
    body = np.repeat(np.arange(n), points)
    point_no = np.arange(len(body)) - np.repeat(np.cumsum(points) - points, points) + 1
    point_bias = rng.normal(0, 0.04, len(body))
    per_point = quality[body]  # (sampling points, dates)
    q = np.clip(per_point + point_bias[:, None] + rng.normal(0, 0.03, per_point.shape), 0.0, 1.0)

    frame = {
        "water_body_id": np.repeat(water_frame["id"].to_numpy()[body], len(dates)),
        "sampled_on": np.tile(np.array(dates, dtype=object), len(body)),
        "point_no": np.repeat(point_no, len(dates)),
    }
    digits = {"transparency_cm": 1, "dissolved_oxygen_mg_l": 2, "orp_mv": 0, "nh3n_mg_l": 2}
    for column, knots in _INDICATOR_KNOTS.items():
        value = np.interp(q.ravel(), _QUALITY_KNOTS, knots)
        if column != "orp_mv":
            value = value * rng.lognormal(0, 0.05, value.shape)
        frame[column] = np.round(value, digits[column])
    frame["source"] = SOURCE
    return pd.DataFrame(frame)
