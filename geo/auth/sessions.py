"""Portal logins that survive a browser reload: a server-side session behind an HttpOnly cookie.

After a good login the page gets a one-time *ticket* (valid `TICKET_SECONDS`); the browser trades
it at `POST /portal/session` (server.py) for the session cookie, which carries a random token the
page's scripts never see (HttpOnly, SameSite=Strict). The store keeps only SHA-256 digests of
tickets and tokens. A token names a user only while the session is open, the user is enabled and
the session has not been idle longer than the portal's idle limit; logging out closes it.
These writes are bookkeeping (no data version bump, no audit row), like counting failed logins.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from geo.auth.users import User, get_user
from geo.store.db import Store

COOKIE = "binhai_session"
TICKET_SECONDS = 60
COOKIE_MAX_AGE = 12 * 3600  # the cookie's own life; the server's idle limit ends a session sooner
TOUCH_EVERY = timedelta(minutes=1)  # how often a page run moves `last_seen` on


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_session(store: Store, username: str, client: str, now: datetime) -> str:
    """Start a session for a user who just logged in; returns the one-time ticket the browser redeems."""
    ticket = secrets.token_urlsafe(24)
    with store.transaction(bump_version=False) as s:
        s.execute("DELETE FROM portal_sessions WHERE ticket_sha256 IS NOT NULL AND ticket_expires < ?", [now])
        s.execute(
            "INSERT INTO portal_sessions (session_id, username, client, created_at, last_seen, ticket_sha256, "
            "ticket_expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                secrets.token_hex(8),
                username,
                client,
                now,
                now,
                _digest(ticket),
                now + timedelta(seconds=TICKET_SECONDS),
            ],
        )
    return ticket


def redeem_ticket(store: Store, ticket: str, now: datetime) -> str | None:
    """The session token for a fresh ticket (the ticket is then spent); None for an unknown or old one."""
    token = secrets.token_urlsafe(32)
    with store.transaction(bump_version=False) as s:
        row = s.execute(
            "SELECT session_id FROM portal_sessions WHERE ticket_sha256 = ? AND ticket_expires >= ?",
            [_digest(ticket), now],
        ).fetchone()
        if row is None:
            return None
        s.execute(
            "UPDATE portal_sessions SET token_sha256 = ?, ticket_sha256 = NULL, ticket_expires = NULL, last_seen = ? "
            "WHERE session_id = ?",
            [_digest(token), now, row[0]],
        )
    return token


def user_for_token(store: Store, token: str, now: datetime, idle: timedelta) -> User | None:
    """The user of an open, recently used session; an idle one is closed. Disabled users get None."""
    with store.session() as s:
        row = s.execute(
            "SELECT session_id, username, last_seen FROM portal_sessions WHERE token_sha256 = ?", [_digest(token)]
        ).fetchone()
    if row is None:
        return None
    session_id, username, last_seen = row
    if now - last_seen > idle:
        close_session(store, token)
        return None
    user = get_user(store, username)
    if user is None or user.disabled:
        return None
    if now - last_seen > TOUCH_EVERY:
        with store.transaction(bump_version=False) as s:
            s.execute("UPDATE portal_sessions SET last_seen = ? WHERE session_id = ?", [now, session_id])
    return user


def close_session(store: Store, token: str) -> None:
    """End the session behind `token` (logout, or found idle)."""
    with store.transaction(bump_version=False) as s:
        s.execute("DELETE FROM portal_sessions WHERE token_sha256 = ?", [_digest(token)])
