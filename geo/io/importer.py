"""Hand validated features to the store: one audited transaction with the layer write and its import-log row."""

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
from geo.permissions import Actor, writes
from geo.store import audit
from geo.store.db import Store
from geo.store.features import LayerChange, count_in, ids_with_prefix, log_import, stored_centroids, write_layer


def _editor_role(spec: Any, *args: Any, **kwargs: Any) -> tuple[str, ...]:
    """Importing into a layer needs the layer's own editor role (an admin may always)."""
    return (spec.editor_role,)


@writes("layer.import", roles_from=_editor_role)
def import_features(
    store: Store,
    actor: Actor,
    spec: Any,
    path: Path,
    mode: str,
    limits: Limits,
    now: datetime | None = None,
    source_name: str | None = None,
) -> LayerChange:
    """Validate `path`, then write it, its import_log and audit rows in one transaction.

    Any problem raises before the store is touched; a failure while writing rolls everything back.
    """
    path = Path(path)
    features = read_features(path, spec, limits, source_name)
    return write_features(store, actor, spec, features, mode, source_name or path.name, now)


@writes("layer.import", roles_from=_editor_role)
def write_features(
    store: Store,
    actor: Actor,
    spec: Any,
    features: gpd.GeoDataFrame,
    mode: str,
    source_name: str,
    now: datetime | None = None,
    reason: str | None = None,
) -> LayerChange:
    """Write features that passed `read_features`/`validate_frame`, with an import_log and an audit row.

    `replace` keeps unchanged features as they are (same version), closes the ones gone or changed
    and inserts new versions; `append` refuses ids already stored. Features without an id get
    `<id_prefix>-<next free number>` (numbers already used in the store, unless replacing, and in
    the file are skipped). Returns what changed.
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
        before = count_in(session, spec)
        try:
            change = write_layer(session, spec, features, mode, now, changed_by=actor.username)
        except InputError as err:  # ids already stored: name the user's file, not the table
            raise InputError(source_name, err.problems) from err
        log_import(session, spec.name, mode, source_name, change.written, now)
        after = {"mode": mode, "source": source_name, "features": count_in(session, spec), **change.summary()}
        audit.record(
            session, actor, "layer.import", "layer", spec.name, {"features": before}, after, now=now, reason=reason
        )
    return change


def _new_ids(prefix: str, taken: set[str], count: int) -> list[str]:
    pattern = re.compile(rf"^{re.escape(prefix)}-?(\d+)$")
    numbers = [int(m.group(1)) for t in taken if (m := pattern.match(t))]
    start = max(numbers, default=0) + 1
    return [f"{prefix}-{n:04d}" for n in range(start, start + count)]
