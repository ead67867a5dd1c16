"""Exports: the offline standalone map, CSV for Excel, xlsx."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd

import layers
from geo.io.tables import table_csv, table_xlsx
from geo.maps import build_map, render_html, standalone_html
from geo.maps.assets import LOCAL_ASSETS, STATIC_VENDOR, VENDOR_DIR


def test_standalone_map_inlines_leaflet_and_loads_nothing_remote(tiny_parks):
    page = standalone_html(build_map([(layers.get_spec("parks"), tiny_parks)]))
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "/app/static" not in page  # no server needed to open it
    assert "L.map(" in page and "leaflet-container" in page  # Leaflet JS and CSS are inside
    assert "url(data:image/png;base64," in page  # the layer-control icons too
    assert not re.search(r"url\(['\"]?https?://", page)
    # The measure tool's proj4js, which a portal page loads after its first paint, is inside too.
    proj4_js = (VENDOR_DIR / LOCAL_ASSETS["proj4"]).read_text(encoding="utf-8")
    assert proj4_js[:200] in page


def test_a_portal_map_does_not_wait_for_proj4js():
    page = render_html(build_map([]))
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert scripts and not [s for s in scripts if "proj4" in s]  # not among the scripts loaded before the map
    assert f'"{STATIC_VENDOR}/{LOCAL_ASSETS["proj4"]}"' in page  # the measure tool loads it itself, locally


def test_csv_has_a_bom_so_excel_reads_chinese():
    data = table_csv(pd.DataFrame({"园区": ["南港工业区"], "数值": [1.5]}))
    assert data.startswith("\ufeff".encode())
    assert "南港工业区" in data.decode("utf-8-sig")


def test_xlsx_round_trips_a_table():
    data = table_xlsx({"ranking-vocs-2023": pd.DataFrame({"园区": ["临港"], "数值": [2.0]})})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["ranking-vocs-2023"]
    assert [c.value for c in sheet[1]] == ["园区", "数值"]
    assert [c.value for c in sheet[2]] == ["临港", 2.0]
