"""Deterministic illustrative (示意) sample data for Binhai New Area.

Real place names and approximate positions; every geometry and every number is invented. Shapes are
built in metres (EPSG:4548) and transformed to EPSG:4326 once per layer, so `scale=250` (10,000
parks) stays fast. The same `seed` and `scale` always give byte-identical frames: nothing here reads
the clock, and every random draw comes from one `numpy.random.default_rng(seed)` in a fixed order —
except the ledgers added later (两高 projects, key energy-using units, rural sewage), which each draw
from their own `default_rng([seed, k])` so that adding them changed nothing generated before.

    python -m data.sample --scale 1 --seed 2025 --db data/binhai.duckdb
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

import layers
from geo.crs import MEASURE_CRS, STORAGE_CRS
from geo.indicators import INDICATORS
from geo.plan import BASELINE_YEAR, ENERGY_INTENSITY_CUT, RURAL_SEWAGE, RURAL_SEWAGE_TARGET, TARGET_YEAR
from geo.store.db import Store
from geo.store.features import clear_layer, write_layer
from geo.store.statistics import write_statistics
from geo.store.tables import write_targets, write_water_samples
from layers import (
    admin_units,
    key_energy_units,
    parks,
    prohibited_zones,
    two_high_projects,
    wastewater,
    water_bodies,
)

SOURCE = "示意数据 (illustrative sample)"
FIXED_TIMESTAMP = datetime(2025, 1, 1)  # updated_at of every seeded feature: never the wall clock
YEARS = (2020, 2021, 2022, 2023, 2024)
EMISSION_INDICATORS = ("cod", "nh3n", "nox", "vocs")
EMISSION_CUT_RANGE = (0.08, 0.12)
SAMPLE_YEARS = (2021, 2022, 2023, 2024)
SAMPLE_MONTHS = (2, 5, 8, 11)  # quarterly, mid-month
PARKS_PER_SCALE = 40
NOTE = "示意边界，非法定界线 / illustrative boundary, not the legal one"

# The district outline (lon, lat), clockwise from the north-west; the coast is the eastern side.
# Smoothly perturbed with a fixed generator so it does not depend on `seed`: the geography is the
# same in every sample, only parks, water bodies and numbers vary.
_OUTLINE_LONLAT = (
    (117.66, 39.30), (117.72, 39.345), (117.80, 39.345), (117.90, 39.33), (117.94, 39.27),
    (117.90, 39.20), (117.86, 39.15), (117.85, 39.10), (117.86, 39.06), (117.88, 39.02),
    (117.84, 38.99), (117.80, 38.97), (117.79, 38.91), (117.74, 38.87), (117.68, 38.84),
    (117.66, 38.78), (117.62, 38.72), (117.57, 38.65), (117.54, 38.58), (117.48, 38.555),
    (117.40, 38.57), (117.345, 38.62), (117.335, 38.72), (117.34, 38.82), (117.345, 38.90),
    (117.42, 38.92), (117.50, 38.93), (117.53, 38.97), (117.52, 39.03), (117.50, 39.08),
    (117.52, 39.14), (117.60, 39.16), (117.65, 39.20), (117.64, 39.26),
)  # fmt: skip
_GEOGRAPHY_SEED = 120116  # the district's administrative code

# The 16 streets and 5 towns (real names, approximate centres) — Voronoi seeds for the tiling.
STREETS = (
    ("塘沽街道", 117.655, 39.025), ("杭州道街道", 117.668, 39.047), ("新河街道", 117.632, 39.003),
    ("大沽街道", 117.690, 38.982), ("新北街道", 117.640, 39.068), ("北塘街道", 117.730, 39.110),
    ("胡家园街道", 117.575, 39.060), ("新港街道", 117.712, 39.012), ("新村街道", 117.678, 39.024),
    ("泰达街道", 117.702, 39.047), ("汉沽街道", 117.800, 39.250), ("寨上街道", 117.830, 39.222),
    ("茶淀街道", 117.735, 39.275), ("大港街道", 117.460, 38.840), ("古林街道", 117.505, 38.775),
    ("海滨街道", 117.540, 38.690),
)  # fmt: skip
TOWNS = (
    ("新城镇", 117.620, 38.930), ("杨家泊镇", 117.870, 39.310), ("太平镇", 117.390, 38.645),
    ("小王庄镇", 117.405, 38.760), ("中塘镇", 117.370, 38.860),
)  # fmt: skip
# Development zones: (name, [(lon, lat, km²) parts]); later zones give way to earlier ones.
ZONES = (
    ("天津经济技术开发区", ((117.700, 39.050, 30.0), (117.605, 39.095, 22.0))),
    # 南港工业区 is managed with TEDA but assessed on its own (the plan's officials ask about it by name).
    ("南港工业区", ((117.540, 38.770, 110.0),)),
    ("天津港保税区", ((117.765, 38.995, 14.0), (117.735, 38.930, 60.0))),
    ("滨海高新区", ((117.545, 39.130, 30.0), (117.630, 39.078, 10.0))),
    ("东疆综合保税区", ((117.815, 39.025, 30.0),)),
    ("中新天津生态城", ((117.784, 39.153, 31.0),)),
)

# Industrial areas parks cluster around: (lon, lat, spread in km).
INDUSTRIAL_AREAS = {
    "南港": (117.575, 38.770, 2.5),
    "大港石化": (117.520, 38.830, 1.8),
    "临港": (117.735, 38.930, 1.8),
    "TEDA": (117.700, 39.050, 1.2),
    "TEDA西区": (117.605, 39.095, 0.9),
    "汉沽": (117.800, 39.245, 1.8),
    "茶淀": (117.735, 39.275, 1.2),
    "中塘": (117.370, 38.860, 1.2),
    "生态城": (117.784, 39.153, 1.2),
    "渤龙湖": (117.545, 39.130, 1.2),
    "海洋科技园": (117.630, 39.078, 0.7),
    "东疆": (117.815, 39.025, 1.0),
    "保税区": (117.765, 38.995, 0.7),
    "北塘": (117.730, 39.110, 1.0),
    "古林": (117.505, 38.775, 1.5),
    "太平": (117.390, 38.645, 1.2),
    "小王庄": (117.405, 38.760, 1.2),
    "新城": (117.620, 38.930, 1.2),
    "胡家园": (117.575, 39.060, 1.2),
    "杨家泊": (117.870, 39.310, 0.8),
    "大港": (117.470, 38.860, 1.2),
}
# (name, industrial area, industry code, level code, established)
PARK_TEMPLATES = (
    ("南港工业区石化产业园", "南港", "petrochemical", "national", 2010),
    ("南港工业区化工新材料园", "南港", "materials", "national", 2012),
    ("南港工业区轻纺产业园", "南港", "mixed", "municipal", 2015),
    ("南港工业区港口物流园", "南港", "logistics", "municipal", 2013),
    ("大港石化产业园", "大港石化", "petrochemical", "municipal", 1995),
    ("大港精细化工园", "大港石化", "chemical", "municipal", 2003),
    ("大港新材料产业园", "大港石化", "materials", "district", 2008),
    ("大港油田装备制造园", "大港石化", "equipment", "district", 2005),
    ("临港经济区装备制造园", "临港", "equipment", "national", 2006),
    ("临港经济区粮油食品园", "临港", "food", "municipal", 2008),
    ("临港经济区化工新材料园", "临港", "chemical", "national", 2007),
    ("临港经济区港口物流园", "临港", "logistics", "municipal", 2009),
    ("TEDA 电子信息产业园", "TEDA", "electronics", "national", 1986),
    ("TEDA 汽车产业园", "TEDA", "automotive", "national", 1995),
    ("TEDA 生物医药产业园", "TEDA", "biomedicine", "national", 2000),
    ("TEDA 装备制造产业园", "TEDA", "equipment", "national", 1990),
    ("TEDA 西区新材料产业园", "TEDA西区", "materials", "national", 2008),
    ("TEDA 西区汽车零部件园", "TEDA西区", "automotive", "national", 2009),
    ("汉沽化工园", "汉沽", "chemical", "municipal", 1998),
    ("汉沽现代冶金产业园", "汉沽", "materials", "district", 2006),
    ("茶淀葡萄酒食品园", "茶淀", "food", "district", 2004),
    ("中塘工业园", "中塘", "equipment", "district", 2005),
    ("中塘汽车橡胶制品园", "中塘", "automotive", "district", 2007),
    ("中新天津生态城信息产业园", "生态城", "electronics", "municipal", 2011),
    ("中新天津生态城绿色建材园", "生态城", "mixed", "municipal", 2012),
    ("滨海高新区渤龙湖科技园", "渤龙湖", "electronics", "national", 2010),
    ("滨海高新区海洋科技园", "海洋科技园", "equipment", "national", 2008),
    ("滨海高新区新能源产业园", "渤龙湖", "materials", "municipal", 2012),
    ("东疆冷链物流园", "东疆", "logistics", "national", 2008),
    ("东疆航运物流园", "东疆", "logistics", "national", 2007),
    ("天津港保税区航空制造园", "保税区", "equipment", "national", 2009),
    ("北塘经济区工业园", "北塘", "mixed", "district", 2010),
    ("古林工业园", "古林", "mixed", "district", 2004),
    ("太平镇科技工业园", "太平", "mixed", "district", 2006),
    ("小王庄工业园", "小王庄", "materials", "district", 2006),
    ("新城镇工业园", "新城", "mixed", "district", 2008),
    ("胡家园工业园", "胡家园", "equipment", "district", 2005),
    ("杨家泊工业园", "杨家泊", "food", "district", 2009),
    ("大港经济开发区", "大港", "mixed", "municipal", 2002),
    ("大港石化仓储物流园", "大港石化", "logistics", "district", 2011),
)
# Per industry: value added 2020 median (万元), energy intensity range (tce/万元),
# COD per value added (t/万元), NOx and VOCs per energy (t/tce), water per value added (m³/万元),
# park area range (km²).
INDUSTRY_PROFILES = {
    "petrochemical": (3.0e5, (0.9, 2.2), 4e-4, 4e-4, 6e-4, 12.0, (4.0, 15.0)),
    "chemical": (1.2e5, (0.6, 1.6), 5e-4, 3e-4, 8e-4, 10.0, (1.5, 8.0)),
    "materials": (1.0e5, (0.5, 1.4), 2e-4, 4e-4, 2e-4, 6.0, (1.5, 8.0)),
    "equipment": (1.5e5, (0.25, 0.5), 1e-4, 2e-4, 3e-4, 3.0, (0.8, 6.0)),
    "electronics": (2.5e5, (0.22, 0.45), 1.5e-4, 1e-4, 4e-4, 4.0, (0.8, 5.0)),
    "biomedicine": (8.0e4, (0.25, 0.5), 4e-4, 1.5e-4, 3e-4, 6.0, (0.5, 4.0)),
    "logistics": (6.0e4, (0.25, 0.5), 5e-5, 5e-4, 2e-4, 1.5, (1.0, 8.0)),
    "automotive": (3.0e5, (0.25, 0.45), 8e-5, 1.5e-4, 6e-4, 2.5, (1.0, 6.0)),
    "food": (7.0e4, (0.3, 0.8), 8e-4, 2e-4, 5e-5, 8.0, (0.5, 4.0)),
    "mixed": (8.0e4, (0.3, 0.7), 2e-4, 2.5e-4, 2e-4, 4.0, (0.5, 5.0)),
}
_HEAVY_INDUSTRIES = ("petrochemical", "chemical", "materials")

# Water bodies. Lines: (name, water type, river system, control points); ponds: (…, centre, km²).
WATER_LINES = (
    ("海河故道（示意段）", "river", "海河水系", ((117.655, 38.997), (117.678, 38.990), (117.700, 38.984))),
    ("黄港排水渠", "channel", "永定新河水系", ((117.600, 39.100), (117.630, 39.110), (117.660, 39.115))),
    ("大港排咸河", "channel", "独流减河水系", ((117.440, 38.850), (117.470, 38.832), (117.500, 38.820))),
    ("北塘排水河（示意段）", "river", "永定新河水系", ((117.660, 39.082), (117.690, 39.095), (117.720, 39.104))),
    ("大沽排水河（示意段）", "river", "海河水系", ((117.600, 38.960), (117.630, 38.955), (117.660, 38.950))),
    ("蓟运河故道（示意段）", "river", "蓟运河水系", ((117.790, 39.270), (117.800, 39.245), (117.795, 39.220))),
    ("汉沽北引河", "channel", "蓟运河水系", ((117.760, 39.285), (117.790, 39.290), (117.820, 39.284))),
    ("寨上排干渠", "channel", "蓟运河水系", ((117.810, 39.232), (117.830, 39.226), (117.850, 39.215))),
    ("茶淀引水渠", "channel", "蓟运河水系", ((117.705, 39.258), (117.728, 39.265), (117.750, 39.272))),
    ("独流减河南侧支渠（示意段）", "channel", "大清河水系", ((117.400, 38.792), (117.440, 38.786), (117.480, 38.780))),
    ("子牙新河北侧排干（示意段）", "channel", "子牙河水系", ((117.370, 38.635), (117.410, 38.630), (117.450, 38.625))),
    ("马厂减河（示意段）", "river", "大清河水系", ((117.350, 38.880), (117.380, 38.875), (117.410, 38.870))),
    ("八米河", "channel", "独流减河水系", ((117.450, 38.800), (117.470, 38.815), (117.490, 38.830))),
    ("十米河", "channel", "独流减河水系", ((117.480, 38.862), (117.500, 38.852), (117.520, 38.846))),
    ("港东新城排水渠", "channel", "独流减河水系", ((117.520, 38.872), (117.540, 38.866), (117.560, 38.860))),
    ("胡家园排水渠", "channel", "海河水系", ((117.550, 39.030), (117.570, 39.045), (117.590, 39.060))),
    ("新河干渠", "channel", "海河水系", ((117.610, 39.010), (117.625, 39.020), (117.640, 39.030))),
    ("小王庄排干", "channel", "独流减河水系", ((117.390, 38.740), (117.410, 38.750), (117.430, 38.755))),
)
WATER_PONDS = (
    ("官港湖北部水域", "lake", "海河水系", (117.545, 38.925), 2.0),
    ("杨家泊镇坑塘", "pond", "蓟运河水系", (117.875, 39.305), 0.08),
    ("茶淀镇坑塘", "pond", "蓟运河水系", (117.738, 39.282), 0.06),
    ("太平镇坑塘", "pond", "子牙河水系", (117.385, 38.655), 0.10),
    ("小王庄镇坑塘", "pond", "独流减河水系", (117.405, 38.768), 0.07),
    ("中塘镇坑塘", "pond", "大清河水系", (117.378, 38.852), 0.05),
    ("新城镇坑塘", "pond", "海河水系", (117.612, 38.936), 0.06),
    ("寨上坑塘", "pond", "蓟运河水系", (117.835, 39.235), 0.04),
    ("胡家园坑塘", "pond", "海河水系", (117.568, 39.065), 0.05),
    ("北塘水库周边坑塘", "pond", "永定新河水系", (117.690, 39.130), 0.30),
    ("黄港水库周边坑塘", "pond", "永定新河水系", (117.620, 39.135), 0.20),
    ("古林坑塘", "pond", "独流减河水系", (117.495, 38.782), 0.05),
)
# Stage → (share, listed-year range, quality in 2021 range, quality in 2024 range); quality 0 is
# heavily black-odorous, 0.1 the heavy/light boundary, 0.4 the light/clean boundary, 1 clean.
STAGE_PROFILES = {
    "sustained": (0.40, (2016, 2018), (0.50, 0.70), (0.85, 0.95)),
    "effective": (0.25, (2016, 2019), (0.30, 0.50), (0.70, 0.85)),
    "completed": (0.15, (2017, 2020), (0.20, 0.35), (0.55, 0.70)),
    "remediating": (0.12, (2019, 2022), (0.05, 0.25), (0.30, 0.40)),
    "planning": (0.08, (2021, 2022), (0.03, 0.25), (0.05, 0.30)),
}
# Quality → indicator, piecewise linear through the guideline's thresholds (城市黑臭水体整治工作指南).
_QUALITY_KNOTS = np.array([0.0, 0.1, 0.4, 1.0])
_INDICATOR_KNOTS = {
    "transparency_cm": np.array([4.0, 10.0, 25.0, 80.0]),
    "dissolved_oxygen_mg_l": np.array([0.05, 0.2, 2.0, 7.5]),
    "orp_mv": np.array([-300.0, -200.0, 50.0, 300.0]),
    "nh3n_mg_l": np.array([25.0, 15.0, 8.0, 0.8]),
}

# (name, centre, km², fuel class, status, in force from)
PROHIBITED_ZONES = (
    ("塘沽城区禁燃区", (117.655, 39.025), 40.0, "III", "in_force", date(2018, 10, 1)),
    ("开发区（泰达）禁燃区", (117.700, 39.050), 25.0, "III", "in_force", date(2018, 10, 1)),
    ("大港城区禁燃区", (117.460, 38.840), 30.0, "III", "in_force", date(2019, 7, 1)),
    ("汉沽城区禁燃区", (117.800, 39.250), 20.0, "II", "in_force", date(2019, 7, 1)),
    ("中新天津生态城禁燃区", (117.784, 39.153), 25.0, "III", "in_force", date(2020, 1, 1)),
    ("北塘禁燃区", (117.730, 39.110), 8.0, "II", "in_force", date(2020, 1, 1)),
    ("中塘镇区禁燃区", (117.370, 38.860), 6.0, "II", "in_force", date(2021, 1, 1)),
    ("新城镇区禁燃区", (117.620, 38.930), 8.0, "II", "in_force", date(2021, 1, 1)),
    ("古林街区禁燃区", (117.505, 38.775), 10.0, "I", "in_force", date(2022, 7, 1)),
    ("茶淀街区禁燃区", (117.735, 39.275), 5.0, "I", "in_force", date(2023, 1, 1)),
    ("杨家泊镇区禁燃区", (117.870, 39.310), 4.0, "I", "draft", None),
    ("太平镇区禁燃区", (117.390, 38.645), 4.0, "I", "draft", None),
)
_IN_FORCE_DOCUMENT = "滨海新区人民政府关于划定高污染燃料禁燃区的通告（示意，{year}年）"
_DRAFT_DOCUMENT = "滨海新区高污染燃料禁燃区划定方案（征求意见稿，示意）"

# Real plant names (capacities from public sources where known, otherwise plausible), urban +
# industrial total 85.6 万m³/d as reported for 2020: (name, type, 万m³/d, standard, lon, lat, operator).
WASTEWATER_PLANTS = (
    ("塘沽新河污水处理厂", "urban", 15.0, "DB12/599-A", 117.630, 39.000, "区水务集团（示意）"),
    ("中心渔港污水处理厂", "urban", 2.5, "DB12/599-A", 117.845, 39.175, "区水务集团（示意）"),
    ("开发区第一污水处理厂", "urban", 10.0, "DB12/599-A", 117.690, 39.040, "开发区水务公司（示意）"),
    ("开发区第二污水处理厂（北塘）", "urban", 12.5, "DB12/599-A", 117.720, 39.100, "开发区水务公司（示意）"),
    ("开发区西区污水处理厂", "urban", 5.0, "DB12/599-A", 117.600, 39.090, "开发区水务公司（示意）"),
    ("营城污水处理厂", "urban", 5.0, "DB12/599-A", 117.775, 39.185, "区水务集团（示意）"),
    ("港东新城污水处理厂", "urban", 5.0, "DB12/599-A", 117.535, 38.865, "区水务集团（示意）"),
    ("中塘污水处理厂", "urban", 1.5, "DB12/599-B", 117.365, 38.855, "区水务集团（示意）"),
    ("大港污水处理厂", "urban", 10.0, "DB12/599-A", 117.450, 38.830, "区水务集团（示意）"),
    ("汉沽污水处理厂", "urban", 5.0, "DB12/599-A", 117.790, 39.240, "区水务集团（示意）"),
    ("东疆污水处理厂", "urban", 2.0, "DB12/599-A", 117.820, 39.030, "区水务集团（示意）"),
    ("南港工业区污水处理厂", "industrial", 5.0, "DB12/599-B", 117.580, 38.760, "园区运营单位（示意）"),
    ("临港经济区污水处理厂", "industrial", 3.0, "DB12/599-B", 117.730, 38.920, "园区运营单位（示意）"),
    ("大港石化园区污水处理厂", "industrial", 2.5, "GB18918-1A", 117.515, 38.825, "园区运营单位（示意）"),
    ("汉沽化工园污水处理厂", "industrial", 1.6, "GB18918-1A", 117.810, 39.255, "园区运营单位（示意）"),
)
# Rural sewage stations: (town, how many) — placed near the town's centre.
RURAL_STATIONS = (("杨家泊镇", 3), ("太平镇", 3), ("小王庄镇", 2), ("中塘镇", 2), ("茶淀街道", 2), ("新城镇", 1))

# -- ledgers: 两高 projects, key energy-using units, rural sewage ------------------------------
# Each ledger draws from its own stream `default_rng([seed, k])`, so adding them left every
# earlier layer and table byte-identical.
_TWO_HIGH_STREAM, _KEY_UNIT_STREAM, _RURAL_SEWAGE_STREAM = 1, 2, 3

# (project, where: a park template's name or a (lon, lat) site outside parks, sector, company).
TWO_HIGH_PROJECTS = (
    ("南港乙烯及下游高端新材料项目（示意）", "南港工业区石化产业园", "petrochemical", "南港乙烯有限公司（示意）"),
    ("南港丙烷脱氢制丙烯项目（示意）", "南港工业区石化产业园", "petrochemical", "滨港丙烯有限公司（示意）"),
    ("南港芳烃联合装置项目（示意）", "南港工业区石化产业园", "petrochemical", "渤海芳烃有限公司（示意）"),
    ("南港轻烃综合利用项目（示意）", "南港工业区石化产业园", "petrochemical", "津港轻烃有限公司（示意）"),
    ("南港聚碳酸酯项目（示意）", "南港工业区化工新材料园", "chemical", "南港新材料有限公司（示意）"),
    ("南港环氧丙烷项目（示意）", "南港工业区化工新材料园", "chemical", "海河化工有限公司（示意）"),
    ("南港煤制乙二醇项目（示意）", "南港工业区化工新材料园", "coal_chemical", "北方煤化有限公司（示意）"),
    ("南港工业区燃煤热电联产项目（示意）", (117.595, 38.755), "coal_power", "南港热电有限公司（示意）"),
    ("大港炼油改扩建项目（示意）", "大港石化产业园", "petrochemical", "大港炼化有限公司（示意）"),
    ("大港乙烯裂解装置（示意）", "大港石化产业园", "petrochemical", "大港乙烯有限公司（示意）"),
    ("大港催化裂化装置（示意）", "大港石化产业园", "petrochemical", "大港炼化有限公司（示意）"),
    ("大港氯碱项目（示意）", "大港精细化工园", "chemical", "蓝海氯碱有限公司（示意）"),
    ("大港丙烯酸及酯项目（示意）", "大港精细化工园", "chemical", "瀚海化学有限公司（示意）"),
    ("大港环氧树脂项目（示意）", "大港精细化工园", "chemical", "恒信化工有限公司（示意）"),
    ("大港甲醇制烯烃项目（示意）", "大港新材料产业园", "coal_chemical", "华北烯烃有限公司（示意）"),
    ("大港发电厂燃煤机组（示意）", (117.490, 38.855), "coal_power", "大港发电有限公司（示意）"),
    ("大港水泥熟料生产线（示意）", "大港经济开发区", "building_materials", "广源建材有限公司（示意）"),
    ("临港氯碱及PVC项目（示意）", "临港经济区化工新材料园", "chemical", "临港氯碱有限公司（示意）"),
    ("临港聚烯烃项目（示意）", "临港经济区化工新材料园", "petrochemical", "临港石化有限公司（示意）"),
    ("临港煤焦油深加工项目（示意）", "临港经济区化工新材料园", "coal_chemical", "津海煤化有限公司（示意）"),
    ("临港高端特钢项目（示意）", "临港经济区装备制造园", "steel", "临港特钢有限公司（示意）"),
    ("临港水泥粉磨站项目（示意）", "临港经济区港口物流园", "building_materials", "港湾建材有限公司（示意）"),
    ("汉沽聚氯乙烯项目（示意）", "汉沽化工园", "chemical", "汉沽化工有限公司（示意）"),
    ("汉沽盐化工纯碱项目（示意）", "汉沽化工园", "chemical", "安泰盐化有限公司（示意）"),
    ("汉沽轧钢项目（示意）", "汉沽现代冶金产业园", "steel", "鑫达钢铁有限公司（示意）"),
    ("北疆发电厂燃煤机组（示意）", (117.850, 39.190), "coal_power", "北疆发电有限公司（示意）"),
    ("小王庄平板玻璃生产线（示意）", "小王庄工业园", "building_materials", "瑞丰玻璃有限公司（示意）"),
    ("中塘耐火材料项目（示意）", "中塘工业园", "building_materials", "中塘耐材有限公司（示意）"),
    ("生态城岩棉保温材料项目（示意）", "中新天津生态城绿色建材园", "building_materials", "德润建材有限公司（示意）"),
)
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
# Approval status given the stage: (status, cumulative probability).
TWO_HIGH_APPROVALS = {
    "existing": (("approved", 0.9), ("filed", 1.0)),
    "under_construction": (("approved", 0.8), ("filed", 1.0)),
    "proposed": (("pending", 0.6), ("filed", 0.75), ("rejected", 0.9), ("approved", 1.0)),
}

KEY_UNITS_PER_SCALE = 45
KEY_UNITS_OUTSIDE_PARKS = 6  # per scale: heat and power plants, data centres in the urban streets
# Units in parks: the park's industry weighs how likely a key unit sits there, and sets its
# annual energy use range (tce, log-uniform) and company-name suffix.
KEY_UNIT_PROFILES = {
    "petrochemical": (5.0, (1e5, 1.5e6), "石化有限公司"),
    "chemical": (4.0, (2e4, 3e5), "化工有限公司"),
    "materials": (3.0, (1e4, 1.5e5), "新材料有限公司"),
    "equipment": (2.0, (5e3, 5e4), "重工有限公司"),
    "automotive": (2.0, (1e4, 8e4), "汽车有限公司"),
    "electronics": (1.5, (5e3, 8e4), "电子科技有限公司"),
    "biomedicine": (1.0, (5e3, 3e4), "制药有限公司"),
    "food": (1.0, (5e3, 4e4), "粮油有限公司"),
    "logistics": (0.5, (5e3, 2e4), "冷链物流有限公司"),
    "mixed": (0.5, (5e3, 3e4), "实业有限公司"),
}
# Units outside parks: (name suffix, industry, streets they sit in, energy range in tce).
KEY_UNITS_ELSEWHERE = (
    ("热电有限公司", "电力、热力生产和供应", ("塘沽街道", "汉沽街道", "大港街道"), (2e5, 8e5)),
    ("数据中心", "互联网数据服务", ("泰达街道", "新北街道", "北塘街道"), (1e4, 6e4)),
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

_TO_METRES = Transformer.from_crs(STORAGE_CRS, MEASURE_CRS, always_xy=True)


@dataclass
class SampleData:
    layers: dict[str, gpd.GeoDataFrame]
    statistics: pd.DataFrame
    targets: pd.DataFrame
    water_samples: pd.DataFrame


# -- geometry helpers (all in metres, EPSG:4548) ------------------------------------------------


def _to_metres(lonlat) -> np.ndarray:
    pts = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    x, y = _TO_METRES.transform(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


def _to_storage(geoms, frame: dict) -> gpd.GeoDataFrame:
    """One GeoDataFrame in EPSG:4326 from metre geometries: the single pyproj call per layer."""
    metres = gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=MEASURE_CRS)
    return gpd.GeoDataFrame(frame, geometry=metres.to_crs(STORAGE_CRS).values, crs=STORAGE_CRS)


def _ids(spec, n: int) -> list[str]:
    width = max(4, len(str(n)))
    return [f"{spec.id_prefix}-{i:0{width}d}" for i in range(1, n + 1)]


def _polygonal(geom):
    """A valid Polygon or MultiPolygon from a clipped or repaired geometry (None if nothing is left)."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [q for p in parts for q in shapely.get_parts(p) if q.area > 1.0]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _clip_polygons(geoms: np.ndarray, outline) -> np.ndarray:
    """Clip polygons to the district; only those crossing the coast or border are recomputed."""
    out = geoms.copy()
    crossing = np.flatnonzero(~shapely.contains_properly(outline, geoms))
    if len(crossing):
        clipped = shapely.intersection(geoms[crossing], outline)
        for i, geom in zip(crossing, clipped, strict=True):
            out[i] = _polygonal(geom)
    return out


