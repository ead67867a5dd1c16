"""Basemaps: none (the admin boundaries are the reference), local XYZ tiles, 天地图 with a key, OSM."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import folium

from geo.config import DEFAULT_LOCAL_TILES_URL
from geo.i18n import t

TIANDITU_URL = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"  # noqa: E501


OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class Basemap:
    """Which basemap a map gets, with what it needs (the Tianditu key, the local tiles' URL template)."""

    kind: str = "none"  # one of geo.config.BASEMAPS
    tianditu_key: str = ""
    local_tiles_url: str = DEFAULT_LOCAL_TILES_URL


def add_basemap(fmap: folium.Map, basemap: Basemap, lang: str) -> None:
    """Add the chosen basemap; 'none' adds nothing (the admin boundaries are the reference layer)."""
    if basemap.kind == "local":
        folium.TileLayer(
            tiles=basemap.local_tiles_url, attr="本地瓦片 / local tiles", name=t("basemap_local", lang), max_zoom=18
        ).add_to(fmap)
    elif basemap.kind == "tianditu":
        key = quote(basemap.tianditu_key, safe="")
        for layer, overlay in (("vec", False), ("cva", True)):
            folium.TileLayer(
                tiles=TIANDITU_URL.format(s="{s}", layer=layer, key=key),
                attr="© 天地图 Tianditu",
                name=f"{t('basemap_tianditu', lang)} {layer}",
                subdomains="01234567",
                overlay=overlay,
                control=False,
                max_zoom=18,
            ).add_to(fmap)
    elif basemap.kind == "osm":
        folium.TileLayer(tiles=OSM_URL, attr="© OpenStreetMap contributors", name="OpenStreetMap").add_to(fmap)
    elif basemap.kind != "none":
        raise ValueError(f"unknown basemap {basemap.kind!r}")
