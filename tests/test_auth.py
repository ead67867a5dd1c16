"""Users, roles, argon2 passwords (PBKDF2 upgraded at login), throttled sign-in, disabled users, the v4 migration."""

from __future__ import annotations

import datetime as dt

import pytest

import layers
from geo import auth
from geo.auth import passwords
from geo.errors import PortalError
from geo.permissions import Actor
from geo.store import audit, migrations
from tests.conftest import ADMIN

NOW = dt.datetime(2025, 1, 1, 9, 0)


def test_new_hashes_are_argon2id_salted_and_verify():
    first, second = passwords.hash_password("correct horse"), passwords.hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second
    assert passwords.verify("correct horse", first) == (True, False)
    assert passwords.verify("wrong horse", first) == (False, False)
    assert passwords.verify("x", "not-a-hash") == (False, False)
    assert passwords.verify("x", None) == (False, False)


def test_a_pbkdf2_hash_verifies_and_asks_to_be_replaced():
    old = passwords.legacy_pbkdf2_hash("old-password", b"0123456789abcdef")
    assert passwords.verify("old-password", old) == (True, True)
    assert passwords.verify("other-password", old) == (False, False)


def test_authenticate_returns_the_user_with_all_their_roles(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["planner", "zone_approver"], "张三", now=NOW)
    user = auth.authenticate(empty_store, "zhang.san", "s3cret-pass", now=NOW)
    assert user == auth.User("zhang.san", "张三", frozenset({"planner", "zone_approver"}))
    assert user.can("planner") and user.can("zone_approver") and not user.can("admin")
    assert user.actor("portal") == Actor("zhang.san", "张三", frozenset({"planner", "zone_approver"}), "portal")


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["viewer"], now=NOW)
    with pytest.raises(auth.LoginRefused) as wrong:
        auth.authenticate(empty_store, "zhang.san", "wrong-pass", client="10.0.0.1", now=NOW)
    with pytest.raises(auth.LoginRefused) as unknown:
        auth.authenticate(empty_store, "li.si", "s3cret-pass", client="10.0.0.2", now=NOW)
    assert (wrong.value.zh, wrong.value.en) == (unknown.value.zh, unknown.value.en)


def test_a_pbkdf2_user_logs_in_and_is_rehashed_with_argon2(empty_store):
    with empty_store.transaction() as s:
        s.execute(
            "INSERT INTO users (username, password_hash, display_name, created_at) VALUES (?, ?, ?, ?)",
            ["old", passwords.legacy_pbkdf2_hash("old-password", b"salt-salt-salt!!"), "老用户", NOW],
        )
        s.execute("INSERT INTO user_roles VALUES ('old', 'viewer')")
    assert auth.authenticate(empty_store, "old", "old-password", now=NOW).username == "old"
    stored = empty_store.scalar("SELECT password_hash FROM users WHERE username = 'old'")
    assert stored.startswith("$argon2id$")
    assert auth.authenticate(empty_store, "old", "old-password", now=NOW).username == "old"


def test_five_failures_lock_the_name_for_fifteen_minutes_whatever_the_client(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["viewer"], now=NOW)
    for i in range(auth.users.MAX_FAILURES):
        with pytest.raises(auth.LoginRefused, match="wrong user name"):
            auth.authenticate(empty_store, "zhang.san", "guess", client=f"10.0.0.{i}", now=NOW)
    # Now even the right password from a new client is refused, with a wait that names no user.
    with pytest.raises(auth.LoginRefused, match="try again in 15 minutes"):
        auth.authenticate(empty_store, "Zhang.San", "s3cret-pass", client="10.9.9.9", now=NOW + dt.timedelta(minutes=1))
    later = NOW + dt.timedelta(minutes=16)
    assert (
        auth.authenticate(empty_store, "zhang.san", "s3cret-pass", client="10.9.9.9", now=later).username == "zhang.san"
    )