def _blobs(
    rng: np.random.Generator,
    centres: np.ndarray,
    areas_m2: np.ndarray,
    vertices: np.ndarray,
    roughness: float = 0.15,
    squareness: tuple[float, float] = (2.0, 5.0),
    elongation: tuple[float, float] = (1.0, 2.2),
) -> np.ndarray:
    """Irregular star-shaped polygons with exact areas, built for all features at once.

    Vertices go round the centre at strictly increasing angles with positive radii, so every
    ring is simple (valid); a rotated superellipse makes them blocky like land parcels.
    """
    n = len(centres)
    vertices = np.asarray(vertices, dtype=int)
    owner = np.repeat(np.arange(n), vertices)
    start = np.cumsum(vertices) - vertices
    k = np.arange(len(owner)) - start[owner]
    rotation = rng.uniform(0, np.pi, n)
    power = rng.uniform(*squareness, n)
    stretch = np.sqrt(rng.uniform(*elongation, n))
    harmonics = rng.normal(0, roughness, (n, 3))
    phases = rng.uniform(0, 2 * np.pi, (n, 3))
    jitter = rng.uniform(-0.35, 0.35, len(owner))

    phi = (k + jitter) * (2 * np.pi / vertices[owner])
    c, s = np.cos(phi), np.sin(phi)
    p = power[owner]
    radius = (np.abs(c) ** p + np.abs(s) ** p) ** (-1 / p)
    for h in range(3):
        radius = radius * (1 + harmonics[owner, h] * np.cos((h + 2) * phi + phases[owner, h]))
    radius = np.maximum(radius, 0.25)
    lx, ly = radius * c * stretch[owner], radius * s / stretch[owner]
    cr, sr = np.cos(rotation[owner]), np.sin(rotation[owner])
    x, y = lx * cr - ly * sr, lx * sr + ly * cr

    following = np.arange(len(owner)) + 1
    ends = start + vertices - 1
    following[ends] = start
    twice_area = np.bincount(owner, x * y[following] - x[following] * y, minlength=n)
    factor = np.sqrt(areas_m2 / (0.5 * np.abs(twice_area)))[owner]
    coords = np.column_stack([x * factor + centres[owner, 0], y * factor + centres[owner, 1]])
    return shapely.polygons(shapely.linearrings(coords, indices=owner))


