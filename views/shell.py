"""What every page shares: settings, the store, language, basemap choice, cached layer reads.

This is the Streamlit boundary: caching lives here, never in geo/.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

import layers
from geo.config import ROOT, Settings, load_settings
from geo.db import Store
from geo.errors import PortalError
from geo.i18n import LANGUAGES, t
from geo.layerstore import count_features, read_layer
from geo.mapping import Basemap

BASEMAP_KEYS = ("none", "local", "tianditu", "osm")


def settings() -> Settings:
    # Not cached: reading a few env vars is cheap, and tests point BINHAI_DB elsewhere per run.
    return load_settings()


@st.cache_resource
def _store_at(path: str) -> Store:
    return Store(path)


def store() -> Store:
    return _store_at(str(settings().db_path))


def lang() -> str:
    return st.session_state.get("lang", settings().language)


def tr(key: str, **values: object) -> str:
    return t(key, lang(), **values)


def store_ready() -> bool:
    """True when the store exists and has the layer tables; otherwise explains how to seed it."""
    db = store()
    if not db.exists or not set(layers.REGISTRY) <= db.tables():
        st.warning(tr("store_missing"))
        return False
    return True


@st.cache_data(show_spinner=False, max_entries=32)
def _read_layer_cached(db_path: str, name: str, data_version: int) -> gpd.GeoDataFrame:
    # data_version is the cache key: any committed write bumps it, so readers never see stale data.
    return read_layer(Store(db_path), layers.get_spec(name))


def layer_frame(name: str) -> gpd.GeoDataFrame:
    db = store()
    return _read_layer_cached(str(db.path), name, db.data_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _counts_cached(db_path: str, data_version: int) -> dict[str, int]:
    db = Store(db_path)
    return {spec.name: count_features(db, spec) for spec in layers.all_specs()}


def layer_counts() -> dict[str, int]:
    db = store()
    return _counts_cached(str(db.path), db.data_version())


def local_tiles_present() -> bool:
    tiles = ROOT / "static" / "tiles"
    return any(p.is_dir() for p in tiles.iterdir()) if tiles.exists() else False


def chosen_basemap() -> Basemap:
    """The sidebar's basemap, falling back to none (with a message) when it cannot work offline."""
    cfg = settings()
    kind = st.session_state.get("basemap", cfg.basemap)
    if kind == "tianditu" and not cfg.tianditu_key:
        st.info(tr("tianditu_needs_key"))
        kind = "none"
    if kind == "local" and not local_tiles_present():
        st.info(tr("local_tiles_missing"))
    return Basemap(kind=kind, tianditu_key=cfg.tianditu_key, local_tiles_url=cfg.local_tiles_url)


def sidebar() -> None:
    """Language toggle, basemap choice and the illustrative-data notice (drawn on every page)."""
    cfg = settings()
    st.session_state.setdefault("lang", cfg.language)
    st.session_state.setdefault("basemap", cfg.basemap)
    with st.sidebar:
        st.radio(
            t("language", lang()),
            options=list(LANGUAGES),
            format_func=LANGUAGES.get,
            horizontal=True,
            key="lang",
        )
        st.selectbox(
            tr("basemap"),
            options=BASEMAP_KEYS,
            format_func=lambda k: tr(f"basemap_{k}"),
            key="basemap",
        )
        st.caption(tr("illustrative_banner"))
        st.caption(f"DB: `{Path(cfg.db_path).name}`")


def show_error(err: PortalError) -> None:
    st.error(f"{err.message(lang())}\n\n{err.message('en' if lang() == 'zh' else 'zh')}")
