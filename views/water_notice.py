"""反弹 notice shared by 一张图 and the officials' cockpit: how many bodies relapsed, and which (issue 11)."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import streamlit as st

from geo import water
from views.shell import cached, lang, store, tr


def relapse_notice(as_of: date | None = None) -> None:
    """A folded list of the bodies at 反弹 (as of a date), with the round that re-listed each; nothing if none."""
    relapsed = cached(water.relapsed, store(), as_of)
    if not len(relapsed):
        return
    # One row per body (name · town · the round that re-listed it · its class) as one HTML table: the
    # reasons, point by point, are on the 黑臭水体 page. As a markdown list (a React element per item,
    # with the reasons) 250 bodies took ≈ 0.3 s of the browser's main thread while the map waited.
    word = lang()
    rows = "".join(
        f"<tr><td>{_text(row.name)}</td><td>{_text(row.town)}</td>"
        f"<td>{_day(row.latest_round)}</td><td>{html.escape(water.class_title(row.cls, word))}</td></tr>"
        for row in relapsed.itertuples(index=False)
    )
    head = "".join(
        f"<th>{html.escape(tr(key))}</th>" for key in ("water_body", "town", "water_relisted_on", "water_class")
    )
    with st.expander(tr("water_relapsed_count", n=len(relapsed)), expanded=False):
        st.caption(tr("water_relapsed_where"))
        st.html(
            f"<div class='binhai-relapsed'><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
            "<style>.binhai-relapsed{max-height:320px;overflow:auto;font-size:0.875rem}"
            ".binhai-relapsed table{border-collapse:collapse;width:100%}"
            ".binhai-relapsed th,.binhai-relapsed td{text-align:left;padding:2px 8px;border-bottom:1px solid #eee}"
            ".binhai-relapsed thead th{position:sticky;top:0;background:#fafafa}</style>"
        )


def _text(value: object) -> str:
    return "—" if value is None or pd.isna(value) else html.escape(str(value))


def _day(value: object) -> str:
    return "—" if value is None or pd.isna(value) else str(pd.Timestamp(value).date())
