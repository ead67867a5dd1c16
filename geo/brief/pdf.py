"""The brief as an A4 PDF (reportlab): page 1 title, summary and map; page 2 the KPI table, parks and charts
(`render_pdf`), or the page's own tables for the 黑臭水体 and 禁燃区规划 briefs (`render_page_pdf`).

Text is set in the embedded (subset) CJK TrueType font, so the PDF's text layer holds real Chinese:
searchable and copyable. Every page carries the date and, with sample data in the store, the 示意数据 mark.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from geo import stats
from geo.brief.charts import progress_chart, trend_chart
from geo.brief.content import BriefContent
from geo.brief.fonts import FONT_FACE, cjk_font_path
from geo.brief.mapping import render_map
from geo.brief.pages import PageBrief
from geo.brief.summary import summary_lines
from geo.i18n import t
from geo.indicators import INDICATORS
from geo.plan import BASELINE_YEAR, TARGET_YEAR

FONT = "BinhaiCJK"
MARGIN = 14 * mm
SAMPLE_MARK = "示意数据"
SAMPLE_NOTE = "示意数据：地名与大致位置真实，边界与数值为程序生成，仅供演示，不代表真实统计。"
RED = colors.HexColor("#c62828")


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(cjk_font_path()), subfontIndex=FONT_FACE))


def _style(size: float, leading: float | None = None, **kw) -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}", fontName=FONT, fontSize=size, leading=leading or size * 1.35, wordWrap="CJK", **kw
    )


def _table(
    rows: list[list[str]], widths: list[float], size: float = 7.5, status_col: int | None = None, text_cols: int = 1
) -> Table:
    """A grid table in the CJK font; the first `text_cols` columns are text (left, wrapped), the rest numbers."""
    cell = _style(size, size * 1.25)
    body = [[Paragraph(escape(c), cell) for c in row[:text_cols]] + row[text_cols:] for row in rows]
    table = Table(body, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
        ("ALIGN", (text_cols, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if status_col is not None:
        style.append(("ALIGN", (status_col, 1), (status_col, -1), "CENTER"))
        shades = {"滞后": "#f8d0cc", "有风险": "#fde5c8", "正常推进": "#d6efd9"}
        for i, row in enumerate(rows[1:], start=1):
            if row[status_col] in shades:
                style.append(("BACKGROUND", (status_col, i), (status_col, i), colors.HexColor(shades[row[status_col]])))
    table.setStyle(TableStyle(style))
    return table


def kpi_rows(content: BriefContent) -> list[list[str]]:
    """The KPI table as text: the level's units, worst first, with the values the assessment page shows."""
    meta = INDICATORS[content.kpi_indicator]
    year = content.year
    head = [
        t(f"unit_name_{content.request.level}", "zh"),
        "考核状态",
        "进度",
        f"{year}年实际",
        f"{year}年应达",
        f"{TARGET_YEAR}年目标",
        f"{BASELINE_YEAR}年基准",
        "较基准",
    ]
    rows = [head]
    for r in content.kpi.itertuples(index=False):
        rows.append(
            [
                str(r.name),
                t(f"status_{r.status}", "zh"),
                "—" if pd.isna(r.progress) else f"{r.progress * 100:.0f}%",
                meta.format(r.actual),
                meta.format(r.expected),
                meta.format(r.target_value),
                meta.format(r.baseline_value),
                "—" if pd.isna(r.change_pct) else f"{r.change_pct:+.1f}%",
            ]
        )
    return rows


def park_rows(content: BriefContent, parks: pd.DataFrame) -> list[list[str]]:
    meta = INDICATORS[content.request.indicator]
    rows = [["序号", "园区", "开发区", "数值"]]
    for i, r in enumerate(parks.itertuples(index=False), start=1):
        rows.append(
            [
                str(i),
                str(r.name),
                "—" if pd.isna(r.zone) else str(r.zone),
                meta.format(r.value, content.request.normalisation),
            ]
        )
    return rows


