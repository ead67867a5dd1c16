"""Interaction baseline: the same overview map through `st_folium` with its defaults.

Without `returned_objects`, st_folium returns every map event (bounds, zoom, centre, clicks), so
each pan and zoom reruns the script. Served by bench/browser.py only.
"""

import os
import time

import streamlit as st
from streamlit_folium import st_folium

import layers
from geo.config import load_settings
from geo.maps import build_map
from geo.store.db import Store
from geo.store.features import read_layer

if os.environ.get("BINHAI_RERUN_LOG"):
    with open(os.environ["BINHAI_RERUN_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{time.time():.3f} naive\n")

st.caption("Baseline: st_folium with its defaults — every map event reruns this script.")
store = Store(load_settings().db_path)
frames = [(spec, read_layer(store, spec)) for spec in layers.all_specs()]
st_folium(build_map(frames), height=700, use_container_width=True)
