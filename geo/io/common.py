"""What every reader and the validator share: the raw read result, bilingual failures, value parsing.

A reader returns `RawFeatures` (the features as the file holds them, plus problems met while
reading); `validate` turns that into the layer's shape. Nothing here opens a file.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import Limits
from geo.errors import InputError, Problem


class GeometryTextError(ValueError):
    """A geometry written as text (KML) that cannot be read, said in both languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass
class RawFeatures:
    """What a reader found: features as read (any columns, CRS as declared) and problems met on the way."""

    frame: gpd.GeoDataFrame
    problems: list[Problem] = field(default_factory=list)
    # Features whose geometry a reader already reported (e.g. a CSV row with a non-numeric lon).
    geometry_reported: set[int] = field(default_factory=set)
    # The CRS as the file wrote it (a .prj, a GeoJSON `crs` member), when GDAL may not keep it.
    declared_crs: str = ""


def fail(source: str, zh: str, en: str, **where: Any) -> InputError:
    """An `InputError` of one problem about `source` (feature/field given as keywords)."""
    return InputError(source, [Problem(zh, en, **where)])


def printable(name: str) -> str:
    """A file name fit for a terminal or a page: control characters (e.g. ESC sequences) written as escapes."""
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) == "Cc" else ch for ch in name)


def shown(value: Any, limit: int = 40) -> str:
    """A user's value quoted for a message, cut to `limit` characters."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_feature_count(count: int, limits: Limits, source: str) -> None:
    """Refuse more features than `limits.max_features` before reading them all."""
    if count > limits.max_features:
        raise fail(
            source,
            f"要素过多（{count} 个），上限为 {limits.max_features} 个",
            f"too many features ({count}); the limit is {limits.max_features}",
        )


def is_missing(value: Any) -> bool:
    """Whether a cell is empty: None, NaN/NA or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_text(value: Any) -> str:
    """A cell as stored text: whole floats without `.0` (codes read as numbers), dates as ISO, trimmed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code read as a number: 120116.0 → "120116"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def as_number(value: Any) -> float | int | None:
    """A cell as a finite int/float, or None (booleans, text and NaN/inf are not numbers)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        number = float(value) if isinstance(value, float | np.floating) else float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def as_date(value: Any) -> date | None:
    """A cell as a date (date, datetime, numpy datetime or ISO text), or None."""
    if isinstance(value, datetime):
        return value.date()  # pandas Timestamp is a datetime
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


# Only the head of a GeoJSON is searched for a `crs` member (it comes before the features).
HEAD_BYTES = 64 * 1024
