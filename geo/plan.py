"""The plan being assessed: its period (baseline → target year) and the targets the plan text fixes.

《滨海新区"十四五"节能减排工作实施方案》 runs from the 2020 baseline to 2025. A plan period is a
record so that later periods (十五五, 2025 → 2030) are data beside it, not new constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from geo.errors import PortalError
from geo.permissions import Actor, writes
from geo.store import audit, history

if TYPE_CHECKING:
    from geo.store.db import Store


@dataclass(frozen=True)
class PlanPeriod:
    """A plan period: status runs along the straight line from `baseline_year` to `target_year`."""

    code: str
    title_zh: str
    title_en: str
    baseline_year: int
    target_year: int

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def years(self) -> range:
        """Every year of the period, baseline and target included."""
        return range(self.baseline_year, self.target_year + 1)


FYP14 = PlanPeriod("fyp14", "十四五", "14th Five-Year Plan", 2020, 2025)
CURRENT_PERIOD = FYP14
BASELINE_YEAR = CURRENT_PERIOD.baseline_year
TARGET_YEAR = CURRENT_PERIOD.target_year

# Indicators with district-set targets that the assessment pages offer (energy intensity, the four pollutants).
TARGET_INDICATORS = ("energy_intensity", "cod", "nh3n", "nox", "vocs")
# Tianjin 14th FYP: energy intensity −14.5 % by 2025 vs 2020.
ENERGY_INTENSITY_CUT = 0.145
# 农村生活污水治理率达到90%以上 (a street/town indicator, % by the target year).
RURAL_SEWAGE = "rural_sewage_treatment_rate"
RURAL_SEWAGE_TARGET = 90.0

# --- issue 13: plan periods as data ------------------------------------------------------------------------
FYP13 = PlanPeriod("fyp13", "十三五", "13th Five-Year Plan", 2015, 2020)
FYP15 = PlanPeriod("fyp15", "十五五", "15th Five-Year Plan", 2025, 2030)
# What a store without the plan_periods table (or an empty one) assumes; migration 10 writes the same rows.
DEFAULT_PERIODS = (FYP13, FYP14, FYP15)
# Illustrative 十五五 cut of energy intensity by 2030 vs 2025 (示意: the plan's figure is not published here).
FYP15_ENERGY_INTENSITY_CUT = 0.135
_PERIOD_COLUMNS = "code, title_zh, title_en, baseline_year, target_year, source"


def plan_periods(store: Store) -> list[PlanPeriod]:
    """Every plan period the store knows, earliest first (the defaults for a store without the table)."""
    if not store.exists or "plan_periods" not in store.tables():
        return list(DEFAULT_PERIODS)
    rows = store.query(f"SELECT {_PERIOD_COLUMNS} FROM plan_periods ORDER BY baseline_year, code")  # noqa: S608
    if rows.empty:
        return list(DEFAULT_PERIODS)
    return [
        PlanPeriod(r.code, r.title_zh, r.title_en, int(r.baseline_year), int(r.target_year))
        for r in rows.itertuples(index=False)
    ]


def period_by_code(store: Store, code: str) -> PlanPeriod:
    """The period with `code`; `PortalError` naming the known codes otherwise."""
    periods = {p.code: p for p in plan_periods(store)}
    if code not in periods:
        raise PortalError(
            f"没有规划期 {code}（可选：{'、'.join(periods)}）", f"no plan period {code} (known: {', '.join(periods)})"
        )
    return periods[code]


@writes("plan.period", "admin")
def save_period(
    store: Store,
    actor: Actor,
    period: PlanPeriod,
    source: str = "",
    reason: str | None = None,
    now: datetime | None = None,
) -> PlanPeriod:
    """Add or change a plan period (an admin's edit), audited; the previous version stays in history."""
    if (
        not 1900 < period.baseline_year < period.target_year < 2200
        or not period.code.strip()
        or not period.title_zh.strip()
    ):
        raise PortalError(
            f"规划期 {period.code}：基期须早于目标年，名称不能为空",
            f"plan period {period.code}: the baseline year must precede the target year and the title is required",
        )
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as s:
        before = s.query(f"SELECT {_PERIOD_COLUMNS} FROM plan_periods WHERE code = $code", {"code": period.code})  # noqa: S608
        history.archive(s, "plan_periods", "code = $code", {"code": period.code}, now)
        s.execute(
            "INSERT INTO plan_periods VALUES ($code, $zh, $en, $y0, $y1, $source, $now, $by)",
            {
                "code": period.code,
                "zh": period.title_zh,
                "en": period.title_en,
                "y0": period.baseline_year,
                "y1": period.target_year,
                "source": source,
                "now": now,
                "by": actor.username,
            },
        )
        after = {"title_zh": period.title_zh, "baseline_year": period.baseline_year, "target_year": period.target_year}
        old = None if before.empty else before.iloc[0].drop("code").to_dict()
        audit.record(s, actor, "plan.period", "plan_period", period.code, old, after, now=now, reason=reason)
    return period
