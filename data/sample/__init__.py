"""Deterministic illustrative (示意) sample data for Binhai New Area.

Real place names and approximate positions; every geometry and every number is invented. The
layers' specs name their generators (`LayerSpec.sample`, e.g. "data.sample.parks:park_layer") and
the order they run in (`LayerSpec.sample_order`); `generate` runs them in that order on one
`SampleContext`. A layer whose spec names no generator is left empty.

The same `seed` and `scale` always give byte-identical frames: nothing here reads the clock, and
the original layers draw from one `numpy.random.default_rng(seed)` in their sample order (admin
units draw nothing; then parks, their statistics and targets; water bodies and their samples;
prohibited zones; wastewater). The ledgers added later (两高 projects, key energy-using units,
rural sewage) each draw from their own `default_rng([seed, k])` so that adding them changed nothing
generated before. A new layer gets a `sample_order` above every existing one, for the same reason.

    python -m data.sample --scale 1 --seed 2025 --db data/binhai.duckdb
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from data.sample.context import FIXED_TIMESTAMP, SOURCE, SampleContext, SampleData
from data.sample.geography import build_geography
from geo.permissions import SYSTEM, Actor
from geo.store import Store, audit, open_store
from geo.store import water as water_tables
from geo.store.backup import replace_store
from geo.store.facility_tables import write_sample_tables
from geo.store.features import write_layer
from geo.store.statistics import COLUMNS as STATISTICS_COLUMNS
from geo.store.statistics import write_statistics
from geo.store.tables import TARGET_COLUMNS, WATER_SAMPLE_COLUMNS, table_counts, write_targets, write_water_samples
from layers.base import LayerSpec

__all__ = [
    "FIXED_TIMESTAMP",
    "SOURCE",
    "SampleContext",
    "SampleData",
    "generate",
    "generation_steps",
    "load_generator",
    "main",
    "seed_store",
]

# Generators of rows that belong to no layer: name → (sample order, generator). They run among the
# layers' generators by that order, so their rows keep their place in the tables.
TABLE_GENERATORS = {
    "rural_sewage": (80, "data.sample.ledgers:rural_sewage"),
    "water_records": (90, "data.sample.water_records:water_records"),
    "wastewater_operations_and_grids": (120, "data.sample.operations:operations_and_grids"),
    "plan_periods": (110, "data.sample.plan:fyp14_final_and_fyp15_targets"),  # issue 13: 2025 actuals, 2030 targets
}


class GenerationStep(NamedTuple):
    order: int
    name: str  # the layer's name, or the table generator's
    generator: str  # "package.module:function"
    spec: LayerSpec | None  # None: the generator only adds rows to the tables and returns nothing


def generation_steps() -> list[GenerationStep]:
    """Every generator to run, in sample order: the registry's layers that name one, and `TABLE_GENERATORS`."""
    steps = [
        GenerationStep(spec.sample_order, spec.name, spec.sample, spec) for spec in layers.all_specs() if spec.sample
    ]
    steps += [GenerationStep(order, name, path, None) for name, (order, path) in TABLE_GENERATORS.items()]
    return sorted(steps, key=lambda step: (step.order, step.name))


def load_generator(path: str) -> Callable[[SampleContext], object]:
    """The function a generator path ("package.module:function") names."""
    module_name, _, attribute = path.partition(":")
    generator = getattr(importlib.import_module(module_name), attribute, None)
    if not callable(generator):
        raise ValueError(f"sample generator {path!r}: module {module_name} has no function {attribute!r}")
    return generator


def _rows(blocks: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    """The generators' blocks of rows as one table, in the order they were added."""
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=list(columns))


