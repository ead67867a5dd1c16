"""Drawing baseline: the parks as a new Streamlit + Folium app would show them.

`st_folium(folium.GeoJson(gdf))` with a name tooltip, on a map framed like the portal's, Leaflet
served from the portal's vendored copy (so the comparison is not about a CDN). At /parks; the start
page (/) holds nothing but a link to it, so the bench can time a move inside the app as it does the
portal's (a click on a link, not a new page load). Served by bench/drawing.py only.
"""

import folium
import streamlit as st
from streamlit_folium import st_folium

import layers
from geo.config import load_settings
from geo.crs import BINHAI_BOUNDS
from geo.maps.assets import localize_assets
from geo.store.db import Store
from geo.store.features import read_layer


def parks_page() -> None:
    st.caption("Baseline: st_folium(folium.GeoJson(parks)) — one SVG element per park.")
    parks = read_layer(Store(load_settings().db_path), layers.get_spec("parks"))[["id", "name", "geometry"]]
    west, south, east, north = BINHAI_BOUNDS
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=10, tiles=None)
    fmap.fit_bounds([[south, west], [north, east]])
    folium.GeoJson(parks, tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(fmap)
    st_folium(localize_assets(fmap), height=700, use_container_width=True)


parks = st.Page(parks_page, title="parks", url_path="parks")


def start_page() -> None:
    st.page_link(parks, label="parks")


st.navigation([st.Page(start_page, title="start", default=True), parks], position="hidden").run()
