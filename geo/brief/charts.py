"""The brief's charts (matplotlib, JPEG): the district's trend against the plan's path, and progress per unit."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from geo import stats
from geo.brief.content import NO_DATA_COLOR, BriefContent
from geo.brief.mapping import cjk_fonts
from geo.indicators import INDICATORS
from geo.maps import STATUS_COLORS

UNITS_SHOWN = 20  # the progress chart shows the worst 20 units of a level (all of them for 街镇 and 开发区)


def _image(fig: Figure, dpi: int) -> bytes:
    # JPEG: reportlab embeds it as it is (a PNG would be decoded and compressed again, the slow part).
    buffer = io.BytesIO()
    fig.savefig(buffer, format="jpeg", dpi=dpi, facecolor="white", pil_kwargs={"quality": 92})
    return buffer.getvalue()


def trend_chart(content: BriefContent, width_in: float = 3.6, height_in: float = 2.4, dpi: int = 170) -> bytes:
    """The district's yearly values of the indicator; with a target, the straight-line path and the target."""
    request = content.request
    meta = INDICATORS[request.indicator]
    unit = stats.unit_of(request.indicator, request.normalisation)
    trend = content.district_trend.dropna(subset=["value"])
    with cjk_fonts():
        fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot(trend["year"], trend["value"], marker="o", color="#1f77b4", label="全区实际")
        if len(content.district) and request.normalisation == "total":
            row = content.district.iloc[0]
            if np.isfinite(row["baseline_value"]) and np.isfinite(row["target_value"]):
                years = [int(row["baseline_year"]), int(row["target_year"])]
                ax.plot(
                    years,
                    [row["baseline_value"], row["target_value"]],
                    linestyle="--",
                    color="#888888",
                    label="直线路径",
                )
                ax.axhline(row["target_value"], color="#d62728", linewidth=0.8, label=f"{years[1]}年目标")
        ax.set_title(f"全区{meta.title_zh}趋势（{unit}）", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(_year_locator())
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
        return _image(fig, dpi)


def _year_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def progress_chart(content: BriefContent, width_in: float = 3.6, height_in: float = 2.4, dpi: int = 170) -> bytes:
    """Each unit's share of the straight-line path achieved (100% = on the line), coloured by status."""
    kpi = content.kpi.head(UNITS_SHOWN).iloc[::-1]
    progress = pd.to_numeric(kpi["progress"], errors="coerce").fillna(0) * 100
    colours = [STATUS_COLORS.get(str(s), NO_DATA_COLOR) for s in kpi["status"]]
    meta = INDICATORS[content.kpi_indicator]
    with cjk_fonts():
        fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.barh(list(kpi["name"].astype(str)), progress, color=colours)
        ax.axvline(100, color="#333333", linestyle="--", linewidth=0.8)
        ax.axvline(50, color="#999999", linestyle=":", linewidth=0.8)
        ax.set_title(f"{content.level_title}{meta.title_zh}目标进度（%）", fontsize=9)
        ax.tick_params(labelsize=6)
        ax.set_xlabel("100% = 按直线路径应达进度 · 颜色表示考核状态", fontsize=6)
        return _image(fig, dpi)
