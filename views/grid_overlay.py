"""The concentration-grid overlay any map page can offer: a picker and an opacity slider, then one call.

grid = grid_overlay_choice(st, key="parks")       # before the map is built
add_chosen_grid(fmap, grid)                        # after
"""

from __future__ import annotations

from typing import Any

import folium
import streamlit as st

from geo import grids
from geo.maps.raster import add_grid_overlay
from views.shell import cached, store, tr


def grid_overlay_choice(container: Any, key: str) -> tuple[str, float] | None:
    """(grid id, opacity) chosen in an expander, or None (no grid held, or none chosen)."""
    held = cached(grids.list_grids, store())
    if held.empty:
        return None
    labels = {
        gid: f"{grids.POLLUTANTS.get(p, p)} · {y}"
        for gid, p, y in zip(held["grid_id"], held["pollutant"], held["year"], strict=True)
    }
    # The picker above the slider: pages put this expander in a column of their controls' row.
    with container.expander(tr("grid_overlay"), expanded=bool(st.session_state.get(f"{key}_grid"))):
        chosen = st.selectbox(
            tr("grid_overlay"),
            [None, *labels],
            format_func=lambda g: tr("grid_none") if g is None else labels[g],
            key=f"{key}_grid",
        )
        opacity = st.slider(tr("opacity"), 0.1, 1.0, 0.6, 0.1, key=f"{key}_grid_opacity")
    return None if chosen is None else (chosen, float(opacity))


def add_chosen_grid(fmap: folium.Map, choice: tuple[str, float] | None) -> None:
    """Draw the chosen grid (PNG data URL, offline) with its legend on `fmap`."""
    if choice is None:
        return
    grid_id, opacity = choice
    grid = cached(grids.load_grid, store(), grid_id)
    if grid is None:
        return
    pollutant = grid_id.split("-", 1)[0]
    add_grid_overlay(
        fmap,
        grid.values,
        grid.transform,
        grid.crs,
        grid.nodata,
        title=f"{grids.POLLUTANTS.get(pollutant, pollutant)} {grid_id.split('-', 1)[-1]}",
        unit=grids.UNIT,
        note=tr("illustrative_short"),
        opacity=opacity,
    )
