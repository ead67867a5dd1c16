from __future__ import annotations

import datetime as dt

import pytest

from geo import auth
from geo.errors import PortalError

NOW = dt.datetime(2025, 1, 1)


def test_password_hash_verifies_and_is_salted():
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first != second
    assert auth.verify_password("correct horse", first)
    assert not auth.verify_password("wrong horse", first)
    assert not auth.verify_password("x", "not-a-hash")


def test_authenticate_returns_the_user_only_with_the_right_password(empty_store):
    auth.add_user(empty_store, "zhang.san", "s3cret-pass", "admin", "张三", NOW)
    user = auth.authenticate(empty_store, "zhang.san", "s3cret-pass")
    assert user == auth.User("zhang.san", "admin", "张三")
    assert auth.authenticate(empty_store, "zhang.san", "wrong-pass") is None
    assert auth.authenticate(empty_store, "nobody", "s3cret-pass") is None


def test_admin_can_do_every_role_others_only_their_own():
    assert auth.User("a", "admin", "a").can("planner")
    assert auth.User("p", "planner", "p").can("planner")
    assert not auth.User("p", "planner", "p").can("admin")


@pytest.mark.parametrize(
    ("username", "password", "role", "match"),
    [
        ("x", "longenough", "admin", "用户名"),
        ("ok_name", "short", "admin", "密码"),
        ("ok_name", "longenough", "root", "角色"),
        ("bad name'; --", "longenough", "admin", "username"),
    ],
)
def test_add_user_refuses_bad_input_with_a_bilingual_message(empty_store, username, password, role, match):
    with pytest.raises(PortalError, match=match):
        auth.add_user(empty_store, username, password, role, "", NOW)
    assert empty_store.scalar("SELECT count(*) FROM users") == 0
