"""2. Indicator query: one indicator-year aggregated to 开发区 and 街镇 from 10 million statistics rows.

In-store: `geo.stats.unit_values` (bound parameters, the join and the aggregation inside DuckDB,
membership read from `park_units`), zone level and town level. Naive: the whole statistics table
into pandas, then filter, pivot, a geopandas spatial join of parks to units (the same
point-on-surface rule) and a groupby.

Two stores with the same rows: `yearly` (written a year's report at a time through the store's
write path, as the portal stores them) and `parkwise` (inserted park by park around that path: the
worst case for a one-year query). The naive pattern reads the whole table either way, so it runs
on the first only.

Each variant runs in its own process, so its peak resident memory (DuckDB's included) is its own:
`python -m bench.indicator_query <variant> <db> <repeats>` prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

INDICATOR = "vocs"
YEAR = 2023
LEVELS = ("zone", "town")
VARIANTS = ("naive", "session", "store", "connect")


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive(store) -> dict[str, dict[str, list]]:
    """The app pattern without the store's help: everything into pandas, then filter, merge, groupby."""
    import geopandas as gpd

    import layers
    from geo.stats import LEVEL_KINDS
    from geo.store.features import read_layer

    with store.session() as s:
        table = s.execute("SELECT * FROM statistics").arrow().read_all().to_pandas()  # fastest route into pandas
    parks = read_layer(store, layers.get_spec("parks"), columns=())
    admin = read_layer(store, layers.get_spec("admin_units"), columns=("name", "kind"))
    rows = table[(table["year"] == YEAR) & (table["indicator"] == INDICATOR)]
    values = rows.set_index("entity_id")["value"]
    points = gpd.GeoDataFrame({"park_id": parks["id"]}, geometry=parks.geometry.representative_point(), crs=parks.crs)
    out = {}
    for level in LEVELS:
        units = admin[admin["kind"].isin(LEVEL_KINDS[level])].rename(columns={"id": "unit_id"})
        members = gpd.sjoin(points, units[["unit_id", "geometry"]], predicate="within")
        members = members.merge(values, left_on="park_id", right_index=True, how="left")
        grouped = members.groupby("unit_id").agg(
            parks=("park_id", "nunique"), value=("value", lambda v: v.sum(min_count=1))
        )
        out[level] = {uid: [int(r.parks), float(r.value)] for uid, r in grouped.iterrows()}
    return out


def in_store(db, per_call: list[float] | None = None) -> dict[str, dict[str, list]]:
    """`geo.stats.unit_values` for each level; `db` is a Store (own connections) or an open Session."""
    from geo import stats

    out = {}
    for level in LEVELS:
        started = time.perf_counter()
        df = stats.unit_values(db, INDICATOR, level, (YEAR, YEAR))
        if per_call is not None:
            per_call.append(time.perf_counter() - started)
        out[level] = {r.unit_id: [int(r.parks), float(r.value)] for r in df.itertuples()}
    return out


def worker(variant: str, db_path: str, repeats: int) -> dict[str, Any]:
    from geo.store.db import Store

    store = Store(db_path)
    with store.session():  # warm the OS file cache and the extension's shared library
        pass
    base = _peak_rss_mb()
    times: list[float] = []
    per_call: list[float] = []  # each unit_values call on its own (one level)
    result: Any = None
    traced = None
    if variant == "naive":
        for _ in range(repeats):
            started = time.perf_counter()
            result = naive(store)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        naive(store)
        traced = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    elif variant == "session":
        with store.session() as session:  # opened once, not timed: the SQL and its pandas result only
            for _ in range(repeats):
                started = time.perf_counter()
                result = in_store(session, per_call)
                times.append(time.perf_counter() - started)
    elif variant == "store":
        for _ in range(repeats):
            started = time.perf_counter()
            result = in_store(store, per_call)
            times.append(time.perf_counter() - started)
    elif variant == "connect":
        for _ in range(repeats):
            started = time.perf_counter()
            with store.session():
                pass
            times.append(time.perf_counter() - started)
    else:
        raise SystemExit(f"unknown variant {variant!r}; one of {VARIANTS}")
    return {
        "median_s": statistics.median(times),
        "per_call_median_s": statistics.median(per_call) if per_call else None,
        "times_s": [round(t, 4) for t in times],
        "rss_before_mb": round(base, 1),
        "rss_peak_mb": round(_peak_rss_mb(), 1),
        "tracemalloc_peak_mb": None if traced is None else round(traced, 1),
        "result": result,
    }


