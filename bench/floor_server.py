"""The floors (floor_app.py beside this file) served as the portal is served: server.py's socket and files.

Importing server sets TCP_NODELAY on the socket Streamlit has bound (geo/tcp.py) and gives its middleware
(Streamlit's frontend files from memory), so what the floors measure is what every portal page pays before
its own work — not a stock Streamlit server's extra waits. Served by bench/drawing.py only, from the
folder `baseline_app` copies it to.
"""

from pathlib import Path

import streamlit as st

from server import SERVING

app = st.App(str(Path(__file__).with_name("floor_app.py")), middleware=SERVING)
