"""No argument or setting makes the CLI or the portal destroy or half-write a file."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from geo import io
from geo.config import SettingsError, load_limits, load_settings
from geo.outfile import OutputError, atomic_write, checked_target, store_files
from geo.store.backup import create_backup
from geo.store.db import Store
from layers.__main__ import main
from tests.stores import db_env, state

# About the DuckDB file itself (its bytes, WAL, copies): the PostGIS contract run leaves it out.
pytestmark = pytest.mark.duckdb_only

ROOT = Path(__file__).resolve().parent.parent


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(db: Store, out: Path | str, *extra: str, fmt: str = "geojson") -> int:
    return main(["--db", str(db.path), "export", "parks", "--format", fmt, "--out", str(out), *extra])


# -- the store and what it needs ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", io.EXPORT_FORMATS)
def test_export_onto_the_store_through_a_symlink_is_refused_and_the_store_is_unchanged(
    seeded_store, tmp_path, capsys, fmt
):
    before = state(seeded_store)
    link = tmp_path / "elsewhere" / "parks.out"
    link.parent.mkdir()
    link.symlink_to(seeded_store.path)
    assert export(seeded_store, link, "--force", fmt=fmt) == 2
    err = capsys.readouterr().err
    assert "拒绝写入" in err and "refusing to write" in err and "Traceback" not in err
    assert state(seeded_store) == before
    assert Store(seeded_store.path).scalar("SELECT count(*) FROM parks") > 0


def test_export_onto_the_store_by_its_own_name_or_through_dotdot_is_refused(seeded_store, tmp_path, capsys):
    before = state(seeded_store)
    sub = tmp_path / "sub"
    sub.mkdir()
    for out in (seeded_store.path, sub / ".." / seeded_store.path.name, os.path.relpath(seeded_store.path)):
        assert export(seeded_store, out, "--force") == 2
        assert "it is the store" in capsys.readouterr().err
    assert state(seeded_store) == before


def test_export_refuses_the_wal_a_kept_store_another_database_and_a_backup_even_with_force(
    seeded_store, tmp_path, capsys
):
    wal = seeded_store.path.with_name(seeded_store.path.name + ".wal")
    wal.write_bytes(b"wal bytes")
    kept = seeded_store.path.with_name(seeded_store.path.name + ".before-restore-20250101T000000")
    kept.write_bytes(b"an older store")
    other = tmp_path / "other.duckdb"
    Store(other).scalar("SELECT 1")  # a DuckDB file of someone else's, under any name
    renamed = tmp_path / "report.geojson"
    other.rename(renamed)
    backup = create_backup(seeded_store, tmp_path / "nightly.zip").path
    for target in (wal, kept, renamed, backup):
        before = sha256(target)
        assert export(seeded_store, target, "--force") == 2
        err = capsys.readouterr().err
        assert "拒绝" in err and "refusing" in err
        assert sha256(target) == before


def test_a_backup_may_replace_an_older_backup_with_force_but_never_the_store(seeded_store, tmp_path):
    backup = create_backup(seeded_store, tmp_path / "nightly.zip").path
    assert create_backup(seeded_store, backup, overwrite=True).path == backup
    with pytest.raises(OutputError, match="it is the store"):
        create_backup(seeded_store, seeded_store.path.with_name(seeded_store.path.name + ".wal"), overwrite=True)


# -- existing files, partial files --------------------------------------------------------------


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(seeded_store, tmp_path, capsys):
    out = tmp_path / "parks.geojson"
    out.write_text("my notes", encoding="utf-8")
    assert export(seeded_store, out) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my notes"
    assert export(seeded_store, out, "--force") == 0
    assert '"FeatureCollection"' in out.read_text(encoding="utf-8")


def test_an_interrupted_export_leaves_no_file_under_the_final_name_and_no_partial_file(
    seeded_store, tmp_path, monkeypatch
):
    def broken_writer(frame, spec, out):
        Path(out).write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-write

    monkeypatch.setattr(io.export, "write_geojson", broken_writer)
    out = tmp_path / "parks.geojson"
    with pytest.raises(KeyboardInterrupt):
        io.export_layer(seeded_store, io_spec("parks"), "geojson", out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_an_interrupted_overwrite_keeps_the_previous_file(tmp_path):
    out = tmp_path / "table.csv"
    out.write_text("old,complete\n", encoding="utf-8")
    target = checked_target(out, force=True)
    with pytest.raises(RuntimeError), atomic_write(target) as partial:
        partial.write_text("new,hal", encoding="utf-8")
        raise RuntimeError("killed")
    assert out.read_text(encoding="utf-8") == "old,complete\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def io_spec(name: str):
    import layers

    return layers.get_spec(name)


# -- places that cannot be written --------------------------------------------------------------


def test_out_naming_a_folder_a_missing_folder_or_an_empty_name_exits_2_naming_the_path(seeded_store, tmp_path, capsys):
    cases = {
        tmp_path: ("是一个文件夹", "is a folder"),
        tmp_path / "missing" / "parks.geojson": ("不存在", "does not exist"),
        "": ("未给出输出文件", "no output file"),
    }
    for out, (zh, en) in cases.items():
        assert export(seeded_store, out) == 2
        err = capsys.readouterr().err
        assert zh in err and en in err and "Traceback" not in err
        if out:
            assert str(Path(out) if Path(out).is_dir() else Path(out).parent) in err
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    "code, zh, en", [(errno.ENOSPC, "磁盘已满", "disk is full"), (errno.EACCES, "没有权限", "no permission")]
)
def test_a_full_disk_or_a_read_only_place_exits_2_and_leaves_nothing(
    seeded_store, tmp_path, capsys, monkeypatch, code, zh, en
):
    out = tmp_path / "parks.kml"

    def failing_write(frame, spec, path):
        Path(path).write_text("<kml>", encoding="utf-8")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(io.export, "write_kml", failing_write)
    assert export(seeded_store, out, fmt="kml") == 2
    err = capsys.readouterr().err
    assert zh in err and en in err and str(out) in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [seeded_store.path.name]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file modes")
def test_a_read_only_folder_is_refused_before_writing(seeded_store, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert export(seeded_store, folder / "parks.geojson") == 2
        assert "没有权限" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_a_read_only_folder_is_refused_when_the_os_says_so(seeded_store, tmp_path, capsys, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode))
    assert export(seeded_store, tmp_path / "parks.geojson") == 2
    err = capsys.readouterr().err
    assert "没有权限" in err and "no permission" in err and str(tmp_path) in err


def test_store_files_lists_the_store_its_wal_and_kept_stores(tmp_path):
    db = tmp_path / "b.duckdb"
    kept = tmp_path / "b.duckdb.before-restore-20250101T000000"
    kept.write_bytes(b"x")
    assert store_files(db) == [db, tmp_path / "b.duckdb.wal", kept]


# -- malformed settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, zh, en",
    [
        ("BINHAI_MAX_UPLOAD_MB", "fifty", "必须是正数", "must be a positive number"),
        ("BINHAI_MAX_FEATURES", "-5", "必须是正数", "must be a positive number"),
        ("BINHAI_MAX_ZIP_RATIO", "0", "必须是正数", "must be a positive number"),
        ("BINHAI_MAX_VERTICES", "nan", "必须是正数", "must be a positive number"),
        ("BINHAI_BASEMAP", "google", "只能是", "must be one of"),
        ("BINHAI_LANG", "fr", "只能是", "must be one of"),
    ],
)
def test_malformed_settings_give_the_cli_a_message_naming_the_variable(
    seeded_store, tmp_path, capsys, monkeypatch, name, value, zh, en
):
    monkeypatch.setenv(*db_env(seeded_store))
    monkeypatch.setenv(name, value)
    before = state(seeded_store)
    assert main(["import", "parks", str(ROOT / "tests" / "data" / "bad" / "empty.geojson")]) == 2
    err = capsys.readouterr().err
    assert name in err and zh in err and en in err and repr(value) in err and "Traceback" not in err
    assert state(seeded_store) == before


def test_binhai_db_naming_a_folder_a_text_file_or_a_foreign_database_is_refused_and_left_alone(
    tmp_path, capsys, monkeypatch
):
    notes = tmp_path / "notes.txt"
    notes.write_text("会议纪要", encoding="utf-8")
    foreign = tmp_path / "finance.duckdb"
    Store(foreign).scalar("CREATE TABLE ledger AS SELECT 1 AS amount")
    foreign_before = sha256(foreign)
    for db, zh, en in (
        (tmp_path, "指向文件夹", "names the folder"),
        (notes, "不是 DuckDB 数据库", "not a DuckDB database"),
        (foreign, "不是本门户的数据库", "not a store of this portal"),
    ):
        monkeypatch.setenv("BINHAI_DB", str(db))
        assert main(["seed"]) == 2
        err = capsys.readouterr().err
        assert zh in err and en in err and "Traceback" not in err
    assert notes.read_text(encoding="utf-8") == "会议纪要"
    assert sha256(foreign) == foreign_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["finance.duckdb", "notes.txt"]


def test_binhai_db_under_a_file_or_an_unwritable_place_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("BINHAI_PASSWORD", "a good long password")
    for db in (blocker / "store.duckdb", Path("/proc/binhai/store.duckdb")):
        monkeypatch.setenv("BINHAI_DB", str(db))
        assert main(["user", "add", "zhang", "--role", "admin"]) == 2
        err = capsys.readouterr().err
        assert str(db.parent) in err and "Traceback" not in err
    assert blocker.read_text(encoding="utf-8") == "x"


def test_load_settings_accepts_the_defaults(monkeypatch):
    for name in ("BINHAI_DB", "BINHAI_BASEMAP", "BINHAI_LANG", "BINHAI_MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    cfg = load_settings()
    assert cfg.basemap == "none" and cfg.language == "zh" and cfg.limits == load_limits()
    monkeypatch.setenv("BINHAI_LANG", " EN ")
    assert load_settings().language == "en"
    monkeypatch.setenv("BINHAI_DB", str(ROOT))
    with pytest.raises(SettingsError):
        load_settings()


@pytest.mark.parametrize(
    "name, value, shown", [("BINHAI_BASEMAP", "google", "BINHAI_BASEMAP"), ("BINHAI_MAX_FEATURES", "-1", "BINHAI_MAX")]
)
def test_the_portal_shows_a_malformed_setting_as_a_page_not_a_stack_trace(open_page, name, value, shown):
    at = open_page(**{name: value})
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert shown in text and ("必须是正数" in text or "只能是" in text)
    assert "must be" in text
