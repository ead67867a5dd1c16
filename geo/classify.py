"""Class breaks for choropleths: quantiles and Fisher-Jenks natural breaks (pure numpy)."""

from __future__ import annotations

import numpy as np

METHODS = ("quantiles", "natural_breaks")
JENKS_SAMPLE = 2000  # exact DP is O(k·n²); beyond this we classify a deterministic sample


def _clean(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return np.sort(arr[np.isfinite(arr)])


def quantile_breaks(values, k: int) -> list[float]:
    """Upper bounds of k quantile classes (the last is the maximum); fewer when values repeat."""
    arr = _clean(values)
    if arr.size == 0:
        return []
    qs = np.quantile(arr, np.linspace(0, 1, k + 1)[1:], method="linear")
    return sorted(set(float(q) for q in qs))


def jenks_breaks(values, k: int) -> list[float]:
    """Fisher-Jenks optimal breaks minimising within-class squared deviation; upper bounds of classes."""
    arr = _clean(values)
    if arr.size == 0:
        return []
    if arr.size > JENKS_SAMPLE:
        idx = np.linspace(0, arr.size - 1, JENKS_SAMPLE).round().astype(int)
        arr = np.unique(np.concatenate([arr[idx], arr[[0, -1]]]))
    unique = np.unique(arr)
    if unique.size <= k:
        return [float(v) for v in unique]
    n = arr.size
    csum = np.concatenate([[0.0], np.cumsum(arr)])
    csq = np.concatenate([[0.0], np.cumsum(arr * arr)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:
        # squared deviation of arr[i:j] for each start i (vectorised over i)
        cnt = j - i
        s = csum[j] - csum[i]
        return (csq[j] - csq[i]) - s * s / cnt

    cost = np.full((k + 1, n + 1), np.inf)
    back = np.zeros((k + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            starts = np.arange(c - 1, j)
            total = cost[c - 1, starts] + ssd(starts, j)
            best = int(np.argmin(total))
            cost[c, j] = total[best]
            back[c, j] = starts[best]
    bounds = []
    j = n
    for c in range(k, 0, -1):
        bounds.append(float(arr[j - 1]))
        j = back[c, j]
    return sorted(set(bounds))


def breaks(values, k: int = 5, method: str = "quantiles") -> list[float]:
    """Upper class bounds of `values` for `k` classes by `method` (quantiles or natural_breaks); NaN ignored."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return quantile_breaks(values, k) if method == "quantiles" else jenks_breaks(values, k)


def assign_classes(values, bounds: list[float]) -> np.ndarray:
    """Class index (0-based) for each value, -1 for missing (NaN/None)."""
    arr = np.asarray(values, dtype=float)
    out = np.full(arr.shape, -1, dtype=int)
    ok = np.isfinite(arr)
    if bounds:
        out[ok] = np.minimum(np.searchsorted(np.asarray(bounds), arr[ok], side="left"), len(bounds) - 1)
    return out


def symmetric_breaks(values, k: int = 6) -> list[float]:
    """Upper bounds of `k` (even) classes symmetric around 0, for changes: as many steps of falls as of rises.

    The step is a round number near the 90th percentile of |value| ÷ (k/2), so one extreme park does
    not squeeze every other into the middle classes; the outermost classes are open-ended.
    """
    arr = _clean(values)
    if arr.size == 0:
        return []
    half = max(k // 2, 1)
    scale = float(np.quantile(np.abs(arr), 0.9)) / half or float(np.max(np.abs(arr))) / half or 1.0
    magnitude = 10 ** np.floor(np.log10(scale))
    step = float(min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= scale), default=10 * magnitude))
    inner = [step * i for i in range(-half + 1, half)]
    return [*inner, float(max(arr.max(), inner[-1] + step if inner else step))]