def _meander_lines(rng: np.random.Generator, courses: list[np.ndarray], spacing: float = 150.0) -> np.ndarray:
    """Wiggly lines along control polylines (metres): densified, with smooth sideways offsets."""
    pieces, owners = [], []
    for i, course in enumerate(courses):
        seg = np.diff(course, axis=0)
        seg_len = np.hypot(seg[:, 0], seg[:, 1])
        chainage = np.concatenate([[0.0], np.cumsum(seg_len)])
        along = np.linspace(0.0, chainage[-1], max(int(chainage[-1] / spacing), 8) + 1)
        x = np.interp(along, chainage, course[:, 0])
        y = np.interp(along, chainage, course[:, 1])
        dx, dy = np.gradient(x), np.gradient(y)
        norm = np.hypot(dx, dy)
        waves = rng.uniform(1500.0, 6000.0, 3)
        amplitude = rng.uniform(20.0, 120.0, 3)
        phase = rng.uniform(0, 2 * np.pi, 3)
        offset = (amplitude[:, None] * np.sin(2 * np.pi * along[None, :] / waves[:, None] + phase[:, None])).sum(0)
        pieces.append(np.column_stack([x - dy / norm * offset, y + dx / norm * offset]))
        owners.append(np.full(len(along), i))
    return shapely.linestrings(np.concatenate(pieces), indices=np.concatenate(owners))


