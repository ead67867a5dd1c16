"""7. The indicator query and the map's data read on PostGIS beside DuckDB: the same data, the same run.

The district store (`work.district_stores()["yearly"]`: 10,000 parks, 10 million statistics rows)
is copied into PostgreSQL + PostGIS with `geo.store.copy.migrate_store` — what
`python -m layers migrate-store` runs, verified table by table — and then, alternating the two
backends so both see the same machine load:

* the in-store indicator query, `geo.stats.unit_values` at 开发区 (zone) and 街镇 (town) level, in an
  open session and through `Store` (a connection per call), results compared unit by unit;
* the map's data read: `read_layer` of the parks, what bench/map_build.py reads before it builds.

The server: `BINHAI_BENCH_PG=postgresql://…` names one (a database `BINHAI_BENCH_PG_DB`, default
`binhai_bench`, is made there and dropped afterwards); else, when PostgreSQL 15 is installed
(/usr/lib/postgresql/15/bin), a throwaway cluster under bench/.work/pg on a free 127.0.0.1 port,
stopped afterwards (the recipe of ../shared/docs/tooling-verified.md). With neither, the rows say
"skipped: no PostgreSQL".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import work
from bench.indicator_query import LEVELS, _same, in_store

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SKIPPED = "skipped: no PostgreSQL"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str) -> list[str]:
    """initdb and pg_ctl refuse to run as root: as the postgres account then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextlib.contextmanager
