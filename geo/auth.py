"""Users, roles and password checks (PBKDF2-SHA256). Editing in the portal needs a logged-in role.

Roles: admin (targets, users, everything), water_bureau (water bodies), planner (prohibited zones),
official (read-only; the same as not logged in, but named in the audit trail later).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from geo.errors import PortalError
from geo.store.db import Store

ROLES = {
    "admin": ("管理员", "Administrator"),
    "water_bureau": ("水务局", "Water bureau"),
    "planner": ("规划人员", "Planner"),
    "official": ("领导/浏览", "Official (read-only)"),
}
ITERATIONS = 240_000
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    """A portal login as the pages see it: name, display name, role."""

    username: str
    role: str
    display_name: str

    def can(self, role: str) -> bool:
        return self.role == role or self.role == "admin"


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash of `password` as one text (algorithm$iterations$salt$hash)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a stored hash (constant-time compare; a malformed hash is no match)."""
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt_hex), int(iterations))
    return hmac.compare_digest(digest.hex(), digest_hex)


def add_user(store: Store, username: str, password: str, role: str, display_name: str, now: datetime) -> User:
    """Create or replace a user; refuses weak input with a bilingual message."""
    if not USERNAME.match(username):
        raise PortalError("用户名只能包含字母、数字、_ . -，长度 2–32", "username: 2–32 letters, digits, _ . - only")
    if role not in ROLES:
        raise PortalError(
            f"未知角色 {role}，可选: {', '.join(ROLES)}", f"unknown role {role}; one of {', '.join(ROLES)}"
        )
    if len(password) < MIN_PASSWORD:
        raise PortalError(f"密码至少 {MIN_PASSWORD} 位", f"password must have at least {MIN_PASSWORD} characters")
    with store.transaction() as s:
        s.execute(
            "INSERT OR REPLACE INTO users (username, password_hash, role, display_name, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [username, hash_password(password), role, display_name or username, now],
        )
    return User(username, role, display_name or username)


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when the password matches, else None (same answer for unknown users)."""
    row = store.query("SELECT username, password_hash, role, display_name FROM users WHERE username = ?", [username])
    if row.empty:
        verify_password(password, hash_password("timing-equaliser", iterations=ITERATIONS))
        return None
    rec = row.iloc[0]
    if not verify_password(password, rec["password_hash"]):
        return None
    return User(rec["username"], rec["role"], rec["display_name"])
