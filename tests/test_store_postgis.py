"""PgStore without a server: how it is chosen, named and refused (the contract run covers the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.config import SettingsError, load_settings
from geo.store import Store, open_store
from geo.store.backup import BackupError, create_backup
from geo.store.postgis import PgStore, redact
from layers.__main__ import main

DOWN = "postgresql://binhai:s3cret-pw@127.0.0.1:1/binhai"  # port 1: nothing listens there


def test_a_url_opens_postgis_and_a_path_opens_duckdb(tmp_path):
    pg = open_store("postgresql://u@db.example:5433/binhai#staging")
    assert isinstance(pg, PgStore) and pg.schema == "staging" and pg.name == "binhai.staging" and pg.kind == "postgis"
    assert open_store("postgresql://u@db/binhai").location == "postgresql://u@db/binhai"
    duck = open_store(tmp_path / "s.duckdb")
    assert type(duck) is Store and duck.kind == "duckdb" and duck.location == str(tmp_path / "s.duckdb")


def test_messages_never_show_the_password():
    assert redact(DOWN) == "postgresql://binhai:***@127.0.0.1:1/binhai"
    assert "s3cret" not in PgStore(DOWN).label and "s3cret" not in repr(PgStore(DOWN))


def test_a_bad_schema_name_or_url_is_refused():
    with pytest.raises(SettingsError):
        PgStore("postgresql://u@db/binhai", schema="main; DROP TABLE parks")
    with pytest.raises(SettingsError):
        PgStore("mysql://u@db/binhai")


def test_settings_take_the_url_from_the_environment_or_the_db_option(monkeypatch):
    monkeypatch.setenv("BINHAI_DB_URL", "postgresql://u@db:5432/binhai")
    assert load_settings().store_location == "postgresql://u@db:5432/binhai"
    assert load_settings("postgresql://v@other/x").store_location == "postgresql://v@other/x"
    monkeypatch.setenv("BINHAI_DB_URL", "postgresql://u@db:notaport/binhai")
    with pytest.raises(SettingsError, match="BINHAI_DB_URL"):
        load_settings()
    monkeypatch.setenv("BINHAI_DB_URL", "sqlite:///x.db")
    with pytest.raises(SettingsError, match="BINHAI_DB_URL"):
        load_settings()


def test_an_unreachable_server_is_a_message_and_exit_2_not_an_empty_store(capsys):
    assert main(["--db", DOWN, "list"]) == 2
    err = capsys.readouterr().err
    assert "无法连接数据库" in err and "cannot connect to the database" in err
    assert "Traceback" not in err and "s3cret" not in err and "seed" not in err


def test_the_portal_shows_an_unreachable_server_as_a_page(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BINHAI_DB_URL", DOWN)
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "无法连接数据库" in shown and "cannot connect" in shown and "s3cret" not in shown
    assert any("稍后刷新" in i.value for i in at.info)


def test_a_postgis_store_is_backed_up_with_pg_dump(tmp_path):
    with pytest.raises(BackupError, match="pg_dump"):
        create_backup(PgStore(DOWN), tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()
