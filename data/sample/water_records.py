"""Fixed sampling points of every water body and its record: 责任单位, 河长 and the completion date.

Added after the water bodies and their samples, so it draws only from its own streams
(`ctx.stream(200)` points, `ctx.stream(201)` river chiefs, `ctx.stream(202)` completion dates):
every value generated before stays byte-identical. The points carry the numbers the samples
already use (1 … the body's highest point number), placed along the body (`place_points`) and
nudged by up to ±25 m.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from data.sample.context import SampleContext
from geo.store.water import place_points

POINT_STREAM, CHIEF_STREAM, COMPLETION_STREAM = 200, 201, 202
_JITTER_DEG = 0.00025  # ≈ 25 m
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = ("建国", "志强", "海涛", "秀英", "立新", "红梅", "德明", "春雨", "玉兰", "国庆", "晓东", "文静")
_DONE = ("completed", "effective", "sustained", "relapsed")


def water_records(ctx: SampleContext) -> None:
    """Adds `ctx.water_points` and `ctx.water_body_info` (no layer of its own)."""
    bodies = ctx.layer("water_bodies")
    samples = pd.concat(ctx.water_samples, ignore_index=True)
    n_points = samples.groupby("water_body_id")["point_no"].max()

    rng = ctx.stream(POINT_STREAM)
    rows = []
    for body_id, geom in zip(bodies["id"], bodies.geometry, strict=True):
        placed = place_points(geom, int(n_points.get(body_id, 3)))
        jitter = rng.uniform(-_JITTER_DEG, _JITTER_DEG, (len(placed), 2))
        for no, ((lon, lat), (dx, dy)) in enumerate(zip(placed, jitter, strict=True), start=1):
            candidate = (lon + dx, lat + dy)
            rows.append((body_id, no, round(candidate[0], 6), round(candidate[1], 6)))
    ctx.water_points.append(pd.DataFrame(rows, columns=["water_body_id", "point_no", "lon", "lat"]))

    chiefs = ctx.stream(CHIEF_STREAM)
    done = ctx.stream(COMPLETION_STREAM)
    info = []
    for body_id, town, stage, listed in zip(
        bodies["id"], bodies["town"], bodies["stage"], bodies["listed_year"], strict=True
    ):
        unit = f"{town}人民政府" if str(town).endswith("镇") else f"{town}办事处"
        chief = _SURNAMES[chiefs.integers(len(_SURNAMES))] + _GIVEN[chiefs.integers(len(_GIVEN))]
        year, month, day = int(listed) + int(done.integers(1, 3)), int(done.integers(1, 13)), int(done.integers(1, 29))
        completed = date(min(year, 2020), month, day) if stage in _DONE else None
        info.append((body_id, unit, chief, completed))
    ctx.water_body_info.append(
        pd.DataFrame(info, columns=["water_body_id", "responsible_unit", "river_chief", "completed_on"])
    )
