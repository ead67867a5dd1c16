"""What every sample generator shares: the labels on its rows, the result, and the context it draws from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from layers.base import LayerSpec

SOURCE = "示意数据 (illustrative sample)"
FIXED_TIMESTAMP = datetime(2025, 1, 1)  # updated_at of every seeded feature: never the wall clock
YEARS = (2020, 2021, 2022, 2023, 2024)  # years of the generated statistics


@dataclass
class SampleData:
    layers: dict[str, gpd.GeoDataFrame]
    statistics: pd.DataFrame
    targets: pd.DataFrame
    water_samples: pd.DataFrame
    # Tables of their own (issue 14: facility_monthly, facility_service, grids) and the grids' zonal statistics
    # (`zonal_statistics`, written to the statistics table; not the parks' reported figures), by table name.
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    water_points: pd.DataFrame | None = None  # fixed sampling points (issue 11)
    water_body_info: pd.DataFrame | None = None  # 责任单位, 河长, completion date (issue 11)


@dataclass
class SampleContext:
    """What a sample generator receives, and where it leaves rows for the tables beside its layer.

    Attributes
    ----------
    seed, scale
        As given to `generate`.
    rng
        The shared random stream. Generators draw from it in their `sample_order`, so a generator
        that draws more or less changes every generator after it; `stream(k)` is independent.
    geography
        The district outline, 街镇 and zones in metres (the same for every seed).
    layers
        The layer frames generated so far, by layer name.
    statistics, targets, water_samples
        Blocks of rows added by generators, concatenated in the order they were added.
    """

    seed: int
    scale: int
    rng: np.random.Generator
    geography: Geography
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    statistics: list[pd.DataFrame] = field(default_factory=list)
    targets: list[pd.DataFrame] = field(default_factory=list)
    water_samples: list[pd.DataFrame] = field(default_factory=list)
    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    water_points: list[pd.DataFrame] = field(default_factory=list)
    water_body_info: list[pd.DataFrame] = field(default_factory=list)

    def stream(self, k: int) -> np.random.Generator:
        """A random stream of its own, `default_rng([seed, k])`: draws from it leave `rng` untouched."""
        return np.random.default_rng([self.seed, k])

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """A layer generated before this one (a generator reading parks must come after parks)."""
        try:
            return self.layers[name]
        except KeyError:
            raise KeyError(
                f"sample layer {name!r} is not generated yet: give it a lower sample_order "
                f"than the layer that reads it (generated so far: {', '.join(self.layers) or 'none'})"
            ) from None


def feature_ids(spec: LayerSpec, n: int) -> list[str]:
    """`n` ids with the layer's prefix, zero-padded to at least four digits: PK-0001, PK-0002 …"""
    width = max(4, len(str(n)))
    return [f"{spec.id_prefix}-{i:0{width}d}" for i in range(1, n + 1)]


@dataclass
class Geography:
    """The district in metres (EPSG:4548): outline, 街镇 tiling it, and development zones."""

    outline: object
    streets: list[tuple[str, str, object]]  # (name, kind "street"/"town", polygon) for the 21 街镇
    zones: list[tuple[str, object]]  # (name, polygon)

    def town_units(self) -> list[tuple[str, object]]:
        """(name, polygon) of the 21 streets and towns, for `shapes.unit_at`."""
        return [(name, polygon) for name, _, polygon in self.streets]
