"""Wastewater plants' monthly figures and service areas, residents per 街镇, and PM2.5 / NO2 grids (issue 14).

Added after every other generator (sample order 120), each drawing only from its own streams
`ctx.stream(230…239)`, so nothing generated before changes.

Monthly figures (2023–2024) for every facility: a plant's load rate is its own level × a seasonal
swing; 塘沽新河, 中心渔港 and 港东新城 run above their design capacity. Effluent concentrations are
drawn as 30–85 % of the limit that applies (the low-temperature NH3-N limit in cold months), except a
few breaches on purpose: 中塘 (NH3-N, winter), 汉沽化工园 (COD), 南港工业区 (TN).

Grids: an annual PM2.5 and NO2 surface over the district on a 0.005° (≈ 500 m) EPSG:4326 grid, for
2020–2024. Sources are the parks (weighted by their NOx emissions of the year) and a few main roads
(traced as lines of points); the emission field is smoothed with a Gaussian kernel (σ = 2.5 km,
cut at 3σ, applied along rows then columns) and added to a regional background that falls by
≈ 4 % a year. Cells farther than 2 km outside the district are nodata (−9999). Their zonal
statistics per park and per 街镇 (table `zonal_statistics`, written to statistics) come from geo.grids.zonal_rows.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import shapely
from affine import Affine

from data.sample.context import SOURCE, YEARS, SampleContext
from data.sample.shapes import to_metres
from geo.crs import BINHAI_BOUNDS
from geo.facilities import POPULATION
from geo.grids import Grid, grid_bytes, zonal_rows
from geo.indicators import INDICATORS
from geo.settings import EFFLUENT_LIMITS

MONTHLY_STREAM, SERVICE_STREAM, POPULATION_STREAM, GRID_STREAM = 230, 231, 232, 233
MONTHLY_YEARS = (2023, 2024)
OVERLOADED = {"塘沽新河污水处理厂": 1.12, "中心渔港污水处理厂": 1.18, "港东新城污水处理厂": 1.06}
# plant → (parameter, months breached, factor over the limit)
BREACHES = {
    "中塘污水处理厂": ("nh3n", (1, 2, 12), 1.5),
    "汉沽化工园污水处理厂": ("cod", (6, 7), 1.3),
    "南港工业区污水处理厂": ("tn", (9,), 1.2),
}
CELL_DEG = 0.005
NODATA = -9999.0
SIGMA_M = 2500.0
# Main roads (示意): lon/lat vertices of 津滨高速, 海滨大道, 津塘公路 and 唐津高速, roughly.
ROADS = (
    ((117.33, 39.08), (117.50, 39.06), (117.66, 39.03), (117.72, 39.02)),
    ((117.45, 38.62), (117.55, 38.80), (117.66, 38.95), (117.74, 39.10), (117.82, 39.28)),
    ((117.33, 39.00), (117.48, 38.99), (117.63, 39.00), (117.70, 38.98)),
    ((117.60, 39.34), (117.62, 39.20), (117.60, 39.09), (117.58, 38.95)),
)


def operations_and_grids(ctx: SampleContext) -> None:
    """Everything of issue 14 in one step (sample order 120): the grids first, then the plants' tables."""
    concentration_grids(ctx)
    wastewater_operations(ctx)


def _report_date(year: int) -> datetime:
    return datetime(year + 1, 3, 31)


# -- plants ---------------------------------------------------------------------------------------


def wastewater_operations(ctx: SampleContext) -> None:
    """facility_monthly, facility_service and residents per 街镇 (statistics)."""
    plants = ctx.layer("wastewater")
    admin = ctx.layer("admin_units")
    towns = admin[admin["kind"].isin(["street", "town"])]
    ctx.tables.setdefault("facility_monthly", []).append(_monthly(ctx, plants))
    ctx.tables.setdefault("facility_service", []).append(_service(ctx, plants, towns, ctx.layer("parks")))
    ctx.statistics.append(_population(ctx, towns))


