"""The brief's Chinese summary, written from its numbers (every figure is computed; no template blanks).

e.g. "2024年全区能耗强度为0.587 tce/万元，较2020年下降9.3%；……3个街镇进度滞后：胡家园街道、新港街道、新北街道。"
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import stats
from geo.brief.content import BriefContent
from geo.i18n import t
from geo.indicators import INDICATORS
from geo.plan import RURAL_SEWAGE_TARGET, TARGET_YEAR

NAMES_LISTED = 5  # at most this many units are named in a sentence; "等n个" says how many in all


def change_pct(now: float, before: float) -> float:
    """(now − before) ÷ |before| × 100; NaN when either is missing or before is 0."""
    if before is None or now is None or not np.isfinite(before) or not np.isfinite(now) or before == 0:
        return float("nan")
    return (now - before) / abs(before) * 100


def _change_words(pct: float) -> str:
    if not np.isfinite(pct):
        return "变化无法计算（缺少数据）"
    if round(abs(pct), 1) == 0:
        return "基本持平"
    return f"{'下降' if pct < 0 else '上升'}{abs(pct):.1f}%"


def _names(names: list[str]) -> str:
    shown = "、".join(names[:NAMES_LISTED])
    return shown if len(names) <= NAMES_LISTED else f"{shown}等{len(names)}个"


def summary_lines(content: BriefContent) -> list[str]:
    """Three to five sentences in Chinese, each from the content's numbers."""
    request = content.request
    meta = INDICATORS[request.indicator]
    unit = stats.unit_of(request.indicator, request.normalisation)
    trend = content.district_trend.dropna(subset=["value"])
    lines: list[str] = []
    by_year = dict(zip(trend["year"].astype(int), trend["value"].astype(float), strict=True))
    now = by_year.get(content.year)
    first_year = int(trend["year"].min()) if len(trend) else None
    if now is not None and first_year is not None and first_year < content.year:
        pct = change_pct(now, by_year[first_year])
        lines.append(
            f"{content.year}年全区{meta.title_zh}为{meta.format(now, request.normalisation)} {unit}，"
            f"较{first_year}年{_change_words(pct)}。"
        )
    elif now is not None:
        lines.append(f"{content.year}年全区{meta.title_zh}为{meta.format(now, request.normalisation)} {unit}。")
    else:
        lines.append(f"{content.year}年全区{meta.title_zh}无数据。")
    if len(content.district) and request.normalisation == "total":
        row = content.district.iloc[0]
        status = str(row["status"])
        if status != "no_data":
            lines.append(
                f"对照{TARGET_YEAR}年目标{meta.format(row['target_value'])} {unit}，"
                f"{content.year}年应达到{meta.format(row['expected'])}，"
                f"完成直线进度的{row['progress'] * 100:.0f}%，全区考核状态为“{t('status_' + status, 'zh')}”。"
            )
    kpi_meta = INDICATORS[content.kpi_indicator]
    level = content.level_title
    kpi = content.kpi
    status = kpi["status"].astype(str)
    behind = list(kpi.loc[status == "behind", "name"].astype(str))
    at_risk = list(kpi.loc[status == "at_risk", "name"].astype(str))
    on_track = int((status == "on_track").sum())
    prefix = f"按{level}考核{kpi_meta.title_zh}（共{len(kpi)}个）："
    if behind:
        sentence = f"{len(behind)}个{level}进度滞后：{_names(behind)}"
    else:
        sentence = f"没有{level}进度滞后"
    sentence += f"；{len(at_risk)}个有风险" + (f"（{_names(at_risk)}）" if at_risk else "")
    sentence += f"；{on_track}个正常推进。"
    lines.append(prefix + sentence)
    if len(content.best):
        best, worst = content.best.iloc[0], content.worst.iloc[0]
        word_best, word_worst = ("最低", "最高") if meta.lower_is_better else ("最高", "最低")
        lines.append(
            f"{content.year}年园区{meta.title_zh}{word_best}的是{best['name']}"
            f"（{meta.format(best['value'], request.normalisation)}），"
            f"{word_worst}的是{worst['name']}（{meta.format(worst['value'], request.normalisation)}）；"
            f"{int(content.parks['value'].notna().sum())}个园区有数据，"
            f"{int(content.parks['value'].isna().sum())}个无数据。"
        )
    if content.ledgers is not None:
        lines.append(ledger_line(content.ledgers))
    if content.sample:
        lines.append("注：本简报使用示意数据，数值为程序生成，不代表真实统计。")
    return lines


def ledger_line(facts) -> str:
    """The ledgers in one sentence (the 专项台账 brief)."""
    share = "—" if not np.isfinite(facts.connected_share) else f"{facts.connected_share * 100:.0f}%"
    sewage = (
        f"{facts.sewage_year}年农村生活污水治理率达到{RURAL_SEWAGE_TARGET:.0f}%的街镇{facts.towns_meeting}个"
        f"（共{facts.towns_reporting}个）"
        if facts.sewage_year
        else "农村生活污水治理率无数据"
    )
    return (
        f"台账（当前）：两高项目{facts.projects}个，年综合能耗{facts.project_energy_tce:,.0f} tce；"
        f"重点用能单位{facts.monitored_units}家，在线监测接入率{share}；{sewage}；"
        f"符合条件的市级以上园区已完成循环化改造{facts.circular_done}个（共{facts.circular_qualifying}个）。"
    )


def behind_names(kpi: pd.DataFrame) -> list[str]:
    """Names of the units whose status is behind (滞后), worst first."""
    return list(kpi.loc[kpi["status"].astype(str) == "behind", "name"].astype(str))