def _spawn(variant: str, db_path: str, repeats: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.indicator_query", variant, db_path, str(repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same(a: dict, b: dict) -> tuple[int, int]:
    """(units compared, units that differ) between two results."""
    compared = differ = 0
    for level in LEVELS:
        for unit in set(a[level]) | set(b[level]):
            compared += 1
            x, y = a[level].get(unit), b[level].get(unit)
            if x is None or y is None or x[0] != y[0] or abs(x[1] - y[1]) > 1e-6 * max(1.0, abs(x[1])):
                differ += 1
    return compared, differ


def _in_store_results(prefix: str, db_path: str, repeats: int, naive_s: float) -> tuple[dict[str, Any], dict]:
    session_r = _spawn("session", db_path, repeats)
    store_r = _spawn("store", db_path, repeats)
    out = {
        f"{prefix}instore_session_s": round(session_r["median_s"], 4),
        f"{prefix}instore_per_call_s": round(session_r["per_call_median_s"], 4),
        f"{prefix}instore_store_s": round(store_r["median_s"], 4),
        f"{prefix}instore_store_per_call_s": round(store_r["per_call_median_s"], 4),
        f"{prefix}ratio": round(naive_s / session_r["median_s"], 1),
        f"{prefix}ratio_with_connections": round(naive_s / store_r["median_s"], 1),
        f"{prefix}instore_peak_rss_mb": session_r["rss_peak_mb"],
        f"{prefix}instore_rss_growth_mb": round(session_r["rss_peak_mb"] - session_r["rss_before_mb"], 1),
        f"{prefix}raw_s": {"session": session_r["times_s"], "store": store_r["times_s"]},
    }
    return out, session_r["result"]


def run(db_paths: dict[str, str], repeats: int = 5, naive_repeats: int = 2, log=print) -> dict[str, Any]:
    """`db_paths`: {"yearly": path, "parkwise": path} (see the module docstring)."""
    yearly = db_paths["yearly"]
    naive_r = _spawn("naive", yearly, naive_repeats)
    connect_r = _spawn("connect", yearly, repeats)
    naive_s = naive_r["median_s"]
    from geo.store.db import Store

    rows = Store(yearly).scalar("SELECT count(*) FROM statistics")
    out: dict[str, Any] = {
        "query_statistics_rows": int(rows),
        "query_indicator_year": f"{INDICATOR} {YEAR}, levels {'+'.join(LEVELS)}",
        "query_naive_s": round(naive_s, 4),
        "query_connection_open_s": round(connect_r["median_s"], 4),
        "query_naive_peak_rss_mb": naive_r["rss_peak_mb"],
        "query_naive_rss_growth_mb": round(naive_r["rss_peak_mb"] - naive_r["rss_before_mb"], 1),
        "query_naive_tracemalloc_peak_mb": naive_r["tracemalloc_peak_mb"],
        "query_naive_raw_s": naive_r["times_s"],
        "query_connection_raw_s": connect_r["times_s"],
    }
    compared = differ = 0
    for layout, path in db_paths.items():
        prefix = "query_" if layout == "yearly" else f"query_{layout}_"
        results, result = _in_store_results(prefix, path, repeats, naive_s)
        out.update(results)
        c, d = _same(naive_r["result"], result)
        compared, differ = compared + c, differ + d
        log(
            f"  {layout}: naive {naive_s:.2f} s · open session {results[prefix + 'instore_session_s'] * 1000:.0f} ms "
            f"({results[prefix + 'instore_per_call_s'] * 1000:.0f} ms a level) · through Store "
            f"{results[prefix + 'instore_store_s'] * 1000:.0f} ms "
            f"({results[prefix + 'instore_store_per_call_s'] * 1000:.0f} ms a level) · {d}/{c} units differ"
        )
    log(f"  opening a connection: {connect_r['median_s'] * 1000:.0f} ms")
    out["query_units_compared"] = compared
    out["query_units_differing"] = differ
    return out


if __name__ == "__main__":
    variant, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(worker(variant, path, n)))
