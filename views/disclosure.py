"""公示: the public list of black-and-odorous water bodies — no login, read-only, nothing internal."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import layers
from geo import water
from geo.crs import map_bounds
from geo.maps.water import build_water_map
from views.shell import cached, chosen_basemap, lang, layer_frame, page_header, show_map, table_height, tr

db = page_header("nav_disclosure", "disclosure_intro")
L = lang()
public, as_of_day = cached(water.public_list, db)
st.markdown(f"**{tr('disclosure_as_of', day=as_of_day.isoformat())}**")

# The map shows the approved stage only: the public frame carries no class, proposal or sampler.
shapes = layer_frame("water_bodies")[["id", "geometry"]].merge(public, on="id")
admin = layer_frame("admin_units")
fmap = build_water_map(
    shapes,
    layers.get_spec("water_bodies"),
    [(layers.get_spec("admin_units"), admin)],
    lang=L,
    basemap=chosen_basemap(),
    bounds=map_bounds(admin),
)
show_map(fmap, f"disclosure_map_{L}", 440)

counts = public["stage"].value_counts()
cols = st.columns(len(water.STAGES))
for col, stage in zip(cols, water.STAGES, strict=True):
    col.metric(water.stage_title(stage, L), int(counts.get(stage, 0)))

table = pd.DataFrame(
    {
        tr("water_body"): public["name"],
        tr("water_stage"): public["stage"].map(lambda s: water.stage_title(s, L)),
        tr("water_completed_on"): public["completed_on"].map(
            lambda d: "—" if pd.isna(d) else pd.Timestamp(d).date().isoformat()
        ),
        tr("water_town"): public["town"],
        tr("water_system"): public["river_system"],
        tr("water_unit"): public["responsible_unit"].fillna("—"),
        tr("water_chief"): public["river_chief"].fillna("—"),
    }
)
st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table), 640))
st.caption(tr("disclosure_contact"))
