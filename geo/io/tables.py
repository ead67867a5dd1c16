"""Tables a page shows, as downloads: CSV with a BOM (Excel on Chinese Windows) and XLSX."""

from __future__ import annotations

import io

import pandas as pd


def table_csv(df: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel on Chinese Windows opens it as UTF-8."""
    return df.to_csv(index=False).encode("utf-8-sig")


def table_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per (name, table); names cut to Excel's 31 characters."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            df.to_excel(writer, sheet_name=name[:31] or "Sheet1", index=False)
    return buffer.getvalue()