def _throwaway_cluster(log) -> Iterator[str]:
    folder = work.WORK / "pg"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    data = folder / "data"
    quiet = {"check": True, "capture_output": True}
    subprocess.run(  # noqa: S603 - fixed binaries, our own folder
        _as_postgres(
            str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"
        ),  # fmt: skip
        **quiet,
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder}"
    subprocess.run(  # noqa: S603
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o", options, "start"),
        **quiet,
    )
    log(f"  throwaway PostgreSQL cluster on 127.0.0.1:{port} ({data})")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"), **quiet)  # noqa: S603
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def server(log=print) -> Iterator[str | None]:
    """The URL of an empty database on a reachable server (made and dropped here), or None."""
    import psycopg

    named = os.environ.get("BINHAI_BENCH_PG", "").strip()
    if named:
        cluster: contextlib.AbstractContextManager[str] = contextlib.nullcontext(named)
    elif (PG_BIN / "initdb").exists():
        cluster = _throwaway_cluster(log)
    else:
        yield None
        return
    database = os.environ.get("BINHAI_BENCH_PG_DB", "binhai_bench")
    with cluster as admin:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            con.execute(f"CREATE DATABASE {database}")
        try:
            yield urlunsplit(urlsplit(admin)._replace(path=f"/{database}"))
        finally:
            with psycopg.connect(admin, autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _median(fn, repeats: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def _measure(store, repeats: int) -> dict[str, Any]:
    """One backend's numbers: indicator query (open session, through Store) and the parks read."""
    import layers
    from geo.store.features import read_layer

    per_call: list[float] = []
    with store.session() as session:
        in_store(session)  # warm: the first statement pays for plans and caches on either backend
        session_s, session_all, result = _median(lambda: in_store(session, per_call), repeats)
    store_calls: list[float] = []
    store_s, store_all, _ = _median(lambda: in_store(store, store_calls), repeats)
    spec = layers.get_spec("parks")
    read_layer(store, spec)
    read_s, read_all, parks = _median(lambda: read_layer(store, spec), repeats)
    return {
        "session_s": session_s,
        "per_call_s": statistics.median(per_call),
        "store_s": store_s,
        "store_per_call_s": statistics.median(store_calls),
        "read_s": read_s,
        "parks": len(parks),
        "raw": {"session": session_all, "store": store_all, "read": read_all},
        "result": result,
    }


def run(district, repeats: int = 5, log=print) -> dict[str, Any]:
    """`district`: the yearly district Store (DuckDB). Rows keyed `postgis_…`."""
    import layers
    from geo.permissions import cli_actor
    from geo.store import open_store
    from geo.store.copy import migrate_store

    with server(log) as url:
        if url is None:
            log(f"  {SKIPPED} (set BINHAI_BENCH_PG or install postgresql-15)")
            return {"postgis_skipped": SKIPPED}
        pg = open_store(url)
        district.migrate(layers.all_specs())  # a cached store made before the latest migration
        started = time.perf_counter()
        report = migrate_store(pg, cli_actor(), district, layers.all_specs())
        load_s = time.perf_counter() - started
        if report.mismatches:
            raise RuntimeError(f"the PostGIS copy does not match: {report.mismatches}")
        log(f"  copied {report.rows:,} rows into PostGIS in {load_s:.0f} s (migrate-store, verified)")
        with pg.session() as s:
            s.con.execute("VACUUM ANALYZE")  # what a server is given after a bulk load
            server_version = s.con.execute("SHOW server_version").fetchone()[0]
            version = s.con.execute("SELECT postgis_lib_version()").fetchone()[0]
        duck, post = _measure(district, repeats), _measure(pg, repeats)
    compared, differ = _same(duck["result"], post["result"])
    out: dict[str, Any] = {
        "postgis_server": f"PostgreSQL {server_version} + PostGIS {version}",
        "postgis_statistics_rows": int(district.scalar("SELECT count(*) FROM statistics")),
        "postgis_copied_rows": report.rows,
        "postgis_load_s": round(load_s, 1),
        "postgis_parks": post["parks"],
        "postgis_units_compared": compared,
        "postgis_units_differing": differ,
    }
    for name, numbers in (("duckdb", duck), ("pg", post)):
        out.update(
            {
                f"postgis_{name}_query_session_s": round(numbers["session_s"], 4),
                f"postgis_{name}_query_per_call_s": round(numbers["per_call_s"], 4),
                f"postgis_{name}_query_store_s": round(numbers["store_s"], 4),
                f"postgis_{name}_query_store_per_call_s": round(numbers["store_per_call_s"], 4),
                f"postgis_{name}_read_parks_s": round(numbers["read_s"], 4),
                f"postgis_{name}_raw_s": {k: [round(t, 4) for t in v] for k, v in numbers["raw"].items()},
            }
        )
    # Ratios are PostGIS ÷ DuckDB (how many times longer the server takes; < 1: faster).
    out["postgis_query_ratio"] = round(post["session_s"] / duck["session_s"], 1)
    out["postgis_query_ratio_with_connections"] = round(post["store_s"] / duck["store_s"], 1)
    out["postgis_read_parks_ratio"] = round(post["read_s"] / duck["read_s"], 1)
    log(
        f"  indicator query ({'+'.join(LEVELS)}): DuckDB {duck['session_s'] * 1000:.0f} ms · PostGIS "
        f"{post['session_s'] * 1000:.0f} ms (open session); through Store DuckDB {duck['store_s'] * 1000:.0f} ms · "
        f"PostGIS {post['store_s'] * 1000:.0f} ms · {differ}/{compared} units differ"
    )
    log(f"  read_layer(parks): DuckDB {duck['read_s']:.2f} s · PostGIS {post['read_s']:.2f} s")
    return out


def rows(r: dict[str, Any], row) -> list[str]:
    """README table rows for this part (`row` is bench.run's row formatter)."""
    if "postgis_skipped" in r:
        return [row("indicator query and parks read on PostGIS", "", r["postgis_skipped"], "", "", None)]
    if "postgis_query_ratio" not in r:
        return []
    n = f"{r['postgis_statistics_rows'] / 1e6:.0f} M rows"
    lines = [
        row(
            f"PostGIS: indicator-year → 开发区 + 街镇, {n}, open session (DuckDB beside it)",
            f"DuckDB {r['postgis_duckdb_query_session_s'] * 1000:.0f} ms",
            f"PostGIS {r['postgis_pg_query_session_s'] * 1000:.0f} ms "
            f"({r['postgis_pg_query_per_call_s'] * 1000:.0f} ms a level)",
            f"{r['postgis_query_ratio']}× (PostGIS ÷ DuckDB)",
            "",
            None,
        ),
        row(
            "  the same through `Store` (a connection per call)",
            f"DuckDB {r['postgis_duckdb_query_store_s'] * 1000:.0f} ms",
            f"PostGIS {r['postgis_pg_query_store_s'] * 1000:.0f} ms",
            f"{r['postgis_query_ratio_with_connections']}×",
            "",
            None,
        ),
        row(
            f"PostGIS: the map's data read, read_layer of {r['postgis_parks']:,} parks",
            f"DuckDB {r['postgis_duckdb_read_parks_s']:.2f} s",
            f"PostGIS {r['postgis_pg_read_parks_s']:.2f} s",
            f"{r['postgis_read_parks_ratio']}×",
            "",
            None,
        ),
        row(
            f"  loading it: migrate-store DuckDB → PostGIS, {r['postgis_copied_rows']:,} rows, verified",
            "",
            f"{r['postgis_load_s']:.0f} s",
            "",
            "",
            None,
        ),
    ]
    return lines
