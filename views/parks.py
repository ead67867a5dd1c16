"""园区指标 (/parks): park choropleth by indicator and year, a park's side panel, ranking, exports."""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

import layers
from geo import assessment, classify, forecast, plan, stats
from geo.crs import map_bounds
from geo.indicators import GRID_INDICATORS, INDICATORS, PARK_INDICATORS
from geo.maps import (
    build_choropleth_map,
    class_legend_rows,
    diverging_palette,
    palette,
    selection_layer,
    standalone_html,
)
from views.brief_button import brief_button
from views.grid_overlay import add_chosen_grid, grid_overlay_choice
from views.shell import (
    as_of_choice,
    cached,
    chosen_basemap,
    download_table,
    indicator_choice,
    lang,
    layer_frame,
    md_escape,
    page_header,
    rows_shown,
    show_map,
    table_height,
    tr,
    unit_label,
    with_unit,
    year_choice,
)
from views.water_notice import relapse_notice

db = page_header("nav_parks")
# -- controls: two rows (the 反弹 notice between them), so the map starts inside the first screen ------
c0, c1, c2, c3 = st.columns([1.6, 2.2, 2.2, 2.6])
as_of = as_of_choice(where=c0)
available_years = cached(stats.years, db, as_of=as_of)
if not available_years:
    st.info(tr("no_statistics_yet"))
    st.stop()

indicator = indicator_choice(
    c1, [i.code for i in (*PARK_INDICATORS, *GRID_INDICATORS)], key="cockpit_indicator", index=2
)
norms = stats.normalisations_for(indicator)
as_reported = len(norms) == 1  # a ratio, a percentage or an average: shown as reported, not as a "total"
if as_reported:
    normalisation = norms[0]
    # Set as the other controls' labels are (a fixed text of geo.i18n, not user input).
    c2.markdown(f'<p style="font-size:0.875rem;margin:0 0 0.5rem">{tr("normalisation")}</p>', unsafe_allow_html=True)
    c2.caption(tr("norm_as_reported"))
else:
    if st.session_state.get("cockpit_norm") not in norms:
        st.session_state["cockpit_norm"] = norms[0]
    normalisation = c2.radio(
        tr("normalisation"), norms, format_func=lambda n: tr(f"norm_{n}"), horizontal=True, key="cockpit_norm"
    )
year = year_choice(c3, available_years, key="cockpit_year")
relapse_notice(as_of)  # 反弹 water bodies for officials (issue 11)
m1, m2, m3 = st.columns(3)
compare = m1.toggle(tr("compare_years"), key="cockpit_compare", disabled=len(available_years) < 2)
earlier = [y for y in available_years if y < year]
base_year = (
    m1.select_slider(tr("compare_with"), options=earlier, value=earlier[0], key="cockpit_base_year")
    if compare and earlier
    else None
)
with m2.expander(tr("classification")):
    method = st.radio(tr("classification"), classify.METHODS, format_func=tr, horizontal=True, key="cockpit_method")
    k = st.slider(tr("classes"), 3, 7, 5, key="cockpit_k")
grid = grid_overlay_choice(m3, key="cockpit")

unit = unit_label(stats.unit_of(indicator, normalisation))
meta = INDICATORS[indicator]
# The basis joins the title only where there was a choice ("NOx（每平方公里）"); a ratio is just its name.
value_label = meta.title(lang()) if as_reported else with_unit(meta.title(lang()), tr("norm_" + normalisation))

if base_year is None:
    parks = cached(stats.park_values, db, indicator, year, normalisation, with_geometry=True, as_of=as_of)
    bounds = classify.breaks(parks["value"], k, method)
    colors = palette(len(bounds), meta.lower_is_better)
    classes = classify.assign_classes(parks["value"], bounds)
    finite = parks["value"].dropna()
    legend_rows = class_legend_rows(bounds, colors, float(finite.min()) if len(finite) else 0.0, unit, lang())
    map_values, map_unit, map_title = parks, unit, value_label
else:
    # The change map: each park coloured by its change from the earlier year, in %.
    parks = cached(stats.park_change, db, indicator, base_year, year, normalisation, with_geometry=True, as_of=as_of)
    bounds = classify.symmetric_breaks(parks["change_pct"], 6)
    colors = diverging_palette(meta.lower_is_better)[: len(bounds)]
    classes = classify.assign_classes(parks["change_pct"], bounds)
    finite = parks["change_pct"].dropna()
    legend_rows = class_legend_rows(bounds, colors, float(finite.min()) if len(finite) else 0.0, "%", lang())
    map_title = f"{meta.title(lang())} · {tr('change')} {base_year}→{year}"
    map_values, map_unit = parks.assign(value=parks["change_pct"]), "%"

