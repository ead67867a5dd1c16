"""The audit log: one append-only, hash-chained row per change, written in the change's own transaction.

Each row holds when, who (user name, roles, client), what (action, entity type and id), the state
before and after (JSON of the changed attributes; a geometry as its WKB SHA-256 and area), and the
reason a workflow asked for. `hash` is the SHA-256 of the row's content together with the previous
row's hash, and `meta.audit_head` remembers the last (seq, hash): `verify` recomputes the chain and
names the first row that was edited, removed or inserted out of turn, or a removed tail.

Nothing in the project updates or deletes audit rows (a test greps for it). Rows are numbered
inside the writing transaction; the store admits one writer at a time, so the chain stays linear.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # db imports migrations, which take audit's DDL
    from geo.store.db import Session, Store

TABLE = "audit_log"
GENESIS = "0" * 64
HEAD_KEY = "audit_head"
# Columns that enter the hash, in this order.
CONTENT = (
    "seq",
    "recorded_at",
    "username",
    "roles",
    "client",
    "action",
    "entity_type",
    "entity_id",
    "before_json",
    "after_json",
    "reason",
)

DDL = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        seq BIGINT PRIMARY KEY,
        recorded_at TIMESTAMP NOT NULL,
        username VARCHAR NOT NULL,
        roles VARCHAR NOT NULL,
        client VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        entity_type VARCHAR NOT NULL,
        entity_id VARCHAR NOT NULL,
        before_json VARCHAR,
        after_json VARCHAR,
        reason VARCHAR,
        prev_hash VARCHAR NOT NULL,
        hash VARCHAR NOT NULL)""",
    f"INSERT INTO meta VALUES ('{HEAD_KEY}', '0:{GENESIS}') ON CONFLICT DO NOTHING",  # noqa: S608 - constants
]


def _plain(value: Any) -> Any:
    """A value as JSON can hold it, the same way every time (dates ISO, NaN as null, numbers as numbers)."""
    if value is None:
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if value is pd.NA:
        return None
    return value if isinstance(value, bool | int | str) else str(value)


def to_json(value: Any) -> str | None:
    """Canonical JSON (sorted keys, no spaces, UTF-8 text) of an audit before/after value."""
    if value is None:
        return None
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 of a row's content (`CONTENT`, canonical JSON) and the previous row's hash."""
    content = [_plain(row[c]) for c in CONTENT]
    text = json.dumps([content, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    text = session.scalar("SELECT value FROM meta WHERE key = ?", [HEAD_KEY]) or f"0:{GENESIS}"
    seq, _, digest = text.partition(":")
    return int(seq), digest


def record(
    session: Session,
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
    *,
    now: datetime,
    reason: str | None = None,
) -> int:
    """Append one audit row inside the caller's transaction; returns its sequence number.

    `actor` is a `geo.permissions.Actor` (user name, roles, client). `before`/`after` are JSON-able
    dicts of the changed attributes (None for a creation / a removal).
    """
    last_seq, last_hash = _head(session)
    row = {
        "seq": last_seq + 1,
        "recorded_at": now.replace(microsecond=(now.microsecond // 1000) * 1000),
        "username": actor.username,
        "roles": ",".join(sorted(actor.roles)),
        "client": actor.client,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before_json": to_json(before),
        "after_json": to_json(after),
        "reason": reason,
    }
    digest = row_hash(row, last_hash)
    session.execute(
        f"INSERT INTO {TABLE} ({', '.join(CONTENT)}, prev_hash, hash) "  # noqa: S608 - constant names
        f"VALUES ({', '.join('?' * (len(CONTENT) + 2))})",
        [*(row[c] for c in CONTENT), last_hash, digest],
    )
    session.execute("UPDATE meta SET value = ? WHERE key = ?", [f"{row['seq']}:{digest}", HEAD_KEY])
    return row["seq"]


@dataclass(frozen=True)
class ChainCheck:
    """The result of `verify`: rows read, and the first problem found (None when the chain holds)."""

    rows: int
    problem_seq: int | None = None
    problem_zh: str = ""
    problem_en: str = ""

    @property
    def ok(self) -> bool:
        return self.problem_seq is None


def verify(store: Store) -> ChainCheck:
    """Recompute the whole chain: an edited row, a removed or inserted row, or a removed tail is found."""
    frame = store.query(f"SELECT {', '.join(CONTENT)}, prev_hash, hash FROM {TABLE} ORDER BY seq")  # noqa: S608
    with store.session() as s:
        head_seq, head_hash = _head(s)
    expected_prev, expected_seq = GENESIS, 1
    for row in frame.to_dict("records"):
        seq = int(row["seq"])
        if seq != expected_seq:
            return ChainCheck(
                len(frame), expected_seq, f"第 {expected_seq} 条记录缺失", f"audit row {expected_seq} is missing"
            )
        if row["prev_hash"] != expected_prev:
            return ChainCheck(
                len(frame), seq, f"第 {seq} 条记录的前序哈希不符", f"audit row {seq} does not follow the one before it"
            )
        row["recorded_at"] = pd.Timestamp(row["recorded_at"]).to_pydatetime()
        if row_hash(row, expected_prev) != row["hash"]:
            return ChainCheck(len(frame), seq, f"第 {seq} 条记录的内容被改动", f"audit row {seq} has been altered")
        expected_prev, expected_seq = row["hash"], seq + 1
    if (expected_seq - 1, expected_prev) != (head_seq, head_hash):
        return ChainCheck(
            len(frame),
            head_seq,
            f"日志末尾被删除（应有 {head_seq} 条，实有 {expected_seq - 1} 条）",
            f"the end of the log was removed ({head_seq} rows recorded, {expected_seq - 1} present)",
        )
    return ChainCheck(len(frame))


def entries(
    store: Store,
    *,
    username: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Audit rows, newest first, filtered by user, action (prefix), entity (type or id, substring) and dates."""
    sql = f"""
        SELECT seq, recorded_at, username, roles, client, action, entity_type, entity_id,
               before_json, after_json, reason, hash
        FROM {TABLE}
        WHERE ($user IS NULL OR username = $user)
          AND ($action IS NULL OR starts_with(action, $action))
          AND ($entity IS NULL OR contains(entity_type || ':' || entity_id, $entity))
          AND ($since IS NULL OR recorded_at >= CAST($since AS TIMESTAMP))
          AND ($until IS NULL OR recorded_at < CAST($until AS TIMESTAMP) + INTERVAL 1 DAY)
        ORDER BY seq DESC
        LIMIT coalesce($limit, 9223372036854775807)
    """  # noqa: S608 - constant table name
    params = {"user": username, "action": action, "entity": entity, "since": since, "until": until, "limit": limit}
    return store.query(sql, params)


def actions(store: Store) -> list[str]:
    """Actions that occur in the log (for the filter)."""
    return list(store.query(f"SELECT DISTINCT action FROM {TABLE} ORDER BY action")["action"])  # noqa: S608
