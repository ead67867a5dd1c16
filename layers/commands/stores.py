"""`python -m layers migrate-store --from SRC --to DST`: the whole store into another, DuckDB ↔ PostGIS.

SRC and DST are each a DuckDB file or a `postgresql://…[#schema]` URL. The copy and its checks live
in `geo.store.copy`; here: the arguments, progress on stderr, the verification table on stdout.
Exit 0 when every table matches, 1 when the written copy does not match (the table says where),
2 for a refusal (nothing written).
"""

from __future__ import annotations

import argparse

import layers
from geo.permissions import cli_actor
from geo.store import open_store
from geo.store.copy import CopyMismatch, CopyReport, migrate_store
from layers.commands import err, text_table


def verification_table(report: CopyReport) -> str:
    rows = [("表 / table", "源行数 / source rows", "目标行数 / target rows", "校验和 / checksum", "")]
    for t in report.tables:
        mark = "ok" if t.ok else "不一致 / MISMATCH"
        digest = t.source_digest[:16] if t.ok else f"{t.source_digest[:16]} ≠ {t.target_digest[:16]}"
        rows.append((t.name, f"{t.source_rows:,}", f"{t.target_rows:,}", digest, mark))
    for name, (a, b) in report.sequences.items():
        rows.append((f"sequence {name}", str(a), str(b), "", "ok" if b >= a else "不一致 / MISMATCH"))
    return text_table(rows)


def cmd_migrate_store(args: argparse.Namespace) -> int:
    source, target = open_store(args.source), open_store(args.target)
    try:
        report = migrate_store(target, cli_actor(), source, layers.all_specs(), force=args.force, progress=err)
    except CopyMismatch as mismatch:
        print(verification_table(mismatch.report))
        err(mismatch.zh, mismatch.en)
        return 1
    print(verification_table(report))
    print(
        f"已复制 {len(report.tables)} 张表、{report.rows:,} 行，逐表行数与校验和一致：{source.label} → {target.label}\n"
        f"copied {len(report.tables)} tables, {report.rows:,} rows; every table's rows and checksum match: "
        f"{source.label} → {target.label}"
    )
    print(f"审计记录 / audit row: store.migrate #{report.audit_seq} (在校验之后写入 / written after the check)")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate-store",
        help="整库复制：DuckDB ↔ PostGIS，含历史与审计，逐表校验 / copy the whole store between DuckDB and PostGIS",
    )
    p.add_argument("--from", dest="source", required=True, help="源：DuckDB 文件或 postgresql://… / the source store")
    p.add_argument("--to", dest="target", required=True, help="目标：DuckDB 文件或 postgresql://… / the target store")
    p.add_argument(
        "--force", action="store_true", help="替换目标中已有的数据 / replace the data the target already holds"
    )
    p.set_defaults(run=cmd_migrate_store)
