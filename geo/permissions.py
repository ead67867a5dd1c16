"""Roles, the acting user, and the check every write in geo/ makes before it touches the store.

A write function is declared with `@writes(action, *roles)`: its first two parameters are the store
and the acting `Actor`, and it raises `PermissionDenied` — before opening a connection — unless the
actor holds one of `roles` (an admin holds every role). `WRITERS` lists every such function, so a
test can prove that each refuses an anonymous caller and a viewer with the store byte-identical.
"""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from geo.errors import PortalError

# role code → (中文, English)
ROLES: dict[str, tuple[str, str]] = {
    "viewer": ("浏览（领导）", "Viewer (officials)"),
    "water_editor": ("水务局编辑", "Water bureau editor"),
    "water_reviewer": ("水务局审核", "Water bureau reviewer"),
    "planner": ("规划人员", "Planner"),
    "zone_approver": ("禁燃区审批", "Zone approver"),
    "stats_editor": ("统计录入", "Statistics editor"),
    "admin": ("管理员", "Administrator"),
}
# Role codes of earlier versions, mapped by migration 4 (and accepted on the CLI).
LEGACY_ROLES = {"water_bureau": "water_editor", "official": "viewer"}
CLIENTS = ("portal", "cli", "system")

F = TypeVar("F", bound=Callable[..., Any])


def role_title(role: str, lang: str) -> str:
    zh, en = ROLES.get(role, (role, role))
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user name, display name, roles held, and from where (portal, cli, system)."""

    username: str
    display_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    client: str = "portal"

    def has(self, role: str) -> bool:
        """Whether the actor may act as `role` (an admin may act as any role)."""
        return role in self.roles or "admin" in self.roles

    def can(self, role: str) -> bool:
        return self.has(role)

    def titles(self, lang: str) -> str:
        return "、".join(role_title(r, lang) for r in sorted(self.roles)) or ("无" if lang == "zh" else "none")


def cli_actor() -> Actor:
    """The operator at the server's shell: an administrator named after the OS account.

    Whoever runs the CLI can open the store file directly, so the role is not a barrier there; the
    audit log still names the account and the client.
    """
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (containers)
        name = "unknown"
    return Actor(f"cli:{name}", f"命令行 {name}", frozenset({"admin"}), "cli")


SYSTEM = Actor("system", "系统 / system", frozenset({"admin"}), "system")


class PermissionDenied(PortalError):
    """The acting user lacks the role a write needs (or nobody is logged in)."""


def require(actor: Actor | None, roles: Iterable[str]) -> Actor:
    """`actor` if it holds one of `roles`; `PermissionDenied` naming the roles needed and held otherwise."""
    needed = tuple(roles)
    if actor is None:
        raise PermissionDenied("请先登录后再修改数据", "log in before changing data")
    if any(actor.has(r) for r in needed):
        return actor
    need_zh = " 或 ".join(role_title(r, "zh") for r in needed)
    need_en = " or ".join(role_title(r, "en") for r in needed)
    raise PermissionDenied(
        f"需要角色：{need_zh}；当前角色：{actor.titles('zh')}",
        f"role needed: {need_en}; your roles: {actor.titles('en')}",
    )


@dataclass(frozen=True)
class Writer:
    """A registered write function: what it does (audit action) and who may call it."""

    action: str
    roles: tuple[str, ...]
    function: Callable[..., Any]
    roles_from: Callable[..., tuple[str, ...]] | None = None


WRITERS: dict[str, Writer] = {}


def writes(action: str, *roles: str, roles_from: Callable[..., tuple[str, ...]] | None = None) -> Callable[[F], F]:
    """Declare a write function `fn(store, actor, ...)`: the role check runs before its body.

    `roles` are fixed; `roles_from(*args, **kwargs)` (the arguments after store and actor) names them
    per call instead — e.g. a layer import needs the layer's own editor role.
    """
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not (roles or roles_from):
        raise ValueError(f"{action}: unknown or no roles {unknown}")

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def checked(store: Any, actor: Actor | None, *args: Any, **kwargs: Any) -> Any:
            require(actor, roles_from(*args, **kwargs) if roles_from else roles)
            return fn(store, actor, *args, **kwargs)

        name = f"{fn.__module__}.{fn.__qualname__}"
        WRITERS[name] = Writer(action, tuple(roles), checked, roles_from)
        checked.writer = WRITERS[name]  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return wrap