class _Page:
    """What every brief's PDF shares: the A4 document in the request's orientation, the footer and the
    示意数据 mark on every page, the title and date lines, and page 1's summary with the map (the map
    below the summary in portrait, beside it in landscape)."""

    def __init__(self, content: BriefContent | PageBrief, subject: str):
        _register_font()
        self.content = content
        self.pagesize = landscape(A4) if content.request.orientation == "landscape" else A4
        self.width, self.height = self.pagesize
        self.frame_w = self.width - 2 * MARGIN
        self.title = f"滨海新区节能减排简报 · {content.page_title}"
        self.buffer = io.BytesIO()
        self.doc = SimpleDocTemplate(
            self.buffer,
            pagesize=self.pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=self.title,
            author="滨海新区节能减排一张图",
            subject=subject,
        )
        self.h1, self.h2, self.body, self.small = _style(16, 21), _style(11.5, 15), _style(9.5, 14), _style(8, 11)

    def on_page(self, canvas, doc) -> None:
        content = self.content
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 8 * mm, f"滨海新区节能减排一张图 · 生成日期 {content.generated_on.isoformat()}")
        canvas.drawRightString(self.width - MARGIN, 8 * mm, f"第 {doc.page} 页")
        if content.sample:
            canvas.setFont(FONT, 9)
            canvas.setFillColor(RED)
            canvas.drawRightString(self.width - MARGIN, self.height - 9 * mm, f"{SAMPLE_MARK} · 非正式统计")
        canvas.restoreState()

    def opening(self, details: str, summary_text, map_spec) -> list:
        """Page 1: title, dates (+ `details`), the sample note, the summary and the map; then a page break."""
        content, h2, body = self.content, self.h2, self.body
        request = content.request
        story: list = [Paragraph(escape(self.title), self.h1)]
        as_of = "当前数据" if request.as_of is None else f"历史数据（截至 {request.as_of.isoformat()}）"
        story.append(
            Paragraph(
                escape(
                    f"生成日期：{content.generated_on.isoformat()}　数据截至：{content.data_as_of.isoformat()}（{as_of}）"
                    + details
                ),
                self.small,
            )
        )
        if content.sample:
            story.append(Paragraph(escape(SAMPLE_NOTE), _style(8.5, 12, textColor=RED)))
        summary = [Paragraph("一、摘要", h2), *(Paragraph(escape(line), body) for line in summary_text)]
        if request.orientation == "portrait":
            # Summary above, the map below filling the rest of page 1.
            map_w, map_h = self.frame_w, self.height * 0.52
            image = render_map(map_spec, map_w / 72, map_h / 72, dpi=180, image_format="jpeg")
            story += [Spacer(1, 3 * mm), *summary, Spacer(1, 3 * mm), Paragraph("二、专题图", h2)]
            story.append(Image(io.BytesIO(image.png), width=map_w, height=map_h))
        else:
            # Landscape: the summary in a column beside the map.
            text_w = self.frame_w * 0.36
            map_w, map_h = self.frame_w - text_w - 4 * mm, self.height - 2 * MARGIN - 30 * mm
            image = render_map(map_spec, map_w / 72, map_h / 72, dpi=180, image_format="jpeg")
            side = Table(
                [
                    [
                        summary,
                        [Paragraph("二、专题图", h2), Image(io.BytesIO(image.png), width=map_w, height=map_h - 8 * mm)],
                    ]
                ],
                colWidths=[text_w, map_w + 4 * mm],
            )
            side.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [Spacer(1, 2 * mm), side]
        story.append(PageBreak())
        return story

    def build(self, story: list) -> bytes:
        self.doc.build(story, onFirstPage=self.on_page, onLaterPages=self.on_page)
        return self.buffer.getvalue()


