"""Prohibited-zone planning (禁燃区规划): drafts, checks, impact, and the approval workflow into force.

A planner keeps a *proposal* (`zone_proposals`, every version kept in `zone_proposals_history`): a new
zone, a changed boundary of a zone in force, or its repeal. The workflow is

    草稿 draft → 已提交 submitted → 已批准 approved (effective date) → 施行 in force
                                  ↘ 已退回 returned (reason) → edited → submitted again

A `zone_approver` who is not the author decides. On its effective date an approved proposal is
written into the `prohibited_zones` layer (history keeps the old boundary, so the map of any date
shows the zones in force that day). Every step is one transaction with an audit row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo import zone_checks
from geo.config import Limits
from geo.crs import STORAGE_CRS
from geo.errors import InputError, PortalError, Problem
from geo.io import validate_frame
from geo.permissions import Actor, writes
from geo.settings import current_settings
from geo.store import audit, history
from geo.store import features as store_features
from geo.store.db import Session, Store
from geo.store.features import VersionConflict

TABLE = "zone_proposals"
LAYER = "prohibited_zones"
KINDS = ("new", "edit", "repeal")
# status code → (中文, English)
STATUSES: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "Draft"),
    "submitted": ("已提交", "Submitted"),
    "approved": ("已批准（待施行）", "Approved (awaiting its date)"),
    "returned": ("已退回", "Returned"),
    "in_force": ("施行", "In force"),
}
KIND_TITLES: dict[str, tuple[str, str]] = {
    "new": ("新划定", "New zone"),
    "edit": ("边界调整", "Boundary change"),
    "repeal": ("废止", "Repeal"),
}
EDITABLE = ("draft", "returned")
COLUMNS = (
    "id",
    "kind",
    "zone_id",
    "base_version",
    "name",
    "fuel_class",
    "document",
    "status",
    "author",
    "submitted_at",
    "decided_by",
    "decided_at",
    "decision_reason",
    "effective_date",
    "approval_no",
    "area_km2",
    "geom_wkb",
    "version",
    "valid_from",
    "changed_by",
)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC).replace(tzinfo=None)


def _layer_spec() -> Any:
    import layers  # looked up when called, never at import time (geo/__init__)

    return layers.get_spec(LAYER)


def status_title(status: str, lang: str) -> str:
    zh, en = STATUSES.get(status, (status, status))
    return zh if lang == "zh" else en


def kind_title(kind: str, lang: str) -> str:
    zh, en = KIND_TITLES.get(kind, (kind, kind))
    return zh if lang == "zh" else en


# -- reads -----------------------------------------------------------------------------------------


def tolerances(store: Store, limits: Limits | None = None) -> zone_checks.Tolerances:
    """The check thresholds from the admin settings (and the vertex limit of imports)."""
    values = current_settings(store)
    return zone_checks.Tolerances(
        overlap_pct=float(values["zones.overlap_pct"]),
        min_area_km2=float(values["zones.min_area_km2"]),
        outside_pct=float(values["zones.outside_pct"]),
        max_vertices=(limits or Limits()).max_vertices_per_feature,
    )


def district_outline(store: Store) -> BaseGeometry | None:
    """The district's boundary (admin unit of kind `district`, else the union of every unit)."""
    import layers

    units = store_features.read_layer(store, layers.get_spec("admin_units"), columns=("kind",))
    district = units[units["kind"] == "district"]
    chosen = district if len(district) else units
    return shapely.union_all(chosen.geometry.values) if len(chosen) else None


def zones_in_force(store: Store, as_of: date | None = None, except_id: str | None = None) -> gpd.GeoDataFrame:
    """Zones of the layer with status 现行 (now or on `as_of`), without `except_id` (the zone being edited)."""
    frame = store_features.read_layer(store, _layer_spec(), as_of=as_of, with_versions=True)
    frame = frame[frame["status"] == "in_force"]
    if except_id is not None:
        frame = frame[frame["id"] != except_id]
    return frame.reset_index(drop=True)


