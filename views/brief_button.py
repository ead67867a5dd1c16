"""The 生成简报 / Make brief button every map page shows: one call, with what the page shows.

    brief_button("assessment", level=level, indicator=indicator, year=year, as_of=as_of)

A page not yet known to the brief registers itself first (geo.brief.register_page). The 黑臭水体 and
禁燃区规划 pages have briefs of their own content (geo.brief.pages): `brief_button("water", as_of=as_of)`.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from geo import brief
from geo.brief.request import ORIENTATIONS
from geo.errors import PortalError
from geo.i18n import t
from geo.indicators import INDICATORS
from views.shell import cached, data_version, lang, show_error, store, tr


def brief_button(
    page: str,
    *,
    level: str = "town",  # the KPI pages' level and indicator; unused by a page with content of its own
    indicator: str = "energy_intensity",
    year: int | None = None,
    as_of: date | None = None,
    normalisation: str = "total",
    classification: str = "quantiles",
    classes: int = 5,
) -> None:
    """The paper choice and the button; once rendered (with a spinner), the PDF download and the map PNG's
    (drawn when clicked)."""
    key = f"brief_{page}"
    own = brief.PAGES[page].content != "kpi"  # 黑臭水体, 禁燃区规划: the page's own tables, not the KPIs
    with st.container(key=f"{key}_box"):
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        orientation = c1.radio(
            tr("brief_orientation"),
            ORIENTATIONS,
            format_func=lambda o: tr(f"brief_{o}"),
            horizontal=True,
            key=f"{key}_orientation",
        )
        request = brief.BriefRequest(
            page, level, indicator, year, as_of, orientation, normalisation, classification, int(classes)
        )
        if c2.button(
            tr("brief_make"),
            key=f"{key}_make",
            help=tr("brief_help_page" if own else "brief_help"),
            icon=":material/picture_as_pdf:",
        ):
            with st.spinner(tr("brief_rendering"), show_time=True):
                try:
                    pdf = cached(brief.brief_pdf, store(), request)
                except PortalError as err:
                    show_error(err)
                    return
            st.session_state[key] = (request, data_version(), pdf)
        made = st.session_state.get(key)
        # Offered only while the page still shows what the brief is of (same inputs, same data).
        if not made or made[0] != request or made[1] != data_version():
            return
        _, _, pdf = made
        if own:
            page_title = brief.PAGES[page].title_zh if lang() == "zh" else brief.PAGES[page].title_en
            st.caption(
                tr("brief_ready_page", page=page_title, as_of=as_of.isoformat() if as_of else tr("brief_current"))
            )
            name = f"binhai-brief-{page}-{as_of.isoformat() if as_of else 'current'}"
        else:
            level_name = t(f"level_{level}", lang())
            indicator_title = INDICATORS[indicator].title(lang())
            st.caption(tr("brief_ready", year=year or "", level=level_name, indicator=indicator_title))
            name = f"binhai-brief-{page}-{level}-{indicator}-{year or 'latest'}"
        d1, d2 = st.columns(2)
        d1.download_button(
            tr("brief_download_pdf"),
            pdf,
            file_name=f"{name}.pdf",
            mime="application/pdf",
            key=f"{key}_pdf",
            on_click="ignore",
            icon=":material/download:",
        )
        # The slide PNG is drawn only when asked for: the button's wait is the PDF's alone.
        d2.download_button(
            tr("brief_download_png"),
            partial(brief.brief_map_png, store(), request),
            file_name=f"{name}-map.png",
            mime="image/png",
            key=f"{key}_png",
            on_click="ignore",
            icon=":material/image:",
        )
