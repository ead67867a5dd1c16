"""反弹 notice shared by 一张图 and the officials' cockpit: how many bodies relapsed, and which (issue 11)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from geo import water
from views.shell import cached, lang, md_escape, store, tr


def relapse_notice(as_of: date | None = None) -> None:
    """A folded list of the bodies at 反弹 (as of a date), with the round that re-listed each; nothing if none."""
    relapsed = cached(water.relapsed, store(), as_of)
    if not len(relapsed):
        return
    # One short markdown line per body (name · town · the round that re-listed it · its class): the reasons,
    # point by point, are on the 黑臭水体 page. At scale 250 the full reasons made a 180 KB element that held
    # back the map below it; a line each is ≈ 15 KB.
    lines = [
        f"- {md_escape(row.name)} · {md_escape(row.town)} · "
        f"{_day(row.latest_round)} · {water.class_title(row.cls, lang())}"
        for row in relapsed.itertuples(index=False)
    ]
    with st.expander(tr("water_relapsed_count", n=len(relapsed)), expanded=False):
        st.caption(tr("water_relapsed_where"))
        st.markdown("\n".join(lines))


def _day(value: object) -> str:
    return "—" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())
