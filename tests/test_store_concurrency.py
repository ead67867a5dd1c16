"""Several processes on one store: two editors of one feature, and readers beside writers (issue 17).

Each editor is a separate OS process (as two portal instances behind a proxy are), started with
`spawn` so nothing is shared but the store. Bounded in count and time: every wait has a deadline,
and no assertion is about how long anything took.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
import time
import types
from pathlib import Path

import pytest

import layers
from geo import editing, stats
from geo.config import Limits
from geo.permissions import Actor
from geo.store import audit, open_store
from geo.store.features import VersionConflict, read_layer
from tests import pg

PARKS = layers.get_spec("parks")
EDITOR = Actor("editor.a", "编辑甲", frozenset({"admin"}), "test")
DEADLINE_S = 120.0


def _park(store, park_id: str):
    parks = read_layer(store, PARKS, with_versions=True).set_index("id")
    return parks.loc[park_id]


def _edit_once(location: str, park_id: str, base_version: int, name: str, start_flag: str) -> str:
    """One editor: wait for the start flag, then save `name` on the version it read earlier."""
    store = open_store(location)
    row = _park(store, park_id)
    values = {f: row[f] for f in PARKS.field_names} | {"name": name}
    deadline = time.monotonic() + DEADLINE_S
    while not Path(start_flag).exists():  # both editors start together
        if time.monotonic() > deadline:
            return "timeout"
        time.sleep(0.005)
    try:
        editing.edit_feature(store, EDITOR, PARKS, park_id, values, row.geometry, base_version, Limits())
    except VersionConflict:
        return "conflict"
    return "saved"


def _edit_many(location: str, park_id: str, count: int) -> list[str]:
    """One writer process: `count` edits of its own park, each on the version it just read."""
    store = open_store(location)
    problems = []
    for i in range(count):
        row = _park(store, park_id)
        values = {f: row[f] for f in PARKS.field_names} | {"name": f"{row['name'].split('·')[0]}·{i}"}
        try:
            editing.edit_feature(store, EDITOR, PARKS, park_id, values, row.geometry, int(row["version"]), Limits())
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on any
            problems.append(f"{type(exc).__name__}: {exc}")
    return problems


@contextlib.contextmanager
def _pool(processes: int):
    """`processes` editors, each a new interpreter that imports nothing of this one but what its task needs.

    `spawn` runs `sys.modules["__main__"]` again in every child before its task, and after an AppTest that
    is the portal's own script (Streamlit leaves it there): each child ran the whole portal, bare, on
    whatever store the environment named — a CI run waited 120 s for such a child. The children start
    from an empty main module instead.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        pool = multiprocessing.get_context("spawn").Pool(processes)
    finally:
        sys.modules["__main__"] = main
    with pool:
        yield pool


def _portal_imported() -> bool:
    return "streamlit" in sys.modules


