"""Wastewater facilities (the `wastewater` layer): the district's real plants and rural sewage stations.

The plants are those listed in /work/shared/docs/domain-facts.md, at approximate positions;
capacities not in the facts file are invented, urban + industrial summing to the reported 85.6 万m³/d.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from data.sample.context import SampleContext, feature_ids
from data.sample.geography import town_centres
from data.sample.shapes import scatter, to_metres, to_storage, unit_at
from layers import wastewater


class WastewaterPlant(NamedTuple):
    name: str
    facility_type: str  # code of layers.wastewater.FACILITY_TYPES: urban or industrial here
    capacity: float  # design capacity, 万m³/d
    standard: str  # code of layers.wastewater.STANDARDS
    lon: float
    lat: float
    operator: str


class RuralStations(NamedTuple):
    """Rural sewage stations of a street or town, placed near its centre."""

    town: str
    count: int


WASTEWATER_PLANTS = (
    WastewaterPlant("塘沽新河污水处理厂", "urban", 15.0, "DB12/599-A", 117.630, 39.000, "区水务集团（示意）"),
    WastewaterPlant("中心渔港污水处理厂", "urban", 2.5, "DB12/599-A", 117.845, 39.175, "区水务集团（示意）"),
    WastewaterPlant("开发区第一污水处理厂", "urban", 10.0, "DB12/599-A", 117.690, 39.040, "开发区水务公司（示意）"),
    WastewaterPlant("开发区第二污水处理厂（北塘）", "urban", 12.5, "DB12/599-A", 117.720, 39.100, "开发区水务公司（示意）"),
    WastewaterPlant("开发区西区污水处理厂", "urban", 5.0, "DB12/599-A", 117.600, 39.090, "开发区水务公司（示意）"),
    WastewaterPlant("营城污水处理厂", "urban", 5.0, "DB12/599-A", 117.775, 39.185, "区水务集团（示意）"),
    WastewaterPlant("港东新城污水处理厂", "urban", 5.0, "DB12/599-A", 117.535, 38.865, "区水务集团（示意）"),
    WastewaterPlant("中塘污水处理厂", "urban", 1.5, "DB12/599-B", 117.365, 38.855, "区水务集团（示意）"),
    WastewaterPlant("大港污水处理厂", "urban", 10.0, "DB12/599-A", 117.450, 38.830, "区水务集团（示意）"),
    WastewaterPlant("汉沽污水处理厂", "urban", 5.0, "DB12/599-A", 117.790, 39.240, "区水务集团（示意）"),
    WastewaterPlant("东疆污水处理厂", "urban", 2.0, "DB12/599-A", 117.820, 39.030, "区水务集团（示意）"),
    WastewaterPlant("南港工业区污水处理厂", "industrial", 5.0, "DB12/599-B", 117.580, 38.760, "园区运营单位（示意）"),
    WastewaterPlant("临港经济区污水处理厂", "industrial", 3.0, "DB12/599-B", 117.730, 38.920, "园区运营单位（示意）"),
    WastewaterPlant("大港石化园区污水处理厂", "industrial", 2.5, "GB18918-1A", 117.515, 38.825, "园区运营单位（示意）"),
    WastewaterPlant("汉沽化工园污水处理厂", "industrial", 1.6, "GB18918-1A", 117.810, 39.255, "园区运营单位（示意）"),
)  # fmt: skip
RURAL_STATIONS = (
    RuralStations("杨家泊镇", 3), RuralStations("太平镇", 3), RuralStations("小王庄镇", 2),
    RuralStations("中塘镇", 2), RuralStations("茶淀街道", 2), RuralStations("新城镇", 1),
)  # fmt: skip


class _Facility(NamedTuple):
    name: str
    facility_type: str
    capacity: float
    standard: str
    point: np.ndarray  # (x, y) in metres
    operator: str
    online_monitoring: str


def wastewater_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """The `wastewater` layer: every plant, then each town's rural stations (sizes and monitoring drawn)."""
    spec = wastewater.SPEC
    rng, geo = ctx.rng, ctx.geography
    facilities = [
        _Facility(p.name, p.facility_type, p.capacity, p.standard, point, p.operator, "connected")
        for p, point in zip(WASTEWATER_PLANTS, to_metres([(p.lon, p.lat) for p in WASTEWATER_PLANTS]), strict=True)
    ]
    centres = town_centres()
    for stations in RURAL_STATIONS:
        centre = to_metres([centres[stations.town]])
        count = stations.count
        spots = scatter(rng, geo.outline.buffer(-500), np.repeat(centre, count, axis=0), np.full(count, 1500.0))
        for k, spot in enumerate(spots, 1):
            capacity = round(float(rng.uniform(0.005, 0.05)), 3)
            standard = "DB12/599-B" if capacity >= 0.02 else "DB12/599-C"
            monitoring = "connected" if rng.random() < 0.75 else "not_connected"
            name = f"{stations.town}农村生活污水处理站（{k}号）"
            operator = f"{stations.town}{'办事处' if stations.town.endswith('街道') else '人民政府'}（示意）"
            facilities.append(_Facility(name, "rural", capacity, standard, spot, operator, monitoring))
    points = np.array([f.point for f in facilities])
    frame = {
        "id": feature_ids(spec, len(facilities)),
        "name": [f.name for f in facilities],
        "facility_type": [f.facility_type for f in facilities],
        "design_capacity": [float(f.capacity) for f in facilities],
        "discharge_standard": [f.standard for f in facilities],
        "town": unit_at(points, geo.town_units(), fallback_nearest=True),
        "operator": [f.operator for f in facilities],
        "online_monitoring": [f.online_monitoring for f in facilities],
    }
    return to_storage(shapely.points(points), frame)
