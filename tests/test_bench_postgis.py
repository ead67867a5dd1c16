"""`python -m bench.run --only postgis` without a PostgreSQL: rows that say so, never a failure."""

from __future__ import annotations

from pathlib import Path

from bench import postgis, run


def test_without_a_server_the_rows_say_skipped(monkeypatch):
    monkeypatch.delenv("BINHAI_BENCH_PG", raising=False)
    monkeypatch.setattr(postgis, "PG_BIN", Path("/nonexistent/postgresql/bin"))
    result = postgis.run(district=None, log=lambda _text: None)  # never opened without a server
    assert result == {"postgis_skipped": "skipped: no PostgreSQL"}
    assert "skipped: no PostgreSQL" in run.table(result)
    assert "postgis" in run.PARTS


def test_measured_rows_carry_ratio_keys_into_the_table():
    r = {
        "postgis_statistics_rows": 10_000_000,
        "postgis_copied_rows": 10_703_147,
        "postgis_load_s": 300.0,
        "postgis_parks": 10_000,
        "postgis_duckdb_query_session_s": 0.024,
        "postgis_pg_query_session_s": 0.5,
        "postgis_pg_query_per_call_s": 0.25,
        "postgis_duckdb_query_store_s": 0.08,
        "postgis_pg_query_store_s": 0.55,
        "postgis_duckdb_read_parks_s": 0.4,
        "postgis_pg_read_parks_s": 0.6,
        "postgis_query_ratio": 20.8,
        "postgis_query_ratio_with_connections": 6.9,
        "postgis_read_parks_ratio": 1.5,
    }
    text = run.table(r)
    assert "PostGIS 500 ms" in text and "DuckDB 24 ms" in text and "20.8×" in text
    assert "read_layer of 10,000 parks" in text and "10,703,147 rows" in text
