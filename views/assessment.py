"""目标考核: 2025 targets vs the straight-line path, per district / zone / street-town / park."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import layers
from geo import assessment, stats
from geo.crs import map_bounds
from geo.errors import PortalError
from geo.indicators import INDICATORS
from geo.maps import STATUS_COLORS, build_choropleth_map, legend_row
from geo.plan import BASELINE_YEAR, TARGET_INDICATORS, TARGET_YEAR
from views.brief_button import brief_button
from views.shell import (
    after_write,
    as_of_choice,
    cached,
    chosen_basemap,
    current_actor,
    download_table,
    indicator_choice,
    lang,
    layer_frame,
    page_header,
    show_error,
    table_height,
    tr,
    unit_label,
    year_choice,
)

db = page_header("nav_assessment")
as_of = as_of_choice()
available_years = cached(stats.years, db, as_of=as_of)
if not available_years:
    st.info(tr("no_statistics_yet"))
    st.stop()

c1, c2, c3 = st.columns([2, 2, 3])
level = c1.selectbox(tr("level"), list(assessment.TARGET_LEVELS), index=1, format_func=lambda v: tr(f"level_{v}"))
indicator = indicator_choice(c2, TARGET_INDICATORS)
year = year_choice(c3, available_years)
brief_button("assessment", level=level, indicator=indicator, year=year, as_of=as_of)

table = cached(assessment.assessment, db, level, indicator, year, as_of=as_of)
counts = table["status"].astype(str).value_counts()
m1, m2, m3, m4 = st.columns(4)
for col, status in zip((m1, m2, m3, m4), ("behind", "at_risk", "on_track", "no_data"), strict=True):
    col.metric(tr(f"status_{status}"), int(counts.get(status, 0)))
st.caption(tr("assessment_rule"))
if level != "park":
    st.caption(tr("aggregation_rule"))

# -- map of the units coloured by status ---------------------------------------------------------
if level == "park":
    shapes = layer_frame("parks", as_of)[["id", "name", "geometry"]]
else:
    shapes = layer_frame("admin_units", as_of)[["id", "name", "geometry"]]
shapes = shapes.merge(table[["entity_id", "status", "actual"]], left_on="id", right_on="entity_id", how="inner")
codes = list(STATUS_COLORS)
classes = np.array([codes.index(s) if s in codes else -1 for s in shapes["status"].astype(str)])
shapes = shapes.assign(value=shapes["actual"])
legend_rows = [legend_row(tr(f"status_{code}"), colour) for code, colour in STATUS_COLORS.items()]
admin = layer_frame("admin_units", as_of)
title = f"{INDICATORS[indicator].title(lang())} · {tr('status')} · {year}"
fmap = build_choropleth_map(
    shapes,
    [(layers.get_spec("admin_units"), admin)],
    classes=classes,
    colors=list(STATUS_COLORS.values()),
    legend_rows_=legend_rows,
    title=title,
    value_label=tr("actual"),
    unit=unit_label(INDICATORS[indicator].unit),
    lang=lang(),
    basemap=chosen_basemap(),
    bounds=map_bounds(admin),
)
st_folium(fmap, height=480, use_container_width=True, returned_objects=[], key=f"assessment_map_{level}")

# -- the ranking table ----------------------------------------------------------------------------
meta = INDICATORS[indicator]
unit = unit_label(meta.unit)
# What matters first (name, status, progress) comes first: on a phone it is seen without scrolling sideways.
shown = pd.DataFrame(
    {
        tr(f"unit_name_{level}"): table["name"],
        tr("status"): table["status"].astype(str).map(lambda s: tr(f"status_{s}")),
        tr("progress"): table["progress"].map(lambda v: "—" if pd.isna(v) else f"{v * 100:.0f}%"),
        f"{tr('actual')} {year}": table["actual"].map(meta.format),
        f"{tr('expected')} {year}": table["expected"].map(meta.format),
        f"{tr('target')} {TARGET_YEAR}": table["target_value"].map(meta.format),
        f"{tr('baseline')} {BASELINE_YEAR}": table["baseline_value"].map(meta.format),
        tr("change_vs_baseline"): table["change_pct"].map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}%"),
        tr("unit"): unit,
        tr("id"): table["entity_id"],
    }
)
st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown), 360))
download_table(shown, f"assessment-{level}-{indicator}-{year}")

# -- admins edit the 2025 targets -------------------------------------------------------------------
actor = current_actor()
if as_of is None and actor is not None and actor.has("admin"):
    with st.expander(tr("edit_targets")):
        targets = cached(assessment.targets_table, db, level, indicator)
        editable = targets[["entity_id", "name", "indicator", "target_year", "baseline_value", "target_value", "unit"]]
        edited = st.data_editor(
            editable,
            disabled=["entity_id", "name", "indicator", "target_year", "baseline_value", "unit"],
            hide_index=True,
            width="stretch",
            key=f"targets_editor_{level}_{indicator}",
            column_config={
                "entity_id": tr("id"),
                "name": tr(f"unit_name_{level}"),
                "indicator": st.column_config.SelectboxColumn(
                    tr("indicator"), options=[indicator], format_func=lambda c: INDICATORS[c].title(lang())
                ),
                "target_year": st.column_config.NumberColumn(tr("target_year"), format="%d"),
                "baseline_value": tr("baseline"),
                "target_value": st.column_config.NumberColumn(tr("target"), min_value=0.0),
                "unit": st.column_config.SelectboxColumn(tr("unit"), options=[meta.unit], format_func=unit_label),
            },
        )
        reason = st.text_input(tr("reason"), key="targets_reason")
        if st.button(tr("save"), key="save_targets"):
            changed = edited[edited["target_value"].ne(editable["target_value"])]
            try:
                n = assessment.update_targets(db, actor, changed, reason=reason or None)
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.success(tr("saved", n=n))
elif as_of is None:
    st.caption(tr("targets_edit_hint"))
