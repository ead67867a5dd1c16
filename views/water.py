"""黑臭水体: every listed body by stage and latest class, its record, sampling rounds and the stage sign-off."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

import layers
from geo import water
from geo.crs import map_bounds
from geo.errors import InputError, PortalError
from geo.maps.choropleth import selection_layer
from geo.maps.water import build_water_map
from views.brief_button import brief_button
from views.shell import (
    after_write,
    as_of_choice,
    cached,
    chosen_basemap,
    current_actor,
    lang,
    layer_frame,
    lazy_expander,
    md_escape,
    page_header,
    show_error,
    show_map,
    table_height,
    tr,
)

db = page_header("nav_water", "water_intro")
# Always one slot for the message of the last write, so the page below never shifts when it shows.
flash_slot = st.empty()
flash = st.session_state.pop("water_flash", None)
if flash:
    flash_slot.success(flash)
# The day shown and how the map is coloured share a row (the colouring's radio is filled in below, with the map).
day_col, colour_col = st.columns([1, 3])
as_of = as_of_choice("water_as_of", where=day_col)
L = lang()
COLON, LIST_SEP = ("：", "、") if L == "zh" else (": ", ", ")
frame = cached(water.bodies, db, as_of)


def stage_label(stage: str | None, pending: str | None = None) -> str:
    text = water.stage_title(stage, L)
    if pending:
        text += (
            f"（{tr('water_pending')}：{water.stage_title(pending, L)}）"
            if L == "zh"
            else f" ({tr('water_pending')}: {water.stage_title(pending, L)})"
        )
    return text


# -- filters --------------------------------------------------------------------------------------------
f1, f2, f3, f4 = st.columns(4)
towns = f1.multiselect(
    tr("water_town"), sorted(frame["town"].dropna().unique()), key="water_f_town", placeholder=tr("water_all")
)
systems = f2.multiselect(
    tr("water_system"),
    sorted(frame["river_system"].dropna().unique()),
    key="water_f_system",
    placeholder=tr("water_all"),
)
stages = f3.multiselect(
    tr("water_stage"),
    list(water.STAGES),
    format_func=lambda s: water.stage_title(s, L),
    key="water_f_stage",
    placeholder=tr("water_all"),
)
classes = f4.multiselect(
    tr("water_class"),
    [*water.CLASSES, "none"],
    format_func=lambda c: water.class_title(c, L),
    key="water_f_class",
    placeholder=tr("water_all"),
)
shown = water.filter_bodies(frame, towns, systems, stages, classes)

# -- map and table; the selection is the latest of a map click or a table row ------------------------------
colour_by = colour_col.radio(
    tr("water_colour_by"),
    ["stage", "cls"],
    format_func=lambda v: tr("water_stage") if v == "stage" else tr("water_class"),
    horizontal=True,
    key="water_colour_by",
)
ids = list(shown["id"])
map_state = st.session_state.get("water_map") or {}
clicked = ((map_state.get("last_active_drawing") or {}).get("properties") or {}).get("id")
if clicked and clicked != st.session_state.get("water_last_click"):
    st.session_state["water_last_click"] = clicked
    st.session_state["water_body"] = clicked
table_key = f"water_table_{'-'.join(towns + systems + stages + classes)}"
table_state = st.session_state.get(table_key)
rows_picked = table_state.selection.rows if table_state else []
if rows_picked and rows_picked[0] < len(ids) and ids[rows_picked[0]] != st.session_state.get("water_last_row"):
    st.session_state["water_last_row"] = ids[rows_picked[0]]
    st.session_state["water_body"] = ids[rows_picked[0]]
selected = st.session_state.get("water_body")

admin = layer_frame("admin_units", as_of)
fmap = build_water_map(
    shown,
    water.display_spec(colour_by),
    [(layers.get_spec("admin_units"), admin)],
    lang=L,
    basemap=chosen_basemap(),
    bounds=map_bounds(admin),
)
# The layers' rows as static files the map fetches (geo/maps/served.py), not inside its script.
show_map(fmap, "water_map", 460, ["last_active_drawing"], selection_layer(frame, selected))
st.caption(tr("water_rule"))

# -- counts per stage (under the map: on a phone the map comes first) -------------------------------------------------------------------------------------
counts = water.stage_counts(shown)
cols = st.columns(len(water.STAGES) + 1)
for col, stage in zip(cols, water.STAGES, strict=False):
    col.metric(water.stage_title(stage, L), counts[stage])
cols[-1].metric(tr("water_pending"), counts["pending"])

relapses = shown[shown["stage"] == "relapsed"]
if len(relapses):
    st.warning(tr("water_relapsed_list", n=len(relapses), names=LIST_SEP.join(map(md_escape, relapses["name"]))))

# The brief: every listed body (the filters above narrow the page, not the district's brief), as of the page's date.
brief_button("water", as_of=as_of)


table = pd.DataFrame(
    {
        tr("water_body"): shown["name"],
        tr("water_stage"): [stage_label(s, p) for s, p in zip(shown["stage"], shown["pending_stage"], strict=True)],
        tr("water_class"): shown["cls"].map(lambda c: water.class_title(c, L)),
        tr("water_latest_round"): shown["latest_round"].map(
            lambda d: "—" if pd.isna(d) else pd.Timestamp(d).date().isoformat()
        ),
        tr("water_town"): shown["town"],
        tr("water_system"): shown["river_system"],
        tr("water_unit"): shown["responsible_unit"].fillna("—"),
        tr("water_chief"): shown["river_chief"].fillna("—"),
        tr("water_listed"): shown["listed_year"],
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=table_key,
    height=table_height(len(table), 360),
)

names = dict(zip(frame["id"], frame["name"], strict=True))


def _picked() -> None:
    st.session_state["water_body"] = st.session_state["water_pick_body"]


if st.session_state.get("water_pick_body") != selected:
    st.session_state["water_pick_body"] = selected
st.selectbox(
    tr("water_pick_body"),
    [None, *frame["id"]],
    format_func=lambda i: "—" if i is None else f"{names[i]} ({i})",
    key="water_pick_body",
    on_change=_picked,
)

# -- counts by year of listing, and at the end of each quarter ---------------------------------------------
# Under a lazy expander each (views.shell.lazy_expander): the chart's code no longer holds the map back.
by_year_box = lazy_expander(tr("water_by_year"), key="water_by_year_open")
if by_year_box.open:
    with by_year_box:
        by_year = water.counts_by_listing_year(shown)
        if len(by_year):
            long = by_year.reset_index().melt(id_vars="listed_year", var_name="stage", value_name="n")
            long["stage_label"] = long["stage"].map(lambda s: water.stage_title(s, L))
            colours = dict(layers.get_spec("water_bodies").style.category_colors)
            order = [water.stage_title(s, L) for s in water.STAGES]
            chart = (
                alt.Chart(long)
                .mark_bar()
                .encode(
                    x=alt.X("listed_year:O", title=tr("water_listed")),
                    y=alt.Y("n:Q", title=tr("water_count")),
                    color=alt.Color(
                        "stage_label:N",
                        title=tr("water_stage"),
                        scale=alt.Scale(domain=order, range=[colours[s] for s in water.STAGES]),
                    ),
                    order=alt.Order("stage:N"),
                )
                .properties(height=240)
            )
            st.altair_chart(chart, width="stretch")

quarters_box = lazy_expander(tr("water_quarters"), key="water_quarters_open")
if quarters_box.open:
    with quarters_box:
        end = as_of or date.today()
        quarters = cached(water.quarterly_stage_counts, db, date(end.year - 2, 1, 1), end)
        quarters = quarters.rename(
            columns={"quarter_end": tr("water_quarter_end"), **{s: water.stage_title(s, L) for s in water.STAGES}}
        )
        st.dataframe(quarters, hide_index=True, width="stretch", height=table_height(len(quarters), 420))

# -- the selected body's record -----------------------------------------------------------------------------
if selected not in set(frame["id"]):
    st.info(tr("water_pick"))
    st.stop()
record = cached(water.body_record, db, selected, as_of)
body = record.body
st.subheader(f"{body['name']} · {stage_label(body['stage'], body['pending_stage'])}")
a1, a2, a3 = st.columns(3)
a1.markdown(
    f"**{tr('water_unit')}**{COLON}{md_escape(body.get('responsible_unit'))}  \n**{tr('water_chief')}**{COLON}{md_escape(body.get('river_chief'))}"
)
a2.markdown(
    f"**{tr('water_town')}**{COLON}{md_escape(body['town'])}  \n**{tr('water_system')}**{COLON}{md_escape(body['river_system'])}"
)
completed = body.get("completed_on")
a3.markdown(
    f"**{tr('water_listed')}**{COLON}{md_escape(body['listed_year'])}  \n**{tr('water_completed_on')}**{COLON}"
    f"{md_escape(pd.Timestamp(completed).date() if pd.notna(completed) else None)}"
)
st.markdown(
    f"**{tr('water_class')}**{COLON}{water.class_title(body['cls'], L)} — {md_escape(body.get('reason_zh' if L == 'zh' else 'reason_en'))}"
)

latest_day = record.samples["sampled_on"].max() if len(record.samples) else None
latest_points = record.samples[record.samples["sampled_on"] == latest_day] if latest_day is not None else record.samples
points_shown = record.points if len(record.points) else latest_points[["point_no", "lon", "lat"]]
point_classes = [
    latest_points.set_index("point_no")["cls"].get(no) if len(latest_points) else None
    for no in points_shown["point_no"]
]
one = frame[frame["id"] == selected]
record_map = build_water_map(
    one,
    water.display_spec(colour_by),
    lang=L,
    basemap=chosen_basemap(),
    bounds=map_bounds(one.to_crs(3857).buffer(400).to_crs(4326).to_frame("geometry")),
    points=points_shown,
    point_classes=point_classes,
    point_label=tr("water_point"),
)
clicked_at = show_map(record_map, f"water_record_map_{selected}", 320, ["last_clicked"])
st.caption(tr("water_points_caption"))

tab_rounds, tab_timeline, tab_log = st.tabs([tr("water_rounds"), tr("water_timeline"), tr("water_who")])
with tab_rounds:
    if record.samples.empty:
        st.info(tr("water_no_rounds"))
    else:
        per_round = record.rounds.sort_values("sampled_on", ascending=False)
        st.dataframe(
            pd.DataFrame(
                {
                    tr("water_round_date"): per_round["sampled_on"].map(lambda d: pd.Timestamp(d).date().isoformat()),
                    tr("water_points_n"): per_round["points"],
                    tr("water_class"): per_round["cls"].map(lambda c: water.class_title(c, L)),
                    tr("water_reason"): per_round["reason_zh" if L == "zh" else "reason_en"],
                }
            ),
            hide_index=True,
            width="stretch",
            height=table_height(len(per_round), 300),
        )
        detail = record.samples.sort_values(["sampled_on", "point_no"], ascending=[False, True])
        st.dataframe(
            pd.DataFrame(
                {
                    tr("water_round_date"): detail["sampled_on"].map(lambda d: pd.Timestamp(d).date().isoformat()),
                    tr("water_point"): detail["point_no"],
                    **{
                        f"{i.title(L)}（{i.unit}）" if L == "zh" else f"{i.title(L)} ({i.unit})": detail[i.column]
                        for i in water.INDICATORS
                    },
                    tr("water_class"): detail["cls"].map(lambda c: water.class_title(c, L)),
                    tr("water_reason"): detail["reason_zh" if L == "zh" else "reason_en"],
                    tr("water_sampler"): detail["sampler"].fillna("—"),
                }
            ),
            hide_index=True,
            width="stretch",
            height=table_height(len(detail), 300),
        )
        th = record.thresholds
        limits = {
            "transparency_cm": (th.transparency_light_cm, th.transparency_heavy_cm),
            "dissolved_oxygen_mg_l": (th.do_light_mg_l, th.do_heavy_mg_l),
            "orp_mv": (th.orp_light_mv, th.orp_heavy_mv),
            "nh3n_mg_l": (th.nh3n_light_mg_l, th.nh3n_heavy_mg_l),
        }
        chart_cols = st.columns(2)
        for k, ind in enumerate(water.INDICATORS):
            data = record.samples[["sampled_on", "point_no", ind.column]].assign(
                sampled_on=lambda d: pd.to_datetime(d["sampled_on"]), point=lambda d: d["point_no"].astype(str)
            )
            light, heavy = limits[ind.column]
            rules = pd.DataFrame(
                {"limit": [light, heavy], "kind": [water.class_title("light", L), water.class_title("heavy", L)]}
            )
            base = (
                alt.Chart(data)
                .mark_line(point=True)
                .encode(
                    x=alt.X("sampled_on:T", title=tr("water_round_date"), axis=alt.Axis(format="%Y-%m")),
                    y=alt.Y(f"{ind.column}:Q", title=f"{ind.title(L)} ({ind.unit})"),
                    color=alt.Color("point:N", title=tr("water_point")),
                )
            )
            lines = (
                alt.Chart(rules)
                .mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
                .encode(
                    y="limit:Q",
                    # Not a colour legend (the points have it): light orange, heavy dark red, as on the map.
                    stroke=alt.Stroke("kind:N", scale=alt.Scale(range=["#f46d43", "#67001f"]), legend=None),
                    tooltip=["kind:N", "limit:Q"],
                )
            )
            chart_cols[k % 2].altair_chart((base + lines).properties(height=220, title=ind.title(L)), width="stretch")
        st.caption(tr("water_threshold_caption"))

with tab_timeline:
    if record.events.empty:
        st.info(tr("water_no_events"))
    for ev in record.events.itertuples(index=False):
        status = water.EVENT_STATUS_TITLES.get(ev.status, (ev.status, ev.status))[0 if L == "zh" else 1]
        st.markdown(
            f"**{pd.Timestamp(ev.proposed_at):%Y-%m-%d %H:%M}** · {water.stage_title(ev.from_stage, L)} → "
            f"{water.stage_title(ev.to_stage, L)} · {status}  \n{tr('water_note')}{COLON}{md_escape(ev.note)} "
            f" ({tr('water_by')} {md_escape(ev.proposed_by)})"
            + (
                f"  \n{tr('water_decision')}{COLON}{md_escape(ev.decided_by)} {pd.Timestamp(ev.decided_at):%Y-%m-%d %H:%M} "
                f"{md_escape(ev.decision_reason) if ev.decision_reason else ''}"
                if ev.decided_by and ev.status != "pending"
                else ""
            )
        )
        files = record.evidence[record.evidence["event_id"] == ev.event_id]
        for f in files.itertuples(index=False):
            name, media, content = water.evidence_file(db, int(f.evidence_id))
            st.caption(f"{md_escape(name)} · {f.size_bytes / 1024:.0f} KB · SHA-256 {f.sha256[:16]}…")
            if media.startswith("image/"):
                st.image(content, width=160)
            else:
                st.download_button(
                    f"{tr('water_download')} {name}", content, file_name=name, mime=media, key=f"ev_{f.evidence_id}"
                )

with tab_log:
    log = record.audit
    st.dataframe(
        pd.DataFrame(
            {
                tr("audit_time"): log["recorded_at"],
                tr("username"): log["username"],
                tr("audit_action"): log["action"],
                tr("water_audit_reason"): log["reason"],
            }
        ),
        hide_index=True,
        width="stretch",
        height=table_height(len(log), 300),
    )

# -- writes: rounds (editor), stage proposals (editor), decisions (reviewer) ------------------------------
actor = current_actor()
if as_of is not None or actor is None:
    if actor is None:
        st.caption(tr("water_login_hint"))
    st.stop()

if actor.has("water_editor"):
    st.subheader(tr("water_new_round"))
    last_click = (clicked_at or {}).get("last_clicked") if isinstance(clicked_at, dict) else None
    n_points = st.number_input(
        tr("water_n_points"),
        min_value=3,
        max_value=12,
        value=max(3, len(record.points) or 3),
        key=f"water_n_{selected}",
    )
    if last_click:
        st.caption(tr("water_clicked", lon=f"{last_click['lng']:.6f}", lat=f"{last_click['lat']:.6f}"))
        c1, c2 = st.columns(2)
        target = c1.selectbox(tr("water_fill_point"), list(range(1, int(n_points) + 1)), key="water_fill_target")
        if c2.button(tr("water_use_click"), key="water_use_click"):
            st.session_state[f"wr_{selected}_{target}_lon"] = f"{last_click['lng']:.6f}"
            st.session_state[f"wr_{selected}_{target}_lat"] = f"{last_click['lat']:.6f}"
    stored = {int(r.point_no): (r.lon, r.lat) for r in record.points.itertuples(index=False)}
    with st.form(f"water_round_{selected}", clear_on_submit=False):
        d1, d2 = st.columns(2)
        day = d1.date_input(
            tr("water_round_date"), value=date.today(), max_value=date.today(), key=f"water_day_{selected}"
        )
        sampler = d2.text_input(tr("water_sampler"), key=f"water_sampler_{selected}")
        st.caption(tr("water_position_hint"))
        entered = []
        for no in range(1, int(n_points) + 1):
            st.markdown(
                f"**{tr('water_point')} {no}**"
                + (f" · {tr('water_stored_at')} {stored[no][0]:.5f}, {stored[no][1]:.5f}" if no in stored else "")
            )
            p1, p2 = st.columns(2)
            lon = p1.text_input(f"{tr('water_point')}{no} {tr('water_lon')}", key=f"wr_{selected}_{no}_lon")
            lat = p2.text_input(f"{tr('water_point')}{no} {tr('water_lat')}", key=f"wr_{selected}_{no}_lat")
            v1, v2 = st.columns(2)
            v3, v4 = st.columns(2)
            values = {}
            for col, ind in zip((v1, v2, v3, v4), water.INDICATORS, strict=True):
                values[ind.column] = col.text_input(
                    f"{tr('water_point')}{no} {ind.title(L)}（{ind.unit}）"
                    if L == "zh"
                    else f"{tr('water_point')}{no} {ind.title(L)} ({ind.unit})",
                    key=f"wr_{selected}_{no}_{ind.column}",
                )
            entered.append({"point_no": no, "lon": lon or None, "lat": lat or None, **values, "sampler": None})
        upload = st.file_uploader(tr("water_upload"), type=["csv", "xlsx"], key=f"water_upload_{selected}")
        submitted = st.form_submit_button(tr("water_save_round"))
    if submitted:
        try:
            # A point left wholly blank is not part of the round (the form offers every stored point).
            filled = [e for e in entered if any(e[c] for c in (*water.BY_COLUMN, "lon", "lat"))]
            points = (
                water.read_round_file(upload.name, upload.getvalue()) if upload is not None else pd.DataFrame(filled)
            )
            result = water.record_round(
                db,
                actor,
                selected,
                day,
                points,
                sampler=sampler.strip() or None,
                source=upload.name if upload else tr("water_new_round"),
            )
        except InputError as err:
            show_error(err)
            st.code(err.report(L))
        except PortalError as err:
            show_error(err)
        else:
            after_write()
            message = tr("water_round_saved", day=day.isoformat(), cls=water.class_title(result.cls, L))
            st.session_state["water_flash"] = message + (" " + tr("water_relapse_done") if result.relapsed else "")
            st.rerun()

    next_stage = water.NEXT_STAGE.get(body["stage"])
    st.subheader(tr("water_propose"))
    if body["pending_stage"]:
        st.info(tr("water_already_pending", stage=water.stage_title(body["pending_stage"], L)))
    elif next_stage:
        with st.form(f"water_propose_{selected}", clear_on_submit=True):
            st.markdown(f"{stage_label(body['stage'])} → **{water.stage_title(next_stage, L)}**")
            note = st.text_area(tr("water_note"), key=f"water_note_{selected}")
            files = st.file_uploader(
                tr("water_evidence"),
                type=["jpg", "jpeg", "png", "pdf"],
                accept_multiple_files=True,
                key=f"water_files_{selected}",
            )
            if next_stage in water.NEEDS_EVIDENCE:
                st.caption(tr("water_evidence_needed"))
            go = st.form_submit_button(tr("water_submit_proposal"))
        if go:
            try:
                water.propose_stage(
                    db, actor, selected, next_stage, note, int(body["version"]),
                    [water.EvidenceFile(f.name, f.getvalue()) for f in files or []],
                )  # fmt: skip
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.session_state["water_flash"] = tr("water_proposed", stage=water.stage_title(next_stage, L))
                st.rerun()

if actor.has("water_reviewer"):
    pending = record.events[record.events["status"] == "pending"]
    st.subheader(tr("water_review"))
    if pending.empty:
        st.caption(tr("water_nothing_pending"))
    for ev in pending.itertuples(index=False):
        st.markdown(
            f"{water.stage_title(ev.from_stage, L)} → **{water.stage_title(ev.to_stage, L)}** · "
            f"{tr('water_by')} {md_escape(ev.proposed_by)} · {md_escape(ev.note)}"
        )
        reason = st.text_input(tr("water_decision_reason"), key=f"water_reason_{ev.event_id}")
        b1, b2 = st.columns(2)
        decision = None
        if b1.button(tr("water_approve"), key=f"water_approve_{ev.event_id}"):
            decision = True
        if b2.button(tr("water_reject"), key=f"water_reject_{ev.event_id}"):
            decision = False
        if decision is not None:
            try:
                water.decide_proposal(db, actor, int(ev.event_id), decision, reason)
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.session_state["water_flash"] = tr("water_decided")
                st.rerun()
