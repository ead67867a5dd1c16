"""`python -m layers user add|list|set-role|disable|enable|passwd`: portal logins, each change audited.

Passwords come from $BINHAI_PASSWORD or a prompt — never from the command line, never printed.
"""

from __future__ import annotations

import argparse

import layers
from geo import auth
from geo.permissions import ROLES, cli_actor
from layers.commands import password_from_env_or_prompt, store, text_table


def _ready(args: argparse.Namespace):
    db = store(args)
    db.migrate(layers.all_specs())
    return db


def _roles(text: str) -> list[str]:
    return [r for r in (part.strip() for part in text.split(",")) if r]


def cmd_add(args: argparse.Namespace) -> int:
    password = password_from_env_or_prompt()
    user = auth.add_user(
        _ready(args), cli_actor(), args.username, password, _roles(args.role), args.name or args.username, args.email
    )
    print(f"已新建用户 / created user {user.username} ({', '.join(sorted(user.roles))})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    users = auth.list_users(_ready(args))
    rows = [("username", "显示名 / name", "roles", "状态 / state", "email")]
    for u in users.itertuples(index=False):
        state = "停用 disabled" if u.disabled else "启用 enabled"
        rows.append((u.username, u.display_name, ",".join(r for r in u.roles if r), state, u.email or ""))
    print(text_table(rows))
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    user = auth.set_roles(_ready(args), cli_actor(), args.username, _roles(args.role))
    print(f"已更新角色 / roles of {user.username}: {', '.join(sorted(user.roles))}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    user = auth.set_disabled(_ready(args), cli_actor(), args.username, True)
    print(f"已停用 / disabled {user.username}")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    user = auth.set_disabled(_ready(args), cli_actor(), args.username, False)
    print(f"已启用 / enabled {user.username}")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    password = password_from_env_or_prompt("新密码 / new password: ")
    user = auth.set_password(_ready(args), cli_actor(), args.username, password)
    print(f"已设置新密码 / new password set for {user.username}")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    roles = ", ".join(ROLES)
    p = sub.add_parser("user", parents=[db], help="门户登录账号 / portal logins")
    user_sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    p = user_sub.add_parser(
        "add", parents=[db], help="新建账号（密码取自 $BINHAI_PASSWORD 或提示输入）/ create a login"
    )
    p.add_argument("username")
    p.add_argument(
        "--role", required=True, help=f"一个或多个角色，逗号分隔 / one or more roles, comma-separated: {roles}"
    )
    p.add_argument("--name", help="显示名 / display name")
    p.add_argument("--email", help="电子邮箱（单点登录时据此对应账号）/ e-mail (maps a single-sign-on identity)")
    p.set_defaults(run=cmd_add)

    p = user_sub.add_parser("list", parents=[db], help="列出账号 / list logins")
    p.set_defaults(run=cmd_list)

    p = user_sub.add_parser("set-role", parents=[db], help="设置角色 / set the roles")
    p.add_argument("username")
    p.add_argument("--role", required=True, help=f"逗号分隔 / comma-separated: {roles}")
    p.set_defaults(run=cmd_set_role)

    for name, run, text in (
        ("disable", cmd_disable, "停用账号 / disable a login"),
        ("enable", cmd_enable, "启用账号 / enable a login"),
        ("passwd", cmd_passwd, "重设密码（取自 $BINHAI_PASSWORD 或提示输入）/ set a new password"),
    ):
        p = user_sub.add_parser(name, parents=[db], help=text)
        p.add_argument("username")
        p.set_defaults(run=run)
