"""`python -m layers`: exit codes, bilingual messages on stderr, and a store left untouched by bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

import layers
from geo.store.features import count_features, write_layer
from layers.__main__ import main
from tests.stores import state

ROOT = Path(__file__).resolve().parent.parent
PARKS = layers.get_spec("parks")
BOWTIE = shapely.Polygon([(117.60, 39.00), (117.62, 39.02), (117.62, 39.00), (117.60, 39.02), (117.60, 39.00)])


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "layers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def parks_store(empty_store, tiny_parks):
    """A closed store holding the two tiny parks."""
    with empty_store.transaction() as session:
        write_layer(session, PARKS, tiny_parks, "replace", dt.datetime(2025, 1, 1))
    return empty_store


@pytest.fixture
def new_parks(tmp_path, tiny_parks) -> Path:
    """Two valid parks without ids."""
    path = tmp_path / "new_parks.geojson"
    tiny_parks.drop(columns=["id"]).to_file(path)
    return path


@pytest.fixture
def bowtie_parks(tmp_path, tiny_parks) -> Path:
    path = tmp_path / "bowtie.geojson"
    tiny_parks.set_geometry([tiny_parks.geometry[0], BOWTIE], crs=tiny_parks.crs).to_file(path)
    return path


# -- through a real process ----------------------------------------------------------------------


def test_cli_rejects_bad_file_with_exit_2_bilingual_report_and_untouched_store(parks_store, bowtie_parks):
    before = state(parks_store)
    result = run_cli("--db", parks_store.location, "import", "parks", str(bowtie_parks))
    assert result.returncode == 2
    assert "第 2 个要素" in result.stderr and "几何无效" in result.stderr
    assert "feature 2" in result.stderr and "invalid geometry" in result.stderr
    assert "Traceback" not in result.stderr
    assert state(parks_store) == before


def test_cli_import_appends_with_new_ids_and_list_shows_the_count(parks_store, new_parks):
    result = run_cli("--db", parks_store.location, "import", "parks", str(new_parks))
    assert result.returncode == 0, result.stderr
    assert "2" in result.stdout
    assert count_features(parks_store, PARKS) == 4
    listing = run_cli("list", "--db", parks_store.location)
    assert listing.returncode == 0
    parks_row = next(line for line in listing.stdout.splitlines() if line.startswith("parks "))
    assert parks_row.split()[-1] == "4"


# -- through main(argv) --------------------------------------------------------------------------


def test_validate_reports_ok_and_never_creates_the_store(tmp_path, new_parks, capsys):
    db = tmp_path / "never.duckdb"
    assert main(["--db", str(db), "validate", "parks", str(new_parks)]) == 0
    assert "通过/OK: 2 features" in capsys.readouterr().out
    assert not db.exists()


def test_validate_bad_file_exits_2_with_both_languages(tmp_path, bowtie_parks, capsys):
    assert main(["--db", str(tmp_path / "x.duckdb"), "validate", "parks", str(bowtie_parks)]) == 2
    err = capsys.readouterr().err
    assert "bowtie.geojson" in err and "几何无效" in err and "invalid geometry" in err
    assert not (tmp_path / "x.duckdb").exists()


def test_import_of_ids_already_stored_exits_2_and_leaves_store_byte_identical(
    parks_store, tmp_path, tiny_parks, capsys
):
    clash = tmp_path / "clash.geojson"
    tiny_parks.to_file(clash)
    before = state(parks_store)
    assert main(["--db", parks_store.location, "import", "parks", str(clash)]) == 2
    err = capsys.readouterr().err
    assert "编号已存在" in err and "ids already in the store" in err
    assert state(parks_store) == before


def test_import_replace_swaps_the_layer_contents(parks_store, new_parks, capsys):
    assert main(["--db", parks_store.location, "import", "parks", str(new_parks), "--replace"]) == 0
    assert "replace" in capsys.readouterr().out
    assert count_features(parks_store, PARKS) == 2
    assert parks_store.scalar("SELECT min(id) FROM parks") == "PK-0001"


def test_import_creates_and_migrates_a_new_store(tmp_path, new_parks):
    db = tmp_path / "fresh" / "new.duckdb"
    assert main(["--db", str(db), "import", "parks", str(new_parks), "--append"]) == 0
    assert db.exists()


@pytest.mark.parametrize(
    "argv, zh, en",
    [
        (["import", "nope", "x.geojson"], "未知图层", "unknown layer"),
        (["validate", "parks", "missing.geojson"], "找不到文件", "file not found"),
        (["export", "nope", "--format", "csv", "--out", "x.csv"], "未知图层", "unknown layer"),
    ],
)
def test_user_errors_exit_2_with_chinese_and_english(tmp_path, capsys, argv, zh, en):
    assert main(["--db", str(tmp_path / "s.duckdb"), *argv]) == 2
    err = capsys.readouterr().err
    assert zh in err and en in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["import", "parks", "a.geojson", "--replace", "--append"],
        ["export", "parks", "--format", "dxf", "--out", "p.dxf"],
        ["export", "parks", "--format", "csv"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "usage" in capsys.readouterr().err


def test_malformed_limit_in_environment_exits_2(monkeypatch, new_parks, capsys):
    monkeypatch.setenv("BINHAI_MAX_FEATURES", "很多")
    assert main(["validate", "parks", str(new_parks)]) == 2
    assert "BINHAI_MAX_FEATURES" in capsys.readouterr().err


def test_list_without_a_store_shows_zero_counts_and_a_seed_hint(tmp_path, monkeypatch, capsys):
    db = tmp_path / "absent.duckdb"
    monkeypatch.setenv("BINHAI_DB", str(db))  # the default store comes from BINHAI_DB
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    for spec in layers.all_specs():
        assert f"{spec.name}  " in out and spec.title_zh in out
    assert "seed" in err and not db.exists()


def test_export_from_a_missing_store_exits_2(tmp_path, capsys):
    out = tmp_path / "p.csv"
    assert main(["--db", str(tmp_path / "a.duckdb"), "export", "parks", "--format", "csv", "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


# -- on the seeded sample store ------------------------------------------------------------------


def test_list_shows_every_layer_with_counts_and_table_rows(seeded_store, capsys):
    assert main(["--db", seeded_store.location, "list"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    for spec in layers.all_specs():
        assert spec.title_zh in rows[spec.name]
        assert int(rows[spec.name][-1]) == count_features(seeded_store, spec)
    assert int(rows["parks"][-1]) > 0 and int(rows["water_bodies"][-1]) > 0
    for table in ("statistics", "targets", "water_samples"):
        assert int(rows[table][-1]) > 0


@pytest.mark.parametrize(
    "fmt, suffix", [("geojson", "geojson"), ("gpkg", "gpkg"), ("shp", "zip"), ("kml", "kml"), ("csv", "csv")]
)
def test_export_writes_each_format(seeded_store, tmp_path, fmt, suffix, capsys):
    out = tmp_path / f"water_bodies.{suffix}"
    assert main(["--db", seeded_store.location, "export", "water_bodies", "--format", fmt, "--out", str(out)]) == 0
    assert out.exists() and out.stat().st_size > 0
    assert str(out) in capsys.readouterr().out


def test_seed_fills_a_new_store(new_store, capsys):
    assert main(["--db", new_store.location, "seed", "--seed", "7"]) == 0
    printed = dict(line.split(": ") for line in capsys.readouterr().out.splitlines() if ": " in line)
    assert int(printed["parks"]) == count_features(new_store, PARKS) > 0
    assert int(printed["statistics"]) > 0


def test_seeding_a_store_that_holds_data_swaps_in_a_fresh_one_and_keeps_the_old(seeded_store, capsys):
    from geo import auth
    from geo.store import audit
    from tests.conftest import ADMIN

    auth.add_user(seeded_store, ADMIN, "kept.user", "kept-password", ["viewer"], "旧库用户")
    assert main(["--db", seeded_store.location, "seed", "--seed", "7"]) == 0
    assert count_features(seeded_store, PARKS) > 0 and audit.verify(seeded_store).ok
    assert seeded_store.scalar("SELECT count(*) FROM users WHERE username = 'kept.user'") == 0  # a fresh store
    if seeded_store.kind == "postgis":  # the old store is kept as a schema beside it
        kept = seeded_store.scalar(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'main_before_seed_%'"
        )
        assert seeded_store.scalar(f"SELECT count(*) FROM {kept}.users WHERE username = 'kept.user'") == 1  # noqa: S608
    else:
        assert list(seeded_store.path.parent.glob(f"{seeded_store.path.name}.before-seed-*"))


def test_user_add_takes_the_password_from_the_environment(new_store, monkeypatch):
    from geo import auth
    from layers.__main__ import main

    monkeypatch.setenv("BINHAI_PASSWORD", "water-pass-1")
    assert main(["--db", new_store.location, "user", "add", "wb1", "--role", "water_bureau", "--name", "水务甲"]) == 0
    # The role of earlier versions is accepted and stored under its new name.
    assert auth.authenticate(new_store, "wb1", "water-pass-1") == auth.User(
        "wb1", "水务甲", frozenset({"water_editor"})
    )


def test_user_add_refuses_a_short_password_with_exit_2(tmp_path, monkeypatch, capsys):
    from layers.__main__ import main

    monkeypatch.setenv("BINHAI_PASSWORD", "short")
    assert main(["--db", str(tmp_path / "u.duckdb"), "user", "add", "wb1", "--role", "admin"]) == 2
    assert "密码至少" in capsys.readouterr().err


def test_a_programming_error_is_not_dressed_up_as_bad_input(parks_store, new_parks, monkeypatch):
    """User errors exit 2 with a message; a bug (here a KeyError inside the import) propagates as a traceback."""
    from geo import io

    def broken(*args, **kwargs):
        raise KeyError("a bug, not the user's file")

    monkeypatch.setattr(io, "read_features", broken)
    with pytest.raises(KeyError, match="a bug"):
        main(["--db", parks_store.location, "import", "parks", str(new_parks)])


def test_a_bug_in_a_real_process_exits_1_with_a_traceback(tmp_path):
    hook = tmp_path / "sitecustomize.py"
    hook.write_text(
        "import geo.io\ndef broken(*a, **k):\n    raise KeyError('a bug')\ngeo.io.read_features = broken\n",
        encoding="utf-8",
    )
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    result = run_cli("--db", str(tmp_path / "s.duckdb"), "validate", "parks", "x.geojson", env=env)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "KeyError" in result.stderr