def generate(seed: int = 2025, scale: int = 1) -> SampleData:
    """All sample layers and tables; the same `seed` and `scale` give identical frames.

    `scale` multiplies parks (40 per unit), water bodies (30), 两高 projects (29) and key energy-using
    units (45), and with them the statistics, targets and samples; admin units, prohibited zones,
    facilities and the rural-sewage rows stay as they are.
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    steps = [(step, load_generator(step.generator)) for step in generation_steps()]  # fail before drawing
    ctx = SampleContext(seed=seed, scale=scale, rng=np.random.default_rng(seed), geography=build_geography())
    for step, generator in steps:
        frame = generator(ctx)
        if step.spec is None:
            continue
        if not isinstance(frame, gpd.GeoDataFrame):
            raise TypeError(f"sample generator {step.generator} of layer {step.name} returned {type(frame).__name__}")
        ctx.layers[step.name] = frame
    return SampleData(
        layers=dict(ctx.layers),
        statistics=_rows(ctx.statistics, STATISTICS_COLUMNS),
        targets=_rows(ctx.targets, TARGET_COLUMNS),
        water_samples=_rows(ctx.water_samples, WATER_SAMPLE_COLUMNS),
        tables={name: pd.concat(blocks, ignore_index=True) for name, blocks in ctx.tables.items()},
        water_points=pd.concat(ctx.water_points, ignore_index=True) if ctx.water_points else None,
        water_body_info=pd.concat(ctx.water_body_info, ignore_index=True) if ctx.water_body_info else None,
    )


# When seeded rows took effect, for reads "as of" a date: layers and targets from the plan's baseline
# (2020-01-01); a year's statistics once its yearly report is out (31 March of the next year).
SAMPLE_VALID_FROM = datetime(2020, 1, 1)


def _report_date(year: pd.Series) -> pd.Series:
    return pd.to_datetime({"year": year.astype(int) + 1, "month": 3, "day": 31})


def store_has_data(store: Store) -> bool:
    """Whether the store holds any feature or statistic (seeding then starts a fresh file)."""
    if not store.exists:
        return False
    counts = table_counts(store, [spec.name for spec in layers.all_specs()] + ["statistics"])
    return any(counts.values())


def seed_store(store: Store, seed: int = 2025, scale: int = 1, actor: Actor = SYSTEM) -> dict[str, int]:
    """Fill the store with sample data (see `reseed_store`); returns the rows written per table."""
    return reseed_store(store, seed, scale, actor)[0]


def reseed_store(
    store: Store, seed: int = 2025, scale: int = 1, actor: Actor = SYSTEM
) -> tuple[dict[str, int], Path | str | None]:
    """Fill the store with sample data in one transaction, with a `store.seed` audit row.

    A store that already holds data is not overwritten row by row (its history and audit chain stay
    whole): a fresh store is seeded beside it and swapped in, and the old one is kept as
    `<name>.before-seed-<time>` (on PostGIS: the schema `<schema>_before_seed_<time>`). Returns the
    rows written per table and where the old store was kept.
    """
    if not store_has_data(store):
        return _seed_empty(store, seed, scale, actor), None
    if store.kind == "postgis":
        fresh = store.sibling(f"{store.schema}_seeding_{os.getpid()}")
        try:
            counts = _seed_empty(fresh, seed, scale, actor)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S").lower()
            return counts, store.replace_with(fresh, f"before_seed_{stamp}")
        finally:
            fresh.drop()
    fresh = Store(store.path.with_name(f".{store.path.name}.{os.getpid()}.seeding"))
    try:
        counts = _seed_empty(fresh, seed, scale, actor)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept, _ = replace_store(store, fresh.path, f"before-seed-{stamp}")
    finally:
        for leftover in (fresh.path, fresh.path.with_name(fresh.path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return counts, kept


def _seed_empty(store: Store, seed: int, scale: int, actor: Actor) -> dict[str, int]:
    sample = generate(seed=seed, scale=scale)
    specs = layers.all_specs()
    store.migrate(specs)
    counts: dict[str, int] = {}
    now = FIXED_TIMESTAMP
    with store.transaction() as session:
        for spec in specs:
            frame = sample.layers.get(spec.name)
            if frame is None:  # the spec names no sample generator: leave the layer empty
                counts[spec.name] = 0
                continue
            frame = frame.assign(valid_from=SAMPLE_VALID_FROM)
            counts[spec.name] = write_layer(session, spec, frame, "replace", now, actor.username).written
        statistics = sample.statistics.assign(valid_from=_report_date(sample.statistics["year"]))
        counts["statistics"] = write_statistics(session, statistics, "replace", now, actor.username)
        targets = sample.targets.assign(valid_from=SAMPLE_VALID_FROM)
        counts["targets"] = write_targets(session, targets, "replace", now, actor.username)
        counts["water_samples"] = write_water_samples(session, sample.water_samples, mode="replace")
        extra = write_sample_tables(session, sample.tables, now, actor.username)
        counts["statistics"] += extra.pop("zonal_statistics", 0)  # the grids' zonal statistics are statistics rows
        counts |= extra
        if sample.water_points is not None:
            counts["water_points"] = water_tables.write_points(session, sample.water_points, now, actor.username)
            water_tables.fill_sample_positions(session)
        if sample.water_body_info is not None:
            counts["water_body_info"] = water_tables.write_info(
                session, sample.water_body_info, SAMPLE_VALID_FROM, actor.username
            )
        after = {"seed": seed, "scale": scale, "source": SOURCE, **counts}
        audit.record(session, actor, "store.seed", "store", store.name, None, after, now=_utc_now())
    return counts


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def main(argv: list[str] | None = None) -> int:
    from geo.config import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m data.sample", description="Seed the store with illustrative (示意) sample data."
    )
    parser.add_argument("--db", help="DuckDB file (default: BINHAI_DB or data/binhai.duckdb)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--scale", type=int, default=1, help="multiply parks and water bodies (250 → 10,000 parks)")
    args = parser.parse_args(argv)
    store = open_store(load_settings(args.db).store_location)
    counts = seed_store(store, seed=args.seed, scale=args.scale)
    for table, count in counts.items():
        print(f"{table}: {count}")
    return 0