def test_five_failures_from_one_client_lock_that_client_for_any_name(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["viewer"], now=NOW)
    for name in ("a1", "a2", "a3", "a4", "a5"):
        with pytest.raises(auth.LoginRefused):
            auth.authenticate(empty_store, name, "guess", client="203.0.113.7", now=NOW)
    with pytest.raises(auth.LoginRefused, match="too many failed logins"):
        auth.authenticate(empty_store, "zhang.san", "s3cret-pass", client="203.0.113.7", now=NOW)
    assert auth.authenticate(empty_store, "zhang.san", "s3cret-pass", client="198.51.100.1", now=NOW)


def test_failures_spread_over_time_do_not_lock_and_a_success_clears_them(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["viewer"], now=NOW)
    for i in range(8):
        with pytest.raises(auth.LoginRefused, match="wrong user name"):
            auth.authenticate(empty_store, "zhang.san", "guess", now=NOW + dt.timedelta(minutes=20 * i))
    assert empty_store.data_version() == 1  # counting failures is bookkeeping: no page cache is emptied


def test_a_disabled_user_cannot_log_in_and_is_enabled_again(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["viewer"], now=NOW)
    auth.set_disabled(empty_store, ADMIN, "zhang.san", True, now=NOW)
    with pytest.raises(auth.LoginRefused, match="disabled"):
        auth.authenticate(empty_store, "zhang.san", "s3cret-pass", now=NOW)
    auth.set_disabled(empty_store, ADMIN, "zhang.san", False, now=NOW)
    assert auth.authenticate(empty_store, "zhang.san", "s3cret-pass", now=NOW)


def test_user_changes_are_audited_without_the_password(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["viewer"], "张三", now=NOW)
    auth.set_roles(empty_store, ADMIN, "zhang.san", ["viewer", "stats_editor"], now=NOW)
    auth.set_password(empty_store, ADMIN, "zhang.san", "another-pass", now=NOW)
    log = audit.entries(empty_store)
    assert list(log["action"]) == ["user.password", "user.roles", "user.add"]
    roles = log[log["action"] == "user.roles"].iloc[0]
    assert '"roles":["viewer"]' in roles["before_json"] and '"roles":["stats_editor","viewer"]' in roles["after_json"]
    assert not log.apply(lambda r: "another-pass" in str(r.to_dict()) or "argon2" in str(r.to_dict()), axis=1).any()


@pytest.mark.parametrize(
    ("username", "password", "roles", "match"),
    [
        ("x", "longenough", ["admin"], "用户名"),
        ("ok_name", "short", ["admin"], "密码"),
        ("ok_name", "longenough", ["root"], "角色"),
        ("ok_name", "longenough", [], "角色"),
        ("bad name'; --", "longenough", ["admin"], "username"),
    ],
)
def test_add_user_refuses_bad_input_with_a_bilingual_message(empty_store, username, password, roles, match):
    with pytest.raises(PortalError, match=match):
        auth.add_user(empty_store, ADMIN, username, password, roles, "", now=NOW)
    assert empty_store.scalar("SELECT count(*) FROM users") == 0


def test_an_admin_cannot_lock_themselves_out(empty_store):
    auth.add_user(empty_store, ADMIN, "boss", "boss-password", ["admin"], now=NOW)
    boss = auth.get_user(empty_store, "boss").actor()
    with pytest.raises(PortalError, match="own administrator"):
        auth.set_roles(empty_store, boss, "boss", ["viewer"])
    with pytest.raises(PortalError, match="own account"):
        auth.set_disabled(empty_store, boss, "boss", True)