def test_an_editor_process_does_not_run_the_page_an_apptest_left_as_main(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    script = tmp_path / "page.py"
    script.write_text("import streamlit as st\nst.write('a page')\n")
    AppTest.from_file(str(script)).run()
    assert getattr(sys.modules["__main__"], "__file__", None) == str(script)  # what Streamlit leaves behind
    with _pool(1) as pool:
        assert pool.apply(_portal_imported) is False


def test_two_editors_saving_one_feature_at_once_one_is_refused_and_the_chain_holds(seeded_store, tmp_path):
    park_id = "PK-0001"
    base = int(_park(seeded_store, park_id)["version"])
    audit_rows = seeded_store.scalar("SELECT count(*) FROM audit_log")
    flag = tmp_path / "go"
    with _pool(2) as pool:
        pending = [
            pool.apply_async(_edit_once, (seeded_store.location, park_id, base, name, str(flag)))
            for name in ("甲改的名称", "乙改的名称")
        ]
        time.sleep(0.5)  # not a sync point: the flag is; this only lets both processes get ready first
        flag.touch()
        results = sorted(p.get(timeout=DEADLINE_S) for p in pending)
    assert results == ["conflict", "saved"]
    after = _park(seeded_store, park_id)
    assert int(after["version"]) == base + 1 and after["name"] in {"甲改的名称", "乙改的名称"}
    assert seeded_store.scalar("SELECT count(*) FROM audit_log") == audit_rows + 1
    assert audit.verify(seeded_store).ok


@pytest.mark.skipif(not pg.enabled(), reason="readers beside writers in other processes need a server (PostGIS)")
def test_twenty_readers_and_two_writer_processes_lose_no_write_and_see_no_error(seeded_store):
    edits = 12
    parks = ("PK-0002", "PK-0003")
    before = {p: int(_park(seeded_store, p)["version"]) for p in parks}
    audit_rows = seeded_store.scalar("SELECT count(*) FROM audit_log")
    stop = threading.Event()
    reads: list[int] = []
    errors: list[str] = []

    def reader(n: int) -> None:
        done = 0
        while not stop.is_set():
            try:
                if n % 2:
                    frame = stats.park_values(seeded_store, "vocs", 2023)
                    assert len(frame) == 40
                else:
                    assert len(read_layer(seeded_store, PARKS, columns=("name",))) == 40
                done += 1
            except Exception as exc:  # noqa: BLE001 - collected, the test fails on any
                errors.append(f"{type(exc).__name__}: {exc}")
                break
        reads.append(done)

    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(20)]
    for t in threads:
        t.start()
    try:
        with _pool(2) as pool:
            problems = pool.starmap_async(_edit_many, [(seeded_store.location, p, edits) for p in parks])
            problems = problems.get(timeout=DEADLINE_S)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=DEADLINE_S)
    assert problems == [[], []]
    assert not errors, errors[:3]
    assert len(reads) == 20 and all(n >= 1 for n in reads)
    for p in parks:
        assert int(_park(seeded_store, p)["version"]) == before[p] + edits  # no write lost
        kept = seeded_store.scalar("SELECT count(*) FROM parks_history WHERE id = ?", [p])
        assert kept >= edits
    assert seeded_store.scalar("SELECT count(*) FROM audit_log") == audit_rows + 2 * edits
    assert audit.verify(seeded_store).ok


@pytest.mark.skipif(not pg.enabled(), reason="the writer lock of a PostGIS store")
def test_a_writer_waiting_too_long_behind_another_gets_a_busy_message_and_changes_nothing(seeded_store, monkeypatch):
    import psycopg

    from geo.errors import StoreBusyError
    from geo.store.postgis import WRITER_LOCK, PgStore
    from tests.stores import state

    monkeypatch.setattr(PgStore, "writer_wait_s", 0.3)
    before = state(seeded_store)
    with psycopg.connect(seeded_store.url, autocommit=True) as other:  # a long import in another process
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
        with pytest.raises(StoreBusyError, match="另一个进程写入"), seeded_store.transaction() as s:
            s.execute("DELETE FROM parks")
        other.execute("ROLLBACK")
    assert state(seeded_store) == before
    with seeded_store.transaction() as s:  # the lock is free again
        s.execute("UPDATE meta SET value = value WHERE key = 'data_version'")


def _migrate(location: str) -> int:
    return open_store(location).migrate(layers.all_specs())


@pytest.mark.skipif(not pg.enabled(), reason="instances starting together on one server (PostGIS)")
def test_instances_starting_together_on_an_empty_database_migrate_it_once(new_store):
    from geo.store import migrations

    with _pool(3) as pool:
        versions = pool.map_async(_migrate, [new_store.location] * 3).get(timeout=DEADLINE_S)
    assert versions == [migrations.LATEST] * 3
    assert new_store.scalar("SELECT count(*) FROM schema_version") == len(migrations.MIGRATIONS)