def render_pdf(content: BriefContent) -> bytes:
    """The brief as PDF bytes (A4, the request's orientation)."""
    request = content.request
    meta = INDICATORS[request.indicator]
    unit = stats.unit_of(request.indicator, request.normalisation)
    page = _Page(content, subject=f"{meta.title_zh} {content.year}")
    story = page.opening(
        f"　数据年份：{content.year}年　层级：{content.level_title}　指标：{meta.title_zh}（{unit}）",
        summary_lines(content),
        content.map,
    )
    frame_w, h2, small = page.frame_w, page.h2, page.small

    kpi = kpi_rows(content)
    kpi_title = f"三、{content.level_title}目标考核（{INDICATORS[content.kpi_indicator].title_zh}，{content.year}年）"
    counts = content.status_counts
    story.append(Paragraph(escape(kpi_title), h2))
    story.append(
        Paragraph(
            escape(
                f"滞后 {counts['behind']} 个 · 有风险 {counts['at_risk']} 个 · 正常推进 {counts['on_track']} 个 · "
                f"无数据 {counts['no_data']} 个。规则：按 {BASELINE_YEAR}→{TARGET_YEAR} 直线路径，进度≥100%为正常推进，"
                "≥50%为有风险，否则为滞后。"
            ),
            small,
        )
    )
    widths = [0.22, 0.11, 0.08, 0.12, 0.12, 0.12, 0.12, 0.11]
    many = len(kpi) > 22
    story.append(_table(kpi, [w * frame_w for w in widths], size=6.5 if many else 7.5, status_col=1))
    story.append(Spacer(1, 3 * mm))
    direction = "越低越好" if meta.lower_is_better else "越高越好"
    best_title = f"四、{meta.title_zh}（{unit}，{direction}）表现最好与最差的五个园区"
    half = (frame_w - 6 * mm) / 2
    park_widths = [0.12 * half, 0.44 * half, 0.26 * half, 0.18 * half]
    pair = Table(
        [
            [Paragraph("表现最好", small), Paragraph("表现最差", small)],
            [
                _table(park_rows(content, content.best), park_widths, text_cols=3),
                _table(park_rows(content, content.worst), park_widths, text_cols=3),
            ],
        ],
        colWidths=[half + 3 * mm, half + 3 * mm],
    )
    pair.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story.append(KeepTogether([Paragraph(escape(best_title), h2), pair]))
    story.append(Spacer(1, 3 * mm))
    chart_w = (frame_w - 6 * mm) / 2
    chart_h = chart_w * (0.62 if request.orientation == "portrait" else 0.5)
    charts = Table(
        [
            [
                Image(io.BytesIO(trend_chart(content, chart_w / 72, chart_h / 72)), width=chart_w, height=chart_h),
                Image(io.BytesIO(progress_chart(content, chart_w / 72, chart_h / 72)), width=chart_w, height=chart_h),
            ]
        ],
        colWidths=[chart_w + 3 * mm, chart_w + 3 * mm],
    )
    charts.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(KeepTogether([Paragraph("五、趋势与进度", h2), charts]))
    return page.build(story)


def render_page_pdf(content: PageBrief) -> bytes:
    """A page's own brief (黑臭水体, 禁燃区规划) as PDF bytes: title, summary and map, then the page's tables."""
    page = _Page(content, subject=f"{content.page_title} {content.data_as_of.isoformat()}")
    story = page.opening("", content.summary, content.map)
    frame_w, h2, small = page.frame_w, page.h2, page.small
    for table in content.tables:
        parts = [Paragraph(escape(table.title), h2)]
        if table.note:
            parts.append(Paragraph(escape(table.note), small))
        size = 6.5 if len(table.rows) > 24 else 7.5
        parts.append(_table(table.rows, [w * frame_w for w in table.widths], size=size, text_cols=table.text_cols))
        story += [KeepTogether(parts), Spacer(1, 4 * mm)]  # a long table still splits, its header repeated
    return page.build(story)
