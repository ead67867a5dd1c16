"""Subcommands on layers and the whole store: list, seed, validate, import, export, diff, backup, restore."""

from __future__ import annotations

import argparse
from pathlib import Path

import layers
from geo import io
from geo.config import load_limits
from geo.permissions import cli_actor
from geo.store.features import count_features, layer_diff
from geo.store.tables import RECORD_TABLES, table_counts
from layers.commands import day, err, store, text_table


def cmd_list(args: argparse.Namespace) -> int:
    db = store(args)
    counts = table_counts(db, [spec.name for spec in layers.all_specs()] + list(RECORD_TABLES))
    rows = [("name", "中文标题", "features")]
    rows += [(spec.name, spec.title_zh, str(counts[spec.name])) for spec in layers.all_specs()]
    rows += [(table, "", str(counts[table])) for table in RECORD_TABLES]
    print(text_table(rows))
    if not db.exists:
        err(
            f"数据库 {db.label} 尚不存在，请运行 python -m layers seed 生成示意数据",
            f"the store {db.label} does not exist yet; run `python -m layers seed` to create sample data",
        )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from data.sample import reseed_store

    db = store(args)
    counts, kept = reseed_store(db, seed=args.seed, scale=args.scale, actor=cli_actor())
    for name, count in counts.items():
        print(f"{name}: {count}")
    print(f"已生成示意数据 / sample data written to {db.label}")
    if kept is not None:
        print(f"原数据库保留为 / the replaced store is kept as {kept}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    features = io.read_features(Path(args.file), spec, load_limits(), from_gcj02=args.from_gcj02)
    print(f"通过/OK: {len(features)} features ({spec.name})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    path = Path(args.file)
    # Validate before the store is opened at all, so a rejected file leaves the store file untouched.
    features = io.read_features(path, spec, load_limits(), from_gcj02=args.from_gcj02)
    db = store(args)
    db.migrate(layers.all_specs())
    change = io.write_features(db, cli_actor(), spec, features, args.mode, source_name=path.name, reason=args.reason)
    total = count_features(db, spec)
    print(
        f"已导入 {spec.name}（{args.mode}）：新增 {len(change.added)}、修改 {len(change.changed)}、"
        f"移除 {len(change.removed)}、未变 {change.unchanged}，现共 {total} 个\n"
        f"imported {change.written} features into {spec.name} ({args.mode}): {len(change.added)} added, "
        f"{len(change.changed)} changed, {len(change.removed)} removed, {change.unchanged} unchanged; {total} now"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    out = io.export_layer(store(args), spec, args.format, args.out, force=args.force, as_of=args.as_of)
    when = f"（截至 {args.as_of}）/ as of {args.as_of}" if args.as_of else ""
    print(f"已导出 / exported {spec.name} {when}→ {out}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    spec = layers.get_spec(args.layer)
    diff = layer_diff(store(args), spec, args.start, args.end)
    print(f"{spec.title_zh} / {spec.title_en}: {args.start} → {args.end}")
    for label, frame in (("新增 / added", diff.added), ("移除 / removed", diff.removed)):
        print(f"{label}: {len(frame)}")
        for row in frame.itertuples(index=False):
            print(f"  {row.id}  {row.name or ''}  {row.area_km2 or 0:.3f} km²")
    print(f"修改 / changed: {len(diff.changed)}")
    for row in diff.changed.itertuples(index=False):
        print(
            f"  {row.id}  {row.name or ''}  {row.area_before_km2 or 0:.3f} → {row.area_after_km2 or 0:.3f} km²  ({row.fields})"
        )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from geo.store.backup import create_backup

    info = create_backup(store(args), Path(args.out), overwrite=args.force)
    print(
        f"已备份 {len(info.tables)} 张表、{info.rows} 行（架构版本 {info.schema_version}）→ {info.path}\n"
        f"backed up {len(info.tables)} tables, {info.rows} rows (schema {info.schema_version}) → {info.path}\n"
        f"sha256 {info.sha256}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from geo.store.backup import restore_backup

    db = store(args)
    restored = restore_backup(db, cli_actor(), Path(args.file), force=args.force)
    info = restored.info
    print(
        f"已从 {info.path} 恢复 {len(info.tables)} 张表、{info.rows} 行 → {db.label}\n"
        f"restored {len(info.tables)} tables, {info.rows} rows from {info.path} → {db.label}"
    )
    if restored.kept is not None:
        print(f"原数据库保留为 / the replaced store is kept as {restored.kept}")
    if restored.kept_unreadable:
        err("原数据库无法打开，已原样保留 / the replaced store could not be opened; it was kept as it was")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    p = sub.add_parser("list", parents=[db], help="图层与要素数 / layers with feature counts")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser(
        "seed", parents=[db], help="生成示意数据（已有数据的库整体换新，旧库保留）/ write the illustrative sample data"
    )
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
    mode.add_argument(
        "--replace",
        dest="mode",
        action="store_const",
        const="replace",
        help="以文件为准替换整层 / the file replaces the layer",
    )
    mode.add_argument("--append", dest="mode", action="store_const", const="append", help="追加（默认）/ default")
    p.add_argument("--reason", help="原因（记入审计日志）/ why (kept in the audit log)")
    p.set_defaults(run=cmd_import, mode="append")

    p = sub.add_parser("export", parents=[db], help="导出图层 / export a layer")
    p.add_argument("layer")
    p.add_argument("--format", required=True, choices=io.EXPORT_FORMATS)
    p.add_argument("--out", required=True, help="输出文件 / the file to write")
    p.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite an existing file")
    p.add_argument("--as-of", type=day, help="导出该日的状态 / the layer as it was on this date (YYYY-MM-DD)")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("diff", parents=[db], help="两个日期之间图层的变化 / what changed in a layer between two dates")
    p.add_argument("layer")
    p.add_argument("--from", dest="start", type=day, required=True, help="起始日期 / first date (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=day, required=True, help="截止日期 / second date (YYYY-MM-DD)")
    p.set_defaults(run=cmd_diff)

    p = sub.add_parser("backup", parents=[db], help="备份整个数据库 / back up the whole store")
    p.add_argument("--out", required=True, help="备份文件（zip）/ the backup file (a zip)")
    p.add_argument("--force", action="store_true", help="覆盖已有的备份文件 / overwrite an existing file")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", parents=[db], help="从备份恢复整个数据库 / restore the whole store from a backup")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="替换现有数据库 / replace an existing store")
    p.set_defaults(run=cmd_restore)