# -- selection: the latest of a map click or a ranking row (read before drawing: no extra rerun) ---
park_ids = set(parks["id"])
map_state = st.session_state.get("cockpit_map") or {}
clicked_id = ((map_state.get("last_active_drawing") or {}).get("properties") or {}).get("id")
if clicked_id and clicked_id != st.session_state.get("cockpit_last_click"):
    st.session_state["cockpit_last_click"] = clicked_id
    if clicked_id in park_ids:
        st.session_state["cockpit_park"] = clicked_id
# The ranking's key follows its inputs, so a row selection never points into a re-sorted table.
ranking_key = f"cockpit_ranking_{indicator}_{normalisation}_{year}_{base_year}"
table_state = st.session_state.get(ranking_key)
picked_rows = table_state.selection.rows if table_state else []
ranking_ids = st.session_state.get(f"{ranking_key}_ids", [])
picked_id = ranking_ids[picked_rows[0]] if picked_rows and picked_rows[0] < len(ranking_ids) else None
if picked_id and picked_id != st.session_state.get("cockpit_last_row"):
    st.session_state["cockpit_last_row"] = picked_id
    st.session_state["cockpit_park"] = picked_id
selected = st.session_state.get("cockpit_park")
sort_by = "value" if base_year is None else "change_pct"
ranking = parks.drop(columns="geometry").sort_values(sort_by, ascending=False, na_position="last")
ranking.insert(0, "rank", range(1, len(ranking) + 1))