def _inside(outline, points: np.ndarray) -> np.ndarray:
    return shapely.contains_xy(outline, points[:, 0], points[:, 1])


def _scatter(rng: np.random.Generator, outline, centres: np.ndarray, spread_m: np.ndarray) -> np.ndarray:
    """Points around `centres` (normal, clipped to 2.5 σ), redrawn until they fall inside `outline`."""
    points = centres.copy()
    pending = np.arange(len(centres))
    for _ in range(30):
        offset = np.clip(rng.normal(0, 1, (len(pending), 2)), -2.5, 2.5) * spread_m[pending, None]
        trial = centres[pending] + offset
        ok = _inside(outline, trial)
        points[pending[ok]] = trial[ok]
        pending = pending[~ok]
        if not len(pending):
            break
    return points  # any still pending keep their (inside) area centre


def _unit_at(points: np.ndarray, units: list[tuple[str, object]], fallback_nearest: bool) -> np.ndarray:
    """Name of the unit polygon containing each point; the nearest unit where none does (if asked)."""
    names = np.full(len(points), None, dtype=object)
    for name, polygon in units:
        hit = (names == None) & shapely.contains_xy(polygon, points[:, 0], points[:, 1])  # noqa: E711
        names[hit] = name
    missing = np.flatnonzero(names == None)  # noqa: E711
    if fallback_nearest and len(missing):
        pts = shapely.points(points[missing])
        distances = np.column_stack([shapely.distance(polygon, pts) for _, polygon in units])
        names[missing] = [units[j][0] for j in distances.argmin(axis=1)]
    return names


