"""Tables as people read them: field titles for headers, labels for codes, dates as dates, '—' for nothing.

Pages pass a layer's features (or a ledger's rows) with their LayerSpec; columns that are not the
spec's fields take their title from `extra_titles` (already in the page's language) or stay as they
are. Numbers keep their type (the table sorts them) unless a value is missing: then the column is shown
as text, with '—' where there is nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from geo.i18n import t

EMPTY = "—"
# Columns every layer has besides its fields, titled from geo/i18n.
SYSTEM_TITLES = ("id", "area_km2", "length_km")


def _shown(value: Any, decimals: int = 2) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return EMPTY
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return value


def labelled_table(
    frame: pd.DataFrame, spec: Any, lang: str, extra_titles: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> pd.DataFrame:
    """`frame` with choice codes as labels, dates as `YYYY-MM-DD`, blanks as '—' and headers as titles."""
    out = pd.DataFrame(index=frame.index)
    titles = dict(extra_titles or {})
    for column in frame.columns:
        if column in drop or column == "geometry":
            continue
        values = frame[column]
        field = next((f for f in spec.fields if f.name == column), None)
        if field is not None:
            title = field.title(lang)
            if field.choices:
                values = values.map(lambda v, f=field: f.label(v, lang) if v is not None and v == v else None)
        elif column in SYSTEM_TITLES:
            title = t(column, lang)
        else:
            title = titles.get(column, column)
        if not pd.api.types.is_numeric_dtype(values) or values.isna().any():
            values = values.map(_shown)  # a column with blanks becomes text: '—' rather than 'None'
        out[title] = values.to_numpy()
    return out
