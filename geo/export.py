"""Exports: tables to CSV/Excel, a map to one standalone HTML file that works offline."""

from __future__ import annotations

import base64
import io
import mimetypes
import re
from pathlib import Path

import folium
import pandas as pd

from geo.config import ROOT
from geo.mapping import localize_assets

VENDOR_DIR = ROOT / "static" / "vendor"
_PLACEHOLDER = "binhai-inline-asset:"
_SCRIPT = re.compile(rf'<script src="{_PLACEHOLDER}([^"]+)"></script>')
_STYLESHEET = re.compile(rf'<link rel="stylesheet" href="{_PLACEHOLDER}([^"]+)"\s*/>')
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")


def _read_vendor(relative: str) -> str:
    path = (VENDOR_DIR / relative).resolve()
    if VENDOR_DIR.resolve() not in path.parents:
        raise ValueError(f"asset outside static/vendor: {relative}")
    return path.read_text(encoding="utf-8")


def _inline_css(relative: str) -> str:
    """CSS with its url(images/…) references embedded as data URIs."""
    css = _read_vendor(relative)
    folder = (VENDOR_DIR / relative).parent

    def embed(match: re.Match[str]) -> str:
        image = folder / match.group(2)
        if not image.exists():
            return match.group(0)
        mime = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        return f"url(data:{mime};base64,{base64.b64encode(image.read_bytes()).decode()})"

    return _CSS_URL.sub(embed, css)


def standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML file: Leaflet and plugins inlined, so it opens offline from disk or e-mail."""
    localize_assets(fmap, base=_PLACEHOLDER.rstrip("/"))
    page = fmap.get_root().render()
    page = page.replace(f'"{_PLACEHOLDER.rstrip("/")}/', f'"{_PLACEHOLDER}')
    page = _SCRIPT.sub(lambda m: f"<script>{_read_vendor(m.group(1))}</script>", page)
    page = _STYLESHEET.sub(lambda m: f"<style>{_inline_css(m.group(1))}</style>", page)
    return page


def table_csv(df: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel on Chinese Windows opens it as UTF-8."""
    return df.to_csv(index=False).encode("utf-8-sig")


def table_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            df.to_excel(writer, sheet_name=name[:31] or "Sheet1", index=False)
    return buffer.getvalue()


def write_standalone(fmap: folium.Map, out: Path) -> Path:
    out.write_text(standalone_html(fmap), encoding="utf-8")
    return out
