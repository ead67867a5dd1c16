"""Forecast of an indicator at a plan period's target year from the entity's own trend.

Method (a reviewer can redo it by hand): ordinary least squares on the last `LAST_N` yearly values
up to the chosen year, value = a + b·year; the forecast is a + b·target_year with the 95 %
prediction interval ŷ ± t(0.975, n−2) · s · √(1 + 1/n + (x₀ − x̄)²/Sxx), where
s² = Σ(y − ŷ)²/(n − 2) and Sxx = Σ(x − x̄)². Fewer than `MIN_POINTS` values → "数据不足"
(insufficient data); with exactly 3 the interval is wide (t = 12.7), as it should be.

"预计达标 / likely met" means the forecast is on the target's side of it (≤ target when the target
is a cut, ≥ when it is a rise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from geo.assessment import targets_table
from geo.stats import unit_values
from geo.store import history
from geo.store.db import Store

LAST_N = 5
MIN_POINTS = 3
# Two-sided 95 % Student t quantiles t(0.975, df) for df = 1 … 30 (beyond: 1.96).
T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
OUTLOOKS = ("likely_met", "likely_missed", "insufficient")


def t975(df: int) -> float:
    return T975[df - 1] if 1 <= df <= len(T975) else 1.96


@dataclass(frozen=True)
class Forecast:
    """The value expected in `year`, its 95 % prediction interval, and the fitted line (NaN if insufficient)."""

    year: int
    value: float
    low: float
    high: float
    slope: float
    intercept: float
    points: int

    @property
    def sufficient(self) -> bool:
        return self.points >= MIN_POINTS and math.isfinite(self.value)


def linear_forecast(years, values, target_year: int, last_n: int = LAST_N) -> Forecast:
    """OLS line through the last `last_n` finite (year, value) pairs, evaluated at `target_year` (module docstring)."""
    pairs = sorted((int(y), float(v)) for y, v in zip(years, values, strict=True) if v is not None and np.isfinite(v))
    pairs = pairs[-last_n:]
    n = len(pairs)
    nan = float("nan")
    if n < MIN_POINTS:
        return Forecast(target_year, nan, nan, nan, nan, nan, n)
    x = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([p[1] for p in pairs], dtype=float)
    x_mean, y_mean = x.mean(), y.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    intercept = float(y_mean - slope * x_mean)
    fitted = intercept + slope * x
    s = math.sqrt(float(((y - fitted) ** 2).sum()) / (n - 2))
    value = intercept + slope * target_year
    half = t975(n - 2) * s * math.sqrt(1 + 1 / n + (target_year - x_mean) ** 2 / sxx)
    return Forecast(target_year, value, value - half, value + half, slope, intercept, n)


def outlook(forecast: Forecast, baseline: float, target: float) -> str:
    """likely_met / likely_missed / insufficient: the forecast against the target, in the target's direction."""
    if not forecast.sufficient or not np.isfinite(target):
        return "insufficient"
    direction = np.sign(target - baseline) if np.isfinite(baseline) and target != baseline else -1.0
    return "likely_met" if (forecast.value - target) * direction >= 0 else "likely_missed"


def entity_series(
    store: Store, level: str, indicator: str, years_range: tuple[int, int], as_of: date | datetime | None = None
) -> pd.DataFrame:
    """entity_id, year, value of every entity at a level (parks as reported, units aggregated) in a range of years."""
    if level == "park":
        moment = history.as_of_moment(as_of)
        source = history.source("statistics", moment, "entity_id, year, indicator, value")
        return store.query(
            f"SELECT s.entity_id, s.year, s.value FROM {source} AS s JOIN parks p ON p.id = s.entity_id "  # noqa: S608
            "WHERE s.indicator = $indicator AND s.year BETWEEN $y0 AND $y1 ORDER BY s.entity_id, s.year",
            {"indicator": indicator, "y0": int(years_range[0]), "y1": int(years_range[1])}
            | ({} if moment is None else {"as_of": moment}),
        )
    units = unit_values(store, indicator, level, years_range, as_of=as_of)
    return units.rename(columns={"unit_id": "entity_id"})[["entity_id", "year", "value"]]


def forecast_table(
    store: Store,
    level: str,
    indicator: str,
    up_to_year: int,
    target_year: int,
    as_of: date | datetime | None = None,
) -> pd.DataFrame:
    """Per entity with a target in `target_year`: forecast, low, high, points, outlook (see the module docstring)."""
    targets = targets_table(store, level, indicator, as_of=as_of, target_year=target_year)
    series = entity_series(store, level, indicator, (up_to_year - LAST_N + 1, up_to_year), as_of=as_of)
    grouped = {k: g for k, g in series.groupby("entity_id")}
    rows = []
    for t in targets.itertuples(index=False):
        g = grouped.get(t.entity_id)
        f = linear_forecast([] if g is None else g["year"], [] if g is None else g["value"].astype(float), target_year)
        rows.append(
            {
                "entity_id": t.entity_id,
                "forecast": f.value,
                "forecast_low": f.low,
                "forecast_high": f.high,
                "forecast_points": f.points,
                "outlook": outlook(f, float(t.baseline_value), float(t.target_value)),
            }
        )
    columns = ["entity_id", "forecast", "forecast_low", "forecast_high", "forecast_points", "outlook"]
    return pd.DataFrame(rows, columns=columns)


def trend_with_forecast(trend: pd.DataFrame, target_year: int) -> pd.DataFrame:
    """A park panel's trend (year, value) and the dashed extension: rows year, value, kind (actual / forecast).

    The forecast line runs from the last actual year to `target_year` along the fitted line.
    """
    actual = trend.assign(kind="actual")[["year", "value", "kind"]]
    f = linear_forecast(trend["year"], trend["value"].astype(float), target_year)
    if not f.sufficient or trend.empty:
        return actual
    last = int(trend["year"].max())
    if target_year <= last:
        return actual
    years = list(range(last, target_year + 1))
    extension = pd.DataFrame({"year": years, "value": [f.intercept + f.slope * y for y in years], "kind": "forecast"})
    extension.loc[0, "value"] = float(trend.loc[trend["year"] == last, "value"].iloc[0])  # joins the actual line
    return pd.concat([actual, extension], ignore_index=True)
