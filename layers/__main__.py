"""Command line for the layer store: `python -m layers list|seed|validate|import|export|backup|restore|user add`.

Results go to stdout; errors and hints go to stderr in Chinese and English. Exit status is 0 on
success and 2 for bad input or usage (a rejected file, an unknown layer, a missing file) — never a
traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import layers
from geo import io
from geo.config import Limits, Settings, load_limits, load_settings
from geo.errors import InputError, PortalError
from geo.store.db import Store
from geo.store.features import count_features
from geo.store.tables import RECORD_TABLES, table_counts

USAGE_ERROR = 2


def _settings(args: argparse.Namespace) -> Settings:
    """Every setting checked before a command runs (a malformed one raises SettingsError: exit 2)."""
    return load_settings(getattr(args, "db", None))


def _store(args: argparse.Namespace) -> Store:
    """The store named by --db, else by $BINHAI_DB."""
    return Store(_settings(args).db_path)


def _limits() -> Limits:
    return load_limits()


def _err(*lines: str) -> None:
    print("\n".join(lines), file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    store = _store(args)
    counts = table_counts(store, [spec.name for spec in layers.all_specs()] + list(RECORD_TABLES))
    rows = [("name", "中文标题", "features")]
    rows += [(spec.name, spec.title_zh, str(counts[spec.name])) for spec in layers.all_specs()]
    rows += [(table, "", str(counts[table])) for table in RECORD_TABLES]
    print(_table(rows))
    if not store.exists:
        _err(
            f"数据库 {store.path} 尚不存在，请运行 python -m layers seed 生成示意数据",
            f"the store {store.path} does not exist yet; run `python -m layers seed` to create sample data",
        )
    return 0


def _table(rows: list[tuple[str, ...]]) -> str:
    # Chinese characters take two columns in a terminal.
    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def cmd_seed(args: argparse.Namespace) -> int:
    from data.sample import seed_store

    store = _store(args)
    store.migrate(layers.all_specs())
    counts = seed_store(store, seed=args.seed, scale=args.scale)
    for name, count in counts.items():
        print(f"{name}: {count}")
    print(f"已生成示意数据 / sample data written to {store.path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    features = io.read_features(Path(args.file), spec, _limits(), from_gcj02=args.from_gcj02)
    print(f"通过/OK: {len(features)} features ({spec.name})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    path = Path(args.file)
    limits = _limits()
    # Validate before the store is opened at all, so a rejected file leaves the store file untouched.
    features = io.read_features(path, spec, limits, from_gcj02=args.from_gcj02)
    store = _store(args)
    store.migrate(layers.all_specs())
    written = io.write_features(store, spec, features, args.mode, source_name=path.name)
    total = count_features(store, spec)
    print(f"已导入 {written} 个要素到 {spec.name}（{args.mode}），现共 {total} 个 / imported {written} features")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    out = io.export_layer(_store(args), spec, args.format, args.out, force=args.force)
    print(f"已导出 / exported {spec.name} → {out}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from geo.store.backup import create_backup

    info = create_backup(_store(args), Path(args.out), overwrite=args.force)
    print(
        f"已备份 {len(info.tables)} 张表、{info.rows} 行（架构版本 {info.schema_version}）→ {info.path}\n"
        f"backed up {len(info.tables)} tables, {info.rows} rows (schema {info.schema_version}) → {info.path}\n"
        f"sha256 {info.sha256}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from geo.store.backup import restore_backup

    store = _store(args)
    restored = restore_backup(Path(args.file), store, force=args.force)
    info = restored.info
    print(
        f"已从 {info.path} 恢复 {len(info.tables)} 张表、{info.rows} 行 → {store.path}\n"
        f"restored {len(info.tables)} tables, {info.rows} rows from {info.path} → {store.path}"
    )
    if restored.kept is not None:
        print(f"原数据库保留为 / the replaced store is kept as {restored.kept}")
    if restored.kept_unreadable:
        _err("原数据库无法打开，已原样保留 / the replaced store could not be opened; it was kept as it was")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create or reset a portal login; the password comes from $BINHAI_PASSWORD or a prompt, never argv."""
    import getpass
    import os
    from datetime import UTC, datetime

    from geo import auth

    password = os.environ.get("BINHAI_PASSWORD") or ""
    if not password:
        if not sys.stdin.isatty():
            raise PortalError(
                "请通过环境变量 BINHAI_PASSWORD 提供密码", "set the password in BINHAI_PASSWORD (no terminal to ask)"
            )
        password = getpass.getpass("密码 / password: ")
    store = _store(args)
    store.migrate(layers.all_specs())
    now = datetime.now(UTC).replace(tzinfo=None)
    user = auth.add_user(store, args.username, password, args.role, args.name or args.username, now)
    print(f"已保存用户 / saved user {user.username} ({user.role})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before or after the subcommand; SUPPRESS keeps the later one from erasing the first.
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", default=argparse.SUPPRESS, help="DuckDB store (default: $BINHAI_DB or data/binhai.duckdb)")
    parser = argparse.ArgumentParser(
        prog="python -m layers", description="滨海新区一张图图层工具 / Binhai map layer tool", parents=[db]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", parents=[db], help="图层与要素数 / layers with feature counts")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("seed", parents=[db], help="生成示意数据 / write the illustrative sample data")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--scale", type=int, default=1)
    p.set_defaults(run=cmd_seed)

    gcj02 = argparse.ArgumentParser(add_help=False)
    gcj02.add_argument(
        "--from-gcj02",
        action="store_true",
        help="坐标为 GCJ-02（火星坐标，高德/腾讯），先转为 WGS84 / the coordinates are GCJ-02 (Amap/Tencent): convert first",
    )
    p = sub.add_parser("validate", parents=[db, gcj02], help="只校验文件，不写库 / check a file, write nothing")
    p.add_argument("layer")
    p.add_argument("file")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("import", parents=[db, gcj02], help="校验并导入 / validate and import a file")
    p.add_argument("layer")
    p.add_argument("file")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--replace", dest="mode", action="store_const", const="replace", help="先清空图层 / empty first")
    mode.add_argument("--append", dest="mode", action="store_const", const="append", help="追加（默认）/ default")
    p.set_defaults(run=cmd_import, mode="append")

    p = sub.add_parser("export", parents=[db], help="导出图层 / export a layer")
    p.add_argument("layer")
    p.add_argument("--format", required=True, choices=io.EXPORT_FORMATS)
    p.add_argument("--out", required=True, help="输出文件 / the file to write")
    p.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite an existing file")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("backup", parents=[db], help="备份整个数据库 / back up the whole store")
    p.add_argument("--out", required=True, help="备份文件（zip）/ the backup file (a zip)")
    p.add_argument("--force", action="store_true", help="覆盖已有的备份文件 / overwrite an existing file")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", parents=[db], help="从备份恢复整个数据库 / restore the whole store from a backup")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="替换现有数据库 / replace an existing store")
    p.set_defaults(run=cmd_restore)

    from geo.auth import ROLES

    p = sub.add_parser("user", parents=[db], help="门户登录账号 / portal logins")
    user_sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    p = user_sub.add_parser("add", parents=[db], help="新建或重置账号 / create or reset a login")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--name", help="显示名 / display name")
    p.set_defaults(run=cmd_user_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage (or --help)
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    try:
        _settings(args)
        return args.run(args)
    except InputError as err:
        _err(err.report("zh"), err.report("en"))
    except PortalError as err:  # a user's input or setting: a message and exit 2; anything else is a bug
        _err(err.zh, err.en)
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