map_col, panel_col = st.columns([3, 2])
# The panel is filled before the map although it sits beside it: after a click on a park, the panel's
# message reaches the browser, and is drawn, before the map's unchanged one (A/B at 10,000 parks: click →
# panel 0.73 → 0.64 s; the map's Python is a few ms, the time saved is the browser's).
with panel_col:
    st.subheader(tr("park_panel"))
    panel = (
        cached(assessment.park_panel, db, selected, indicator, normalisation, year, as_of=as_of)
        if selected in park_ids
        else None
    )
    if panel is None:
        st.info(tr("pick_park"))
    else:
        park = panel.park
        with st.container(key="park_panel_title"):
            st.markdown(f"**{md_escape(park['name'])}**")
        st.caption(
            f"{tr('zone')}: {md_escape(park['zone'])} · {tr('town')}: {md_escape(park['town'])} · "
            f"{tr('area_km2')}: {park['area_km2']:.2f}"
        )
        profile = panel.profile
        shown = pd.DataFrame(
            {
                tr("indicator"): [INDICATORS[c].title(lang()) for c in profile["indicator"]],
                f"{year}": [
                    INDICATORS[c].format(v) for c, v in zip(profile["indicator"], profile["value"], strict=True)
                ],
                tr("unit"): profile["unit"].map(unit_label),
                tr("change_vs_2020"): ["—" if pd.isna(v) else f"{v:+.1f}%" for v in profile["change_pct"]],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")

        trend = panel.trend.assign(year=panel.trend["year"].astype(str))
        target = panel.target
        y_title = f"{meta.title(lang())} ({unit})"
        charts = [
            alt.Chart(trend)
            .mark_line(point=True)
            .encode(
                x=alt.X("year:O", title=tr("year")),
                y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
                tooltip=["year", alt.Tooltip("value:Q", format=",.3~f")],
            )
        ]
        if target:
            path = pd.DataFrame(
                {
                    "year": [str(target["baseline_year"]), str(target["target_year"])],
                    "value": [target["baseline_value"], target["target_value"]],
                    "line": [tr("expected_path")] * 2,
                }
            )
            charts.append(alt.Chart(path).mark_line(strokeDash=[4, 4], color="#888888").encode(x="year:O", y="value:Q"))
            charts.append(
                alt.Chart(pd.DataFrame({"value": [target["target_value"]]}))
                .mark_rule(color="#d62728")
                .encode(y="value:Q")
            )
        # Issue 13: the park's own trend extended (dashed) to the next plan period's target year.
        last_year = int(panel.trend["year"].max()) if len(panel.trend) else None
        ahead = [p.target_year for p in cached(plan.plan_periods, db) if last_year and p.target_year > last_year]
        dashed = pd.DataFrame()
        if ahead:
            drawn = forecast.trend_with_forecast(panel.trend, ahead[0])
            dashed = drawn[drawn["kind"] == "forecast"].assign(year=lambda d: d["year"].astype(str))
        if len(dashed):
            charts.append(
                alt.Chart(dashed)
                .mark_line(strokeDash=[2, 3], color="#ff7f0e")
                .encode(x="year:O", y="value:Q", tooltip=["year", alt.Tooltip("value:Q", format=",.3~f")])
            )
        st.caption(tr("trend_caption"))
        if len(dashed):
            st.caption(tr("trend_forecast_caption", y1=ahead[0], n=forecast.LAST_N))
        elif ahead:
            st.caption(tr("trend_forecast_insufficient"))
        st.altair_chart(alt.layer(*charts).properties(height=220), width="stretch")
        if target and panel.result:
            st.markdown(
                f"{tr('target_2025')}: **{meta.format(target['target_value'])} {unit}** · "
                f"{tr('expected')} ({year}): {meta.format(panel.result.expected)} · "
                f"{tr('actual')}: {meta.format(park['value'])} → **{tr('status_' + panel.result.status)}**"
            )
        # The 2025 energy-intensity target is the plan's headline: shown for the park and its zone.
        headline = INDICATORS[assessment.HEADLINE_INDICATOR]
        if panel.headline:
            st.markdown(f"**{INDICATORS[assessment.HEADLINE_INDICATOR].title(lang())} · {tr('target_2025')}**")
            with st.container(key="park_panel_energy_intensity"):
                st.dataframe(
                    pd.DataFrame(
                        {
                            tr("level"): [tr("park" if r.level == "park" else "level_zone") for r in panel.headline],
                            tr("layer_name"): [r.name for r in panel.headline],
                            f"{tr('actual')} {year}": [headline.format(r.actual) for r in panel.headline],
                            tr("target_2025"): [headline.format(r.target) for r in panel.headline],
                            tr("progress"): [
                                "—" if pd.isna(r.result.progress) else f"{r.result.progress:.0%}"
                                for r in panel.headline
                            ],
                            tr("status"): [tr("status_" + r.result.status) for r in panel.headline],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )

with map_col:
    admin = layer_frame("admin_units", as_of)
    fmap = build_choropleth_map(
        map_values,
        [(layers.get_spec("admin_units"), admin)],
        classes=classes,
        colors=colors,
        legend_rows_=legend_rows,
        title=map_title,
        value_label=map_title,
        unit=map_unit,
        lang=lang(),
        basemap=chosen_basemap(),
        bounds=map_bounds(admin),
    )
    add_chosen_grid(fmap, grid)
    # Only a click on a feature reruns the page; panning and zooming do not. The selection is its own
    # layer, so the map (and the user's view) stays as it is when another park is picked.
    show_map(fmap, "cockpit_map", 620, ["last_active_drawing"], selection_layer(parks, selected))
    # Built when the user clicks, not on every rerun (it inlines Leaflet: a few MB).
    st.download_button(
        tr("export_map"),
        partial(standalone_html, fmap),
        on_click="ignore",
        file_name=f"binhai-{indicator}-{normalisation}-{year}.html",
        mime="text/html",
    )
    # The brief's KPI table is by 开发区, the level a park's figures roll up to first. Under the map: the
    # map is what the page is for, the brief is what one takes away from it.
    brief_button(
        "parks",
        level="zone",
        indicator=indicator,
        year=year,
        as_of=as_of,
        normalisation=normalisation,
        classification=method,
        classes=k,
    )

# -- ranking ---------------------------------------------------------------------------------------
st.subheader(f"{tr('ranking')} · {value_label} · {year}")
value_header = with_unit(tr("value"), unit)
# Zones and towns repeat: as categories they travel once each (at 10,000 parks the table's message
# shrinks from 1.1 to 0.7 MB, and the map beside it is drawn sooner).
table = pd.DataFrame(
    {
        tr("rank"): ranking["rank"].astype("int32"),
        tr("park"): ranking["name"],
        value_header: ranking["value"],
        tr("zone"): ranking["zone"].fillna("—").astype("category"),
        tr("town"): ranking["town"].fillna("—").astype("category"),
        tr("id"): ranking["id"],
    }
)
decimals = meta.shown_decimals(normalisation)
number_formats = {value_header: st.column_config.NumberColumn(format=f"%,.{decimals}f")}
if base_year is not None:
    base_header = with_unit(f"{tr('value')} {base_year}", unit)
    change_header = with_unit(f"{tr('change')} {base_year}→{year}", "%")
    table.insert(3, base_header, ranking["value_base"])
    table.insert(4, change_header, ranking["change_pct"])
    number_formats |= {
        base_header: st.column_config.NumberColumn(format=f"%,.{decimals}f"),
        change_header: st.column_config.NumberColumn(format="%+.1f"),
    }
# The row → id mapping the next run uses to resolve a selection (the table's order changes with inputs).
st.session_state[f"{ranking_key}_ids"] = list(ranking["id"])
ranking_shown = rows_shown(table, ranking_key)  # the first rows keep the ranking's order: row i is still ranking_ids[i]
st.dataframe(
    ranking_shown,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=ranking_key,
    height=table_height(len(ranking_shown), 320),
    column_config=number_formats,
)
download_table(table, f"ranking-{indicator}-{normalisation}-{year}")