def _triples(frame: gpd.GeoDataFrame) -> list[tuple[str, str, BaseGeometry]]:
    return list(zip(frame["id"], frame["name"], frame.geometry, strict=True))


def run_checks(
    store: Store, geometry: BaseGeometry | None, zone_id: str | None = None, limits: Limits | None = None
) -> list[zone_checks.Finding]:
    """Every check of geo/zone_checks on a draft boundary against the district and the zones in force."""
    current = zones_in_force(store)
    others = current[current["id"] != zone_id]
    previous = current[current["id"] == zone_id].geometry
    before = previous.iloc[0] if len(previous) else None
    return zone_checks.check_zone(
        geometry, district_outline(store), _triples(others), tolerances(store, limits), previous=before
    )


def _row_geometry(row: dict[str, Any]) -> BaseGeometry | None:
    wkb = row.get("geom_wkb")
    return None if wkb is None or (isinstance(wkb, float) and pd.isna(wkb)) else shapely.from_wkb(bytes(wkb))


def proposals(store: Store, author: str | None = None) -> gpd.GeoDataFrame:
    """Current proposals (newest first), with their geometry; only `author`'s when given."""
    frame = store.query(
        f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE ($author IS NULL OR author = $author) "  # noqa: S608
        "ORDER BY valid_from DESC, id",
        {"author": author},
    )
    geoms = [_row_geometry(r) for r in frame.to_dict("records")]
    return gpd.GeoDataFrame(frame.drop(columns=["geom_wkb"]), geometry=geoms, crs=STORAGE_CRS)


