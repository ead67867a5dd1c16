"""图层与数据: what the store holds, export of any layer, and a check of a file before import."""

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

import layers
from geo import io, stats_import
from geo.display import labelled_table
from geo.errors import InputError, PortalError
from geo.i18n import t
from geo.store.tables import WRITE_MODES, record_counts
from views.shell import (
    after_write,
    cached,
    data_version,
    lang,
    layer_counts,
    layer_diff_by_name,
    md_escape,
    page_header,
    require_role,
    settings,
    show_error,
    table_height,
    tr,
)

db = page_header("nav_data")
counts = layer_counts()
overview = pd.DataFrame(
    [
        {
            tr("layer_name"): spec.title(lang()),
            tr("table_name"): spec.name,
            tr("geometry"): " / ".join(spec.geometry),
            tr("features"): counts[spec.name],
            tr("layer_description"): spec.description_zh if lang() == "zh" else spec.description_en,
        }
        for spec in layers.all_specs()
    ]
)
st.subheader(tr("layer_table"))
st.dataframe(overview, hide_index=True, width="stretch")

table_counts = cached(record_counts, db)
st.subheader(tr("stats_rows"))
cols = st.columns(len(table_counts))
for col, (table, rows) in zip(cols, table_counts.items(), strict=True):
    col.metric(tr(table), f"{rows:,}")

st.subheader(tr("export_layer"))
with st.form("export"):
    c1, c2 = st.columns(2)
    name = c1.selectbox(
        tr("layer_name"),
        list(layers.REGISTRY),
        format_func=lambda n: layers.get_spec(n).title(lang()),
        key="export_layer",
    )
    fmt = c2.selectbox(tr("export_format"), io.EXPORT_FORMATS, key="export_format")
    go = st.form_submit_button(tr("export_layer"))
if go:
    spec = layers.get_spec(name)
    with tempfile.TemporaryDirectory() as tmp, st.spinner("…"):
        try:
            path = io.export_layer(db, spec, fmt, Path(tmp) / f"{spec.name}.{io.EXPORT_SUFFIX[fmt]}")
            payload = path.read_bytes()
        except PortalError as err:
            show_error(err)
        else:
            st.download_button(f"{tr('download')} {path.name}", payload, file_name=path.name)

st.subheader(tr("validate_upload"))
st.caption(tr("validate_help"))
limits = settings().limits
st.caption(
    " · ".join(
        [
            tr("limit_upload", v=f"{limits.max_upload_mb:g}"),
            tr("limit_features", v=f"{limits.max_features:,}"),
            tr("limit_vertices", v=f"{limits.max_vertices:,}"),
            tr("limit_zip", v=f"{limits.max_zip_ratio:g}"),
        ]
    )
)
target = st.selectbox(
    tr("layer_name"), list(layers.REGISTRY), format_func=lambda n: layers.get_spec(n).title(lang()), key="check_layer"
)
from_gcj02 = st.checkbox(tr("from_gcj02"), help=tr("from_gcj02_help"), key="from_gcj02")
upload = st.file_uploader(tr("validate_upload"), type=[s.lstrip(".") for s in sorted(io.SUPPORTED)], key="layer_upload")