def _anchor_points(geoms: np.ndarray) -> np.ndarray:
    """A point per feature for unit look-ups: centroid of polygons, midpoint of lines."""
    lineal = np.isin(shapely.get_type_id(geoms), (1, 5))
    anchors = shapely.centroid(geoms)
    if lineal.any():
        anchors[lineal] = shapely.line_interpolate_point(geoms[lineal], 0.5, normalized=True)
    return shapely.get_coordinates(anchors)


# -- the district and its units ---------------------------------------------------------------


@dataclass
class _Geography:
    outline: object  # metres
    streets: list[tuple[str, str, object]]  # (name, kind, polygon) for the 21 streets/towns
    zones: list[tuple[str, object]]

    def town_units(self) -> list[tuple[str, object]]:
        return [(name, polygon) for name, _, polygon in self.streets]


def _district_outline() -> object:
    rng = np.random.default_rng(_GEOGRAPHY_SEED)
    corners = _to_metres(_OUTLINE_LONLAT)
    ring = np.vstack([corners, corners[:1]])
    seg = np.diff(ring, axis=0)
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    chainage = np.concatenate([[0.0], np.cumsum(seg_len)])
    along = np.arange(0.0, chainage[-1], 800.0)
    x, y = np.interp(along, chainage, ring[:, 0]), np.interp(along, chainage, ring[:, 1])
    dx, dy = np.gradient(x), np.gradient(y)
    norm = np.hypot(dx, dy)
    offset = sum(
        a * np.sin(2 * np.pi * along / w + p)
        for a, w, p in zip(rng.uniform(150, 450, 3), rng.uniform(4e3, 15e3, 3), rng.uniform(0, 6.3, 3), strict=True)
    )
    # Keep the named corners where they are so the outline still passes through them.
    offset = offset * np.clip(np.min(np.abs(along[:, None] - chainage[None, :]), axis=1) / 1500.0, 0, 1)
    outline = shapely.Polygon(np.column_stack([x - dy / norm * offset, y + dx / norm * offset]))
    return outline if outline.is_valid else _polygonal(outline)


def _geography() -> _Geography:
    outline = _district_outline()
    shapely.prepare(outline)
    named = [(n, "street", lon, lat) for n, lon, lat in STREETS] + [(n, "town", lon, lat) for n, lon, lat in TOWNS]
    seeds = _to_metres([(lon, lat) for _, _, lon, lat in named])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline.buffer(20_000), ordered=True)
    )
    streets = []
    for (name, kind, _, _), cell in zip(named, cells, strict=True):
        polygon = _polygonal(shapely.intersection(cell, outline))
        shapely.prepare(polygon)
        streets.append((name, kind, polygon))

    rng = np.random.default_rng(_GEOGRAPHY_SEED + 1)
    zones, taken = [], shapely.Polygon()
    for name, parts in ZONES:
        centres = _to_metres([(lon, lat) for lon, lat, _ in parts])
        blobs = _blobs(rng, centres, np.array([km2 for _, _, km2 in parts]) * 1e6, np.full(len(parts), 28), 0.08)
        zone = _polygonal(shapely.difference(shapely.intersection(shapely.union_all(blobs), outline), taken))
        shapely.prepare(zone)
        zones.append((name, zone))
        taken = shapely.union(taken, zone)
    return _Geography(outline, streets, zones)


def _admin_layer(geo: _Geography) -> gpd.GeoDataFrame:
    spec = admin_units.SPEC
    rows = [("滨海新区", "district", "120116", geo.outline)]
    rows += [(name, kind, f"120116{i:03d}", polygon) for i, (name, kind, polygon) in enumerate(geo.streets, 1)]
    rows += [(name, "zone", None, polygon) for name, polygon in geo.zones]
    frame = {
        "id": _ids(spec, len(rows)),
        "name": [r[0] for r in rows],
        "kind": [r[1] for r in rows],
        "code": [r[2] for r in rows],
        "note": [NOTE] * len(rows),
    }
    return _to_storage([r[3] for r in rows], frame)


# -- parks and their statistics ---------------------------------------------------------------


