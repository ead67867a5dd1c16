"""Single-feature edits: change or delete one feature, checked, versioned and audited.

The caller names the version the edit was based on; when someone saved a newer one in between the
edit is refused (`VersionConflict`: "已被 张三 于 … 修改") and nothing is written, so the user can
reload and redo. The new shape and attributes go through the same validation as a file import.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import geopandas as gpd

from geo.config import Limits
from geo.crs import STORAGE_CRS
from geo.io import validate_frame
from geo.permissions import Actor, writes
from geo.store import audit
from geo.store import features as store_features
from geo.store.db import Store


def _editor_role(spec: Any, *args: Any, **kwargs: Any) -> tuple[str, ...]:
    return (spec.editor_role,)


def changed_attributes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs between two feature states (the audit log's before/after)."""
    keys = [k for k in after if k not in ("valid_from", "changed_by") and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@writes("feature.edit", roles_from=_editor_role)
def edit_feature(
    store: Store,
    actor: Actor,
    spec: Any,
    feature_id: str,
    values: dict[str, Any],
    geometry: Any,
    base_version: int,
    limits: Limits,
    reason: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Save a new version of one feature (attributes `values`, `geometry` in EPSG:4326); returns its state.

    Raises `InputError` for invalid input and `VersionConflict` when `base_version` is not current.
    """
    frame = gpd.GeoDataFrame(
        {"id": [feature_id], **{f.name: [values.get(f.name)] for f in spec.fields}},
        geometry=[geometry],
        crs=STORAGE_CRS,
    )
    checked = validate_frame(frame, spec, limits, f"{spec.title_zh} {feature_id}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as s:
        before, after = store_features.edit_feature(s, spec, checked, base_version, now, actor.username)
        old, new = changed_attributes(before, after)
        audit.record(s, actor, "feature.edit", spec.name, feature_id, old, new, now=now, reason=reason)
    return after


@writes("feature.delete", roles_from=_editor_role)
def delete_feature(
    store: Store,
    actor: Actor,
    spec: Any,
    feature_id: str,
    base_version: int,
    reason: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Close one feature (it stays in history); returns its last state. `VersionConflict` as for an edit."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as s:
        before = store_features.delete_feature(s, spec, feature_id, base_version, now)
        audit.record(s, actor, "feature.delete", spec.name, feature_id, before, None, now=now, reason=reason)
    return before
