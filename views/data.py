"""图层与数据: what the store holds, export of any layer, and a check of a file before import."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import layers
from geo import io
from geo.errors import InputError, PortalError
from geo.i18n import t
from views.shell import lang, layer_counts, settings, show_error, store, store_ready, tr

st.title(tr("nav_data"))
st.caption(tr("illustrative_banner"))

if store_ready():
    counts = layer_counts()
    overview = pd.DataFrame(
        [
            {
                tr("layer_name"): spec.title(lang()),
                "name": spec.name,
                tr("geometry"): " / ".join(spec.geometry),
                tr("features"): counts[spec.name],
                "": spec.description_zh if lang() == "zh" else spec.description_en,
            }
            for spec in layers.all_specs()
        ]
    )
    st.subheader(tr("layer_table"))
    st.dataframe(overview, hide_index=True, width="stretch")

    db = store()
    table_counts = db.query(
        "SELECT 'statistics' AS t, count(*) AS n FROM statistics UNION ALL "
        "SELECT 'targets', count(*) FROM targets UNION ALL SELECT 'water_samples', count(*) FROM water_samples"
    )
    st.subheader(tr("stats_rows"))
    cols = st.columns(len(table_counts))
    for col, row in zip(cols, table_counts.itertuples(), strict=True):
        col.metric(tr(row.t), f"{row.n:,}")

    st.subheader(tr("export_layer"))
    with st.form("export"):
        c1, c2 = st.columns(2)
        name = c1.selectbox(
            tr("layer_name"), list(layers.REGISTRY), format_func=lambda n: layers.get_spec(n).title(lang())
        )
        fmt = c2.selectbox(tr("export_format"), io.EXPORT_FORMATS)
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
upload = st.file_uploader(tr("validate_upload"), type=[s.lstrip(".") for s in sorted(io.SUPPORTED)])
if upload is not None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        try:
            checked = io.read_features(path, layers.get_spec(target), limits, source_name=upload.name)
        except InputError as err:
            st.error(tr("validate_failed"))
            st.code(err.report(lang()) + "\n\n" + err.report("en" if lang() == "zh" else "zh"), language=None)
        except PortalError as err:
            show_error(err)
        else:
            st.success(t("validate_ok", lang(), n=len(checked)))
            st.dataframe(checked.drop(columns="geometry").head(50), hide_index=True)