def test_single_sign_on_identities_map_to_users_by_email_then_subject(empty_store):
    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["planner"], email="Zhang@Binhai.gov.cn", now=NOW)
    auth.add_user(empty_store, ADMIN, "li.si", "s3cret-pass", ["viewer"], now=NOW)
    assert auth.user_for_identity(empty_store, "zhang@binhai.gov.cn").username == "zhang.san"
    assert auth.user_for_identity(empty_store, None, "li.si").username == "li.si"
    assert auth.user_for_identity(empty_store, "nobody@example.com", "nobody") is None
    auth.set_disabled(empty_store, ADMIN, "zhang.san", True, now=NOW)
    assert auth.user_for_identity(empty_store, "zhang@binhai.gov.cn") is None


def test_migration_4_maps_old_roles_and_every_user_still_logs_in(new_store, monkeypatch):
    """A store made at schema 3 (one role per user, PBKDF2 hashes) migrates without locking anyone out."""
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    new_store.migrate()
    with new_store.transaction() as s:
        for name, role in (("wb", "water_bureau"), ("off", "official"), ("adm", "admin"), ("pl", "planner")):
            hashed = passwords.legacy_pbkdf2_hash(f"{name}-password", name.encode().ljust(16, b"."))
            s.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)", [name, hashed, role, name, NOW])
    monkeypatch.undo()
    store = new_store
    assert store.migrate(layers.all_specs()) == migrations.LATEST
    expected = {"wb": "water_editor", "off": "viewer", "adm": "admin", "pl": "planner"}
    for name, role in expected.items():
        user = auth.authenticate(store, name, f"{name}-password", now=NOW)
        assert user.roles == frozenset({role})
    assert store.scalar("SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'") == 4


def test_a_session_ticket_is_redeemed_once_for_a_token_that_names_the_user_until_idle(empty_store):
    from geo.auth import sessions

    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["planner"], "张三", now=NOW)
    idle = dt.timedelta(minutes=30)
    ticket = sessions.open_session(empty_store, "zhang.san", "10.0.0.1", NOW)
    token = sessions.redeem_ticket(empty_store, ticket, NOW + dt.timedelta(seconds=5))
    assert token and sessions.redeem_ticket(empty_store, ticket, NOW) is None  # spent
    stored = str(empty_store.query("SELECT * FROM portal_sessions").to_dict())
    assert token not in stored and ticket not in stored  # only their digests are kept
    assert sessions.user_for_token(empty_store, token, NOW + dt.timedelta(minutes=20), idle).username == "zhang.san"
    # Used at +20 min, so still open at +45 (idle 25 min); closed after 31 idle minutes.
    assert sessions.user_for_token(empty_store, token, NOW + dt.timedelta(minutes=45), idle) is not None
    assert sessions.user_for_token(empty_store, token, NOW + dt.timedelta(minutes=77), idle) is None
    assert sessions.user_for_token(empty_store, token, NOW + dt.timedelta(minutes=78), idle) is None
    assert empty_store.scalar("SELECT count(*) FROM portal_sessions") == 0


def test_an_old_ticket_a_closed_session_or_a_disabled_user_give_no_login(empty_store):
    from geo.auth import sessions

    auth.add_user(empty_store, ADMIN, "zhang.san", "s3cret-pass", ["planner"], now=NOW)
    idle = dt.timedelta(minutes=30)
    old = sessions.open_session(empty_store, "zhang.san", "local", NOW)
    assert sessions.redeem_ticket(empty_store, old, NOW + dt.timedelta(seconds=61)) is None
    token = sessions.redeem_ticket(empty_store, sessions.open_session(empty_store, "zhang.san", "local", NOW), NOW)
    sessions.close_session(empty_store, token)
    assert sessions.user_for_token(empty_store, token, NOW, idle) is None
    token = sessions.redeem_ticket(empty_store, sessions.open_session(empty_store, "zhang.san", "local", NOW), NOW)
    auth.set_disabled(empty_store, ADMIN, "zhang.san", True, now=NOW)
    assert sessions.user_for_token(empty_store, token, NOW, idle) is None
    assert sessions.user_for_token(empty_store, "made-up-token", NOW, idle) is None
