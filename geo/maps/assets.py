"""Offline assets: every map's JS/CSS pointed at the vendored copies, and the map as one standalone file.

`localize_assets` refuses a plugin whose asset is not vendored (`MissingAssetError`), so a new plugin
cannot silently reach for a CDN; `standalone_html` inlines Leaflet and its images for a file that
opens from disk or e-mail with no server.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterable
from typing import Any

import folium

from geo.config import ROOT

# Every JS/CSS asset a map may load, by folium's asset name → path under the vendored static folder.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "leaflet_draw_js": "leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": "leaflet-draw/leaflet.draw.css",
    "proj4": "proj4/proj4-global.js",
    "leaflet_geoman_js": "leaflet-geoman/leaflet-geoman.js",  # zone editor (geo/maps/editor.py), MIT
    "leaflet_geoman_css": "leaflet-geoman/leaflet-geoman.css",
}


# folium's defaults that our maps never use (we draw CircleMarkers, not icon markers): left out.
UNUSED_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


PREFETCH_ASSET = "binhai_prefetch"  # the portal's own first script (geo.maps.served), never in a standalone file

# The portal's static/ folder as the maps' scripts see it: relative to st_folium's frame
# (<portal>/component/streamlit_folium.st_folium/index.html), so a portal served under a path of its
# own — `server.baseUrlPath`, or a gateway's sub-path such as /jnjp/ — finds it; an absolute
# /app/static/ would miss that path. ("static/…" without "../../" would resolve inside the component.)
STATIC_URL = "../../app/static"
STATIC_VENDOR = f"{STATIC_URL}/vendor"


class MissingAssetError(RuntimeError):
    """A map element wants a JS/CSS file that is not vendored: it would load from a CDN offline."""


def _walk(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localize_assets(fmap: folium.Map, base: str = STATIC_VENDOR) -> folium.Map:
    """Point every element's default_js/default_css at vendored files (instance attributes only).

    Raises MissingAssetError for an asset we do not ship, so a new plugin cannot silently pull a CDN.
    """
    for element in _walk(fmap):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if not assets:
                continue
            local = []
            for name, _url in assets:
                if name in UNUSED_ASSETS:
                    continue
                if name not in LOCAL_ASSETS:
                    raise MissingAssetError(
                        f"{type(element).__name__} needs asset {name!r} which is not in static/vendor; "
                        "vendor it and add it to geo.maps.assets.LOCAL_ASSETS"
                    )
                local.append((name, f"{base}/{LOCAL_ASSETS[name]}"))
            setattr(element, attr, local)
    return fmap


VENDOR_DIR = ROOT / "static" / "vendor"


_PLACEHOLDER = "binhai-inline-asset:"


_SCRIPT = re.compile(rf'<script src="{_PLACEHOLDER}([^"]+)"></script>')


_STYLESHEET = re.compile(rf'<link rel="stylesheet" href="{_PLACEHOLDER}([^"]+)"\s*/>')


_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")


def _read_vendor(relative: str) -> str:
    path = (VENDOR_DIR / relative).resolve()
    if VENDOR_DIR.resolve() not in path.parents:
        raise ValueError(f"asset outside static/vendor: {relative}")
    return path.read_text(encoding="utf-8")


def _inline_css(relative: str) -> str:
    """CSS with its url(images/…) references embedded as data URIs."""
    css = _read_vendor(relative)
    folder = (VENDOR_DIR / relative).parent

    def embed(match: re.Match[str]) -> str:
        image = folder / match.group(2)
        if not image.exists():
            return match.group(0)
        mime = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        return f"url(data:{mime};base64,{base64.b64encode(image.read_bytes()).decode()})"

    return _CSS_URL.sub(embed, css)


def standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML file: Leaflet and plugins inlined, so it opens offline from disk or e-mail."""
    # The file has no server: no script fetches layer files ahead (geo.maps.served), the rows go inside.
    fmap.default_js = [(n, src) for n, src in getattr(fmap, "default_js", []) if n != PREFETCH_ASSET]
    # What a portal page loads later from the server (e.g. proj4js for the measure tool) goes in now.
    for element in list(_walk(fmap)):
        if hasattr(element, "for_standalone"):
            element.for_standalone()
    localize_assets(fmap, base=_PLACEHOLDER.rstrip("/"))
    # Layer data a page served as static files (geo.maps.served) goes back inside: the file has no server.
    served = [e for e in _walk(fmap) if getattr(e, "url", None) and hasattr(e, "rows")]
    for element in served:
        element.url = None
    page = fmap.get_root().render()
    page = page.replace(f'"{_PLACEHOLDER.rstrip("/")}/', f'"{_PLACEHOLDER}')
    page = _SCRIPT.sub(lambda m: f"<script>{_read_vendor(m.group(1))}</script>", page)
    page = _STYLESHEET.sub(lambda m: f"<style>{_inline_css(m.group(1))}</style>", page)
    return page
