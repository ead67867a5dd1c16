"""The one place DuckDB and PostgreSQL SQL differ: geo/store/dialect.py (pure; no server needed)."""

from __future__ import annotations

import pytest

from geo.store.dialect import to_postgres


def test_parameters_become_psycopgs_in_the_order_they_are_written_out():
    # list_contains(list, x) is written x = ANY(list): the binding follows the output, not the input.
    t = to_postgres("SELECT a FROM t WHERE b = $b AND list_contains($ids, a) AND c = $c")
    assert t.sql.count("%s") == 3 and "a = ANY(%s)" in t.sql
    assert t.bind({"ids": ["x"], "b": 2, "c": 3}) == [2, ["x"], 3]


def test_positional_and_numbered_parameters_bind_from_a_list():
    assert to_postgres("SELECT ? + ?").bind([1, 2]) == [1, 2]
    assert to_postgres("SELECT $2, $1, $2").bind(["a", "b"]) == ["b", "a", "b"]


def test_named_parameters_may_repeat_and_bind_from_a_dict():
    t = to_postgres("SELECT * FROM t WHERE ($x IS NULL OR y = $x) AND z < $limit")
    assert t.bind({"x": "甲", "limit": 3}) == ["甲", "甲", 3]


def test_a_literal_percent_is_doubled_so_psycopg_never_reads_it_as_a_parameter():
    t = to_postgres("SELECT * FROM t WHERE name LIKE '%园区%' AND id = ?")
    assert "'%%园区%%'" in t.sql and t.sql.endswith("= %s")


def test_a_lone_parameter_under_is_null_gets_a_type():
    assert "CAST(%s AS TEXT) IS NULL" in to_postgres("SELECT 1 WHERE $d IS NULL OR d >= $d").sql


@pytest.mark.parametrize(
    ("duckdb", "postgres"),
    [
        ("SELECT ST_AsWKB(geom) FROM parks", "ST_ASBINARY(geom)"),
        (
            "SELECT ST_Area(ST_Transform(geom, 'EPSG:4326', 'EPSG:4548', always_xy := true)) FROM parks",
            "ST_TRANSFORM(ST_SETSRID(geom, 4326), 4548)",
        ),
        ("SELECT round(value, 2) FROM statistics", "ROUND(CAST(value AS DECIMAL), 2)"),
        ("SELECT entity_id, count(*) FROM statistics GROUP BY ALL", "GROUP BY 1"),
        (
            "SELECT entity_id, arg_max(value, year) FROM statistics GROUP BY entity_id",
            "(ARRAY_AGG(value ORDER BY year DESC NULLS LAST))[1]",
        ),  # fmt: skip
        ("SELECT count(*) FROM t WHERE contains(doc, '示意')", "POSITION('示意' IN doc) > 0"),
        ("SELECT * FROM (SELECT 1 AS a) WHERE a = 1", ") AS _sub_"),
        ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'", "= CURRENT_SCHEMA"),
        ("CREATE TABLE x (v DOUBLE, b BLOB, s VARCHAR)", "v DOUBLE PRECISION, b BYTEA"),
        ("BEGIN TRANSACTION", "BEGIN"),
    ],
)
def test_duckdb_constructs_are_written_for_postgis(duckdb, postgres):
    assert postgres in to_postgres(duckdb).sql


def test_translation_is_cached_per_statement_text():
    sql = "SELECT id FROM parks WHERE id = ?"
    assert to_postgres(sql) is to_postgres(sql)


def test_a_user_value_never_reaches_the_sql_text():
    hostile = "'); DROP TABLE parks; --"
    t = to_postgres("SELECT id FROM parks WHERE name = ?")
    assert hostile not in t.sql and t.bind([hostile]) == [hostile]
