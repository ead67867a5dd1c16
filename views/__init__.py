"""Streamlit pages (thin: read widgets → call geo/layers → draw). Not `pages/`: see README."""
