"""Portal logins: users with several roles, argon2id passwords, throttled and audited sign-in.

Every change to a user is a registered write (`@writes`, admins only) with its audit row. A login
that fails counts against the user name and against the client (its address); after
`MAX_FAILURES` failures within `FAILURE_WINDOW` either is locked for `LOCK_TIME`, with one message
for unknown names and wrong passwords alike. A PBKDF2 hash of an earlier version is replaced by an
argon2id one at the next good login.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd

from geo.auth import passwords
from geo.errors import PortalError
from geo.permissions import LEGACY_ROLES, ROLES, Actor, writes
from geo.store import audit
from geo.store.db import Session, Store

USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)


class LoginRefused(PortalError):
    """A login that did not succeed; the words never tell whether the user name exists."""


@dataclass(frozen=True)
class User:
    """A portal login: name, display name, roles, whether it is disabled, and its e-mail (for single sign-on)."""

    username: str
    display_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    disabled: bool = False
    email: str | None = None

    def actor(self, client: str = "portal") -> Actor:
        return Actor(self.username, self.display_name, self.roles, client)

    def can(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC).replace(tzinfo=None)


def normalise_roles(roles: Iterable[str]) -> frozenset[str]:
    """Role codes checked and de-duplicated (legacy names mapped); `PortalError` for an unknown one."""
    found = set()
    for role in roles:
        code = LEGACY_ROLES.get(role.strip(), role.strip())
        if code not in ROLES:
            raise PortalError(
                f"未知角色 {role}，可选: {', '.join(ROLES)}", f"unknown role {role}; one of {', '.join(ROLES)}"
            )
        found.add(code)
    if not found:
        raise PortalError("至少需要一个角色", "at least one role is needed")
    return frozenset(found)


def _check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise PortalError("用户名只能包含字母、数字、_ . -，长度 2–32", "username: 2–32 letters, digits, _ . - only")


def _check_password(password: str) -> None:
    reason = passwords.check_strength(password)
    if reason:
        raise PortalError(*reason)


def _state(session: Session, username: str) -> dict | None:
    row = session.execute(
        "SELECT u.display_name, coalesce(u.disabled, false), u.email, list(r.role ORDER BY r.role) FROM users u "
        "LEFT JOIN user_roles r USING (username) WHERE u.username = ? GROUP BY ALL",
        [username],
    ).fetchone()
    if row is None:
        return None
    return {"display_name": row[0], "disabled": bool(row[1]), "email": row[2], "roles": [r for r in row[3] if r]}


def get_user(store: Store, username: str) -> User | None:
    """The user named `username` (exactly), or None."""
    with store.session() as s:
        state = _state(s, username)
    if state is None:
        return None
    return User(username, state["display_name"], frozenset(state["roles"]), state["disabled"], state["email"])


def list_users(store: Store) -> pd.DataFrame:
    """Every user: username, display_name, roles (sorted list), disabled, email, created_at, updated_at."""
    return store.query(
        "SELECT u.username, u.display_name, list(r.role ORDER BY r.role) AS roles, coalesce(u.disabled, false) AS disabled, u.email, "
        "u.created_at, coalesce(u.updated_at, u.created_at) AS updated_at FROM users u LEFT JOIN user_roles r USING (username) GROUP BY ALL "
        "ORDER BY u.username"
    )


def _write_roles(session: Session, username: str, roles: frozenset[str]) -> None:
    session.execute("DELETE FROM user_roles WHERE username = ?", [username])
    session.execute(
        "INSERT INTO user_roles SELECT ?, unnest(CAST(? AS VARCHAR[]))",
        [username, sorted(roles)],
    )


@writes("user.add", "admin")
def add_user(
    store: Store,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str = "",
    email: str | None = None,
    now: datetime | None = None,
) -> User:
    """Create a user (`PortalError` if the name is taken or the input is weak); audited."""
    _check_username(username)
    _check_password(password)
    codes = normalise_roles(roles)
    email = (email or "").strip().lower() or None
    if email and not EMAIL.match(email):
        raise PortalError(f"电子邮箱格式不对: {email}", f"not an e-mail address: {email}")
    now = _now(now)
    with store.transaction() as s:
        if _state(s, username) is not None:
            raise PortalError(f"用户 {username} 已存在", f"user {username} already exists")
        s.execute(
            "INSERT INTO users (username, password_hash, display_name, created_at, updated_at, disabled, email) "
            "VALUES (?, ?, ?, ?, ?, false, ?)",
            [username, passwords.hash_password(password), display_name or username, now, now, email],
        )
        _write_roles(s, username, codes)
        after = {"display_name": display_name or username, "roles": sorted(codes), "disabled": False, "email": email}
        audit.record(s, actor, "user.add", "user", username, None, after, now=now)
    return User(username, display_name or username, codes, False, email)


def _change(store: Store, actor: Actor, action: str, username: str, now: datetime | None, apply, reason=None) -> User:
    now = _now(now)
    with store.transaction() as s:
        before = _state(s, username)
        if before is None:
            raise PortalError(f"没有用户 {username}", f"no user {username}")
        apply(s, now)
        s.execute("UPDATE users SET updated_at = ? WHERE username = ?", [now, username])
        after = _state(s, username)
        audit.record(s, actor, action, "user", username, before, after, now=now, reason=reason)
    return User(username, after["display_name"], frozenset(after["roles"]), after["disabled"], after["email"])


@writes("user.roles", "admin")
def set_roles(store: Store, actor: Actor, username: str, roles: Iterable[str], now: datetime | None = None) -> User:
    """Replace a user's roles; an admin cannot take the admin role from themselves (no lock-out)."""
    codes = normalise_roles(roles)
    if username == actor.username and "admin" in actor.roles and "admin" not in codes:
        raise PortalError("不能取消自己的管理员角色", "you cannot remove your own administrator role")
    return _change(store, actor, "user.roles", username, now, lambda s, _: _write_roles(s, username, codes))


