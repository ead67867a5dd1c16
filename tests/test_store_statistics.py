"""Statistics rows written in the order the reads need: a one-year query reads that year's row groups only."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.store.statistics import COLUMNS, write_statistics
from tests.stores import CONSTRAINT_ERRORS


def rows(entities: int, years: range, indicators: int) -> pd.DataFrame:
    """Statistics rows park by park (entity, then year, then indicator): not the stored order."""
    index = pd.MultiIndex.from_product(
        [[f"PK-{e:05d}" for e in range(entities)], list(years), [f"ind_{k:02d}" for k in range(indicators)]],
        names=["entity_id", "year", "indicator"],
    )
    frame = index.to_frame(index=False)
    frame["value"] = range(len(frame))
    frame["unit"] = "t"
    frame["source"] = "test"
    return frame


@pytest.mark.duckdb_only  # DuckDB's physical row order (rowid); PostgreSQL has no such promise
def test_rows_are_stored_by_year_then_park_then_indicator(empty_store):
    incoming = rows(3, range(2020, 2023), 2).sample(frac=1, random_state=1)
    with empty_store.transaction() as s:
        assert write_statistics(s, incoming, "append") == len(incoming)
    physical = empty_store.query("SELECT entity_id, year, indicator FROM statistics ORDER BY rowid")
    assert list(physical.itertuples(index=False)) == sorted(
        physical.itertuples(index=False), key=lambda r: (r[1], r[0], r[2])
    )


def test_replace_empties_the_table_and_append_adds(empty_store):
    with empty_store.transaction() as s:
        write_statistics(s, rows(2, range(2020, 2022), 2), "append")
        write_statistics(s, rows(2, range(2022, 2023), 2), "append")
    assert empty_store.scalar("SELECT count(*) FROM statistics") == 12
    with empty_store.transaction() as s:
        write_statistics(s, rows(1, range(2024, 2025), 1), "replace")
    assert empty_store.query("SELECT entity_id, year FROM statistics").values.tolist() == [["PK-00000", 2024]]


def test_a_repeated_row_aborts_the_whole_write(empty_store):
    with empty_store.transaction() as s:
        write_statistics(s, rows(2, range(2020, 2021), 2), "append")
    before = empty_store.data_version()
    with pytest.raises(CONSTRAINT_ERRORS):
        with empty_store.transaction() as s:
            write_statistics(s, rows(2, range(2021, 2022), 2), "append")
            write_statistics(s, rows(1, range(2020, 2021), 1), "append")  # already stored
    assert empty_store.scalar("SELECT count(*) FROM statistics") == 4
    assert empty_store.data_version() == before


def test_rows_without_every_column_are_refused(empty_store):
    with empty_store.transaction() as s, pytest.raises(ValueError, match="source"):
        write_statistics(s, rows(1, range(2020, 2021), 1).drop(columns="source"), "append")
    with empty_store.transaction() as s, pytest.raises(ValueError, match="mode"):
        write_statistics(s, rows(1, range(2020, 2021), 1), "upsert")
    assert set(COLUMNS) == {"entity_id", "year", "indicator", "value", "unit", "source"}


def rows_scanned(store, tmp_path, sql: str) -> int:
    """Rows the table scans of `sql` read, from DuckDB's profiler (a count, not a timing)."""
    out = tmp_path / "profile.json"
    with store.session() as s:
        s.execute("PRAGMA enable_profiling = 'json'")
        s.execute(f"SET profiling_output = '{out}'")
        s.execute("""SET custom_profiling_settings = '{"CUMULATIVE_ROWS_SCANNED": "true"}'""")
        s.execute(sql).fetchall()
        s.execute("PRAGMA disable_profiling")
    return int(json.loads(out.read_text())["cumulative_rows_scanned"])


@pytest.mark.duckdb_only  # DuckDB's row groups and profiler
def test_a_one_year_query_reads_only_that_years_row_groups(empty_store, tmp_path):
    # 6 years × 100,000 rows: several of DuckDB's 122,880-row groups. Written park by park, a
    # year's rows are spread over all of them; written through write_statistics, they sit together.
    incoming = rows(1000, range(2019, 2025), 100)
    query = "SELECT sum(value) FROM statistics WHERE year = 2023 AND indicator = 'ind_07'"
    with empty_store.transaction() as s:
        s.register("parkwise", incoming)
        s.execute(f"INSERT INTO statistics ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM parkwise")  # noqa: S608
        s.unregister("parkwise")
    parkwise = rows_scanned(empty_store, tmp_path, query)
    with empty_store.transaction() as s:
        write_statistics(s, incoming, "replace")
    with empty_store.session() as s:
        s.execute("CHECKPOINT")
    yearly = rows_scanned(empty_store, tmp_path, query)
    assert parkwise >= 0.9 * len(incoming)
    assert yearly <= 0.4 * len(incoming)
