"""反弹 notice shared by 一张图 and the officials' cockpit: how many bodies relapsed, and which (issue 11)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo import water
from views.shell import cached, lang, md_escape, store, tr


def relapse_notice(as_of: date | None = None) -> None:
    """A folded list of the bodies at 反弹 (as of a date), with the round that re-listed each; nothing if none."""
    relapsed = cached(water.relapsed, store(), as_of)
    if not len(relapsed):
        return
    reason = "reason_zh" if lang() == "zh" else "reason_en"
    # One markdown list, not one element per body: at scale 250 hundreds of elements held back the map below.
    lines = [
        f"- {md_escape(row.name)} · {md_escape(row.town)} · {md_escape(getattr(row, reason))}"
        for row in relapsed.itertuples(index=False)
    ]
    with st.expander(tr("water_relapsed_count", n=len(relapsed)), expanded=False):
        st.markdown("\n".join(lines))