def proposal(store: Store, proposal_id: str) -> dict[str, Any]:
    """One proposal's current state (`geometry` as shapely); `PortalError` when there is none."""
    frame = store.query(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = ?", [proposal_id])  # noqa: S608
    if frame.empty:
        raise PortalError(f"没有方案 {proposal_id}", f"no proposal {proposal_id}")
    row = frame.iloc[0].to_dict()
    row["geometry"] = _row_geometry(row)
    return row


def proposal_versions(store: Store, proposal_id: str) -> gpd.GeoDataFrame:
    """Every version of a proposal, oldest first (closed ones from history), with geometry."""
    cols = ", ".join(COLUMNS)
    frame = store.query(
        f"SELECT {cols}, NULL::TIMESTAMP AS valid_to FROM {TABLE} WHERE id = $id "  # noqa: S608
        f"UNION ALL SELECT {cols}, valid_to FROM {history.history_table(TABLE)} WHERE id = $id ORDER BY version",
        {"id": proposal_id},
    )
    geoms = [_row_geometry(r) for r in frame.to_dict("records")]
    return gpd.GeoDataFrame(frame.drop(columns=["geom_wkb"]), geometry=geoms, crs=STORAGE_CRS)


def zone_versions(store: Store, zone_id: str) -> gpd.GeoDataFrame:
    """Every version of a zone of the layer, oldest first (for a diff of two versions)."""
    spec = _layer_spec()
    cols = "id, name, fuel_class, status, effective_date, document, area_km2, version, valid_from, changed_by"
    with store.session() as s:
        frame = s.execute(
            f"SELECT {cols}, NULL::TIMESTAMP AS valid_to, ST_AsWKB(geom) AS wkb FROM {spec.name} WHERE id = $id "  # noqa: S608
            f"UNION ALL SELECT {cols}, valid_to, ST_AsWKB(geom) FROM {history.history_table(spec.name)} "
            "WHERE id = $id ORDER BY version",
            {"id": zone_id},
        ).df()
    geoms = [shapely.from_wkb(bytes(w)) for w in frame["wkb"]]
    return gpd.GeoDataFrame(frame.drop(columns=["wkb"]), geometry=geoms, crs=STORAGE_CRS)


@dataclass(frozen=True)
class BoundaryDiff:
    """What a new boundary adds to and removes from an old one (EPSG:4326), with both areas (km², EPSG:4548)."""

    added: BaseGeometry
    removed: BaseGeometry
    added_km2: float
    removed_km2: float
    before_km2: float
    after_km2: float


def boundary_diff(before: BaseGeometry, after: BaseGeometry) -> BoundaryDiff:
    """Added (after − before) and removed (before − after) areas of a boundary change."""
    added = zone_checks.polygonal(shapely.difference(after, before))
    removed = zone_checks.polygonal(shapely.difference(before, after))
    area = zone_checks.area_km2
    return BoundaryDiff(added, removed, area(added), area(removed), area(before), area(after))


# -- impact ----------------------------------------------------------------------------------------

IMPACT_LAYERS = ("parks", "key_energy_units", "two_high_projects", "wastewater")


@dataclass(frozen=True)
class Impact:
    """A draft's footprint: area, the 街镇/开发区 it covers (km² and share of each unit), features inside."""

    area_km2: float
    units: pd.DataFrame  # id, name, kind, covered_km2, unit_km2, share
    inside: dict[str, pd.DataFrame]  # layer name → id, name of the features inside
    diff: BoundaryDiff | None = None
    boilers: pd.DataFrame | None = None  # in-use boilers inside burning a fuel the zone's class bans


def impact(store: Store, geometry: BaseGeometry, zone_id: str | None = None, fuel_class: str | None = None) -> Impact:
    """What a draft covers, all areas in EPSG:4548; for an edit (`zone_id`) the added/removed area too.

    With `fuel_class` the in-use boilers inside that burn a fuel the class bans (`boilers_to_convert`).
    """
    import layers

    area = zone_checks.area_km2
    units = store_features.read_layer(store, layers.get_spec("admin_units"), columns=("name", "kind"))
    units = units[units["kind"].isin(["street", "town", "zone"]) & units.intersects(geometry)]
    rows = []
    for unit in units.itertuples():
        covered = area(zone_checks.polygonal(shapely.intersection(unit.geometry, geometry)))
        if covered <= 0:
            continue
        whole = area(unit.geometry)
        rows.append(
            {
                "id": unit.id,
                "name": unit.name,
                "kind": unit.kind,
                "covered_km2": covered,
                "unit_km2": whole,
                "share": covered / whole if whole else None,
            }
        )
    unit_frame = pd.DataFrame(rows, columns=["id", "name", "kind", "covered_km2", "unit_km2", "share"])
    unit_frame = unit_frame.sort_values("covered_km2", ascending=False, ignore_index=True)
    inside = {}
    for name in IMPACT_LAYERS:
        spec = layers.get_spec(name)
        fields = ("name",) if "name" in spec.field_names else ()
        frame = store_features.read_layer(store, spec, columns=fields)
        hit = frame[frame.geometry.representative_point().within(geometry)]
        inside[name] = pd.DataFrame({"id": hit["id"], "name": hit["name"] if fields else hit["id"]}).reset_index(
            drop=True
        )
    diff = None
    if zone_id is not None:
        current = store_features.read_layer(store, _layer_spec(), columns=())
        old = current[current["id"] == zone_id]
        if len(old):
            diff = boundary_diff(old.geometry.iloc[0], geometry)
    boilers = boilers_to_convert(store, geometry, fuel_class) if fuel_class else None
    return Impact(area(geometry), unit_frame, inside, diff, boilers)


def banned_fuel(fuel_class: str, fuel: str, capacity: float | None, capacity_unit: str | None) -> dict | None:
    """The catalogue rule of `fuel_class` that bans `fuel` at this capacity (None when none does).

    The rules are data (layers/fuel_catalogue_2017.json); a capacity in MW is compared in t/h
    (`MW_PER_T_H`); a rule with a capacity bound spares boilers at or above it, an unknown capacity is not spared.
    """
    from layers import boilers

    for rule in boilers.CATALOGUE["classes"].get(fuel_class, []):
        if rule["fuel"] != fuel:
            continue
        bound = rule.get("below_capacity_t_h")
        if bound is None or capacity is None or pd.isna(capacity):
            return rule
        t_h = capacity / boilers.MW_PER_T_H if capacity_unit == "mw" else capacity
        if t_h < bound:
            return rule
    return None


def boilers_to_convert(store: Store, geometry: BaseGeometry, fuel_class: str, lang: str = "zh") -> pd.DataFrame:
    """In-use boilers inside `geometry` whose fuel the zone's class bans: the list to convert before it takes effect."""
    import layers

    frame = store_features.read_layer(store, layers.get_spec("boilers"))
    frame = frame[(frame["status"] == "in_use") & frame.geometry.within(geometry)]
    rows = []
    for b in frame.itertuples():
        rule = banned_fuel(fuel_class, b.fuel, b.capacity, b.capacity_unit)
        if rule is not None:
            rows.append(
                {
                    "id": b.id,
                    "name": b.name,
                    "fuel": b.fuel,
                    "capacity": b.capacity,
                    "capacity_unit": b.capacity_unit,
                    "deadline": b.deadline,
                    "rule": rule["zh"] if lang == "zh" else rule["en"],
                }
            )
    columns = ["id", "name", "fuel", "capacity", "capacity_unit", "deadline", "rule"]
    return pd.DataFrame(rows, columns=columns)


# -- writes ----------------------------------------------------------------------------------------


def _blocking_problems(findings: list[zone_checks.Finding]) -> list[Problem]:
    return [Problem(f.zh, f.en, field="geometry") for f in zone_checks.blocking(findings)]


def _geometry_for_store(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.force_2d(geometry)


def _current(session: Session, proposal_id: str) -> dict[str, Any]:
    frame = session.query(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = ?", [proposal_id])  # noqa: S608
    if frame.empty:
        raise PortalError(f"没有方案 {proposal_id}", f"no proposal {proposal_id}")
    return frame.iloc[0].to_dict()


def _check_version(row: dict[str, Any], base_version: int) -> None:
    if int(row["version"]) != int(base_version):
        when = pd.Timestamp(row["valid_from"]).strftime("%Y-%m-%d %H:%M")
        raise VersionConflict(
            f"已被 {row['changed_by']} 于 {when} 修改（当前第 {row['version']} 版，你基于第 {base_version} 版），"
            "未保存；请刷新后重做",
            f"changed by {row['changed_by']} at {when} (now version {row['version']}, yours was based on "
            f"version {base_version}); nothing was saved: reload and redo",
        )


def _put(session: Session, row: dict[str, Any], now: datetime, who: str, replace: bool) -> dict[str, Any]:
    """Write the next version of a proposal row (the old one goes to history)."""
    if replace:
        history.archive(session, TABLE, "id = $id", {"id": row["id"]}, now)
    row = {**row, "version": int(row.get("version") or 0) + 1, "valid_from": now, "changed_by": who}
    session.execute(
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",  # noqa: S608
        [None if _missing(row.get(c)) else row.get(c) for c in COLUMNS],
    )
    return row


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, bytes | str) and pd.isna(value))


def _audit_state(row: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a proposal: attributes, area, the geometry as its digest."""
    state = {k: row.get(k) for k in COLUMNS if k not in ("geom_wkb", "valid_from", "changed_by")}
    wkb = row.get("geom_wkb")
    state["geometry_sha256"] = None if _missing(wkb) else store_features.geometry_digest(shapely.from_wkb(bytes(wkb)))
    return state


def _next_id(session: Session) -> str:
    taken = [r[0] for r in session.execute(f"SELECT id FROM {TABLE} UNION SELECT id FROM {TABLE}_history").fetchall()]  # noqa: S608
    numbers = [int(m.group(1)) for t in taken if (m := re.match(r"^ZD-(\d+)$", t))]
    return f"ZD-{max(numbers, default=0) + 1:04d}"


def _refuse_if_failing(store: Store, geometry: BaseGeometry | None, zone_id: str | None, name: str, limits: Limits):
    findings = run_checks(store, geometry, zone_id, limits)
    problems = _blocking_problems(findings)
    if problems:
        raise InputError(name or "禁燃区 / zone", problems)
    # The same checks an import makes (ids, attributes, limits): one path for every boundary.
    frame = gpd.GeoDataFrame(
        {"id": ["ZD-CHECK"], "name": [name], "fuel_class": ["III"], "status": ["draft"]},
        geometry=[geometry],
        crs=STORAGE_CRS,
    )
    validate_frame(frame, _layer_spec(), limits, name or "禁燃区")


def _require_text(value: str | None, zh: str, en: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(zh, [Problem(f"{zh}不能为空", f"{en} must not be empty")])
    return text


@writes("zone.draft", "planner")
def save_draft(
    store: Store,
    actor: Actor,
    name: str,
    fuel_class: str,
    geometry: BaseGeometry | None,
    kind: str = "new",
    zone_id: str | None = None,
    document: str | None = None,
    proposal_id: str | None = None,
    base_version: int | None = None,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create a draft (`proposal_id` None) or save a new version of one's own draft or returned proposal.

    Blocking check findings refuse the save (`InputError`, nothing written). An edit or repeal names
    the zone in force (`zone_id`); the zone's current version is remembered for the enactment.
    """
    limits = limits or Limits()
    now = _now(now)
    name = _require_text(name, "禁燃区名称", "zone name")
    spec = _layer_spec()
    if fuel_class not in spec.get_field("fuel_class").allowed:
        raise InputError(name, [Problem(f"管控类别无效: {fuel_class}", f"unknown fuel class: {fuel_class}")])
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    zone_version = None
    if kind in ("edit", "repeal"):
        current = zones_in_force(store)
        match = current[current["id"] == zone_id]
        if match.empty:
            raise PortalError(f"没有现行禁燃区 {zone_id}", f"no zone in force {zone_id}")
        zone_version = int(match["version"].iloc[0])
        if kind == "repeal":
            geometry = match.geometry.iloc[0]
    if kind != "repeal":
        _refuse_if_failing(store, geometry, zone_id if kind == "edit" else None, name, limits)
    geometry = _geometry_for_store(geometry)
    values = {
        "kind": kind,
        "zone_id": zone_id,
        "base_version": zone_version,
        "name": name,
        "fuel_class": fuel_class,
        "document": (document or "").strip() or None,
        "status": "draft",
        "author": actor.username,
        "area_km2": zone_checks.area_km2(geometry),
        "geom_wkb": shapely.to_wkb(geometry),
    }
    with store.transaction() as s:
        if proposal_id is None:
            before = None
            row = _put(s, {"id": _next_id(s), **values, "version": 0}, now, actor.username, replace=False)
        else:
            before = _current(s, proposal_id)
            _check_version(before, base_version if base_version is not None else -1)
            if before["author"] != actor.username and not actor.has("admin"):
                raise PortalError("只能修改自己的方案", "you can only change your own proposals")
            if before["status"] not in EDITABLE:
                raise PortalError(
                    f"方案状态为「{status_title(before['status'], 'zh')}」，不能再修改",
                    f"the proposal is {status_title(before['status'], 'en')} and can no longer be changed",
                )
            row = _put(s, {**before, **values, "author": before["author"]}, now, actor.username, replace=True)
        old = _audit_state(before) if before else None
        audit.record(s, actor, "zone.draft", TABLE, row["id"], old, _audit_state(row), now=now)
    return row


@writes("zone.submit", "planner")
def submit(
    store: Store,
    actor: Actor,
    proposal_id: str,
    base_version: int,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Submit one's own draft (or a returned one, edited) for approval; the checks run again first."""
    now = _now(now)
    row = proposal(store, proposal_id)
    if row["author"] != actor.username and not actor.has("admin"):
        raise PortalError("只能提交自己的方案", "you can only submit your own proposals")
    if row["status"] not in EDITABLE:
        raise PortalError(
            f"方案状态为「{status_title(row['status'], 'zh')}」，不能提交",
            f"the proposal is {status_title(row['status'], 'en')} and cannot be submitted",
        )
    if row["kind"] != "repeal":
        zone = row["zone_id"] if row["kind"] == "edit" else None
        _refuse_if_failing(store, row["geometry"], zone, row["name"], limits or Limits())
    with store.transaction() as s:
        before = _current(s, proposal_id)
        _check_version(before, base_version)
        after = _put(s, {**before, "status": "submitted", "submitted_at": now}, now, actor.username, replace=True)
        audit.record(
            s, actor, "zone.submit", TABLE, proposal_id, {"status": before["status"]}, {"status": "submitted"}, now=now
        )
    return after


@writes("zone.decide", "zone_approver")
def decide(
    store: Store,
    actor: Actor,
    proposal_id: str,
    base_version: int,
    approve: bool,
    reason: str,
    effective_date: date | None = None,
    approval_no: str | None = None,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Approve (with an effective date, not before today) or return (with a reason) a submitted proposal.

    The author cannot decide their own proposal. An approval whose date has come puts it in force at once.
    """
    now = _now(now)
    reason = _require_text(reason, "审批意见", "the reason")
    row = proposal(store, proposal_id)
    if row["author"] == actor.username:
        raise PortalError("不能审批自己提交的方案", "you cannot decide a proposal you wrote")
    if row["status"] != "submitted":
        raise PortalError(
            f"方案状态为「{status_title(row['status'], 'zh')}」，只有已提交的方案可审批",
            f"the proposal is {status_title(row['status'], 'en')}; only submitted proposals can be decided",
        )
    if approve:
        if effective_date is None:
            raise InputError("施行日期", [Problem("批准时须填写施行日期", "an approval needs an effective date")])
        if effective_date < now.date():
            raise InputError(
                "施行日期",
                [Problem("施行日期不能早于今天（不溯及既往）", "the effective date cannot be before today")],
            )
        approval_no = _require_text(approval_no, "批准文号", "the approval document number")
    status = "approved" if approve else "returned"
    with store.transaction() as s:
        before = _current(s, proposal_id)
        _check_version(before, base_version)
        changes = {
            "status": status,
            "decided_by": actor.username,
            "decided_at": now,
            "decision_reason": reason,
            "effective_date": effective_date if approve else None,
            "approval_no": approval_no if approve else None,
        }
        after = _put(s, {**before, **changes}, now, actor.username, replace=True)
        audit.record(
            s,
            actor,
            "zone.approve" if approve else "zone.return",
            TABLE,
            proposal_id,
            {"status": before["status"]},
            {k: v for k, v in changes.items() if k != "decided_at"},
            now=now,
            reason=reason,
        )
        if approve and effective_date <= now.date():
            after = _enact(s, actor, after, now, limits or Limits())
    return after


@writes("zone.enact", "zone_approver")
def enact_due(store: Store, actor: Actor, limits: Limits | None = None, now: datetime | None = None) -> list[str]:
    """Put in force every approved proposal whose effective date has come; returns their ids."""
    now = _now(now)
    done = []
    with store.transaction() as s:
        due = s.query(
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE status = 'approved' AND effective_date <= ? ORDER BY id",  # noqa: S608
            [now.date()],
        )
        for row in due.to_dict("records"):
            _enact(s, actor, row, now, limits or Limits())
            done.append(row["id"])
    return done


def _enact(session: Session, actor: Actor, row: dict[str, Any], now: datetime, limits: Limits) -> dict[str, Any]:
    """Write an approved proposal into the layer, in force from its effective date; returns the proposal row."""
    spec = _layer_spec()
    effective = row["effective_date"]
    effective = effective.date() if isinstance(effective, datetime | pd.Timestamp) else effective
    # In force from the start of its day when enacted late (enact_due after the date); never before the
    # zone's current version took effect, so history intervals stay in order.
    moment = datetime.combine(effective, time.min) if effective < now.date() else now
    if row["kind"] != "new":
        state = store_features.feature_state(session, spec, row["zone_id"])
        if state is not None and pd.Timestamp(state["valid_from"]).to_pydatetime() >= moment:
            moment = now
    geometry = shapely.from_wkb(bytes(row["geom_wkb"]))
    document = "；".join(v for v in (row.get("approval_no"), row.get("document")) if not _missing(v))
    values = {
        "name": row["name"],
        "fuel_class": row["fuel_class"],
        "status": "in_force",
        "effective_date": effective,
        "document": document or None,
    }
    kind = row["kind"]
    zone_id = row["zone_id"]
    if kind == "new":
        taken = set(store_features.ids_with_prefix(session, spec, spec.id_prefix))
        numbers = [int(m.group(1)) for t in taken if (m := re.match(rf"^{spec.id_prefix}-?(\d+)$", t))]
        zone_id = f"{spec.id_prefix}-{max(numbers, default=0) + 1:04d}"
    if kind == "repeal":
        before = store_features.delete_feature(session, spec, zone_id, int(row["base_version"]), moment)
        after_state = None
    else:
        frame = gpd.GeoDataFrame(
            {"id": [zone_id], **{k: [v] for k, v in values.items()}}, geometry=[geometry], crs=STORAGE_CRS
        )
        checked = validate_frame(frame, spec, limits, row["name"])
        if kind == "edit":
            before, after_state = store_features.edit_feature(
                session, spec, checked, int(row["base_version"]), moment, row["author"]
            )
        else:
            store_features.write_layer(session, spec, checked, "append", moment, row["author"])
            before, after_state = None, store_features.feature_state(session, spec, zone_id)
    audit.record(session, actor, f"zone.enact.{kind}", spec.name, zone_id, before, after_state, now=now)
    return _put(session, {**row, "zone_id": zone_id, "status": "in_force"}, now, actor.username, replace=True)


def boundary_from_file(path: Any, limits: Limits, source_name: str) -> tuple[BaseGeometry, dict[str, Any]]:
    """One zone boundary from a file (GeoJSON, GPKG, zipped Shapefile, KML) through the validated import path.

    Attributes are optional here (the planner fills them in on the page); the file must hold exactly one
    feature (`InputError` otherwise: a KML of three placemarks is three zones, not one). Returns the
    geometry (EPSG:4326) and the attributes the file gave.
    """
    from dataclasses import replace

    from geo.io import read_features

    spec = _layer_spec()
    relaxed = replace(spec, fields=tuple(replace(f, required=False) for f in spec.fields))
    frame = read_features(path, relaxed, limits, source_name=source_name)
    if len(frame) != 1:
        n = len(frame)
        raise InputError(
            source_name,
            [
                Problem(
                    f"文件含 {n} 个要素（如 KML 的多个地标），此处需要恰好 1 个禁燃区边界；请合并为一个（多部分）面后再上传",
                    f"the file holds {n} features (e.g. KML placemarks); exactly one zone boundary is expected: "
                    "merge them into one (multi-part) area first",
                )
            ],
        )
    row = frame.iloc[0]
    values = {f.name: row.get(f.name) for f in spec.fields if not _missing(row.get(f.name))}
    return row.geometry, values


# -- export ----------------------------------------------------------------------------------------

EXPORT_FORMATS = ("gpkg", "geojson", "kml", "shp")
EXPORT_CRS = ("EPSG:4490", "EPSG:4326")
# Attribute names a Chinese GIS user expects; each fits a Shapefile's 10-byte field name in GBK.
EXPORT_COLUMNS = {
    "id": "编号",
    "name": "名称",
    "fuel_class": "管控类别",
    "effective_date": "施行日期",
    "approval_no": "批准文号",
    "approved_on": "批准日期",
    "area_km2": "面积km2",
}


def approved_zones(store: Store, as_of: date | None = None) -> gpd.GeoDataFrame:
    """Zones in force with the approval that put them there (document number and date), if any."""
    frame = zones_in_force(store, as_of=as_of)
    decided = store.query(
        f"SELECT zone_id, approval_no, CAST(decided_at AS DATE) AS approved_on FROM {TABLE} "  # noqa: S608
        "WHERE status = 'in_force' AND kind <> 'repeal' QUALIFY row_number() OVER "
        "(PARTITION BY zone_id ORDER BY decided_at DESC) = 1"
    )
    merged = frame.merge(decided, left_on="id", right_on="zone_id", how="left")
    # Zones in force before this workflow existed: the designating document stands for the approval.
    merged["approval_no"] = merged["approval_no"].where(merged["approval_no"].notna(), merged["document"])
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=STORAGE_CRS)


def export_zones(store: Store, fmt: str, crs: str = "EPSG:4490", lang: str = "zh") -> tuple[bytes, str]:
    """Approved zones in force as file bytes and a file name: gpkg, geojson, kml (always WGS84) or a zipped Shapefile.

    Columns carry Chinese names (`EXPORT_COLUMNS`), the class its Chinese label; areas in km² (EPSG:4548).
    """
    import tempfile
    import zipfile
    from pathlib import Path

    if fmt not in EXPORT_FORMATS:
        raise PortalError(f"不支持的导出格式 {fmt}", f"unsupported export format {fmt}")
    if crs not in EXPORT_CRS:
        raise PortalError(f"不支持的坐标系 {crs}", f"unsupported CRS {crs}")
    frame = approved_zones(store)
    fuel = _layer_spec().get_field("fuel_class")
    out = gpd.GeoDataFrame(
        {
            EXPORT_COLUMNS["id"]: frame["id"],
            EXPORT_COLUMNS["name"]: frame["name"],
            EXPORT_COLUMNS["fuel_class"]: [fuel.label(v, "zh") for v in frame["fuel_class"]],
            EXPORT_COLUMNS["effective_date"]: [
                None if _missing(v) else str(pd.Timestamp(v).date()) for v in frame["effective_date"]
            ],
            EXPORT_COLUMNS["approval_no"]: frame["approval_no"],
            EXPORT_COLUMNS["approved_on"]: [
                None if _missing(v) else str(pd.Timestamp(v).date()) for v in frame["approved_on"]
            ],
            EXPORT_COLUMNS["area_km2"]: frame["area_km2"].round(4),
        },
        geometry=frame.geometry.values,
        crs=STORAGE_CRS,
    )
    target_crs = "EPSG:4326" if fmt == "kml" else crs
    # CGCS2000 and WGS84 differ by well under a metre here: relabelled, as imports do (geo/crs.py).
    out = out.set_crs(target_crs, allow_override=True)
    stem = "禁燃区_已批准"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if fmt == "shp":
            out.to_file(folder / f"{stem}.shp", encoding="GBK", engine="pyogrio")
            buffer = folder / f"{stem}.zip"
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for part in sorted(folder.glob(f"{stem}.*")):
                    if part.suffix != ".zip":
                        archive.write(part, part.name)
            return buffer.read_bytes(), f"{stem}.zip"
        driver = {"gpkg": "GPKG", "geojson": "GeoJSON", "kml": "KML"}[fmt]
        path = folder / f"{stem}.{fmt}"
        out.to_file(path, driver=driver, engine="pyogrio")
        return path.read_bytes(), path.name
