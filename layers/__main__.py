"""Command line for the store: `python -m layers COMMAND …` (`python -m layers --help` lists them).

Results go to stdout; errors and hints go to stderr in Chinese and English. Exit status is 0 on
success and 2 for bad input or usage (a rejected file, an unknown layer, a missing file, a role
that is missing) — never a traceback for a user's mistake; a bug shows its traceback (exit 1).
Commands live in `layers/commands/` by theme (brief: the meeting brief).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from geo.errors import InputError, PortalError
from layers.commands import audit, brief, data, err, facilities, settings, stats, stores, users

USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before or after the subcommand; SUPPRESS keeps the later one from erasing the first.
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="DuckDB file or postgresql://… URL (default: $BINHAI_DB_URL, else $BINHAI_DB or data/binhai.duckdb)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m layers", description="滨海新区一张图图层工具 / Binhai map layer tool", parents=[db]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (data, users, audit, brief, facilities, stats, stores):
        module.register(sub, db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage (or --help)
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    try:
        settings(args)
        return args.run(args)
    except InputError as error:
        err(error.report("zh"), error.report("en"))
    except PortalError as error:  # a user's input or setting: a message and exit 2; anything else is a bug
        err(error.zh, error.en)
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
