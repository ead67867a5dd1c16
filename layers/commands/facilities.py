"""Issue 14 commands: plants' monthly figures and concentration grids (each validated, then one audited write)."""

from __future__ import annotations

import argparse
from pathlib import Path

import layers
from geo import facilities, grids
from geo.config import load_limits
from geo.errors import PortalError
from geo.permissions import cli_actor
from layers.commands import err, store


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise PortalError(f"找不到文件 {path}", f"no such file {path}")
    return path.read_bytes()


def cmd_monthly_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = _read(path)
    db = store(args)
    db.migrate(layers.all_specs())
    checked = facilities.check_monthly(db, data, path.name, load_limits())
    for warning in checked.warnings:
        err(f"提示 / warning: {warning.text('zh')} / {warning.text('en')}")
    if args.check or checked.errors:
        if checked.errors:
            facilities.import_monthly(db, cli_actor(), data, path.name, load_limits())  # raises the InputError
        print(f"通过/OK: {len(checked.rows)} rows")
        return 0
    done = facilities.import_monthly(db, cli_actor(), data, path.name, load_limits())
    print(f"已导入 {len(done.rows)} 行月报 / imported {len(done.rows)} monthly rows")
    return 0


def cmd_grid_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = _read(path)
    if args.check:
        grids.read_grid(data, path.name, load_limits())
        print("通过/OK")
        return 0
    db = store(args)
    db.migrate(layers.all_specs())
    rows = grids.upload_grid(db, cli_actor(), data, path.name, args.pollutant, args.year, load_limits())
    print(f"已保存网格，写入 {len(rows)} 条分区统计 / grid stored, {len(rows)} zonal statistics written")
    return 0


def register(sub: argparse._SubParsersAction, db: argparse.ArgumentParser) -> None:
    p = sub.add_parser("monthly-import", parents=[db], help="污水处理厂月报导入 / import plants' monthly figures")
    p.add_argument("file", help="CSV / XLSX")
    p.add_argument("--check", action="store_true", help="只校验 / check only")
    p.set_defaults(run=cmd_monthly_import)
    p = sub.add_parser("grid-import", parents=[db], help="导入浓度网格 GeoTIFF / import a concentration grid")
    p.add_argument("file", help="GeoTIFF")
    p.add_argument("--pollutant", choices=list(grids.POLLUTANTS), required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--check", action="store_true", help="只校验 / check only")
    p.set_defaults(run=cmd_grid_import)
