"""Hand validated features to the store: one transaction with the layer write and its import-log row."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.config import Limits
from geo.errors import InputError
from geo.io.datum import refuse_gcj02_shifted_copies
from geo.io.read import read_features
from geo.store.db import Store
from geo.store.features import ids_with_prefix, log_import, stored_centroids, write_layer


def import_features(
    store: Store,
    spec: Any,
    path: Path,
    mode: str,
    limits: Limits,
    now: datetime | None = None,
    source_name: str | None = None,
) -> int:
    """Validate `path`, then write it and an import_log row in one transaction; returns features written.

    Any problem raises before the store is touched; a failure while writing rolls everything back.
    """
    path = Path(path)
    features = read_features(path, spec, limits, source_name)
    return write_features(store, spec, features, mode, source_name or path.name, now)


def write_features(
    store: Store, spec: Any, features: gpd.GeoDataFrame, mode: str, source_name: str, now: datetime | None = None
) -> int:
    """Write features that passed `read_features`/`validate_frame`, plus their import_log row, in one transaction.

    Features without an id get `<id_prefix>-<next free number>` (numbers already used in the store,
    unless replacing, and in the file are skipped).
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    features = features.copy()
    with store.transaction() as session:
        stored = stored_centroids(session, spec, [str(i) for i in features["id"].dropna()])
        refuse_gcj02_shifted_copies(stored, features, source_name)
        missing = features["id"].isna().to_numpy()
        if missing.any():
            taken = set(features["id"].dropna())
            if mode == "append":
                taken |= set(ids_with_prefix(session, spec, spec.id_prefix))
            features.loc[missing, "id"] = _new_ids(spec.id_prefix, taken, int(missing.sum()))
        try:
            written = write_layer(session, spec, features, mode, now)
        except InputError as err:  # ids already stored: name the user's file, not the table
            raise InputError(source_name, err.problems) from err
        log_import(session, spec.name, mode, source_name, written, now)
    return written


def _new_ids(prefix: str, taken: set[str], count: int) -> list[str]:
    pattern = re.compile(rf"^{re.escape(prefix)}-?(\d+)$")
    numbers = [int(m.group(1)) for t in taken if (m := pattern.match(t))]
    start = max(numbers, default=0) + 1
    return [f"{prefix}-{n:04d}" for n in range(start, start + count)]
