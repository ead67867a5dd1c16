"""污水处理 (/facilities): plants' load and effluent compliance, exceedances, coverage per 街镇, imports, grids."""

from __future__ import annotations

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

import layers
from geo import facilities, grids
from geo.crs import map_bounds
from geo.errors import InputError, PortalError
from geo.maps.facilities import build_gap_map, build_plant_map, plant_selection_layer
from geo.settings import EFFLUENT_PARAMETERS
from views.grid_overlay import add_chosen_grid, grid_overlay_choice
from views.shell import (
    after_write,
    cached,
    chosen_basemap,
    download_table,
    lang,
    layer_frame,
    lazy_tabs,
    md_escape,
    page_header,
    require_role,
    settings,
    show_error,
    show_map,
    table_height,
    tr,
    with_unit,
)

db = page_header("nav_facilities", "facilities_note")
admin = layer_frame("admin_units")
bounds = map_bounds(admin)
plant_years = cached(facilities.years, db)
PARAMETER_TITLES = {p: tr(f"param_{p}") for p in EFFLUENT_PARAMETERS}
type_label = {
    code: layers.get_spec("wastewater").get_field("facility_type").label(code, lang())
    for code in ("urban", "industrial", "rural")
}


def pct(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.0%}"


def show_problems(title: str, problems, kind: str = "error") -> None:
    text = "\n".join(f"- {md_escape(p.text(lang()))}" for p in problems[:20])
    (st.error if kind == "error" else st.warning)(f"{title}\n\n{text}")


# Only the open tab runs: two maps, five tables and the import forms are not all built at once.
tab_plants, tab_exceed, tab_coverage, tab_import, tab_grids = lazy_tabs(
    [tr("tab_plants"), tr("tab_exceedances"), tr("tab_coverage"), tr("tab_import"), tr("tab_grids")], "fac_tab"
)

