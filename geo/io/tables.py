"""Tables as files: CSV with a BOM (Excel on Chinese Windows opens it as UTF-8) and XLSX.

Text cells that a spreadsheet would evaluate as a formula get the same `'` guard as layer CSVs.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from geo.errors import PortalError
from geo.io.csvfile import guard_formula
from geo.outfile import atomic_write, checked_target


def _guarded(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(guard_formula)
    return out


def table_csv(df: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel on Chinese Windows opens it as UTF-8."""
    return _guarded(df).to_csv(index=False).encode("utf-8-sig")


def table_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per (name, table); names cut to Excel's 31 characters."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            _guarded(df).to_excel(writer, sheet_name=name[:31] or "Sheet1", index=False)
    return buffer.getvalue()


def write_table(
    df: pd.DataFrame, out: Path | str, sheet: str, protected: Iterable[Path] = (), force: bool = False
) -> Path:
    """Write a table to `out` as CSV or XLSX (by its suffix), checked and atomically (`geo.outfile`)."""
    suffix = Path(str(out)).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise PortalError(
            f"输出文件应以 .csv 或 .xlsx 结尾: {out}", f"the output file must end in .csv or .xlsx: {out}"
        )
    target = checked_target(out, protected, force=force)
    content = table_csv(df) if suffix == ".csv" else table_xlsx({sheet: df})
    with atomic_write(target) as partial:
        partial.write_bytes(content)
    return target