def checked_upload(upload, spec, from_gcj02: bool):
    """The upload read and validated once per (file, layer, GCJ-02 choice): widget changes reuse the result."""
    key = (upload.file_id, spec.name, from_gcj02, limits)
    memo = st.session_state.get("checked_upload")
    if memo is not None and memo[0] == key:
        return memo[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        try:
            result = io.read_features(path, spec, limits, source_name=upload.name, from_gcj02=from_gcj02)
        except PortalError as err:
            result = err
    st.session_state["checked_upload"] = (key, result)
    return result


if upload is not None:
    spec = layers.get_spec(target)
    size_mb = upload.size / 1_048_576
    if size_mb > limits.max_upload_mb:
        # Refuse before writing the upload anywhere.
        st.error(tr("upload_too_large", name=md_escape(upload.name), size=size_mb, limit=limits.max_upload_mb))
        st.stop()
    checked = checked_upload(upload, spec, from_gcj02)
    if isinstance(checked, InputError):
        st.error(tr("validate_failed"))
        st.code(checked.report(lang()) + "\n\n" + checked.report("en" if lang() == "zh" else "zh"), language=None)
        st.stop()
    if isinstance(checked, PortalError):
        show_error(checked)
        st.stop()
    st.success(t("validate_ok", lang(), n=len(checked)))
    preview = labelled_table(checked.head(50), spec, lang())
    st.dataframe(preview, hide_index=True, height=table_height(len(preview)))

    st.subheader(tr("import_title"))
    actor = require_role(spec.editor_role)
    if actor is not None:
        # Append is the default; replacing a whole layer needs an explicit confirmation.
        mode = st.radio(tr("import_mode"), WRITE_MODES, format_func=lambda m: tr(f"mode_{m}"), horizontal=True)
        confirmed = mode == "append" or st.checkbox(
            tr("confirm_replace", layer=spec.title(lang()), n=counts[spec.name])
        )
        reason = st.text_input(tr("reason"), key="import_reason")
        if st.button(tr("import_button", n=len(checked)), type="primary", disabled=not confirmed):
            try:
                change = io.write_features(db, actor, spec, checked, mode, upload.name, reason=reason or None)
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.success(
                    tr(
                        "import_done_detail",
                        layer=spec.title(lang()),
                        added=len(change.added),
                        changed=len(change.changed),
                        removed=len(change.removed),
                        unchanged=change.unchanged,
                    )
                )

# -- statistics workbooks (issue 13) -------------------------------------------------------------------
st.subheader(tr("stats_import_title"))
st.caption(tr("stats_import_help"))
sy1, sy2 = st.columns([1, 3])
stats_year = sy1.number_input(
    tr("stats_import_year"),
    min_value=stats_import.YEAR_RANGE[0],
    max_value=stats_import.YEAR_RANGE[1],
    value=None,
    step=1,
    help=tr("stats_import_year_help"),
    key="stats_year",
)
stats_upload = sy2.file_uploader(tr("stats_import_file"), type=["xlsx", "csv"], key="stats_upload")


def stats_plan(upload, year: int | None):
    """The upload read, checked and matched once per (file, year, store version)."""
    key = (upload.file_id, year, data_version())
    memo = st.session_state.get("stats_plan")
    if memo is not None and memo[0] == key:
        return memo[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        try:
            result = stats_import.plan_import(
                db, path, year=year, source_name=upload.name, max_rows=limits.max_features
            )
        except PortalError as err:
            result = err
    st.session_state["stats_plan"] = (key, result)
    return result


if stats_upload is not None:
    if stats_upload.size / 1_048_576 > limits.max_upload_mb:
        st.error(
            tr(
                "upload_too_large",
                name=md_escape(stats_upload.name),
                size=stats_upload.size / 1_048_576,
                limit=limits.max_upload_mb,
            )
        )
        st.stop()
    plan = stats_plan(stats_upload, None if stats_year is None else int(stats_year))
    if isinstance(plan, InputError):
        st.error(tr("stats_import_failed"))
        st.code(plan.report(lang()) + "\n\n" + plan.report("en" if lang() == "zh" else "zh"), language=None)
        st.stop()
    if isinstance(plan, PortalError):
        show_error(plan)
        st.stop()
    counts_by_change = plan.counts()
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(tr("stats_import_years"), ", ".join(str(y) for y in plan.years))
    k2.metric(tr("stats_change_new"), counts_by_change["new"])
    k3.metric(tr("stats_change_changed"), counts_by_change["changed"])
    k4.metric(tr("stats_change_unchanged"), counts_by_change["unchanged"])
    st.caption(tr("stats_import_matching"))
    st.dataframe(
        plan.matching.assign(matched_by=plan.matching["matched_by"].map(lambda m: tr(f"stats_matched_{m}"))).rename(
            columns={
                "name_in_file": tr("stats_name_in_file"),
                "entity_id": tr("id"),
                "name": tr("stats_matched_name"),
                "matched_by": tr("stats_matched_by"),
            }
        ),
        hide_index=True,
        width="stretch",
        height=table_height(len(plan.matching), 240),
    )
    st.caption(tr("stats_import_changes"))
    shown_changes = stats_import.preview_table(plan.values, lang())
    st.dataframe(shown_changes, hide_index=True, width="stretch", height=table_height(len(shown_changes), 360))
    st.subheader(tr("import_title"))
    stats_actor = require_role("stats_editor")
    if stats_actor is not None:
        confirmed_outliers = True
        if len(plan.outliers):
            st.warning(tr("stats_outliers", n=len(plan.outliers), factor=f"{stats_import.OUTLIER_FACTOR:,.0f}"))
            st.code("\n".join(p.text(lang()) for p in stats_import.outlier_problems(plan)), language=None)
            confirmed_outliers = st.checkbox(tr("stats_confirm_outliers"), key="stats_confirm_outliers")
        stats_reason = st.text_input(tr("reason"), key="stats_reason")
        n_writes = len(plan.writes)
        if st.button(
            tr("stats_import_button", n=n_writes),
            type="primary",
            disabled=not confirmed_outliers or n_writes == 0,
            key="stats_import_go",
        ):
            try:
                done = stats_import.import_statistics(
                    db, stats_actor, plan, confirm_outliers=confirmed_outliers, reason=stats_reason or None
                )
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.session_state.pop("stats_plan", None)
                st.success(tr("stats_import_done", name=md_escape(plan.source_name), **done))

# -- what changed between two dates ------------------------------------------------------------------
st.subheader(tr("diff_title"))
d1, d2, d3 = st.columns([2, 1, 1])
diff_layer = d1.selectbox(
    tr("layer_name"), list(layers.REGISTRY), format_func=lambda n: layers.get_spec(n).title(lang()), key="diff_layer"
)
start = d2.date_input(tr("diff_from"), value=date.today() - timedelta(days=30), key="diff_from")
end = d3.date_input(tr("diff_to"), value=date.today(), key="diff_to")
if start > end:
    st.warning(tr("diff_order"))
else:
    diff = cached(layer_diff_by_name, db, diff_layer, start, end)
    m1, m2, m3 = st.columns(3)
    m1.metric(tr("diff_added"), len(diff.added))
    m2.metric(tr("diff_removed"), len(diff.removed))
    m3.metric(tr("diff_changed"), len(diff.changed))
    for label, frame in ((tr("diff_added"), diff.added), (tr("diff_removed"), diff.removed)):
        if len(frame):
            st.caption(label)
            st.dataframe(
                frame.rename(columns={"id": tr("id"), "name": tr("layer_name"), "area_km2": tr("area_km2")}),
                hide_index=True,
                width="stretch",
            )
    if len(diff.changed):
        st.caption(tr("diff_changed"))
        st.dataframe(
            diff.changed.rename(
                columns={
                    "id": tr("id"),
                    "name": tr("layer_name"),
                    "area_before_km2": tr("diff_area_before"),
                    "area_after_km2": tr("diff_area_after"),
                    "fields": tr("diff_fields"),
                }
            ),
            hide_index=True,
            width="stretch",
        )
