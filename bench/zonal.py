"""4. Zonal statistics of 10,000 polygons over a 5,000 × 5,000 raster: geo.zonal vs rasterstats.

Both read the same GeoTIFF and compute count, sum, mean, min and max per polygon; the results are
compared polygon by polygon.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from geo.zonal import STATS, overlapping, zonal_stats_file


def run(raster: Path, polygons: np.ndarray, repeats: int = 3, log=print) -> dict[str, Any]:
    from rasterstats import zonal_stats as rasterstats_zonal_stats

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        ours = zonal_stats_file(polygons, raster)
        times.append(time.perf_counter() - started)
    ours_s = statistics.median(times)
    started = time.perf_counter()
    theirs = rasterstats_zonal_stats(list(polygons), str(raster), stats=list(STATS))
    theirs_s = time.perf_counter() - started

    counts = np.array([t["count"] for t in theirs])
    means = np.array([np.nan if t["mean"] is None else t["mean"] for t in theirs], dtype=float)
    same_count = int((counts == ours["count"].to_numpy()).sum())
    with_cells = counts > 0
    mean_error = np.abs(means[with_cells] - ours["mean"].to_numpy()[with_cells]) / np.abs(means[with_cells])
    log(f"  geo.zonal {ours_s:.2f} s · rasterstats {theirs_s:.2f} s · counts equal {same_count}/{len(polygons)}")
    return {
        "zonal_polygons": len(polygons),
        "zonal_overlapping_polygons": len(overlapping(polygons)),
        "zonal_raster_cells": "5000x5000 float32",
        "zonal_geo_zonal_s": round(ours_s, 3),
        "zonal_rasterstats_s": round(theirs_s, 3),
        "zonal_ratio": round(theirs_s / ours_s, 1),
        "zonal_counts_equal": same_count,
        "zonal_max_mean_rel_error": float(f"{mean_error.max():.2e}") if len(mean_error) else 0.0,
        "zonal_raw_s": {"geo_zonal": [round(t, 3) for t in times], "rasterstats": [round(theirs_s, 3)]},
    }
