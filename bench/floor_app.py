"""Drawing floor: what every page pays before its map is drawn, measured beside the portal.

Without a query: one line of text — Streamlit's own page start (its JavaScript, the websocket, a
script run, one element). With `?map=1`: one portal map alone on the page — the district's admin
units built, served and drawn exactly as the portal's pages do (`build_map`, `serve_layer_data`,
`st_folium`) — so the time also holds st_folium's component frame, Leaflet and one layer file.
No page of the portal can be drawn sooner than these. Served by bench/drawing.py only, as the portal is
(bench/floor_server.py).
"""

import streamlit as st

if st.query_params.get("map") == "1":
    from streamlit_folium import st_folium

    import layers
    from geo.config import load_settings
    from geo.crs import map_bounds
    from geo.maps import build_map, serve_layer_data
    from geo.store.db import Store
    from geo.store.features import read_layer

    spec = layers.get_spec("admin_units")
    admin = read_layer(Store(load_settings().db_path), spec)
    fmap = build_map([(spec, admin)], bounds=map_bounds(admin))
    st_folium(serve_layer_data(fmap), height=700, use_container_width=True, returned_objects=[], key="floor")
else:
    st.markdown("Streamlit page start: one line of text.")
