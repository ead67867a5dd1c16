"""一张图: every layer on one offline map with legend, tooltips and popups."""

import streamlit as st

import layers
from geo.crs import map_bounds
from geo.errors import StoreBusyError
from geo.maps import build_map
from views.grid_overlay import add_chosen_grid, grid_overlay_choice
from views.shell import as_of_choice, chosen_basemap, lang, layer_frame, show_error, show_map, store_ready, tr
from views.water_notice import relapse_notice

st.title(tr("app_title"))
st.caption(tr("app_subtitle"))

if store_ready():
    # One row of controls above the map: the day shown, the concentration grid.
    c1, c2 = st.columns([1, 2])
    as_of = as_of_choice(where=c1)
    grid = grid_overlay_choice(c2, key="overview")
    try:
        frames = [(spec, layer_frame(spec.name, as_of)) for spec in layers.all_specs()]
    except StoreBusyError as err:
        show_error(err)
        st.stop()
    admin = dict(frames)[layers.get_spec("admin_units")]
    bounds = map_bounds(admin)
    fmap = build_map(frames, lang=lang(), basemap=chosen_basemap(), bounds=bounds)
    add_chosen_grid(fmap, grid)
    # returned_objects=[]: panning and zooming never rerun this script.
    # The layers' data as static files the map fetches (geo/maps/served.py), not inside its script.
    show_map(fmap, f"overview-{lang()}-{as_of}", 700)
    st.caption(tr("map_caption"))
    # The counts under the map: on a phone they stack, and the map should come first.
    cols = st.columns(len(frames))
    for col, (spec, frame) in zip(cols, frames, strict=True):
        col.metric(spec.title(lang()), f"{len(frame):,}")
    relapse_notice(as_of)  # 反弹 (issue 11)
