"""目标考核: a plan period's targets vs the straight-line path, per district / zone / street-town / park;
the final assessment (终期评估) once the target year has data, the forecast, and what-if measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import layers
from geo import assessment, forecast, plan, stats, whatif
from geo.crs import map_bounds
from geo.errors import PortalError
from geo.final_assessment import final_assessment, final_summary, has_final_data
from geo.indicators import INDICATORS
from geo.maps import STATUS_COLORS, build_choropleth_map, legend_row
from geo.plan import TARGET_INDICATORS
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
    show_map,
    table_height,
    tr,
    unit_label,
    with_unit,
    year_choice,
)

db = page_header("nav_assessment")
# One row of controls, so the map starts inside the first screen.
cd, c0, c1, c2, c3 = st.columns([1.5, 2.2, 1.8, 2.3, 1.6])
as_of = as_of_choice(where=cd)
all_years = cached(stats.years, db, as_of=as_of)
if not all_years:
    st.info(tr("no_statistics_yet"))
    st.stop()

periods = cached(plan.plan_periods, db)
codes = [p.code for p in periods]
period_code = c0.selectbox(
    tr("plan_period"),
    codes,
    index=codes.index(plan.CURRENT_PERIOD.code) if plan.CURRENT_PERIOD.code in codes else 0,
    format_func=lambda c: next(
        f"{p.title(lang())} ({p.baseline_year}–{p.target_year})" for p in periods if p.code == c
    ),
    key="plan_period",
)
period = periods[codes.index(period_code)]
BASELINE_YEAR, TARGET_YEAR = period.baseline_year, period.target_year
available_years = [y for y in all_years if period.baseline_year <= y <= period.target_year]
if not available_years:
    st.info(tr("period_no_years", period=period.title(lang())))
    st.stop()
level = c1.selectbox(tr("level"), list(assessment.TARGET_LEVELS), index=1, format_func=lambda v: tr(f"level_{v}"))
indicator = indicator_choice(c2, TARGET_INDICATORS)
year = year_choice(c3, available_years, key=f"year_{period.code}")
brief_button("assessment", level=level, indicator=indicator, year=year, as_of=as_of)

table = cached(assessment.assessment, db, level, indicator, year, as_of=as_of, target_year=TARGET_YEAR)
outlook = cached(forecast.forecast_table, db, level, indicator, year, TARGET_YEAR, as_of=as_of)
table = table.merge(outlook, on="entity_id", how="left")
if table.empty:
    st.info(tr("period_no_targets", period=period.title(lang())))
counts = table["status"].astype(str).value_counts()
m1, m2, m3, m4 = st.columns(4)
for col, status in zip((m1, m2, m3, m4), ("behind", "at_risk", "on_track", "no_data"), strict=True):
    col.metric(tr(f"status_{status}"), int(counts.get(status, 0)))

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
show_map(fmap, f"assessment_map_{level}", 480)
# How a status and a forecast are reached: under the map, above the table they explain.
st.caption(tr("assessment_rule_period", y0=BASELINE_YEAR, y1=TARGET_YEAR))
st.caption(tr("forecast_rule", n=forecast.LAST_N, y1=TARGET_YEAR))
if level != "park":
    st.caption(tr("aggregation_rule"))

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
        f"{tr('forecast')} {TARGET_YEAR}": table["forecast"].map(meta.format),
        tr("forecast_interval"): [
            "—" if pd.isna(lo) else f"{meta.format(lo)} – {meta.format(hi)}"
            for lo, hi in zip(table["forecast_low"], table["forecast_high"], strict=True)
        ],
        tr("outlook"): table["outlook"].fillna("insufficient").map(lambda o: tr(f"outlook_{o}")),
        tr("unit"): unit,
        tr("id"): table["entity_id"],
    }
)
st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown), 360))
download_table(shown, f"assessment-{period.code}-{level}-{indicator}-{year}")

# -- 终期评估: the final assessment once the target year has figures -----------------------------------
st.subheader(tr("final_title", period=period.title(lang()), y1=TARGET_YEAR))
if not cached(has_final_data, db, period, indicator, as_of=as_of):
    st.info(tr("final_not_yet", y1=TARGET_YEAR))
else:
    st.caption(tr("final_rule"))
    summary = cached(final_summary, db, period, indicator, as_of=as_of)
    st.dataframe(
        pd.DataFrame(
            {
                tr("level"): summary["level"].map(lambda v: tr(f"level_{v}")),
                tr("result_met"): summary["met"],
                tr("result_not_met"): summary["not_met"],
                tr("result_no_data"): summary["no_data"],
                tr("total"): summary["total"],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    final = cached(final_assessment, db, period, level, indicator, as_of=as_of)
    final_shown = pd.DataFrame(
        {
            tr("rank"): range(1, len(final) + 1),
            tr(f"unit_name_{level}"): final["name"],
            tr("result"): final["result"].map(lambda r: tr(f"result_{r}")),
            f"{tr('actual')} {TARGET_YEAR}": final["actual"].map(meta.format),
            f"{tr('target')} {TARGET_YEAR}": final["target_value"].map(meta.format),
            tr("final_gap"): final["gap"].map(lambda v: "—" if pd.isna(v) else f"{v:+,.{meta.decimals}f}"),
            tr("final_gap_pct"): final["gap_pct"].map(lambda v: "—" if pd.isna(v) else f"{v:+.1f}%"),
            f"{tr('baseline')} {BASELINE_YEAR}": final["baseline_value"].map(meta.format),
            tr("unit"): unit,
            tr("id"): final["entity_id"],
        }
    )
    st.dataframe(final_shown, hide_index=True, width="stretch", height=table_height(len(final_shown), 360))
    download_table(final_shown, f"final-{period.code}-{level}-{indicator}", key="final_download")


def _figure(value: float) -> str:
    """A what-if figure: thousands grouped without decimals from 1,000, else four significant digits."""
    if pd.isna(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _delta(change: float, spec: str) -> str | None:
    """A metric's change, or none when the measures change nothing."""
    return None if abs(change) < 1e-12 else f"{change:+{spec}}"


