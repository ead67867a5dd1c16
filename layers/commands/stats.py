"""`python -m layers stats import FILE [--year Y] [--dry-run]`: yearly statistics workbooks into the store."""

from __future__ import annotations

import argparse
from pathlib import Path

import layers
from geo import stats_import
from geo.config import load_limits
from geo.errors import InputError, Problem
from geo.indicators import INDICATORS
from geo.permissions import cli_actor
from layers.commands import existing_store, text_table

SHOWN_ROWS = 40  # changed values printed; the counts cover all of them


def _fmt(value: float | None) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise InputError(path.name, [Problem(f"找不到文件 {path}", f"no such file {path}")])
    db = existing_store(args)
    db.migrate(layers.all_specs())
    plan = stats_import.plan_import(db, path, year=args.year, max_rows=load_limits().max_features)
    rows = [("名称(文件) / in file", "匹配 / matched", "编号 / id", "方式 / by")]
    rows += [(m.name_in_file, m.name, m.entity_id, m.matched_by) for m in plan.matching.itertuples(index=False)]
    print(text_table(rows))
    changes = plan.writes
    rows = [("编号 / id", "年 / year", "指标 / indicator", "原值 / old", "新值 / new", "单位 / unit")]
    rows += [
        (c.entity_id, str(c.year), c.indicator, _fmt(c.old), _fmt(c.value), INDICATORS[c.indicator].unit)
        for c in changes.head(SHOWN_ROWS).itertuples(index=False)
    ]
    print(text_table(rows))
    if len(changes) > SHOWN_ROWS:
        print(f"… 另有 {len(changes) - SHOWN_ROWS} 个 / {len(changes) - SHOWN_ROWS} more")
    counts = plan.counts()
    summary = (
        f"新增 {counts['new']}、修改 {counts['changed']}、未变 {counts['unchanged']}（年份 {plan.years}）\n"
        f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged (years {plan.years})"
    )
    if len(plan.outliers) and not args.confirm_outliers:
        raise InputError(plan.source_name, stats_import.outlier_problems(plan))
    if args.dry_run:
        print(f"{summary}\n试运行，未写入 / dry run: nothing written")
        return 0
    stats_import.import_statistics(db, cli_actor(), plan, confirm_outliers=args.confirm_outliers, reason=args.reason)
    print(f"已导入 / imported {plan.source_name}: {summary}")
    return 0


def cmd_import_targets(args: argparse.Namespace) -> int:
    from geo import plan as plans
    from geo import targets_import

    path = Path(args.file)
    if not path.is_file():
        raise InputError(path.name, [Problem(f"找不到文件 {path}", f"no such file {path}")])
    db = existing_store(args)
    db.migrate(layers.all_specs())
    period = plans.period_by_code(db, args.period)
    plan = targets_import.plan_targets(db, path, period, max_rows=load_limits().max_features)
    rows = [("编号 / id", "指标 / indicator", "基期 / baseline", "原目标 / old", "新目标 / new", "单位 / unit")]
    rows += [
        (r.entity_id, r.indicator, _fmt(r.baseline_value), _fmt(r.old_target), _fmt(r.target_value), r.unit)
        for r in plan.rows[plan.rows["change"] != "unchanged"].head(SHOWN_ROWS).itertuples(index=False)
    ]
    print(text_table(rows))
    counts = plan.counts()
    summary = (
        f"{period.title_zh} {period.target_year} 目标：新增 {counts['new']}、修改 {counts['changed']}、未变 {counts['unchanged']}\n"
        f"{period.title_en} {period.target_year} targets: {counts['new']} new, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged"
    )
    if args.dry_run:
        print(f"{summary}\n试运行，未写入 / dry run: nothing written")
        return 0
    targets_import.import_targets(db, cli_actor(), plan, reason=args.reason)
    print(f"已导入 / imported {plan.source_name}: {summary}")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stats", parents=[db], help="统计数据 / statistics")
    stats_sub = p.add_subparsers(dest="stats_command", required=True, metavar="ACTION")
    p = stats_sub.add_parser(
        "import", parents=[db], help="导入统计表（XLSX/CSV，宽表或长表）/ import a statistics workbook (XLSX/CSV)"
    )
    p.add_argument("file")
    p.add_argument("--year", type=int, help="文件未写年份时的年份 / the year when the file does not say")
    p.add_argument("--dry-run", action="store_true", help="只预览，不写入 / preview only, write nothing")
    p.add_argument(
        "--confirm-outliers",
        action="store_true",
        help="确认导入比上一年大 1000 倍以上的数值 / import values ≥ 1000× the year before",
    )
    p.add_argument("--reason", help="导入原因（记入审计日志）/ reason, kept in the audit log")
    p.set_defaults(run=cmd_import)

    p = stats_sub.add_parser(
        "import-targets", parents=[db], help="导入规划期目标（同统计表格式）/ import a plan period's targets"
    )
    p.add_argument("file")
    p.add_argument("--period", required=True, help="规划期代码，如 fyp15 / plan period code, e.g. fyp15")
    p.add_argument("--dry-run", action="store_true", help="只预览，不写入 / preview only, write nothing")
    p.add_argument("--reason", help="导入原因（记入审计日志）/ reason, kept in the audit log")
    p.set_defaults(run=cmd_import_targets)