@writes("user.disable", "admin")
def set_disabled(store: Store, actor: Actor, username: str, disabled: bool, now: datetime | None = None) -> User:
    """Disable (or enable again) a login; a disabled user cannot log in. Not oneself."""
    if username == actor.username and disabled:
        raise PortalError("不能停用自己的账号", "you cannot disable your own account")
    return _change(
        store,
        actor,
        "user.disable" if disabled else "user.enable",
        username,
        now,
        lambda s, _: s.execute("UPDATE users SET disabled = ? WHERE username = ?", [bool(disabled), username]),
    )


@writes("user.password", "admin")
def set_password(store: Store, actor: Actor, username: str, password: str, now: datetime | None = None) -> User:
    """Set a new password (argon2id); the audit row records that it changed, never the password or hash."""
    _check_password(password)
    digest = passwords.hash_password(password)
    return _change(
        store,
        actor,
        "user.password",
        username,
        now,
        lambda s, _: s.execute("UPDATE users SET password_hash = ? WHERE username = ?", [digest, username]),
    )


# -- signing in ------------------------------------------------------------------------------------


def _locked_until(session: Session, kind: str, key: str, now: datetime) -> datetime | None:
    row = session.execute(
        "SELECT locked_until FROM login_failures WHERE kind = ? AND key = ? AND locked_until > ?", [kind, key, now]
    ).fetchone()
    return row[0] if row else None


def _count_failure(session: Session, kind: str, key: str, now: datetime) -> None:
    row = session.execute(
        "SELECT failures, first_failure_at FROM login_failures WHERE kind = ? AND key = ?", [kind, key]
    ).fetchone()
    failures = 1 if row is None or row[1] < now - FAILURE_WINDOW else row[0] + 1
    first = now if row is None or failures == 1 else row[1]
    locked = now + LOCK_TIME if failures >= MAX_FAILURES else None
    session.execute(
        "INSERT INTO login_failures VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET "
        "failures = excluded.failures, first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until",
        [kind, key, failures, first, locked],
    )


def _refused() -> LoginRefused:
    return LoginRefused("用户名或密码错误", "wrong user name or password")


def authenticate(
    store: Store, username: str, password: str, client: str = "local", now: datetime | None = None
) -> User:
    """The user when the password matches; `LoginRefused` otherwise (unknown name, wrong password,
    disabled account, or too many failures from this name or client — the first two worded alike)."""
    now = _now(now)
    name_key = username.strip().casefold()
    with store.transaction(bump_version=False) as s:
        locks = [t for t in (_locked_until(s, "user", name_key, now), _locked_until(s, "client", client, now)) if t]
        if locks:
            minutes = max(1, int((max(locks) - now).total_seconds() // 60) + 1)
            raise LoginRefused(
                f"登录失败次数过多，请 {minutes} 分钟后再试", f"too many failed logins; try again in {minutes} minutes"
            )
        row = s.execute(
            "SELECT username, password_hash, coalesce(disabled, false) FROM users WHERE lower(username) = ?", [name_key]
        ).fetchone()
        ok, rehash = passwords.verify(password, row[1] if row else None)
        if not ok:
            _count_failure(s, "user", name_key, now)
            _count_failure(s, "client", client, now)
            failed = _refused()
        else:
            failed = None
    if failed:
        raise failed  # after the commit: the failure is counted even though the login is refused
    if row[2]:
        raise LoginRefused("该账号已停用，请联系管理员", "this account is disabled; ask an administrator")
    with store.transaction(bump_version=False) as s:
        s.execute(
            "DELETE FROM login_failures WHERE (kind = 'user' AND key = ?) OR (kind = 'client' AND key = ?)",
            [name_key, client],
        )
        if rehash:
            s.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?", [passwords.hash_password(password), row[0]]
            )
    return get_user(store, row[0])


def user_for_identity(store: Store, email: str | None, subject: str | None = None) -> User | None:
    """The enabled user a single-sign-on identity maps to: by e-mail (case-insensitive), else by user name = subject."""
    email = (email or "").strip().lower()
    found = store.query(
        "SELECT username FROM users WHERE NOT coalesce(disabled, false) AND ((? <> '' AND lower(email) = ?) OR username = ?) "
        "ORDER BY (lower(email) = ?) DESC LIMIT 1",
        [email, email, subject or "", email],
    )
    return None if found.empty else get_user(store, str(found["username"].iloc[0]))
