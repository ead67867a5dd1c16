"""禁燃区规划: draw / upload / reshape a prohibited-zone boundary, check it, see its impact, take it through approval."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

import layers
from geo import zone_checks, zones
from geo.crs import map_bounds
from geo.errors import InputError, PortalError
from geo.maps.editor import drawings_to_geometry, editor_map, review_map
from geo.store.features import read_layer
from views.brief_button import brief_button
from views.shell import (
    after_write,
    chosen_basemap,
    current_actor,
    lang,
    layer_frame,
    md_escape,
    page_header,
    require_role,
    settings,
    show_error,
    show_map,
    table_height,
    tr,
)

ZONES = layers.get_spec("prohibited_zones")
ADMIN = layers.get_spec("admin_units")
FUEL = ZONES.get_field("fuel_class")

db = page_header("nav_zones", "zones_note")
limits = settings().limits
admin_frame = layer_frame("admin_units")
bounds = map_bounds(admin_frame)


def show_input_error(err: PortalError) -> None:
    if isinstance(err, InputError):
        st.error(tr("validate_failed"))
        st.code(err.report(lang()) + "\n\n" + err.report("en" if lang() == "zh" else "zh"), language=None)
    else:
        show_error(err)


def zone_label(name: str, zone_id: str) -> str:
    return f"{name}（{zone_id}）" if lang() == "zh" else f"{name} ({zone_id})"


def reference_layers(except_id: str | None = None) -> list:
    """Admin units and the zones in force, without the one being edited (it is in the editable group)."""
    return [(ADMIN, admin_frame), (ZONES, zones.zones_in_force(db, except_id=except_id))]


def set_seed(key: str, geometry, meta: dict, source: str | None = None) -> None:
    """What the editor opens with; a new key gives a fresh editor (the old drawings are dropped).

    `source` is the 边界来源 choice that made it: switching the choice starts afresh, a save or a repair keeps it.
    """
    source = source or seed().get("source")
    st.session_state["zone_seed"] = {"key": key, "geometry": geometry, "meta": meta, "source": source}


def seed() -> dict:
    return st.session_state.get("zone_seed") or {"key": "none", "geometry": None, "meta": {}}


def findings_parts(findings) -> list:
    return [("blocking" if f.blocking else "warning", f.text(lang()), f.part) for f in findings if f.part is not None]


def show_findings(findings, seed_key: str, meta: dict) -> None:
    st.subheader(tr("zones_checks"))
    if not findings:
        st.success(tr("zones_checks_ok"))
    for i, f in enumerate(findings):
        text = md_escape(f.text(lang()))
        (st.error if f.blocking else st.warning)(text)
        if "repaired" in f.extra and st.button(tr("zones_repair"), key=f"repair-{seed_key}-{i}"):
            repaired = f.extra["repaired"]
            st.session_state["zone_notice"] = tr(
                "zones_repair_done",
                before=f.extra["area_before_km2"],
                after=zone_checks.area_km2(repaired),
                parts=f.extra["parts_after"],
            )
            set_seed(f"{seed_key}+repaired", repaired, meta)
            st.rerun()
        if "clipped" in f.extra:
            consent = st.checkbox(tr("zones_clip_consent"), key=f"clip-ok-{seed_key}-{i}")
            if st.button(tr("zones_clip"), key=f"clip-{seed_key}-{i}", disabled=not consent):
                set_seed(f"{seed_key}+clipped", f.extra["clipped"], meta)
                st.rerun()
        if "corrected" in f.extra and st.button(tr("zones_gcj02_fix"), key=f"gcj-{seed_key}-{i}"):
            set_seed(f"{seed_key}+gcj02", f.extra["corrected"], meta)
            st.rerun()


def show_impact(geometry, zone_id: str | None, fuel_class: str) -> zones.Impact:
    impact = zones.impact(db, geometry, zone_id, fuel_class)
    st.subheader(tr("zones_impact"))
    cols = st.columns(3)
    cols[0].metric(tr("zones_area"), f"{impact.area_km2:,.3f}")
    if impact.diff is not None:
        cols[1].metric(tr("zones_added"), f"{impact.diff.added_km2:,.3f}")
        cols[2].metric(tr("zones_removed"), f"{impact.diff.removed_km2:,.3f}")
        st.caption(tr("zones_before_after", before=impact.diff.before_km2, after=impact.diff.after_km2))
    if len(impact.units):
        st.markdown(f"**{tr('zones_units')}**")
        kind = ADMIN.get_field("kind")
        table = pd.DataFrame(
            {
                tr("zones_unit_name"): impact.units["name"],
                tr("zones_unit_kind"): [kind.label(k, lang()) for k in impact.units["kind"]],
                tr("zones_covered"): impact.units["covered_km2"].round(3),
                tr("zones_unit_area"): impact.units["unit_km2"].round(1),
                tr("zones_share"): (impact.units["share"] * 100).round(1).astype(str) + " %",
            }
        )
        st.dataframe(table, hide_index=True, height=table_height(len(table)))
    st.markdown(f"**{tr('zones_inside')}**")
    for name, frame in impact.inside.items():
        spec = layers.get_spec(name)
        line = tr("zones_inside_count", layer=spec.title(lang()), n=len(frame))
        names = "、".join(md_escape(v) for v in frame["name"].head(20))
        colon = "：" if lang() == "zh" else ": "
        st.markdown(f"- {md_escape(line)}" + (f"{colon}{names}" if names else ""))
    boilers = impact.boilers
    if boilers is not None:
        st.markdown(f"**{tr('zones_boilers', fuel_class=FUEL.label(fuel_class, lang()), n=len(boilers))}**")
        if len(boilers):
            spec = layers.get_spec("boilers")
            fuel, unit = spec.get_field("fuel"), spec.get_field("capacity_unit")
            table = pd.DataFrame(
                {
                    tr("zones_boiler_unit"): boilers["name"],
                    tr("zones_boiler_fuel"): [fuel.label(v, lang()) for v in boilers["fuel"]],
                    tr("zones_boiler_capacity"): [
                        f"{c:g} {unit.label(u, lang())}" if pd.notna(c) else "—"
                        for c, u in zip(boilers["capacity"], boilers["capacity_unit"], strict=True)
                    ],
                    tr("zones_boiler_deadline"): boilers["deadline"].astype(str),
                    tr("zones_boiler_rule"): boilers["rule"],
                }
            )
            st.dataframe(table, hide_index=True, height=table_height(len(table)))
    return impact


def review(geometry, zone_id: str | None, findings, impact: zones.Impact | None, key: str) -> None:
    parts = findings_parts(findings)
    if impact is not None and impact.diff is not None:
        parts += [
            ("added", tr("zones_added") + f" {impact.diff.added_km2:.3f}", impact.diff.added),
            ("removed", tr("zones_removed") + f" {impact.diff.removed_km2:.3f}", impact.diff.removed),
        ]
    st.caption(tr("zones_review_map"))
    fmap = review_map(reference_layers(zone_id), geometry, parts, lang=lang(), basemap=chosen_basemap(), bounds=bounds)
    show_map(fmap, f"zone-review-{key}-{lang()}", 420)


# -- 规划编辑 -------------------------------------------------------------------------------------


def plan_task() -> None:
    actor = current_actor()
    sources = ["draw", "upload", "edit", "draft", "repeal"]
    source = st.radio(tr("zones_source"), sources, format_func=lambda s: tr(f"zones_source_{s}"), horizontal=True)
    in_force = zones.zones_in_force(db)
    labels = {r.id: zone_label(r.name, r.id) for r in in_force.itertuples()}
    meta: dict = {"kind": "new"}
    if source == "draw":
        if seed().get("source") != source:
            set_seed("draw", None, meta, source)
    elif source in ("edit", "repeal"):
        zone_id = st.selectbox(tr("zones_pick_zone"), list(labels), format_func=labels.get)
        row = in_force[in_force["id"] == zone_id].iloc[0]
        meta = {"kind": source, "zone_id": zone_id, "name": row["name"], "fuel_class": row["fuel_class"]}
        if seed().get("source") != source or seed()["meta"].get("zone_id") != zone_id:
            set_seed(f"{source}:{zone_id}:v{row['version']}", row.geometry, meta, source)
    elif source == "draft":
        mine = zones.proposals(db, author=actor.username if actor else "")
        mine = mine[mine["status"].isin(zones.EDITABLE)]
        if mine.empty:
            st.info(tr("zones_no_drafts"))
            return
        pid = st.selectbox(
            tr("zones_pick_draft"),
            list(mine["id"]),
            format_func=lambda p: f"{p} · {mine.set_index('id').loc[p, 'name']}",
        )
        row = mine.set_index("id").loc[pid]
        meta = {
            "kind": row["kind"],
            "zone_id": row["zone_id"] if isinstance(row["zone_id"], str) else None,
            "name": row["name"],
            "fuel_class": row["fuel_class"],
            "document": row["document"],
            "proposal_id": pid,
            "version": int(row["version"]),
        }
        if seed().get("source") != source or seed()["meta"].get("proposal_id") != pid:
            set_seed(f"draft:{pid}:v{int(row['version'])}", row.geometry, meta, source)
        if row["status"] == "returned":
            st.warning(tr("zones_returned_reason", reason=md_escape(row["decision_reason"])))
    else:
        upload = st.file_uploader(tr("zones_upload"), type=["geojson", "json", "gpkg", "zip", "kml"])
        if upload is None:
            return
        if seed().get("source") != source or seed()["meta"].get("upload") != upload.file_id:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                path.write_bytes(upload.getbuffer())
                try:
                    geometry, values = zones.boundary_from_file(path, limits, upload.name)
                except PortalError as err:
                    show_input_error(err)
                    return
            set_seed(f"upload:{upload.file_id}", geometry, {"kind": "new", "upload": upload.file_id, **values}, source)
    current = seed()
    meta = current["meta"]
    notice = st.session_state.pop("zone_notice", None)
    if notice:
        st.info(notice)

    if meta.get("kind") == "repeal":
        st.info(tr("zones_repeal_note"))
        candidate = current["geometry"]
    else:
        st.caption(tr("zones_editor_help"))
        fmap = editor_map(
            reference_layers(meta.get("zone_id")),
            current["geometry"],
            meta.get("zone_id"),
            lang=lang(),
            basemap=chosen_basemap(),
            bounds=bounds,
        )
        out = show_map(fmap, f"zone-editor-{current['key']}-{lang()}", 560, ["all_drawings"])
        drawings = (out or {}).get("all_drawings")
        candidate = current["geometry"] if drawings is None else drawings_to_geometry(drawings)
    if candidate is None:
        st.info(tr("zones_no_candidate"))
        return
    zone_id = meta.get("zone_id") if meta.get("kind") == "edit" else None
    codes = list(FUEL.allowed)
    fuel = st.selectbox(
        tr("zones_fuel_class"),
        codes,
        index=codes.index(meta["fuel_class"]) if meta.get("fuel_class") in codes else len(codes) - 1,
        format_func=lambda c: FUEL.label(c, lang()),
        key=f"fuel-{current['key']}",
    )
    findings = [] if meta.get("kind") == "repeal" else zones.run_checks(db, candidate, zone_id, limits)
    show_findings(findings, current["key"], meta)
    impact = None
    if not zone_checks.blocking(findings) or all(f.code in ("overlap", "outside", "gap", "sliver") for f in findings):
        if candidate.geom_type in ("Polygon", "MultiPolygon") and candidate.is_valid:
            impact = show_impact(candidate, meta.get("zone_id") if meta.get("kind") != "new" else None, fuel)
    review(candidate, zone_id, findings, impact, current["key"])
    save_form(candidate, meta, findings, fuel)


def save_form(candidate, meta: dict, findings, fuel: str) -> None:
    actor = require_role("planner")
    if actor is None:
        return
    with st.form("zone-save"):
        name = st.text_input(tr("zones_name"), value=str(meta.get("name") or ""))
        document = st.text_input(tr("zones_document"), value=str(meta.get("document") or ""))
        saved = st.form_submit_button(tr("zones_save"), type="primary", disabled=bool(zone_checks.blocking(findings)))
    if saved:
        try:
            row = zones.save_draft(
                db,
                actor,
                name,
                fuel,
                candidate,
                kind=meta.get("kind", "new"),
                zone_id=meta.get("zone_id"),
                document=document,
                proposal_id=meta.get("proposal_id"),
                base_version=meta.get("version"),
                limits=limits,
            )
        except PortalError as err:
            show_input_error(err)
            return
        after_write()
        meta = {**meta, "proposal_id": row["id"], "version": row["version"], "name": row["name"], "fuel_class": fuel}
        st.session_state["zone_saved"] = {"id": row["id"], "version": row["version"]}
        set_seed(f"draft:{row['id']}:v{row['version']}", candidate, meta)
        st.session_state["zone_notice"] = tr("zones_saved", id=row["id"], version=row["version"])
        st.rerun()
    saved_row = st.session_state.get("zone_saved")
    if saved_row and meta.get("proposal_id") == saved_row["id"]:
        st.caption(
            tr(
                "zones_current_proposal",
                id=saved_row["id"],
                status=zones.status_title("draft", lang()),
                version=saved_row["version"],
            )
        )
        if st.button(tr("zones_submit"), key=f"submit-{saved_row['id']}"):
            try:
                zones.submit(db, actor, saved_row["id"], saved_row["version"], limits=limits)
            except PortalError as err:
                show_input_error(err)
                return
            after_write()
            st.session_state.pop("zone_saved", None)
            st.session_state.pop("zone_seed", None)
            st.session_state["zone_notice"] = tr("zones_submitted", id=saved_row["id"])
            st.rerun()


# -- 审批 -----------------------------------------------------------------------------------------


def approve_task() -> None:
    notice = st.session_state.pop("zone_notice", None)
    if notice:
        st.success(notice)
    actor = require_role("zone_approver")
    if actor is None:
        return
    if st.button(tr("zones_enact_due")):
        try:
            done = zones.enact_due(db, actor, limits=limits)
        except PortalError as err:
            show_input_error(err)
        else:
            after_write()
            st.success(tr("zones_enacted", n=len(done)))
    queue = zones.proposals(db)
    queue = queue[queue["status"] == "submitted"]
    st.subheader(tr("zones_queue"))
    if queue.empty:
        st.info(tr("zones_queue_empty"))
        return
    by_id = queue.set_index("id")
    pid = st.selectbox(
        tr("zones_pick_proposal"),
        list(by_id.index),
        format_func=lambda p: f"{p} · {by_id.loc[p, 'name']} · {zones.kind_title(by_id.loc[p, 'kind'], lang())}",
    )
    row = zones.proposal(db, pid)
    geometry = row["geometry"]
    zone_id = row["zone_id"] if isinstance(row["zone_id"], str) else None
    findings = (
        [] if row["kind"] == "repeal" else zones.run_checks(db, geometry, zone_id if row["kind"] == "edit" else None)
    )
    show_findings_readonly(findings)
    impact = show_impact(geometry, zone_id, row["fuel_class"])
    review(geometry, zone_id, findings, impact, f"approve-{pid}-v{row['version']}")
    if row["author"] == actor.username:
        st.warning(tr("zones_own_proposal"))
        return
    with st.form("zone-decide"):
        reason = st.text_input(tr("zones_reason"))
        effective = st.date_input(tr("zones_effective"), value=date.today(), min_value=date.today())
        number = st.text_input(tr("zones_approval_no"))
        c1, c2 = st.columns(2)
        approve = c1.form_submit_button(tr("zones_approve"), type="primary")
        give_back = c2.form_submit_button(tr("zones_return"))
    if approve or give_back:
        try:
            after = zones.decide(
                db, actor, pid, int(row["version"]), bool(approve), reason, effective, number, limits=limits
            )
        except PortalError as err:
            show_input_error(err)
            return
        after_write()
        st.session_state["zone_notice"] = (
            tr("zones_approved", id=pid, status=zones.status_title(after["status"], lang()))
            if approve
            else tr("zones_returned", id=pid)
        )
        st.rerun()


def show_findings_readonly(findings) -> None:
    st.subheader(tr("zones_checks"))
    if not findings:
        st.success(tr("zones_checks_ok"))
    for f in findings:
        (st.error if f.blocking else st.warning)(md_escape(f.text(lang())))


# -- 方案与版本 -------------------------------------------------------------------------------------


def history_task() -> None:
    frame = zones.proposals(db)
    st.subheader(tr("zones_proposals"))
    if len(frame):
        table = pd.DataFrame(
            {
                tr("zones_col_id"): frame["id"],
                tr("zones_name"): frame["name"],
                tr("zones_col_kind"): [zones.kind_title(k, lang()) for k in frame["kind"]],
                tr("zones_col_status"): [zones.status_title(s, lang()) for s in frame["status"]],
                tr("zones_col_zone"): frame["zone_id"].fillna("—"),
                tr("zones_col_author"): frame["author"],
                tr("zones_col_decided_by"): frame["decided_by"].fillna("—"),
                tr("zones_col_reason"): frame["decision_reason"].fillna("—"),
                tr("zones_effective"): frame["effective_date"].astype(str).replace({"NaT": "—", "None": "—"}),
                tr("zones_col_changed"): frame["valid_from"].dt.strftime("%Y-%m-%d %H:%M"),
            }
        )
        st.dataframe(table, hide_index=True, height=table_height(len(table)))
    else:
        st.info(tr("zones_queue_empty"))
    st.subheader(tr("zones_export"))
    c1, c2 = st.columns(2)
    fmt = c1.selectbox(tr("zones_export_format"), zones.EXPORT_FORMATS, key="zones_export_fmt")
    crs = c2.selectbox(tr("zones_export_crs"), zones.EXPORT_CRS, key="zones_export_crs")
    if fmt == "kml":
        st.caption(tr("zones_export_kml"))
    data, name = zones.export_zones(db, fmt, crs)
    st.download_button(tr("zones_export_button"), data, file_name=name, on_click="ignore", key="zones_export")
    st.subheader(tr("zones_versions"))
    everything = read_layer(db, ZONES, columns=("name",))
    labels = {r.id: zone_label(r.name, r.id) for r in everything.itertuples()}
    if not labels:
        return
    zone_id = st.selectbox(tr("zones_pick_zone"), list(labels), format_func=labels.get, key="versions_zone")
    versions = zones.zone_versions(db, zone_id)
    if len(versions) < 2:
        st.info(tr("zones_one_version"))
        return
    names = {
        int(v.version): tr("zones_version_label", version=int(v.version), day=pd.Timestamp(v.valid_from).date())
        for v in versions.itertuples()
    }
    numbers = list(names)
    c1, c2 = st.columns(2)
    old = c1.selectbox(tr("zones_version_from"), numbers, index=len(numbers) - 2, format_func=names.get)
    new = c2.selectbox(tr("zones_version_to"), numbers, index=len(numbers) - 1, format_func=names.get)
    by_version = versions.set_index("version")
    before, after = by_version.loc[old].geometry, by_version.loc[new].geometry
    diff = zones.boundary_diff(before, after)
    cols = st.columns(3)
    cols[0].metric(tr("zones_area"), f"{diff.after_km2:,.3f}")
    cols[1].metric(tr("zones_added"), f"{diff.added_km2:,.3f}")
    cols[2].metric(tr("zones_removed"), f"{diff.removed_km2:,.3f}")
    parts = [
        ("current", names[old], before),
        ("added", tr("zones_added") + f" {diff.added_km2:.3f}", diff.added),
        ("removed", tr("zones_removed") + f" {diff.removed_km2:.3f}", diff.removed),
    ]
    fmap = review_map([(ADMIN, admin_frame)], after, parts, lang=lang(), basemap=chosen_basemap(), bounds=bounds)
    show_map(fmap, f"zone-diff-{zone_id}-{old}-{new}", 420)


tasks = ["plan", "approve", "history"]
task = st.radio(tr("zones_task"), tasks, format_func=lambda k: tr(f"zones_task_{k}"), horizontal=True, key="zones_task")
if task == "plan":
    plan_task()
elif task == "approve":
    approve_task()
else:
    history_task()

# The brief: the zones in force and the proposals under way, as of today (the page has no as-of choice).
# At the end of the page, so that the editor's map keeps its place at the top of the task.
st.divider()
brief_button("zones")