def _monthly(ctx: SampleContext, plants: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.stream(MONTHLY_STREAM)
    rows = []
    for plant in plants.itertuples(index=False):
        level = OVERLOADED.get(plant.name, float(rng.uniform(0.55, 0.92)))
        limits = EFFLUENT_LIMITS[plant.discharge_standard][2]
        breach = BREACHES.get(plant.name)
        for year in MONTHLY_YEARS:
            for month in range(1, 13):
                first = date(year, month, 1)
                days = (date(year + month // 12, month % 12 + 1, 1) - first).days
                season = 1 + 0.06 * math.sin((month - 4) / 12 * 2 * math.pi)
                rate = level * season * float(rng.uniform(0.96, 1.04))
                temperature = round(17 + 8 * math.sin((month - 4.5) / 12 * 2 * math.pi) + float(rng.normal(0, 0.8)), 1)
                cold = temperature < 12
                values = {}
                for parameter in ("cod", "bod5", "ss", "tn", "nh3n", "tp"):
                    limit = limits["nh3n_cold"] if parameter == "nh3n" and cold else limits[parameter]
                    values[parameter] = round(limit * float(rng.uniform(0.3, 0.85)), 2)
                if breach and year == MONTHLY_YEARS[-1] and month in breach[1]:
                    applies = "nh3n_cold" if breach[0] == "nh3n" and cold else breach[0]
                    values[breach[0]] = round(limits[applies] * breach[2], 2)
                rows.append(
                    {
                        "facility_id": plant.id,
                        "month": first,
                        "volume_10k_m3": round(plant.design_capacity * days * rate, 3),
                        **values,
                        "water_temp_c": temperature,
                        "source": SOURCE,
                        "valid_from": datetime(year + (month == 12), month % 12 + 1, 15),
                    }
                )
    return pd.DataFrame(rows)


def _service(ctx: SampleContext, plants, towns, parks) -> pd.DataFrame:
    """Each plant serves its own 街镇; a large urban plant also neighbours whose centre is within 6 km."""
    rng = ctx.stream(SERVICE_STREAM)
    town_id = dict(zip(towns["name"], towns["id"], strict=True))
    centres = dict(
        zip(towns["id"], to_metres([(p.x, p.y) for p in towns.geometry.representative_point()]), strict=True)
    )
    plant_xy = to_metres([(p.x, p.y) for p in plants.geometry])
    park_xy = to_metres([(p.x, p.y) for p in parks.geometry.representative_point()])
    rows = []
    for plant, xy in zip(plants.itertuples(index=False), plant_xy, strict=True):
        own = town_id.get(plant.town)
        served = [own] if own else []
        if plant.facility_type == "urban" and plant.design_capacity >= 5:
            near = [u for u, c in centres.items() if u != own and np.hypot(*(c - xy)) < 6000]
            served += sorted(near)[: int(rng.integers(1, 3))]
        if not served:
            continue
        own_share = 1.0 if len(served) == 1 else 0.6
        rest = (1 - own_share) / max(len(served) - 1, 1)
        rows += [
            {"facility_id": plant.id, "served_kind": "town", "served_id": u, "share": own_share if u == own else rest}
            for u in served
        ]
        if plant.facility_type == "industrial":
            distance = np.hypot(*(park_xy - xy).T)
            nearest = parks["id"].to_numpy()[np.argsort(distance)[:3]]
            rows += [
                {"facility_id": plant.id, "served_kind": "park", "served_id": p, "share": round(1 / 3, 4)}
                for p in nearest
            ]
    frame = pd.DataFrame(rows).drop_duplicates(["facility_id", "served_kind", "served_id"])
    return frame.assign(source=SOURCE, valid_from=datetime(2020, 1, 1))


def _population(ctx: SampleContext, towns) -> pd.DataFrame:
    """Residents (万人) per 街镇 2020–2024: streets 4–18 万, towns 2–6 万, growing ≈ 1 % a year."""
    rng = ctx.stream(POPULATION_STREAM)
    base = np.where(towns["kind"] == "street", rng.uniform(4, 18, len(towns)), rng.uniform(2, 6, len(towns)))
    growth = rng.uniform(0.0, 0.02, len(towns))
    rows = [
        {
            "entity_id": unit,
            "year": year,
            "indicator": POPULATION,
            "value": round(float(b * (1 + g) ** (year - YEARS[0])), 2),
            "unit": INDICATORS[POPULATION].unit,
            "source": SOURCE,
        }
        for unit, b, g in zip(towns["id"], base, growth, strict=True)
        for year in YEARS
    ]
    return pd.DataFrame(rows)


# -- grids ----------------------------------------------------------------------------------------


def _gaussian(field: np.ndarray, sigma_x: float, sigma_y: float) -> np.ndarray:
    """Separable Gaussian smoothing (σ in cells, cut at 3σ), zero outside the grid."""
    out = field
    for axis, sigma in ((1, sigma_x), (0, sigma_y)):
        radius = int(math.ceil(3 * sigma))
        offsets = np.arange(-radius, radius + 1)
        kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
        kernel /= kernel.sum()
        out = np.apply_along_axis(lambda line, k=kernel: np.convolve(line, k, mode="same"), axis, out)
    return out


def _road_points(step_deg: float = 0.004) -> np.ndarray:
    points = []
    for road in ROADS:
        line = shapely.LineString(road)
        distances = np.arange(0, line.length, step_deg)
        points += [(p.x, p.y) for p in shapely.line_interpolate_point(line, distances)]
    return np.array(points)


def concentration_grids(ctx: SampleContext) -> None:
    """PM2.5 and NO2 grids for every year, and their zonal statistics per park and 街镇."""
    rng = ctx.stream(GRID_STREAM)
    x0, y0, x1, y1 = BINHAI_BOUNDS
    width, height = round((x1 - x0) / CELL_DEG), round((y1 - y0) / CELL_DEG)
    transform = Affine(CELL_DEG, 0, x0, 0, -CELL_DEG, y1)
    parks = ctx.layer("parks")
    admin = ctx.layer("admin_units")
    towns = admin[admin["kind"].isin(["street", "town"])]
    district = admin[admin["kind"] == "district"].geometry.iloc[0]
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    lon, lat = transform @ (cols, rows)
    inside = shapely.contains_xy(district.buffer(0.02), lon, lat)
    metres_per_deg_y = 111_320.0
    metres_per_deg_x = metres_per_deg_y * math.cos(math.radians((y0 + y1) / 2))
    sigma = (SIGMA_M / (CELL_DEG * metres_per_deg_x), SIGMA_M / (CELL_DEG * metres_per_deg_y))

    def burn(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
        field = np.zeros((height, width))
        c, r = ~transform @ (points[:, 0], points[:, 1])
        ok = (c >= 0) & (c < width) & (r >= 0) & (r < height)
        np.add.at(field, (r[ok].astype(int), c[ok].astype(int)), weights[ok])
        return _gaussian(field, *sigma)

    park_points = np.array([(p.x, p.y) for p in parks.geometry.representative_point()])
    roads = burn(_road_points(), np.ones(len(_road_points())))
    roads /= roads.max()
    stats = pd.concat(ctx.statistics, ignore_index=True)
    nox = stats[stats["indicator"] == "nox"].set_index(["entity_id", "year"])["value"]
    noise = rng.normal(0, 1, (height, width))
    noise = _gaussian(noise, 1.5, 1.5)
    noise /= noise.std()
    grids, park_rows, town_rows = [], [], []
    for year in YEARS:
        weights = np.array([float(nox.get((pid, year), np.nan)) for pid in parks["id"]])
        weights = np.nan_to_num(weights, nan=np.nanmedian(weights))
        industry = burn(park_points, weights)
        industry /= industry.max()
        decline = 0.96 ** (year - YEARS[0])
        surfaces = {
            "pm25": (38 + 14 * industry + 6 * roads + 1.2 * noise) * decline,
            "no2": (26 + 10 * industry + 16 * roads + 1.0 * noise) * decline,
        }
        for pollutant, surface in surfaces.items():
            values = np.where(inside, np.round(surface, 1), NODATA).astype("float32")
            grid = Grid(values, transform, "EPSG:4326", NODATA, BINHAI_BOUNDS)
            name = f"{pollutant}-{year} · {SOURCE}"
            grids.append(
                {
                    "grid_id": f"{pollutant}-{year}",
                    "pollutant": pollutant,
                    "year": year,
                    "name": name,
                    "crs": "EPSG:4326",
                    "width": width,
                    "height": height,
                    "nodata": NODATA,
                    "tiff": grid_bytes(values, transform, "EPSG:4326", NODATA),
                    "source": SOURCE,
                    "valid_from": _report_date(year),
                }
            )
            park_rows.append(zonal_rows(grid, parks[["id", "geometry"]], pollutant, year, SOURCE))
            town_rows.append(
                zonal_rows(grid, towns[["id", "geometry"]], pollutant, year, SOURCE).assign(
                    valid_from=_report_date(year)
                )
            )
    ctx.tables.setdefault("grids", []).append(pd.DataFrame(grids))
    # Zonal statistics are not the parks' reported figures: kept out of ctx.statistics (whose checks cover
    # PARK_INDICATORS) and written to the statistics table at seeding, with the year's report date.
    park_rows = [rows.assign(valid_from=_report_date(int(rows["year"].iloc[0]))) for rows in park_rows if len(rows)]
    ctx.tables.setdefault("zonal_statistics", []).append(pd.concat(park_rows + town_rows, ignore_index=True))
