"""`python -m layers brief`: the meeting brief (A4 PDF) or its map (PNG) of a page's view, for scheduled jobs."""

from __future__ import annotations

import argparse

from geo import brief
from geo.indicators import PARK_INDICATORS
from layers.commands import day, existing_store


def cmd_brief(args: argparse.Namespace) -> int:
    db = existing_store(args)
    request = brief.BriefRequest(
        page=args.page,
        level=brief.level_code(args.level),
        indicator=args.indicator,
        year=args.year,
        as_of=args.as_of,
        orientation=args.orientation,
        normalisation=args.normalisation,
    ).check()
    out = brief.write_brief(db, request, args.out, kind=args.format, force=args.force)
    print(f"已生成简报 / brief written → {out}")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "brief",
        parents=[db],
        help="生成会议简报（A4 PDF，或地图 PNG）/ make the meeting brief (A4 PDF, or the map as PNG)",
        description="例 / e.g. python -m layers brief --page assessment --level 街镇 --indicator energy_intensity "
        "--year 2024 --out brief.pdf; python -m layers brief --page water --as-of 2025-06-30 --out water.pdf "
        "(water 黑臭水体 and zones 禁燃区规划 briefs have their own content: --level/--indicator/--year do not apply)",
    )
    p.add_argument("--page", default="assessment", help=f"页面 / page: {', '.join(brief.PAGES)}")
    p.add_argument("--level", default="town", help="层级 / level: 全区 开发区 街镇 园区 (district zone town park)")
    p.add_argument(
        "--indicator",
        default="energy_intensity",
        help=f"指标 / indicator: {', '.join(i.code for i in PARK_INDICATORS)}",
    )
    p.add_argument("--year", type=int, help="年份（默认最新）/ year (default: the latest with data)")
    p.add_argument("--as-of", type=day, help="该日的数据状态 / the data as they stood on this date (YYYY-MM-DD)")
    p.add_argument("--orientation", default="portrait", help="纸张方向 / paper: portrait（纵向）or landscape（横向）")
    p.add_argument("--normalisation", default="total", help="园区地图口径 / parks map basis: total per_km2 per_va")
    p.add_argument("--format", choices=brief.files.FORMATS, help="pdf 或 png（默认按文件名）/ default: from --out")
    p.add_argument("--out", required=True, help="输出文件 / output file (.pdf, or .png for the map alone)")
    p.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite an existing file")
    p.set_defaults(run=cmd_brief)
