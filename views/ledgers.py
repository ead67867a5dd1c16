"""专项台账: 两高 projects, key energy users' monitoring, rural sewage by town, circular transformation."""

from __future__ import annotations

import dataclasses

import altair as alt
import pandas as pd
import streamlit as st

import layers
from geo import ledgers, stats
from geo.crs import map_bounds
from geo.display import labelled_table
from geo.maps import STATUS_COLORS, build_map, format_number
from geo.plan import RURAL_SEWAGE_TARGET
from views.brief_button import brief_button
from views.shell import (
    cached,
    chosen_basemap,
    download_table,
    lang,
    layer_frame,
    lazy_tabs,
    page_header,
    show_map,
    table_height,
    tr,
)

db = page_header("nav_ledgers", "ledger_note")
admin = layer_frame("admin_units")
bounds = map_bounds(admin)
ledger_years = cached(stats.years, db)
if ledger_years:  # the brief: the plan's headline indicator by 街镇, the latest year
    brief_button("ledgers", level="town", indicator="energy_intensity", year=ledger_years[-1])


def point_titles() -> dict[str, str]:
    """Headers of the ledgers' coordinate columns, in the page's language."""
    return {"lon": tr("lon"), "lat": tr("lat")}


def label(layer: str, field: str):
    """code → display label for a choice field, resolved now (format_funcs run outside the script too)."""
    f = layers.get_spec(layer).get_field(field)
    labels = {code: f.label(code, lang()) for code in f.allowed}
    return lambda code: labels.get(code, "" if code is None else str(code))


def choice_options(layer: str, field: str) -> tuple[list, dict]:
    """Options [None, *codes] for a filter selectbox and their labels (None = all)."""
    f = layers.get_spec(layer).get_field(field)
    return [None, *f.allowed], {None: tr("all"), **{code: f.label(code, lang()) for code in f.allowed}}


def points_map(layer: str, ids: list[str], key: str) -> None:
    """The ledger's points (only the filtered ones) over the admin boundaries."""
    spec = dataclasses.replace(layers.get_spec(layer), shown_by_default=True)
    points = layer_frame(layer)
    points = points[points["id"].isin(ids)]
    fmap = build_map(
        [(layers.get_spec("admin_units"), admin), (spec, points)], lang=lang(), basemap=chosen_basemap(), bounds=bounds
    )
    show_map(fmap, key, 460)


def two_high_tab() -> None:
    """两高 projects: stage × sector, the filtered list and its map."""
    spec = layers.get_spec("two_high_projects")
    c1, c2 = st.columns(2)
    options, labels = choice_options("two_high_projects", "stage")
    stage = c1.selectbox(tr("stage"), options, format_func=labels.__getitem__, key="ledger_stage")
    options, labels = choice_options("two_high_projects", "sector")
    sector = c2.selectbox(tr("sector"), options, format_func=labels.__getitem__, key="ledger_sector")
    summary = cached(ledgers.two_high_summary, db)
    pivot = summary.assign(
        stage=summary["stage"].map(label("two_high_projects", "stage")),
        sector=summary["sector"].map(label("two_high_projects", "sector")),
    ).pivot_table(index="sector", columns="stage", values="energy_use_tce", aggfunc="sum", fill_value=0, sort=False)
    m1, m2 = st.columns(2)
    m1.metric(tr("projects"), int(summary["projects"].sum()))
    m2.metric(tr("energy_use"), format_number(float(summary["energy_use_tce"].sum())))
    pivot = pivot.rename_axis(index=tr("sector"), columns=tr("stage"))
    st.caption(tr("two_high_pivot_caption"))
    # Numbers stay numbers (right-aligned, sortable), shown with thousands separators.
    st.dataframe(
        pivot,
        width="stretch",
        column_config={stage: st.column_config.NumberColumn(format="%,.0f") for stage in pivot.columns},
    )
    table = cached(ledgers.two_high_table, db, stage, sector)
    points_map("two_high_projects", list(table["id"]), "ledger_two_high_map")
    shown = labelled_table(table, spec, lang(), point_titles())
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
    download_table(shown, "two-high-projects")