# -- plants: map, panel, table ------------------------------------------------------------------------
if tab_plants.open:
    with tab_plants:
        if not plant_years:
            st.info(tr("no_plant_data"))
        else:
            c1, c2, c3 = st.columns([2.4, 1.6, 2])  # one row of controls: the map starts on the first screen
            year = c1.select_slider(tr("year"), options=plant_years, value=plant_years[-1], key="fac_year")
            colour_by = c2.radio(
                tr("colour_by"),
                ("load", "compliance"),
                format_func=lambda k: tr(f"colour_by_{k}"),
                horizontal=True,
                key="fac_colour",
            )
            summary = cached(facilities.plant_summary, db, year)
            grid = grid_overlay_choice(c3, key="fac")
            m1, m2, m3, m4 = st.columns(4)
            m1.metric(tr("plants"), f"{len(summary)}")
            m2.metric(tr("overloaded_plants"), f"{int(summary['overloaded'].sum())}")
            m3.metric(tr("plants_exceeding"), f"{int((summary['exceedances'] > 0).sum())}")
            total_measured = summary["measured_months"].sum()
            m4.metric(
                tr("compliance_overall"),
                pct(summary["compliant_months"].sum() / total_measured) if total_measured else "—",
            )

            ids = list(summary["id"])
            names = dict(zip(summary["id"], summary["name"], strict=True))
            overloaded = set(summary.loc[summary["overloaded"], "id"])
            # A click on the map picks the plant (read before the picker is drawn: no extra rerun).
            clicked = (
                ((st.session_state.get("fac_map") or {}).get("last_active_drawing") or {}).get("properties") or {}
            ).get("id")
            if clicked and clicked != st.session_state.get("fac_last_click"):
                st.session_state["fac_last_click"] = clicked
                if clicked in names:
                    st.session_state["fac_plant"] = clicked
            if st.session_state.get("fac_plant") not in names:
                st.session_state["fac_plant"] = None
            map_col, panel_col = st.columns([3, 2])
            with map_col:
                frame = gpd.GeoDataFrame(
                    summary, geometry=gpd.points_from_xy(summary["lon"], summary["lat"]), crs="EPSG:4326"
                )
                fmap = build_plant_map(
                    frame,
                    [(layers.get_spec("admin_units"), admin)],
                    colour_by=colour_by,
                    lang=lang(),
                    basemap=chosen_basemap(),
                    bounds=bounds,
                )
                add_chosen_grid(fmap, grid)
                chosen = plant_selection_layer(frame, st.session_state.get("fac_plant"))
                show_map(fmap, "fac_map", 560, ["last_active_drawing"], chosen)
            with panel_col:
                st.subheader(tr("plant_panel"))
                selected = st.selectbox(
                    tr("plant"),
                    ids,
                    index=None,
                    placeholder=tr("pick_plant"),
                    format_func=lambda i: f"{names[i]}{' · ' + tr('overloaded') if i in overloaded else ''}",
                    key="fac_plant",
                )
                if selected is None:
                    st.info(tr("pick_plant_hint"))
                else:
                    plant = summary.set_index("id").loc[selected]
                    with st.container(key="plant_panel_title"):
                        st.markdown(f"**{md_escape(plant['name'])}**")
                    st.caption(
                        f"{type_label.get(plant['facility_type'], plant['facility_type'])} · "
                        f"{tr('design_capacity')}: {plant['design_capacity']:g} {tr('unit_10k_m3_d')} · "
                        f"{tr('standard')}: {md_escape(plant['discharge_standard'])} · {md_escape(plant['town'])}"
                    )
                    k1, k2 = st.columns(2)
                    k1.metric(tr("load_rate"), pct(plant["load_rate"]))
                    k2.metric(tr("compliance_rate"), pct(plant["compliance_rate"]))
                    months = cached(facilities.plant_months, db, selected, year)
                    if months.empty:
                        st.info(tr("no_plant_data"))
                    else:
                        months = months.assign(
                            month=pd.to_datetime(months["month"]), load_pct=months["load_rate"] * 100
                        )
                        with st.container(key="load_rate_chart"):
                            st.caption(tr("load_chart_caption"))
                            line = (
                                alt.Chart(months)
                                .mark_line(point=True)
                                .encode(
                                    x=alt.X("yearmonth(month):T", title=tr("month")),
                                    y=alt.Y(
                                        "load_pct:Q", title=with_unit(tr("load_rate"), "%"), scale=alt.Scale(zero=False)
                                    ),
                                    tooltip=[
                                        alt.Tooltip("yearmonth(month):T", title=tr("month")),
                                        alt.Tooltip("load_pct:Q", format=".0f"),
                                    ],
                                )
                            )
                            full = (
                                alt.Chart(pd.DataFrame({"y": [100]}))
                                .mark_rule(color="#d62728", strokeDash=[4, 4])
                                .encode(y="y:Q")
                            )
                            st.altair_chart(alt.layer(line, full).properties(height=200), width="stretch")
                        parameter = st.selectbox(
                            tr("effluent_parameter"),
                            list(EFFLUENT_PARAMETERS),
                            format_func=PARAMETER_TITLES.get,
                            key="fac_param",
                        )
                        series = months[["month", parameter, f"{parameter}_limit"]].rename(
                            columns={parameter: "value", f"{parameter}_limit": "limit"}
                        )
                        measured = (
                            alt.Chart(series)
                            .mark_line(point=True)
                            .encode(
                                x=alt.X("yearmonth(month):T", title=tr("month")),
                                y=alt.Y("value:Q", title=with_unit(PARAMETER_TITLES[parameter], "mg/L")),
                                tooltip=[alt.Tooltip("yearmonth(month):T", title=tr("month")), "value:Q", "limit:Q"],
                            )
                        )
                        limit = (
                            alt.Chart(series)
                            .mark_line(interpolate="step-after", color="#d62728", strokeDash=[4, 4])
                            .encode(x="yearmonth(month):T", y="limit:Q")
                        )
                        st.caption(tr("effluent_chart_caption"))
                        st.altair_chart(alt.layer(measured, limit).properties(height=200), width="stretch")
                        own = cached(facilities.exceedances, db, year, selected)
                        if len(own):
                            st.markdown(f"**{tr('exceedances')}**")
                            st.dataframe(
                                pd.DataFrame(
                                    {
                                        tr("month"): [m.strftime("%Y-%m") for m in own["month"]],
                                        tr("effluent_parameter"): own["parameter"].map(PARAMETER_TITLES),
                                        with_unit(tr("value"), "mg/L"): own["value"],
                                        with_unit(tr("limit"), "mg/L"): own["limit"],
                                    }
                                ),
                                hide_index=True,
                                width="stretch",
                            )

            st.subheader(f"{tr('plant_table')} · {year}")
            ranked = summary.sort_values("load_rate", ascending=False, na_position="last")
            table = pd.DataFrame(
                {
                    tr("plant"): ranked["name"],
                    tr("facility_type"): ranked["facility_type"].map(type_label),
                    with_unit(tr("design_capacity"), tr("unit_10k_m3_d")): ranked["design_capacity"],
                    with_unit(tr("load_rate"), "%"): (ranked["load_rate"] * 100).round(1),
                    with_unit(tr("compliance_rate"), "%"): (ranked["compliance_rate"] * 100).round(1),
                    tr("exceedances"): ranked["exceedances"],
                    tr("standard"): ranked["discharge_standard"],
                    tr("id"): ranked["id"],
                }
            )
            st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table), 420))
            download_table(table, f"plants-{year}")