def _parks(rng: np.random.Generator, geo: _Geography, scale: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    spec = parks.SPEC
    n = PARKS_PER_SCALE * scale
    template = np.arange(n) % len(PARK_TEMPLATES)
    copy = np.arange(n) // len(PARK_TEMPLATES)
    names = [
        PARK_TEMPLATES[t][0] if scale == 1 else f"{PARK_TEMPLATES[t][0]} {c + 1}"
        for t, c in zip(template, copy, strict=True)
    ]
    area_keys = [PARK_TEMPLATES[t][1] for t in template]
    industry = np.array([PARK_TEMPLATES[t][2] for t in template], dtype=object)
    level = np.array([PARK_TEMPLATES[t][3] for t in template], dtype=object)
    established = np.array([PARK_TEMPLATES[t][4] for t in template])
    if scale > 1:  # later copies are newer parks of the same area
        established = np.minimum(established + rng.integers(0, 8, n) * (copy > 0), 2019)

    centres = _to_metres([INDUSTRIAL_AREAS[key][:2] for key in area_keys])
    spread = np.array([INDUSTRIAL_AREAS[key][2] for key in area_keys]) * 1000.0
    spread = spread * np.where(copy > 0, 1.8, 1.0)  # extra copies spread a little wider
    centres = _scatter(rng, geo.outline, centres, spread)

    size_range = np.array([INDUSTRY_PROFILES[i][6] for i in industry])
    area_km2 = np.exp(rng.uniform(np.log(size_range[:, 0]), np.log(size_range[:, 1])))
    polygons = _blobs(rng, centres, area_km2 * 1e6, rng.integers(12, 61, n))
    polygons = _clip_polygons(polygons, geo.outline)

    heavy = np.isin(industry, _HEAVY_INDUSTRIES)
    draw = rng.random(n)
    circular = np.where(
        heavy,
        np.select([draw < 0.5, draw < 0.9], ["done", "in_progress"], "not_started"),
        np.select([draw < 0.25, draw < 0.6, draw < 0.8], ["done", "in_progress", "not_started"], "not_required"),
    ).astype(object)

    anchors = _anchor_points(polygons)
    frame = {
        "id": _ids(spec, n),
        "name": names,
        "zone": _unit_at(anchors, geo.zones, fallback_nearest=False),
        "town": _unit_at(anchors, geo.town_units(), fallback_nearest=True),
        "industry": industry,
        "level": level,
        "circular_status": circular,
        "established": established.astype(int),
    }
    return _to_storage(polygons, frame), area_km2


def _park_statistics(rng: np.random.Generator, park_layer: gpd.GeoDataFrame, area_km2: np.ndarray) -> pd.DataFrame:
    n, years = len(park_layer), len(YEARS)
    industry = park_layer["industry"].to_numpy()
    profile = [INDUSTRY_PROFILES[i] for i in industry]
    va_median = np.array([p[0] for p in profile])
    intensity_range = np.array([p[1] for p in profile])
    cod_rate, nox_rate, vocs_rate, water_rate = (np.array([p[j] for p in profile]) for j in (2, 3, 4, 5))

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

    status = park_layer["circular_status"].to_numpy()
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

    ids = park_layer["id"].to_numpy()
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


def _targets(rng: np.random.Generator, park_layer: gpd.GeoDataFrame, admin: gpd.GeoDataFrame, stats) -> pd.DataFrame:
    """2025 targets from 2020 baselines for every park, and for the units that hold parks.

    Aggregate baselines are sums of park totals; their intensity is total energy over total value
    added (the value-added-weighted mean of the parks' intensities).
    """
    totals = ["energy_consumption", "value_added", *EMISSION_INDICATORS]
    baseline = stats[stats["year"] == BASELINE_YEAR].pivot(index="entity_id", columns="indicator", values="value")
    baseline = baseline.reindex(park_layer["id"])[totals]
    unit_id = dict(zip(admin["name"], admin["id"], strict=True))
    unit_kind = dict(zip(admin["name"], admin["kind"], strict=True))
    district = admin.loc[admin["kind"] == "district", "name"].iloc[0]

    groups = [baseline.assign(level="park")]
    groups.append(baseline.sum().to_frame(unit_id[district]).T.assign(level="district"))
    for column in ("zone", "town"):
        by_unit = baseline.groupby(park_layer[column].to_numpy(), sort=True).sum()
        groups.append(
            by_unit.assign(level=[unit_kind[name] for name in by_unit.index]).set_axis(
                [unit_id[name] for name in by_unit.index]
            )
        )
    entities = pd.concat(groups)
    m = len(entities)
    intensity = (entities["energy_consumption"] / entities["value_added"]).to_numpy(dtype=float)
    cuts = rng.uniform(*EMISSION_CUT_RANGE, (m, len(EMISSION_INDICATORS)))

    parts = [(0, "energy_intensity", intensity, np.round(intensity * (1 - ENERGY_INTENSITY_CUT), 4))]
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
                    "baseline_year": BASELINE_YEAR,
                    "baseline_value": base,
                    "target_year": TARGET_YEAR,
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


# -- water bodies and sampling ----------------------------------------------------------------


def _water_bodies(rng: np.random.Generator, geo: _Geography, scale: int) -> gpd.GeoDataFrame:
    spec = water_bodies.SPEC
    templates = [(n, t, s, "line", pts) for n, t, s, pts in WATER_LINES]
    templates += [(n, t, s, "pond", (c, km2)) for n, t, s, c, km2 in WATER_PONDS]
    n = len(templates) * scale
    which = np.arange(n) % len(templates)
    copy = np.arange(n) // len(templates)

    # Copies beyond the first are the same kind of water body a few km away.
    anchors = _to_metres([templates[i][4][0] for i in which])  # first control point or pond centre
    shift_to = _scatter(rng, geo.outline.buffer(-300), anchors, np.where(copy > 0, 2500.0, 0.0))
    shift = shift_to - anchors

    is_line = np.array([templates[i][3] == "line" for i in which])
    geoms = np.empty(n, dtype=object)
    line_idx = np.flatnonzero(is_line)
    courses = [_to_metres(templates[which[i]][4]) + shift[i] for i in line_idx]
    lines = shapely.intersection(_meander_lines(rng, courses), geo.outline)
    geoms[line_idx] = [shapely.line_merge(g) if g.geom_type == "MultiLineString" else g for g in lines]
    pond_idx = np.flatnonzero(~is_line)
    pond_centres = np.array([_to_metres(templates[which[i]][4][0])[0] + shift[i] for i in pond_idx])
    pond_area = np.array([templates[which[i]][4][1] for i in pond_idx]) * 1e6 * rng.uniform(0.7, 1.3, len(pond_idx))
    ponds = _blobs(rng, pond_centres, pond_area, rng.integers(12, 31, len(pond_idx)), 0.2, (2.0, 3.0), (1.0, 2.5))
    geoms[pond_idx] = _clip_polygons(ponds, geo.outline)

    # Stages by quota (then shuffled) so every seed has a few early-stage bodies and one relapse per 30.
    quota = {name: round(profile[0] * n) for name, profile in STAGE_PROFILES.items() if name != "sustained"}
    quota["relapsed"] = max(1, round(n / 30))
    quota["sustained"] = n - sum(quota.values())
    stage = rng.permutation(np.array([name for name, count in quota.items() for _ in range(count)], dtype=object))
    listed_range = np.array([STAGE_PROFILES[s][1] if s != "relapsed" else (2017, 2019) for s in stage])
    listed_year = rng.integers(listed_range[:, 0], listed_range[:, 1] + 1)
    severity = np.where(rng.random(n) < 0.3, "heavy", "light").astype(object)

    names = [templates[i][0] if c == 0 else f"{templates[i][0]}（{c + 1}）" for i, c in zip(which, copy, strict=True)]
    frame = {
        "id": _ids(spec, n),
        "name": names,
        "water_type": [templates[i][1] for i in which],
        "river_system": [templates[i][2] for i in which],
        "town": _unit_at(_anchor_points(geoms), geo.town_units(), fallback_nearest=True),
        "severity": severity,
        "stage": stage,
        "listed_year": listed_year.astype(int),
    }
    return _to_storage(geoms, frame)


def _water_samples(rng: np.random.Generator, water_layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """Quarterly samples 2021–2024 at 3–5 points per body, improving as remediation goes on."""
    n = len(water_layer)
    dates = [date(y, m, 15) for y in SAMPLE_YEARS for m in SAMPLE_MONTHS]
    t = np.array([(d.year - SAMPLE_YEARS[0]) + (d.month - 1) / 12 for d in dates])
    progress = np.clip(t / t[-1], 0, 1)
    smooth = progress * progress * (3 - 2 * progress)

    stage = water_layer["stage"].to_numpy()
    heavy = water_layer["severity"].to_numpy() == "heavy"
    q_start = np.empty(n)
    q_end = np.empty(n)
    for name, (_, _, start_range, end_range) in STAGE_PROFILES.items():
        mask = stage == name
        q_start[mask] = rng.uniform(*start_range, mask.sum())
        q_end[mask] = rng.uniform(*end_range, mask.sum())
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
        "water_body_id": np.repeat(water_layer["id"].to_numpy()[body], len(dates)),
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


# -- prohibited zones and wastewater facilities -----------------------------------------------


def _prohibited_zones(rng: np.random.Generator, geo: _Geography) -> gpd.GeoDataFrame:
    spec = prohibited_zones.SPEC
    centres = _to_metres([c for _, c, *_ in PROHIBITED_ZONES])
    areas = np.array([km2 for _, _, km2, *_ in PROHIBITED_ZONES]) * 1e6
    polygons = _blobs(rng, centres, areas, rng.integers(16, 40, len(areas)), 0.1, (2.5, 5.0), (1.0, 1.8))
    polygons = _clip_polygons(polygons, geo.outline)
    frame = {
        "id": _ids(spec, len(PROHIBITED_ZONES)),
        "name": [z[0] for z in PROHIBITED_ZONES],
        "fuel_class": [z[3] for z in PROHIBITED_ZONES],
        "status": [z[4] for z in PROHIBITED_ZONES],
        "effective_date": [z[5] for z in PROHIBITED_ZONES],
        "document": [
            _IN_FORCE_DOCUMENT.format(year=z[5].year) if z[4] == "in_force" else _DRAFT_DOCUMENT
            for z in PROHIBITED_ZONES
        ],
    }
    return _to_storage(polygons, frame)


def _wastewater(rng: np.random.Generator, geo: _Geography) -> gpd.GeoDataFrame:
    spec = wastewater.SPEC
    plants = [
        (name, kind, cap, std, _to_metres([(lon, lat)])[0], operator, "connected")
        for name, kind, cap, std, lon, lat, operator in WASTEWATER_PLANTS
    ]
    town_centres = {name: (lon, lat) for name, lon, lat in (*STREETS, *TOWNS)}
    for town, count in RURAL_STATIONS:
        centre = _to_metres([town_centres[town]])
        spots = _scatter(rng, geo.outline.buffer(-500), np.repeat(centre, count, axis=0), np.full(count, 1500.0))
        for k, spot in enumerate(spots, 1):
            capacity = round(float(rng.uniform(0.005, 0.05)), 3)
            standard = "DB12/599-B" if capacity >= 0.02 else "DB12/599-C"
            monitoring = "connected" if rng.random() < 0.75 else "not_connected"
            plants.append(
                (
                    f"{town}农村生活污水处理站（{k}号）",
                    "rural",
                    capacity,
                    standard,
                    spot,
                    f"{town}{'办事处' if town.endswith('街道') else '人民政府'}（示意）",
                    monitoring,
                )
            )
    points = np.array([p[4] for p in plants])
    frame = {
        "id": _ids(spec, len(plants)),
        "name": [p[0] for p in plants],
        "facility_type": [p[1] for p in plants],
        "design_capacity": [float(p[2]) for p in plants],
        "discharge_standard": [p[3] for p in plants],
        "town": _unit_at(points, geo.town_units(), fallback_nearest=True),
        "operator": [p[5] for p in plants],
        "online_monitoring": [p[6] for p in plants],
    }
    return _to_storage(shapely.points(points), frame)


# -- ledgers: 两高 projects, key energy-using units, rural sewage ------------------------------


def _points_in(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """One uniformly random point inside each polygon (metres): bounding-box draws, redrawn until inside."""
    bounds = shapely.bounds(polygons)
    points = shapely.get_coordinates(shapely.point_on_surface(polygons))
    pending = np.arange(len(polygons))
    for _ in range(50):
        lo, hi = bounds[pending, :2], bounds[pending, 2:]
        trial = lo + rng.random((len(pending), 2)) * (hi - lo)
        ok = shapely.contains_xy(polygons[pending], trial[:, 0], trial[:, 1])
        points[pending[ok]] = trial[ok]
        pending = pending[~ok]
        if not len(pending):
            break
    return points  # any still pending keep a point on the polygon's surface


def _log_uniform(rng: np.random.Generator, ranges: np.ndarray) -> np.ndarray:
    """Log-uniform draws between each row's (low, high), rounded to 10 tce."""
    return np.round(np.exp(rng.uniform(np.log(ranges[:, 0]), np.log(ranges[:, 1]))), -1)


def _by_quota(rng: np.random.Generator, n: int, shares: dict[str, float], rest: str) -> np.ndarray:
    """`n` labels in random order with at least one of each share's label: the rest get `rest`."""
    quota = {label: max(1, round(share * n)) for label, share in shares.items()}
    quota[rest] = n - sum(quota.values())
    return rng.permutation(np.array([label for label, count in quota.items() for _ in range(count)], dtype=object))


def _two_high_projects(seed: int, geo: _Geography, park_layer: gpd.GeoDataFrame, scale: int) -> gpd.GeoDataFrame:
    """两高 projects inside the petrochemical, chemical and materials parks, plus coal power sites."""
    rng = np.random.default_rng([seed, _TWO_HIGH_STREAM])
    spec = two_high_projects.SPEC
    n = len(TWO_HIGH_PROJECTS) * scale
    template = np.arange(n) % len(TWO_HIGH_PROJECTS)
    copy = np.arange(n) // len(TWO_HIGH_PROJECTS)
    park_template = {name: i for i, (name, *_) in enumerate(PARK_TEMPLATES)}
    park_metres = park_layer.geometry.to_crs(MEASURE_CRS).values

    # Copy c of a project sits in copy c of its park (parks are numbered template-major, copy-minor).
    park_index = np.array(
        [
            -1 if isinstance(where, tuple) else c * len(PARK_TEMPLATES) + park_template[where]
            for (_, where, _, _), c in zip((TWO_HIGH_PROJECTS[t] for t in template), copy, strict=True)
        ]
    )
    in_park = park_index >= 0
    points = np.empty((n, 2))
    points[in_park] = _points_in(rng, park_metres[park_index[in_park]])
    sites = _to_metres([TWO_HIGH_PROJECTS[t][1] for t in template[~in_park]])
    spread = np.where(copy[~in_park] > 0, 3000.0, 500.0)
    points[~in_park] = _scatter(rng, geo.outline.buffer(-300), sites, spread)

    sector = np.array([TWO_HIGH_PROJECTS[t][2] for t in template], dtype=object)
    energy = _log_uniform(rng, np.array([TWO_HIGH_ENERGY[s] for s in sector]))
    stage = _by_quota(rng, n, TWO_HIGH_STAGE_SHARES, "existing")
    draw = rng.random(n)
    approval = np.array(
        [next(status for status, cut in TWO_HIGH_APPROVALS[s] if d < cut) for s, d in zip(stage, draw, strict=True)],
        dtype=object,
    )
    park_names = park_layer["name"].to_numpy()
    frame = {
        "id": _ids(spec, n),
        "name": [
            TWO_HIGH_PROJECTS[t][0] if c == 0 else f"{TWO_HIGH_PROJECTS[t][0]} {c + 1}"
            for t, c in zip(template, copy, strict=True)
        ],
        "stage": stage,
        "sector": sector,
        "energy_use_tce": energy,
        "approval_status": approval,
        "park": np.where(in_park, park_names[np.maximum(park_index, 0)], None),
        "town": _unit_at(points, geo.town_units(), fallback_nearest=True),
        "company": [TWO_HIGH_PROJECTS[t][3] for t in template],
    }
    return _to_storage(shapely.points(points), frame)


def _key_energy_units(seed: int, geo: _Geography, park_layer: gpd.GeoDataFrame, scale: int) -> gpd.GeoDataFrame:
    """Key energy-using units, mostly in parks (heavier industries more often), with monitoring status."""
    rng = np.random.default_rng([seed, _KEY_UNIT_STREAM])
    spec = key_energy_units.SPEC
    n = KEY_UNITS_PER_SCALE * scale
    n_out = KEY_UNITS_OUTSIDE_PARKS * scale
    n_in = n - n_out

    park_industry = park_layer["industry"].to_numpy()
    weight = np.array([KEY_UNIT_PROFILES[i][0] for i in park_industry])
    park_index = rng.choice(len(park_layer), size=n_in, p=weight / weight.sum())
    park_metres = park_layer.geometry.to_crs(MEASURE_CRS).values
    in_points = _points_in(rng, park_metres[park_index])
    in_industry = park_industry[park_index]
    in_energy = _log_uniform(rng, np.array([KEY_UNIT_PROFILES[i][1] for i in in_industry]))

    kind = np.arange(n_out) % len(KEY_UNITS_ELSEWHERE)
    street_centres = {name: (lon, lat) for name, lon, lat in STREETS}
    street = [KEY_UNITS_ELSEWHERE[k][2][rng.integers(len(KEY_UNITS_ELSEWHERE[k][2]))] for k in kind]
    centres = _to_metres([street_centres[s] for s in street]).reshape(-1, 2)
    out_points = _scatter(rng, geo.outline.buffer(-300), centres, np.full(n_out, 1200.0))
    out_energy = _log_uniform(rng, np.array([KEY_UNITS_ELSEWHERE[k][3] for k in kind]).reshape(-1, 2))

    # Company-like names, unique: units sharing a suffix take successive prefixes (numbered past the pool).
    suffixes = [KEY_UNIT_PROFILES[i][2] for i in in_industry] + [KEY_UNITS_ELSEWHERE[k][0] for k in kind]
    prefixes = rng.permutation(np.array(KEY_UNIT_NAME_PREFIXES, dtype=object))
    all_suffixes = [p[2] for p in KEY_UNIT_PROFILES.values()] + [e[0] for e in KEY_UNITS_ELSEWHERE]
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
    industry_zh = {code: zh for code, zh, _ in parks.INDUSTRIES}
    park_names = park_layer["name"].to_numpy()
    frame = {
        "id": _ids(spec, n),
        "name": names,
        "industry": [industry_zh[i] for i in in_industry] + [KEY_UNITS_ELSEWHERE[k][1] for k in kind],
        "annual_energy_tce": np.concatenate([in_energy, out_energy]),
        "monitoring_status": status,
        "last_data_on": last_data_on,
        "park": [*park_names[park_index], *([None] * n_out)],
        "town": _unit_at(points, geo.town_units(), fallback_nearest=True),
    }
    return _to_storage(shapely.points(points), frame)


def _rural_sewage(seed: int, admin: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rural domestic sewage treatment rate (%) 2020–2024 per street/town with villages, and its 2025 target.

    Each unit rises from a 2020 rate of 60–80 % along its own uneven path; 2024 rates are spread
    over 80–96 % so some units have passed the 90 % target and some are still short of it.
    """
    rng = np.random.default_rng([seed, _RURAL_SEWAGE_STREAM])
    m, years = len(RURAL_SEWAGE_UNITS), len(YEARS)
    units = admin.set_index("name").loc[list(RURAL_SEWAGE_UNITS)]
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
    return statistics.reset_index(drop=True), targets.reset_index(drop=True)


# -- public API -------------------------------------------------------------------------------


def generate(seed: int = 2025, scale: int = 1) -> SampleData:
    """All sample layers and tables; the same `seed` and `scale` give identical frames.

    `scale` multiplies parks (40 per unit), water bodies (30), 两高 projects (29) and key energy-using
    units (45), and with them the statistics, targets and samples; admin units, prohibited zones,
    facilities and the rural-sewage rows stay as they are.
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    rng = np.random.default_rng(seed)
    geo = _geography()
    admin = _admin_layer(geo)
    park_layer, park_area = _parks(rng, geo, scale)
    statistics = _park_statistics(rng, park_layer, park_area)
    targets = _targets(rng, park_layer, admin, statistics)
    water_layer = _water_bodies(rng, geo, scale)
    samples = _water_samples(rng, water_layer)
    zones = _prohibited_zones(rng, geo)
    facilities = _wastewater(rng, geo)
    projects = _two_high_projects(seed, geo, park_layer, scale)
    units = _key_energy_units(seed, geo, park_layer, scale)
    sewage_statistics, sewage_targets = _rural_sewage(seed, admin)
    statistics = pd.concat([statistics, sewage_statistics], ignore_index=True)
    targets = pd.concat([targets, sewage_targets], ignore_index=True)
    frames = {
        admin_units.SPEC.name: admin,
        parks.SPEC.name: park_layer,
        water_bodies.SPEC.name: water_layer,
        prohibited_zones.SPEC.name: zones,
        wastewater.SPEC.name: facilities,
        two_high_projects.SPEC.name: projects,
        key_energy_units.SPEC.name: units,
    }
    return SampleData(layers=frames, statistics=statistics, targets=targets, water_samples=samples)


def seed_store(store: Store, seed: int = 2025, scale: int = 1) -> dict[str, int]:
    """Replace every layer and the statistics, targets and samples with sample data, in one transaction.

    Returns the number of rows written per table.
    """
    sample = generate(seed=seed, scale=scale)
    specs = layers.all_specs()
    store.migrate(specs)
    counts: dict[str, int] = {}
    with store.transaction() as session:
        for spec in specs:
            frame = sample.layers.get(spec.name)
            if frame is None:  # a layer added after this generator: leave it empty
                clear_layer(session, spec)
                counts[spec.name] = 0
                continue
            counts[spec.name] = write_layer(session, spec, frame, mode="replace", now=FIXED_TIMESTAMP)
        counts["statistics"] = write_statistics(session, sample.statistics, mode="replace")
        counts["targets"] = write_targets(session, sample.targets, mode="replace")
        counts["water_samples"] = write_water_samples(session, sample.water_samples, mode="replace")
    return counts


def main(argv: list[str] | None = None) -> int:
    from geo.config import load_settings

    parser = argparse.ArgumentParser(description="Seed the store with illustrative (示意) sample data.")
    parser.add_argument("--db", help="DuckDB file (default: BINHAI_DB or data/binhai.duckdb)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--scale", type=int, default=1, help="multiply parks and water bodies (250 → 10,000 parks)")
    args = parser.parse_args(argv)
    store = Store(args.db) if args.db else Store(load_settings().db_path)
    counts = seed_store(store, seed=args.seed, scale=args.scale)
    for table, count in counts.items():
        print(f"{table}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
