"""Layer data as static files: the browser fetches each layer's rows instead of reading them in the map's script.

A portal page hands its map to `serve_layer_data` before `st_folium`: every layer's rows (the JSON
text of `geo.maps.payload.payload`) are written once to `static/cache/<sha256>.json` — named by their
content, so a new data version, indicator or year gets a new file and an unchanged layer keeps its
file (and the browser's cached copy) — and the map's script only fetches `<portal>/app/static/cache/<name>`.
A large layer's full-detail geometries (`geo.maps.payload.Detail`) are a second file of the same
kind, fetched only when the map is zoomed in. That takes megabytes out of the component's arguments:
Python no longer pushes them through st_folium's string work and the websocket, the browser no longer
decodes them out of a message and parses them as a script, and the fetches run while Leaflet sets up
the rest of the map.

Files are written atomically (a temporary name, then `os.replace`), so a browser never reads half a
file. A file's modification time is refreshed whenever a page serves it again; files not served for
`KEEP_S` are removed (at most once per `SWEEP_EVERY_S` per process). Only relative, same-origin URLs
are used: the offline rule holds. `standalone_html` (the exported file) inlines the rows again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from geo.config import ROOT
from geo.maps.assets import PREFETCH_ASSET, STATIC_URL, _walk
from geo.maps.vector import _LayerRows

CACHE_DIR = ROOT / "static" / "cache"
CACHE_URL = f"{STATIC_URL}/cache"  # Streamlit serves static/ at <portal>/app/static (enableStaticServing)
PREFETCH_JS = f"{STATIC_URL}/binhai/prefetch.js"  # fetches a map's layer files while Leaflet loads
KEEP_S = 24 * 3600.0  # a file nobody served for a day is removed
SWEEP_EVERY_S = 600.0

_last_sweep: dict[Path, float] = {}


def layer_rows(fmap: Any) -> list[_LayerRows]:
    """The rows elements of a map (one per vector layer drawn with CompactGeoJson)."""
    return [e for e in _walk(fmap) if isinstance(e, _LayerRows)]


def _write_once(path: Path, text: str) -> None:
    """`text` at `path`, atomically; an existing file (same name, hence same content) is only touched."""
    try:
        os.utime(path)
        return
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the web server only reads it, like the rest of static/
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_named(folder: Path, text: str) -> str:
    """`text` written once in `folder` under a name made from its content; the name."""
    name = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".json"
    _write_once(folder / name, text)
    return name


def sweep(folder: Path = CACHE_DIR, keep_s: float = KEEP_S, now: float | None = None) -> list[Path]:
    """Remove files of `folder` not served for `keep_s` seconds (and stale temporary files); the removed."""
    now = time.time() if now is None else now
    removed = []
    for entry in folder.glob("*.json"):
        try:
            if now - entry.stat().st_mtime > keep_s:
                entry.unlink()
                removed.append(entry)
        except FileNotFoundError:  # another process removed it first
            continue
    for entry in folder.glob(".tmp-*"):
        try:
            if now - entry.stat().st_mtime > 3600:
                entry.unlink()
                removed.append(entry)
        except FileNotFoundError:
            continue
    return removed


def serve_layer_data(fmap: Any, folder: Path = CACHE_DIR, base_url: str = CACHE_URL) -> Any:
    """Write each layer's rows to `folder` and point the map's script at `base_url`/<file>; returns `fmap`.

    The files of the layers shown at first are also named to static/binhai/prefetch.js, made the map's
    first script: the browser fetches them while Leaflet and the plugins load instead of after.
    """
    shown = []
    for element in layer_rows(fmap):
        # A large layer: its overview first, its full detail fetched when the map is zoomed in (not prefetched).
        element.detail = element.layer.detail if element.layer is not None else None
        name = _write_named(folder, element.rows if element.detail is None else element.detail.overview)
        element.url = f"{base_url}/{name}"
        if element.detail is not None:
            element.detail_url = f"{base_url}/{_write_named(folder, element.detail.rows)}"
        if not element._hidden_at_first():
            shown.append(name)
    scripts = [(n, src) for n, src in getattr(fmap, "default_js", []) if n != PREFETCH_ASSET]
    if shown and base_url == CACHE_URL:
        scripts.insert(0, (PREFETCH_ASSET, PREFETCH_JS + "?" + urlencode([("f", n) for n in shown])))
    fmap.default_js = scripts
    now = time.monotonic()
    if now - _last_sweep.get(folder, -SWEEP_EVERY_S) >= SWEEP_EVERY_S:
        _last_sweep[folder] = now
        sweep(folder)
    return fmap