# -- what-if: measures on a park or a 开发区 ---------------------------------------------------------------
st.subheader(tr("whatif_title", y1=TARGET_YEAR))
if st.toggle(tr("whatif_show"), key="whatif_on"):
    st.caption(tr("whatif_help"))
    w1, w2 = st.columns([1, 3])
    whatif_level = w1.radio(
        tr("level"), list(whatif.WHATIF_LEVELS), format_func=lambda v: tr(f"level_{v}"), key="whatif_level"
    )
    candidates = cached(
        assessment.targets_table, db, whatif_level, "energy_intensity", as_of=as_of, target_year=TARGET_YEAR
    )
    if candidates.empty:
        st.info(tr("period_no_targets", period=period.title(lang())))
    else:
        names = dict(zip(candidates["entity_id"], candidates["name"], strict=True))
        entity = w2.selectbox(
            tr(f"unit_name_{whatif_level}"), list(names), format_func=lambda e: f"{names[e]} ({e})", key="whatif_entity"
        )
        m1, m2, m3, m4 = st.columns(4)
        measures = whatif.Measures(
            coal_cut_pct=m1.slider(tr("whatif_coal_cut"), 0, 100, 0, 5, key="whatif_coal"),
            boilers_closed_th=m2.number_input(tr("whatif_boilers"), 0.0, 1000.0, 0.0, 1.0, key="whatif_boilers"),
            convert_to_gas=m3.checkbox(tr("whatif_convert"), key="whatif_convert"),
            value_added_raise_pct=m4.slider(tr("whatif_va_raise"), 0, 100, 0, 5, key="whatif_va"),
        )
        result = cached(whatif.what_if, db, whatif_level, entity, period, measures, as_of=as_of)
        if result.before is None:
            st.info(tr("forecast_insufficient"))
        else:
            st.caption(tr(f"whatif_basis_{result.basis}", y1=TARGET_YEAR))
            ei = INDICATORS["energy_intensity"]
            r1, r2, r3, r4 = st.columns(4)
            r1.metric(
                with_unit(tr("whatif_intensity"), ei.unit),
                ei.format(result.after.intensity),
                delta=_delta(result.after.intensity - result.before.intensity, ".3f"),
                delta_color="inverse",
            )
            verdict = result.met("after")
            r2.metric(
                f"{tr('target')} {TARGET_YEAR}",
                "—" if result.intensity_target is None else ei.format(result.intensity_target),
                delta=None if verdict is None else tr("outlook_likely_met" if verdict else "outlook_likely_missed"),
                delta_color="normal" if verdict else "inverse",
            )
            r3.metric(
                with_unit(tr("whatif_co2"), "t"),
                f"{result.after.co2:,.0f}",
                delta=_delta(result.after.co2 - result.before.co2, ",.0f"),
                delta_color="inverse",
            )
            if result.district_after is not None:
                r4.metric(
                    with_unit(tr("whatif_district"), ei.unit),
                    ei.format(result.district_after),
                    delta=_delta(result.district_after - result.district_before, ".4f"),
                    delta_color="inverse",
                )
            rows = [
                (tr("whatif_energy"), "tce", result.before.energy, result.after.energy),
                (tr("whatif_coal"), "tce", result.before.coal, result.after.coal),
                (INDICATORS["value_added"].title(lang()), "万元", result.before.value_added, result.after.value_added),
                (ei.title(lang()), ei.unit, result.before.intensity, result.after.intensity),
                (tr("whatif_co2"), "t", result.before.co2, result.after.co2),
                (INDICATORS["nox"].title(lang()), "t", result.before.nox, result.after.nox),
            ]
            st.dataframe(
                pd.DataFrame(
                    {
                        tr("indicator"): [r[0] for r in rows],
                        tr("unit"): [unit_label(r[1]) for r in rows],
                        tr("whatif_before"): [_figure(r[2]) for r in rows],
                        tr("whatif_after"): [_figure(r[3]) for r in rows],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        st.caption(tr("whatif_factors"))
        factors = result.factors
        st.dataframe(
            pd.DataFrame(
                {
                    tr("setting_title"): factors["title_zh"] if lang() == "zh" else factors["title_en"],
                    tr("setting_value"): factors["value"],
                    tr("unit"): factors["unit"].map(unit_label),
                    tr("setting_source"): factors["source"] if lang() == "zh" else factors["source_en"],
                }
            ),
            hide_index=True,
            width="stretch",
        )

# -- admins edit the 2025 targets -------------------------------------------------------------------
actor = current_actor()
if as_of is None and actor is not None and actor.has("admin"):
    with st.expander(tr("edit_targets")):
        targets = cached(assessment.targets_table, db, level, indicator, target_year=TARGET_YEAR)
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