def monitoring_tab() -> None:
    """Key energy users' online monitoring: units per status, the share connected, the list and map."""
    spec = layers.get_spec("key_energy_units")
    summary = cached(ledgers.monitoring_summary, db)
    cols = st.columns(len(summary) + 1)
    for col, row in zip(cols, summary.itertuples(), strict=False):
        col.metric(label("key_energy_units", "monitoring_status")(row.monitoring_status), int(row.units))
    connected = summary.set_index("monitoring_status").loc["connected", "share"] if len(summary) else float("nan")
    cols[-1].metric(tr("share_connected"), f"{connected:.0%}" if pd.notna(connected) else "—")
    options, labels = choice_options("key_energy_units", "monitoring_status")
    status = st.selectbox(tr("status_col"), options, format_func=labels.__getitem__, key="ledger_monitoring_status")
    table = cached(ledgers.monitoring_table, db, status)
    points_map("key_energy_units", list(table["id"]), "ledger_monitoring_map")
    shown = labelled_table(table, spec, lang(), point_titles())
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
    download_table(shown, "key-energy-units")


def sewage_tab() -> None:
    """Rural sewage treatment by town against the plan's 90 %, a chosen year."""
    sewage_years = cached(stats.years, db, "rural_sewage_treatment_rate")
    if not sewage_years:
        st.info(tr("no_data"))
        return
    year = st.select_slider(tr("year"), options=sewage_years, value=sewage_years[-1], key="sewage_year")
    table = cached(ledgers.rural_sewage_by_town, db, year)
    # Bars coloured by the same status as the table's column, in the page's words.
    status_codes = [c for c in STATUS_COLORS if c in set(table["status"])] + (
        ["no_data"] if (table["status"] == "no_data").any() else []
    )
    chart_data = table.assign(status_label=table["status"].map(lambda s: tr(f"status_{s}")))
    bars = (
        alt.Chart(chart_data)
        .mark_bar()
        .encode(
            x=alt.X("unit_name:N", sort="-y", title=None),
            y=alt.Y("rate:Q", title=tr("rate"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "status_label:N",
                scale=alt.Scale(
                    domain=[tr(f"status_{c}") for c in status_codes],
                    range=[STATUS_COLORS.get(c, "#bdbdbd") for c in status_codes],
                ),
                legend=alt.Legend(title=tr("status")),
            ),
            tooltip=[
                alt.Tooltip("unit_name:N", title=tr("unit_name_town")),
                alt.Tooltip("rate:Q", title=tr("rate"), format=".1f"),
                alt.Tooltip("target:Q", title=tr("target"), format=".1f"),
                alt.Tooltip("status_label:N", title=tr("status")),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [RURAL_SEWAGE_TARGET]}))
        .mark_rule(color="#333", strokeDash=[4, 4])
        .encode(y="target:Q")
    )
    st.altair_chart((bars + rule).properties(height=300), width="stretch")
    shown = pd.DataFrame(
        {
            tr("unit_name_town"): table["unit_name"],
            tr("rate"): table["rate"].map(lambda v: f"{v:.1f}"),
            tr("target"): table["target"].map(lambda v: f"{v:.1f}"),
            tr("gap"): table["gap"].map(lambda v: f"{v:+.1f}"),
            tr("meets_target"): table["meets_target"].map(lambda v: tr("yes") if v else tr("no")),
            tr("status"): table["status"].map(lambda s: tr(f"status_{s}")),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
    download_table(shown, f"rural-sewage-{year}")


def circular_tab() -> None:
    """Circular transformation of the parks that must be transformed by 2025."""
    result = cached(ledgers.circular_transformation, db)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("qualifying_parks"), result.qualifying)
    c2.metric(tr("done_parks"), result.done)
    c3.metric(tr("share_done"), f"{result.share_done:.0%}" if pd.notna(result.share_done) else "—")
    c4.metric(tr("all_by_2025"), tr("yes") if result.all_done else tr("no"))
    parks_spec = layers.get_spec("parks")
    shown = labelled_table(
        result.parks,
        parks_spec,
        lang(),
        {"progress": tr("circular_progress_pct"), "progress_year": tr("reported_year")},
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
    download_table(shown, "circular-transformation")


# Only the open tab runs: the page starts with one map, not two maps, a chart and five tables.
tabs = lazy_tabs([tr("tab_two_high"), tr("tab_monitoring"), tr("tab_rural_sewage"), tr("tab_circular")], "ledger_tab")
for tab, show in zip(tabs, (two_high_tab, monitoring_tab, sewage_tab, circular_tab), strict=True):
    if tab.open:
        with tab:
            show()