# -- exceedances --------------------------------------------------------------------------------------
if tab_exceed.open:
    with tab_exceed:
        if plant_years:
            ex_year = st.selectbox(tr("year"), plant_years[::-1], key="fac_ex_year")
            found = cached(facilities.exceedances, db, ex_year)
            st.caption(tr("exceedance_caption"))
            if found.empty:
                st.success(tr("no_exceedances"))
            else:
                shown = pd.DataFrame(
                    {
                        tr("plant"): found["name"],
                        tr("month"): [m.strftime("%Y-%m") for m in found["month"]],
                        tr("standard"): found["standard"],
                        tr("effluent_parameter"): found["parameter"].map(PARAMETER_TITLES),
                        with_unit(tr("value"), "mg/L"): found["value"],
                        with_unit(tr("limit"), "mg/L"): found["limit"],
                        tr("cold_limit_applied"): found["cold"].map({True: tr("yes"), False: tr("no")}),
                    }
                )
                st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
                download_table(shown, f"exceedances-{ex_year}")

# -- coverage -----------------------------------------------------------------------------------------
if tab_coverage.open:
    with tab_coverage:
        stat_years = [y for y in range(2020, 2031)]
        c1, c2 = st.columns([2, 3])
        cov_year = c1.selectbox(tr("year"), [y for y in stat_years if y <= 2024][::-1], key="fac_cov_year")
        method = c2.radio(
            tr("coverage_method"),
            facilities.COVERAGE_METHODS,
            format_func=lambda m: tr(f"coverage_{m}"),
            horizontal=True,
            key="fac_cov_method",
        )
        current = cached(facilities.service_settings, db)
        st.caption(tr("coverage_formula", per_capita=f"{current[0]:g}", share=f"{current[1]:g}"))
        units = cached(facilities.coverage_map_frame, db, cov_year, method)
        gap_map = build_gap_map(units, lang=lang(), basemap=chosen_basemap(), bounds=bounds)
        show_map(gap_map, f"fac_gap_{cov_year}_{method}", 480)
        lacking = units[units["gap"] < 0].sort_values("gap")
        st.markdown(tr("units_lacking", n=len(lacking)))
        cov_table = pd.DataFrame(
            {
                tr("town"): units["unit_name"],
                with_unit(tr("population"), tr("unit_10k_people")): units["population"],
                with_unit(tr("expected_sewage"), tr("unit_10k_m3_d")): units["expected"].round(2),
                with_unit(tr("serving_capacity"), tr("unit_10k_m3_d")): units["capacity"].round(2),
                with_unit(tr("capacity_gap"), tr("unit_10k_m3_d")): units["gap"].round(2),
                tr("serving_plants"): [
                    ("、" if lang() == "zh" else ", ").join(p) if isinstance(p, list | tuple | np.ndarray) else "—"
                    for p in units["plants"]
                ],
                with_unit(tr("rural_rate"), "%"): units["rural_rate"],
            }
        ).sort_values(with_unit(tr("capacity_gap"), tr("unit_10k_m3_d")), na_position="last")
        st.dataframe(cov_table, hide_index=True, width="stretch", height=table_height(len(cov_table), 420))
        download_table(cov_table, f"coverage-{cov_year}")
        st.page_link("views/ledgers.py", label=tr("rural_rate_link"), icon=":material/list_alt:")
        with st.expander(tr("service_mapping")):
            mapping = cached(facilities.service, db)
            st.dataframe(
                pd.DataFrame(
                    {
                        tr("plant"): mapping["facility_name"],
                        tr("served_kind"): mapping["served_kind"].map({"town": tr("town"), "park": tr("park")}),
                        tr("served_unit"): mapping["served_name"],
                        tr("share"): mapping["share"].round(3),
                        tr("id"): mapping["facility_id"],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            st.caption(tr("service_import_hint"))
            mapping_file = st.file_uploader(tr("service_upload"), type=["csv"], key="fac_service_upload")
            if mapping_file is not None:
                actor = require_role("water_editor")
                if actor is not None and st.button(tr("import_now"), key="fac_service_import"):
                    try:
                        rows = pd.read_csv(
                            mapping_file, dtype={"facility_id": str, "served_kind": str, "served_id": str}
                        )
                        written = facilities.import_service(db, actor, rows, mapping_file.name)
                    except (PortalError, ValueError, KeyError) as err:
                        show_error(err) if isinstance(err, PortalError) else st.error(md_escape(str(err)))
                    else:
                        after_write()
                        st.success(tr("imported_rows", n=written))

# -- monthly import -----------------------------------------------------------------------------------
if tab_import.open:
    with tab_import:
        st.caption(tr("monthly_import_help"))
        template = pd.DataFrame(
            columns=["设施名称", "月份", "处理水量（万m³）", "COD", "BOD5", "SS", "TN", "NH3-N", "TP", "水温"]
        )
        download_table(template, "monthly-template", key="fac_template")
        upload = st.file_uploader(tr("monthly_upload"), type=["csv", "xlsx"], key="fac_monthly_upload")
        if upload is not None:
            try:
                checked = facilities.check_monthly(db, upload.getvalue(), upload.name, settings().limits)
            except InputError as err:
                show_problems(tr("import_refused"), err.problems)
            else:
                if checked.errors:
                    show_problems(tr("import_refused"), checked.errors)
                if checked.warnings:
                    show_problems(tr("import_warnings"), checked.warnings, kind="warning")
                st.markdown(tr("preview_rows", n=len(checked.rows)))
                st.dataframe(checked.rows.head(50), hide_index=True, width="stretch")
                if checked.ok:
                    actor = require_role("water_editor")
                    if actor is not None and st.button(tr("import_now"), key="fac_monthly_import", type="primary"):
                        try:
                            done = facilities.import_monthly(
                                db, actor, upload.getvalue(), upload.name, settings().limits
                            )
                        except PortalError as err:
                            show_error(err)
                        else:
                            after_write()
                            st.success(tr("imported_rows", n=len(done.rows)))

# -- grids --------------------------------------------------------------------------------------------
if tab_grids.open:
    with tab_grids:
        st.caption(tr("grids_help"))
        held = cached(grids.list_grids, db)
        st.dataframe(
            pd.DataFrame(
                {
                    tr("pollutant"): held["pollutant"].map(grids.POLLUTANTS),
                    tr("year"): held["year"].astype(str),
                    tr("grid_name"): held["name"],
                    "CRS": held["crs"],
                    tr("grid_size"): [f"{w} × {h}" for w, h in zip(held["width"], held["height"], strict=True)],
                }
            ),
            hide_index=True,
            width="stretch",
            height=table_height(len(held), 300),
        )
        limits = settings().limits
        st.caption(tr("grid_limits", mb=f"{limits.max_raster_mb:g}", cells=f"{limits.max_raster_pixels:,}"))
        g1, g2 = st.columns(2)
        pollutant = g1.selectbox(
            tr("pollutant"), list(grids.POLLUTANTS), format_func=grids.POLLUTANTS.get, key="fac_grid_pollutant"
        )
        grid_year = g2.number_input(tr("year"), 2000, 2100, 2024, key="fac_grid_year")
        grid_file = st.file_uploader(tr("grid_upload"), type=["tif", "tiff"], key="fac_grid_upload")
        if grid_file is not None:
            actor = require_role("stats_editor")
            if actor is not None and st.button(tr("import_now"), key="fac_grid_import", type="primary"):
                try:
                    rows = grids.upload_grid(
                        db, actor, grid_file.getvalue(), grid_file.name, pollutant, int(grid_year), limits
                    )
                except InputError as err:
                    show_problems(tr("import_refused"), err.problems)
                except PortalError as err:
                    show_error(err)
                else:
                    after_write()
                    st.success(tr("grid_uploaded", n=len(rows)))
