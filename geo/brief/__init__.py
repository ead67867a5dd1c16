"""The meeting brief: an A4 PDF of a page's view (map, KPI table, best/worst parks, trends, summary).

Everything is rendered here, offline: the map and charts with matplotlib in EPSG:4548, the PDF with
reportlab and an embedded (subset) CJK TrueType font, so the text layer holds real Chinese.

- `request` — what the brief is of (`BriefRequest`: page, level, indicator, year, as-of, orientation)
  and the levels' Chinese/English aliases the CLI accepts;
- `content` — every number of the brief, from the stats and assessment functions (`brief_content`);
- `summary` — the Chinese summary written from those numbers;
- `pages` — the briefs of pages with content of their own (黑臭水体, 禁燃区规划): `page_brief`;
- `fonts` — the CJK font (a bilingual error when it is missing; never fetched);
- `mapping` — the static map (legend, scale bar, north arrow, admin boundaries), also as a PNG;
- `charts` — the trend and progress charts;
- `pdf` — the page layout (`render_pdf`);
- `files` — PDF / PNG bytes for a request, and the guarded file write (`write_brief`).
"""

from __future__ import annotations

from geo.brief.content import BriefContent, brief_content
from geo.brief.files import brief_files, brief_map_png, brief_pdf, content_of, write_brief
from geo.brief.fonts import FontMissing, cjk_font_path
from geo.brief.mapping import MapImage, render_map, render_map_png
from geo.brief.pages import PageBrief, page_brief
from geo.brief.pdf import render_page_pdf, render_pdf
from geo.brief.request import LEVEL_ALIASES, PAGES, BriefRequest, level_code, register_page

__all__ = [
    "LEVEL_ALIASES",
    "PAGES",
    "BriefContent",
    "BriefRequest",
    "FontMissing",
    "MapImage",
    "PageBrief",
    "brief_content",
    "brief_files",
    "brief_map_png",
    "brief_pdf",
    "cjk_font_path",
    "content_of",
    "level_code",
    "page_brief",
    "register_page",
    "render_map",
    "render_map_png",
    "render_page_pdf",
    "render_pdf",
    "write_brief",
]
