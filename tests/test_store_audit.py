"""The audit log: one row per write, hash-chained; `python -m layers audit verify` finds any tampering."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import layers
from geo import auth
from geo.settings import current_settings
from geo.store import audit
from geo.store.db import Store
from layers.__main__ import main
from tests.conftest import ADMIN
from tests.stores import clone, five_audited_writes

NOW = dt.datetime(2025, 3, 1, 10, 0)
PARKS = layers.get_spec("parks")


@pytest.fixture
def audited_store(seeded_store, tiny_parks):
    """The sample store after five kinds of writes, each of which leaves one audit row."""
    return five_audited_writes(seeded_store, tiny_parks, NOW)


def test_each_write_adds_one_row_naming_who_what_and_from_where(audited_store):
    log = audit.entries(audited_store)
    assert list(log["action"]) == [
        "settings.update",
        "targets.update",
        "feature.edit",
        "layer.import",
        "user.add",
        "store.seed",
    ]
    assert set(log["username"][:5]) == {"tester"} and set(log["client"][:5]) == {"cli"}
    assert list(log["seq"]) == sorted(log["seq"], reverse=True) == list(range(len(log), 0, -1))
    imported = log[log["action"] == "layer.import"].iloc[0]
    assert imported["entity_id"] == "parks" and imported["reason"] == "补录"
    assert '"added":2' in imported["after_json"] and '"PK-T1"' in imported["after_json"]
    setting = log[log["action"] == "settings.update"].iloc[0]
    assert (setting["before_json"], setting["after_json"], setting["reason"]) == (
        '{"value":15.0}',
        '{"value":16.0}',
        "试行",
    )
    assert current_settings(audited_store)["water.nh3n_heavy_mg_l"] == 16.0


def test_an_unchanged_chain_verifies(audited_store):
    check = audit.verify(audited_store)
    assert check.ok and check.rows == 6


def _tampered(store: Store, tmp_path, sql: str, params=None) -> Store:
    """A copy of the store changed behind the audit log's back."""
    copy = clone(store, tmp_path)
    with copy.session() as s:
        s.execute(sql, params)
    return copy


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("UPDATE audit_log SET username = 'someone_else' WHERE seq = 3", "altered"),
        ("UPDATE audit_log SET after_json = replace(after_json, '2', '3') WHERE seq = 4", "altered"),
        ("DELETE FROM audit_log WHERE seq = 2", "missing"),
        ("DELETE FROM audit_log WHERE seq = 6", "end of the log"),
        (
            "INSERT INTO audit_log SELECT 7, recorded_at, 'forger', roles, client, action, entity_type, entity_id, "
            "before_json, after_json, reason, hash, repeat('0', 64) FROM audit_log WHERE seq = 6",
            "altered",
        ),
    ],
)
def test_verify_finds_an_edited_deleted_or_forged_row_in_a_copy(audited_store, tmp_path, capsys, sql, problem):
    copy = _tampered(audited_store, tmp_path, sql)
    check = audit.verify(copy)
    assert not check.ok and problem in check.problem_en
    assert main(["--db", copy.location, "audit", "verify"]) == 1
    assert "篡改" in capsys.readouterr().err
    assert main(["--db", audited_store.location, "audit", "verify"]) == 0
    assert "哈希链无误" in capsys.readouterr().out


def test_cli_lists_and_exports_the_log_with_filters(audited_store, tmp_path, capsys):
    assert main(["--db", audited_store.location, "audit", "list", "--action", "feature."]) == 0
    out = capsys.readouterr().out
    assert "feature.edit" in out and "layer.import" not in out
    csv = tmp_path / "audit.csv"
    assert main(["--db", audited_store.location, "audit", "export", "--out", str(csv), "--user", "tester"]) == 0
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(table) == 5 and set(table["username"]) == {"tester"}
    xlsx = tmp_path / "audit.xlsx"
    assert main(["--db", audited_store.location, "audit", "export", "--out", str(xlsx)]) == 0
    assert len(pd.read_excel(xlsx)) == 6
    assert main(["--db", audited_store.location, "audit", "export", "--out", str(audited_store.path)]) == 2
    assert main(["--db", audited_store.location, "audit", "export", "--out", str(tmp_path / "audit.txt")]) == 2


def test_a_write_that_fails_leaves_no_audit_row(audited_store):
    before = audit.entries(audited_store)
    with pytest.raises(auth.users.PortalError):
        auth.add_user(audited_store, ADMIN, "zhang", "zhang-password", ["viewer"])  # already exists
    pd.testing.assert_frame_equal(audit.entries(audited_store), before)
    assert audit.verify(audited_store).ok
