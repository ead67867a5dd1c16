"""The CLI's subcommands, one module per theme; `layers/__main__.py` builds the parser from them.

Each module has `register(sub, db)` adding its subparsers (`db` is the parent parser carrying --db)
and command functions `cmd_*(args) -> int`. Helpers shared by all of them live here.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date

from geo.config import Settings, load_settings
from geo.errors import PortalError
from geo.store import Store, open_store


def settings(args: argparse.Namespace) -> Settings:
    """Every setting checked before a command runs (a malformed one raises SettingsError: exit 2)."""
    return load_settings(getattr(args, "db", None))


def store(args: argparse.Namespace) -> Store:
    """The store named by --db, else by $BINHAI_DB_URL (PostGIS) or $BINHAI_DB (a DuckDB file)."""
    return open_store(settings(args).store_location)


def existing_store(args: argparse.Namespace) -> Store:
    """The store of `store(args)`, which a command that reads or adds to it needs to exist (exit 2 if not)."""
    db = store(args)
    if not db.exists:
        raise PortalError(
            f"数据库 {db.label} 不存在；请先运行 python -m layers seed 或导入数据",
            f"the store {db.label} does not exist; run `python -m layers seed` or import data first",
        )
    return db


def err(*lines: str) -> None:
    print("\n".join(lines), file=sys.stderr)


def text_table(rows: list[tuple[str, ...]]) -> str:
    """Rows as aligned columns; Chinese characters take two columns in a terminal."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def day(text: str) -> date:
    """An argparse type: a date written YYYY-MM-DD, with a bilingual error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / a date must be YYYY-MM-DD: {text!r}") from None


def password_from_env_or_prompt(prompt: str = "密码 / password: ") -> str:
    """The password from $BINHAI_PASSWORD, else asked on the terminal — never from argv, never echoed."""
    password = os.environ.get("BINHAI_PASSWORD") or ""
    if password:
        return password
    if not sys.stdin.isatty():
        raise PortalError(
            "请通过环境变量 BINHAI_PASSWORD 提供密码", "set the password in BINHAI_PASSWORD (no terminal to ask)"
        )
    return getpass.getpass(prompt)
