"""Maps: folium maps built from layer frames, fully offline.

`build` (the overview map), `choropleth` (the parks cockpit and status maps), `vector` (layers sent as
a compact encoded `payload`), `popups` (escaped display text), `legend`, `basemaps`, `assets`
(vendored Leaflet, the standalone HTML export), `served` (layer data as static files a page's map
fetches) and `templates` (folium's Jinja templates compiled once; switched on when this package is
imported). Functions take GeoDataFrames and LayerSpecs and return a folium.Map; pages only render it.

Modules here may import geo's leaf modules (config, crs, i18n); never geo.store, geo.io, `layers`
or streamlit.
"""

from geo.maps.assets import STATIC_VENDOR, MissingAssetError, localize_assets, standalone_html
from geo.maps.basemaps import Basemap
from geo.maps.build import build_map, new_map, render_html
from geo.maps.choropleth import STATUS_COLORS, build_choropleth_map, diverging_palette, palette, selection_layer
from geo.maps.legend import class_legend_rows, format_number, legend_row, legend_rows
from geo.maps.popups import display_properties, feature_collection
from geo.maps.served import serve_layer_data
from geo.maps.templates import compile_templates_once

compile_templates_once()  # after every folium module geo.maps uses is imported

__all__ = [
    "STATIC_VENDOR",
    "STATUS_COLORS",
    "Basemap",
    "MissingAssetError",
    "build_choropleth_map",
    "build_map",
    "class_legend_rows",
    "display_properties",
    "diverging_palette",
    "feature_collection",
    "format_number",
    "legend_row",
    "legend_rows",
    "localize_assets",
    "new_map",
    "palette",
    "render_html",
    "selection_layer",
    "serve_layer_data",
    "standalone_html",
]
