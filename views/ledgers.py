"""专项台账: 两高 projects, key energy users' monitoring, rural sewage by town, circular transformation."""

from __future__ import annotations

import dataclasses

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import layers
from geo import ledgers, stats
from geo.crs import map_bounds
from geo.maps import build_map, format_number
from views.shell import cached, chosen_basemap, download_table, lang, layer_frame, page_header, tr

db = page_header("nav_ledgers", "ledger_note")
admin = layer_frame("admin_units")
bounds = map_bounds(admin)


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
    st_folium(fmap, height=460, use_container_width=True, returned_objects=[], key=key)


tab_two_high, tab_monitoring, tab_sewage, tab_circular = st.tabs(
    [tr("tab_two_high"), tr("tab_monitoring"), tr("tab_rural_sewage"), tr("tab_circular")]
)

with tab_two_high:
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
    st.dataframe(pivot.map(format_number), width="stretch")
    table = cached(ledgers.two_high_table, db, stage, sector)
    points_map("two_high_projects", list(table["id"]), "ledger_two_high_map")
    shown = table.assign(
        stage=table["stage"].map(label("two_high_projects", "stage")),
        sector=table["sector"].map(label("two_high_projects", "sector")),
        approval_status=table["approval_status"].map(label("two_high_projects", "approval_status")),
    ).rename(columns={f.name: f.title(lang()) for f in spec.fields})
    st.dataframe(shown, hide_index=True, width="stretch")
    download_table(shown, "two-high-projects")

with tab_monitoring:
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
    shown = table.assign(
        monitoring_status=table["monitoring_status"].map(label("key_energy_units", "monitoring_status"))
    ).rename(columns={f.name: f.title(lang()) for f in spec.fields})
    st.dataframe(shown, hide_index=True, width="stretch")
    download_table(shown, "key-energy-units")

with tab_sewage:
    sewage_years = cached(stats.years, db, "rural_sewage_treatment_rate")
    if not sewage_years:
        st.info(tr("no_data"))
        st.stop()
    year = st.select_slider(tr("year"), options=sewage_years, value=sewage_years[-1], key="sewage_year")
    table = cached(ledgers.rural_sewage_by_town, db, year)
    chart_data = table.assign(status=table["status"].map(lambda s: tr(f"status_{s}")))
    bars = (
        alt.Chart(chart_data)
        .mark_bar()
        .encode(
            x=alt.X("unit_name:N", sort="-y", title=None),
            y=alt.Y("rate:Q", title=tr("rate"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "meets_target:N",
                scale=alt.Scale(domain=[True, False], range=["#1a9850", "#d73027"]),
                legend=alt.Legend(title=tr("meets_target")),
            ),
            tooltip=["unit_name", "rate", "target", "status"],
        )
    )
    rule = alt.Chart(pd.DataFrame({"target": [90]})).mark_rule(color="#333", strokeDash=[4, 4]).encode(y="target:Q")
    st.altair_chart((bars + rule).properties(height=300), width="stretch")
    shown = pd.DataFrame(
        {
            tr("level_town"): table["unit_name"],
            tr("rate"): table["rate"],
            tr("target"): table["target"],
            tr("gap"): table["gap"].round(1),
            tr("meets_target"): table["meets_target"].map(lambda v: tr("yes") if v else tr("no")),
            tr("status"): table["status"].map(lambda s: tr(f"status_{s}")),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    download_table(shown, f"rural-sewage-{year}")

with tab_circular:
    result = cached(ledgers.circular_transformation, db)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("qualifying_parks"), result.qualifying)
    c2.metric(tr("done_parks"), result.done)
    c3.metric(tr("share_done"), f"{result.share_done:.0%}" if pd.notna(result.share_done) else "—")
    c4.metric(tr("all_by_2025"), tr("yes") if result.all_done else tr("no"))
    parks_spec = layers.get_spec("parks")
    shown = result.parks.assign(
        level=result.parks["level"].map(label("parks", "level")),
        industry=result.parks["industry"].map(label("parks", "industry")),
        circular_status=result.parks["circular_status"].map(label("parks", "circular_status")),
    ).rename(columns={f.name: f.title(lang()) for f in parks_spec.fields})
    st.dataframe(shown, hide_index=True, width="stretch")
    download_table(shown, "circular-transformation")
