"""`python -m layers audit verify|list|export`: read and check the tamper-evident audit log."""

from __future__ import annotations

import argparse

from geo.io.tables import write_table
from geo.store import audit
from layers.commands import day, err, store, text_table


def _entries(args: argparse.Namespace):
    return audit.entries(
        store(args),
        username=args.user,
        action=args.action,
        entity=args.entity,
        since=args.since,
        until=args.until,
        limit=getattr(args, "limit", None),
    )


def cmd_verify(args: argparse.Namespace) -> int:
    check = audit.verify(store(args))
    if check.ok:
        print(f"审计日志完整：{check.rows} 条，哈希链无误 / the audit log holds: {check.rows} rows, chain intact")
        return 0
    err(f"审计日志被篡改：{check.problem_zh}", f"the audit log has been tampered with: {check.problem_en}")
    return 1


def cmd_list(args: argparse.Namespace) -> int:
    rows = [("seq", "time", "user", "client", "action", "entity", "reason")]
    for e in _entries(args).itertuples(index=False):
        rows.append(
            (
                str(e.seq),
                str(e.recorded_at)[:19],
                e.username,
                e.client,
                e.action,
                f"{e.entity_type}:{e.entity_id}",
                e.reason or "",
            )
        )
    print(text_table(rows))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    db = store(args)
    out = write_table(_entries(args), args.out, "audit_log", protected=db.files(), force=args.force)
    print(f"已导出审计日志 / exported the audit log → {out}")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--user", help="用户名 / user name")
    filters.add_argument("--action", help="操作（前缀，如 layer.）/ action (prefix, e.g. layer.)")
    filters.add_argument("--entity", help="对象（类型或编号的一部分）/ entity (part of its type or id)")
    filters.add_argument("--since", type=day, help="起始日期 / from date (YYYY-MM-DD)")
    filters.add_argument("--until", type=day, help="截止日期 / to date (YYYY-MM-DD)")

    p = sub.add_parser("audit", parents=[db], help="审计日志 / the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    p = audit_sub.add_parser("verify", parents=[db], help="校验哈希链 / check the hash chain (exit 1 if broken)")
    p.set_defaults(run=cmd_verify)
    p = audit_sub.add_parser("list", parents=[db, filters], help="列出记录（新的在前）/ list rows, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(run=cmd_list)
    p = audit_sub.add_parser("export", parents=[db, filters], help="导出为 CSV 或 XLSX / export as CSV or XLSX")
    p.add_argument("--out", required=True, help="输出文件（.csv 或 .xlsx）/ the file to write (.csv or .xlsx)")
    p.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite an existing file")
    p.set_defaults(run=cmd_export)
