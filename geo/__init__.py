"""Pure GIS logic for the Binhai portal: store, CRS rules, I/O, map building. No streamlit here."""
