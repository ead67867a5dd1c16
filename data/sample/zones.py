"""High-pollution-fuel prohibited zones (禁燃区): the `prohibited_zones` layer.

Urban cores (塘沽, 泰达, 大港, 汉沽, 生态城, 北塘, 镇区 …); class III in cities, I/II in towns; two
drafts with no date yet. Names and centres are plausible; outlines and dates are invented.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import geopandas as gpd
import numpy as np

from data.sample.context import SampleContext, feature_ids
from data.sample.shapes import blobs, clip_polygons, to_metres, to_storage
from layers import prohibited_zones


class ProhibitedZone(NamedTuple):
    name: str
    centre: tuple[float, float]  # (lon, lat)
    area_km2: float
    fuel_class: str  # code of layers.prohibited_zones.FUEL_CLASSES: I, II, III (strictest)
    status: str  # code of layers.prohibited_zones.ZONE_STATUS
    in_force_from: date | None  # None for drafts


PROHIBITED_ZONES = (
    ProhibitedZone("塘沽城区禁燃区", (117.655, 39.025), 40.0, "III", "in_force", date(2018, 10, 1)),
    ProhibitedZone("开发区（泰达）禁燃区", (117.700, 39.050), 25.0, "III", "in_force", date(2018, 10, 1)),
    ProhibitedZone("大港城区禁燃区", (117.460, 38.840), 30.0, "III", "in_force", date(2019, 7, 1)),
    ProhibitedZone("汉沽城区禁燃区", (117.800, 39.250), 20.0, "II", "in_force", date(2019, 7, 1)),
    ProhibitedZone("中新天津生态城禁燃区", (117.784, 39.153), 25.0, "III", "in_force", date(2020, 1, 1)),
    ProhibitedZone("北塘禁燃区", (117.730, 39.110), 8.0, "II", "in_force", date(2020, 1, 1)),
    ProhibitedZone("中塘镇区禁燃区", (117.370, 38.860), 6.0, "II", "in_force", date(2021, 1, 1)),
    ProhibitedZone("新城镇区禁燃区", (117.620, 38.930), 8.0, "II", "in_force", date(2021, 1, 1)),
    ProhibitedZone("古林街区禁燃区", (117.505, 38.775), 10.0, "I", "in_force", date(2022, 7, 1)),
    ProhibitedZone("茶淀街区禁燃区", (117.735, 39.275), 5.0, "I", "in_force", date(2023, 1, 1)),
    ProhibitedZone("杨家泊镇区禁燃区", (117.870, 39.310), 4.0, "I", "draft", None),
    ProhibitedZone("太平镇区禁燃区", (117.390, 38.645), 4.0, "I", "draft", None),
)
_IN_FORCE_DOCUMENT = "滨海新区人民政府关于划定高污染燃料禁燃区的通告（示意，{year}年）"
_DRAFT_DOCUMENT = "滨海新区高污染燃料禁燃区划定方案（征求意见稿，示意）"


def prohibited_zone_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """The `prohibited_zones` layer: one blob per zone around its centre, clipped to the district."""
    spec = prohibited_zones.SPEC
    rng = ctx.rng
    centres = to_metres([z.centre for z in PROHIBITED_ZONES])
    areas = np.array([z.area_km2 for z in PROHIBITED_ZONES]) * 1e6
    polygons = blobs(rng, centres, areas, rng.integers(16, 40, len(areas)), 0.1, (2.5, 5.0), (1.0, 1.8))
    polygons = clip_polygons(polygons, ctx.geography.outline)
    frame = {
        "id": feature_ids(spec, len(PROHIBITED_ZONES)),
        "name": [z.name for z in PROHIBITED_ZONES],
        "fuel_class": [z.fuel_class for z in PROHIBITED_ZONES],
        "status": [z.status for z in PROHIBITED_ZONES],
        "effective_date": [z.in_force_from for z in PROHIBITED_ZONES],
        "document": [
            _IN_FORCE_DOCUMENT.format(year=z.in_force_from.year) if z.status == "in_force" else _DRAFT_DOCUMENT
            for z in PROHIBITED_ZONES
        ],
    }
    return to_storage(polygons, frame)
