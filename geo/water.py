"""黑臭水体: sampling rounds, classification by the 2015 guide, the remediation lifecycle to sign-off, disclosure.

Classification (城市黑臭水体整治工作指南, thresholds held as settings, `geo.settings`):

| indicator | 轻度黑臭 (light) | 重度黑臭 (heavy) |
|---|---|---|
| 透明度 transparency, cm | 10 ≤ v ≤ 25 | v < 10 |
| 溶解氧 DO, mg/L | 0.2 ≤ v ≤ 2.0 | v < 0.2 |
| 氧化还原电位 ORP, mV | −200 ≤ v ≤ 50 | v < −200 |
| 氨氮 NH3-N, mg/L | 8.0 ≤ v ≤ 15 | v > 15 |

A point takes the worst class of its four indicators; a body the worst class of its points in a round
(any point black-odorous makes the body black-odorous — the reading of ../shared/docs/domain-facts.md).

Lifecycle: 方案制定 → 治理中 → 完成治理 → 初见成效 → 长制久清, one step at a time; a 反弹 body goes back
to 治理中. A `water_editor` proposes a move with a note (and evidence for 完成治理 / 长制久清); a
`water_reviewer` who is not the proposer approves or rejects it. A round that finds a body at 完成治理
or later black-odorous re-lists it as 反弹 at once, audited as the system acting on that round.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import MEASURE_CRS, STORAGE_CRS
from geo.errors import InputError, PortalError, Problem
from geo.io.csvfile import UNKNOWN_ENCODING, decode_text
from geo.permissions import SYSTEM, Actor, PermissionDenied, writes
from geo.settings import current_settings
from geo.store import audit, history
from geo.store import features as store_features
from geo.store import water as tables
from geo.store.db import Session, Store

LAYER = "water_bodies"
STAGE_ORDER = ("planning", "remediating", "completed", "effective", "sustained")
STAGES = (*STAGE_ORDER, "relapsed")
NEXT_STAGE = {
    "planning": "remediating",
    "remediating": "completed",
    "completed": "effective",
    "effective": "sustained",
    "relapsed": "remediating",
}
AT_OR_AFTER_COMPLETION = ("completed", "effective", "sustained")
NEEDS_EVIDENCE = ("completed", "sustained")
CLASSES = ("clean", "light", "heavy")  # 非黑臭 / 轻度黑臭 / 重度黑臭, worst last
CLASS_TITLES = {"clean": ("非黑臭", "Not black-odorous"), "light": ("轻度黑臭", "Lightly black-odorous"),
                "heavy": ("重度黑臭", "Heavily black-odorous"), "none": ("无监测", "No sampling")}  # fmt: skip
CLASS_COLORS = {"clean": "#1a9850", "light": "#fdae61", "heavy": "#000000", "none": "#9e9e9e"}
STAGE_TITLES = {
    "planning": ("方案制定", "Plan drafted"),
    "remediating": ("治理中", "Under remediation"),
    "completed": ("完成治理", "Works completed"),
    "effective": ("初见成效", "Showing results"),
    "sustained": ("长制久清", "Sustained clean"),
    "relapsed": ("反弹", "Relapsed"),
}
EVENT_STATUS_TITLES = {
    "pending": ("待审核", "Pending review"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已退回", "Rejected"),
    "system": ("系统", "System"),
    "withdrawn": ("已撤销（反弹）", "Withdrawn (relapse)"),
}
MIN_POINTS = 3


@dataclass(frozen=True)
class Indicator:
    column: str
    zh: str
    en: str
    unit: str
    low: float  # plausible range of a measurement (outside: a typing error)
    high: float
    aliases: tuple[str, ...]

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


INDICATORS = (
    Indicator("transparency_cm", "透明度", "Transparency", "cm", 0, 500, ("透明度", "transparency", "sd")),
    Indicator("dissolved_oxygen_mg_l", "溶解氧", "Dissolved oxygen", "mg/L", 0, 20, ("溶解氧", "do", "dissolved_oxygen")),
    Indicator("orp_mv", "氧化还原电位", "ORP", "mV", -1000, 1000, ("氧化还原电位", "orp")),
    Indicator("nh3n_mg_l", "氨氮", "NH3-N", "mg/L", 0, 200, ("氨氮", "nh3-n", "nh3n", "nh3_n", "ammonia")),
)  # fmt: skip
BY_COLUMN = {i.column: i for i in INDICATORS}
ROUND_COLUMNS = ("point_no", "lon", "lat", *BY_COLUMN, "sampler")
OTHER_ALIASES = {
    "point_no": ("点位", "点位编号", "点位号", "监测点", "point", "point_no", "no"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "sampler": ("采样人", "采样员", "sampler"),
}
FIELD_TITLES = {
    "point_no": ("点位编号", "point number"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "sampler": ("采样人", "sampler"),
    **{i.column: (i.zh, i.en) for i in INDICATORS},
}
IMAGE_TYPES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
PDF_TYPE = "application/pdf"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stage_title(stage: str | None, lang: str) -> str:
    zh, en = STAGE_TITLES.get(str(stage), (str(stage), str(stage)))
    return zh if lang == "zh" else en


def class_title(cls: str | None, lang: str) -> str:
    zh, en = CLASS_TITLES.get(str(cls) if cls else "none", (str(cls), str(cls)))
    return zh if lang == "zh" else en


# -- classification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """The guide's limits (settings `water.*`)."""

    transparency_light_cm: float = 25.0
    transparency_heavy_cm: float = 10.0
    do_light_mg_l: float = 2.0
    do_heavy_mg_l: float = 0.2
    orp_light_mv: float = 50.0
    orp_heavy_mv: float = -200.0
    nh3n_light_mg_l: float = 8.0
    nh3n_heavy_mg_l: float = 15.0

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> Thresholds:
        return cls(**{k: float(values[f"water.{k}"]) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Finding:
    """One indicator's class with its reason in both languages ("氨氮 16.2 > 15 mg/L → 重度黑臭")."""

    column: str
    cls: str
    zh: str
    en: str


def _num(v: float) -> str:
    return f"{v:g}"


def _edges(column: str, th: Thresholds) -> tuple[float, float, bool]:
    """An indicator's (heavy, light) limits and whether a higher value is worse."""
    if column == "nh3n_mg_l":
        return th.nh3n_heavy_mg_l, th.nh3n_light_mg_l, True
    heavy, light = {
        "transparency_cm": (th.transparency_heavy_cm, th.transparency_light_cm),
        "dissolved_oxygen_mg_l": (th.do_heavy_mg_l, th.do_light_mg_l),
        "orp_mv": (th.orp_heavy_mv, th.orp_light_mv),
    }[column]
    return heavy, light, False


# (operator, which limit) of a class's reason, for an indicator where higher / lower is worse.
_REASON_OPS = {
    True: {"heavy": (">", 0), "light": ("≥", 1), "clean": ("<", 1)},
    False: {"heavy": ("<", 0), "light": ("≤", 1), "clean": (">", 1)},
}


def _finding_texts(column: str, value: float, cls: str, th: Thresholds) -> tuple[str, str]:
    """ "氨氮 16.2 > 15 mg/L → 重度黑臭" and its English, for a value of `column` found `cls`."""
    ind = BY_COLUMN[column]
    heavy, light, higher_worse = _edges(column, th)
    op, which = _REASON_OPS[higher_worse][cls]
    limit = (heavy, light)[which]
    zh = f"{ind.zh} {_num(value)} {op} {_num(limit)} {ind.unit} → {CLASS_TITLES[cls][0]}"
    en = f"{ind.en} {_num(value)} {op} {_num(limit)} {ind.unit} → {CLASS_TITLES[cls][1]}"
    return zh, en


def _indicator_ranks(column: str, values: np.ndarray, th: Thresholds) -> np.ndarray:
    """CLASSES index per value by the guide's edges (light ranges include both ends); −1 where missing."""
    heavy, light, higher_worse = _edges(column, th)
    if higher_worse:
        ranks = np.where(values > heavy, 2, np.where(values >= light, 1, 0))
    else:
        ranks = np.where(values < heavy, 2, np.where(values <= light, 1, 0))
    return np.where(np.isnan(values), -1, ranks)


def classify_indicator(column: str, value: float, th: Thresholds) -> Finding:
    """The class of one measurement, by the guide's edges (light ranges include both ends)."""
    cls = CLASSES[max(0, int(_indicator_ranks(column, np.array([float(value)]), th)[0]))]
    zh, en = _finding_texts(column, value, cls, th)
    return Finding(column, cls, zh, en)


def worst(classes: list[str]) -> str:
    """The worst of some classes (clean < light < heavy); clean when there are none."""
    return max(classes, key=CLASSES.index) if classes else "clean"


@dataclass(frozen=True)
class PointResult:
    cls: str
    findings: tuple[Finding, ...]

    def reason(self, lang: str) -> str:
        """The findings that decided the class ("; "-joined), or why it is clean."""
        decisive = [f for f in self.findings if f.cls == self.cls]
        if self.cls == "clean":
            return CLEAN_REASON[0] if lang == "zh" else CLEAN_REASON[1]
        return "；".join(f.zh for f in decisive) if lang == "zh" else "; ".join(f.en for f in decisive)


def classify_point(values: dict[str, float], th: Thresholds) -> PointResult:
    """A point's class: the worst of its indicators (a missing value is left out)."""
    findings = tuple(
        classify_indicator(c, float(values[c]), th)
        for c in BY_COLUMN
        if values.get(c) is not None and not (isinstance(values[c], float) and math.isnan(values[c]))
    )
    return PointResult(worst([f.cls for f in findings]), findings)


def classify_body(points: list[PointResult]) -> str:
    """A body's class in one round: the worst of its points."""
    return worst([p.cls for p in points])


CLEAN_REASON = ("四项指标均未达黑臭阈值 → 非黑臭", "no indicator in a black-odorous range")


def classify_points(values: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """`classify_point` for every row at once (same classes, same reasons): columns cls, reason_zh, reason_en.

    At 7,500 bodies a sample row at a time took ≈ 28 µs — seconds for a page's first view.
    """
    ranks = {c: _indicator_ranks(c, pd.to_numeric(values[c], errors="coerce").to_numpy(float), th) for c in BY_COLUMN}
    point = np.maximum.reduce(list(ranks.values())).clip(min=0)
    cls = np.asarray(CLASSES, dtype=object)[point]
    zh = np.full(len(values), CLEAN_REASON[0], dtype=object)
    en = np.full(len(values), CLEAN_REASON[1], dtype=object)
    parts_zh: dict[int, list[str]] = {}
    parts_en: dict[int, list[str]] = {}
    for column, rank in ranks.items():  # the decisive findings, in the indicators' order
        rows = np.flatnonzero((rank == point) & (point > 0))
        for row, value in zip(rows, values[column].to_numpy()[rows], strict=True):
            text_zh, text_en = _finding_texts(column, float(value), cls[row], th)
            parts_zh.setdefault(row, []).append(text_zh)
            parts_en.setdefault(row, []).append(text_en)
    for row, texts in parts_zh.items():
        zh[row] = "；".join(texts)
        en[row] = "; ".join(parts_en[row])
    return pd.DataFrame({"cls": cls, "reason_zh": zh, "reason_en": en}, index=values.index)


def thresholds(store: Store, as_of: date | datetime | None = None) -> Thresholds:
    return Thresholds.from_settings(current_settings(store, as_of))


# -- reading ---------------------------------------------------------------------------------------


def _spec() -> Any:
    import layers  # looked up inside: geo never imports the registry at import time

    return layers.get_spec(LAYER)


def _moment(as_of: date | datetime | None) -> datetime | None:
    return history.as_of_moment(as_of)


def _known(alias: str, moment: datetime | None) -> str:
    """SQL: a water_samples row known at `$as_of` (sampled by then and recorded by then)."""
    if moment is None:
        return "true"
    return (
        f"{alias}.sampled_on <= CAST($as_of AS DATE) AND ({alias}.recorded_at IS NULL OR {alias}.recorded_at <= $as_of)"
    )


def samples(
    store: Store, body_id: str | None = None, as_of: date | datetime | None = None, latest_round_only: bool = False
) -> pd.DataFrame:
    """Sample rows (one per point per round), with each point's class and reason, oldest round first.

    `latest_round_only`: each body's newest round only (known at `as_of`) — what the overview needs;
    at 7,500 bodies that is 30,000 of 480,000 rows.
    """
    moment = _moment(as_of)
    params: dict[str, Any] = {"body": body_id}
    if moment is not None:
        params["as_of"] = moment
    latest = ""
    if latest_round_only:
        latest = (
            "JOIN (SELECT t.water_body_id, max(t.sampled_on) AS last_on FROM water_samples AS t WHERE "  # noqa: S608 - constant text
            + _known("t", moment)
            + " GROUP BY t.water_body_id) AS m ON m.water_body_id = s.water_body_id AND s.sampled_on = m.last_on "
        )
    sql = (
        "SELECT s.water_body_id, s.sampled_on, s.point_no, s.lon, s.lat, s.transparency_cm, "
        "s.dissolved_oxygen_mg_l, s.orp_mv, s.nh3n_mg_l, s.sampler, s.recorded_by, s.recorded_at, s.source "
        "FROM water_samples AS s "
        + latest
        + "WHERE ($body IS NULL OR s.water_body_id = $body) AND "
        + _known("s", moment)
        + " ORDER BY s.water_body_id, s.sampled_on, s.point_no"
    )
    frame = store.query(sql, params)  # noqa: S608 - the conditions are this module's constant text
    found = classify_points(frame[list(BY_COLUMN)], thresholds(store, as_of))
    frame["cls"] = found["cls"].to_numpy()
    frame["reason_zh"] = found["reason_zh"].to_numpy()
    frame["reason_en"] = found["reason_en"].to_numpy()
    return frame


def rounds(sample_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (body, round date): points, the body's class and the decisive points' reasons."""
    columns = ["water_body_id", "sampled_on", "points", "cls", "reason_zh", "reason_en"]
    if sample_rows.empty:
        return pd.DataFrame(columns=columns)
    keys = ["water_body_id", "sampled_on"]
    rank = sample_rows["cls"].map(CLASSES.index)
    worst_rank = rank.groupby([sample_rows[k] for k in keys], sort=False).transform("max")
    out = (
        sample_rows.assign(_rank=rank)
        .groupby(keys, sort=True)
        .agg(points=("point_no", "size"), _rank=("_rank", "max"))
        .reset_index()
    )
    out["cls"] = np.asarray(CLASSES, dtype=object)[out["_rank"].to_numpy()]
    # The points whose class is the body's, in point order (the rows come sorted), when it is not clean.
    decisive = sample_rows[(rank == worst_rank) & (rank > 0)]
    point = decisive["point_no"].astype(int).astype(str)
    texts = pd.DataFrame(
        {
            "zh": "点位" + point + "：" + decisive["reason_zh"].astype(str),
            "en": "point " + point + ": " + decisive["reason_en"].astype(str),
        }
    )
    joined = pd.DataFrame(
        {
            "reason_zh": texts["zh"].groupby([decisive[k] for k in keys], sort=False).agg("；".join),
            "reason_en": texts["en"].groupby([decisive[k] for k in keys], sort=False).agg("; ".join),
        }
    )
    out = out.merge(joined, left_on=keys, right_index=True, how="left")
    clean = out["cls"] == "clean"
    n = out["points"].astype(str)
    out["reason_zh"] = out["reason_zh"].where(~clean, "全部 " + n + " 个点位均非黑臭")
    out["reason_en"] = out["reason_en"].where(~clean, "all " + n + " points clean")
    return out[columns].reset_index(drop=True)


def _events(store_or_session: Any, body_id: str | None, moment: datetime | None) -> pd.DataFrame:
    params: dict[str, Any] = {"body": body_id, "as_of": moment}
    return store_or_session.query(
        "SELECT event_id, water_body_id, from_stage, to_stage, note, proposed_by, proposed_at, base_version, "
        "CASE WHEN decided_at IS NOT NULL AND $as_of IS NOT NULL AND decided_at > $as_of THEN 'pending' "
        "ELSE status END AS status, "
        "CASE WHEN $as_of IS NULL OR decided_at <= $as_of THEN decided_by END AS decided_by, "
        "CASE WHEN $as_of IS NULL OR decided_at <= $as_of THEN decided_at END AS decided_at, "
        "CASE WHEN $as_of IS NULL OR decided_at <= $as_of THEN decision_reason END AS decision_reason, round_date "
        "FROM water_stage_events WHERE ($body IS NULL OR water_body_id = $body) "  # noqa: S608
        "AND ($as_of IS NULL OR proposed_at <= $as_of) ORDER BY proposed_at, event_id",
        params,
    )


def _info(store: Store, moment: datetime | None) -> pd.DataFrame:
    cols = "water_body_id, responsible_unit, river_chief, completed_on, valid_from, changed_by"
    source = history.source(tables.INFO, moment, cols)
    return store.query(
        f"SELECT {cols} FROM {source} AS i",  # noqa: S608 - constant names
        {"as_of": moment} if moment is not None else None,
    )


def bodies(store: Store, as_of: date | datetime | None = None, body_id: str | None = None) -> gpd.GeoDataFrame:
    """Every listed body (now or as of a date) with its record, latest round, class and pending proposal.

    Columns: the layer's fields, `version`, `responsible_unit`, `river_chief`, `completed_on`,
    `latest_round`, `cls` (class of the latest round, "none" without one), `reason_zh/en`,
    `pending_stage` (the stage a proposal awaiting review asks for, else None), geometry.
    `body_id`: that body's row only (a body's record), read without the other bodies' rows.
    """
    moment = _moment(as_of)
    frame = store_features.read_layer(store, _spec(), as_of=as_of, with_versions=True, feature_id=body_id)
    info = _info(store, moment).drop(columns=["valid_from", "changed_by"])
    frame = frame.merge(info, left_on="id", right_on="water_body_id", how="left").drop(columns="water_body_id")
    by_round = rounds(samples(store, body_id, as_of=as_of, latest_round_only=True))  # one round a body: its latest
    latest = by_round.set_index("water_body_id")
    frame["latest_round"] = frame["id"].map(latest["sampled_on"]) if len(latest) else None
    frame["cls"] = frame["id"].map(latest["cls"]).fillna("none") if len(latest) else "none"
    for col in ("reason_zh", "reason_en"):
        frame[col] = frame["id"].map(latest[col]) if len(latest) else None
    events = _events(store, body_id, moment)
    pending = events[events["status"] == "pending"].groupby("water_body_id")["to_stage"].last()
    frame["pending_stage"] = frame["id"].map(pending) if len(pending) else None
    frame["pending_stage"] = frame["pending_stage"].astype(object).where(frame["pending_stage"].notna(), None)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)


def filter_bodies(
    frame: pd.DataFrame,
    towns: list[str] | None = None,
    systems: list[str] | None = None,
    stages: list[str] | None = None,
    classes: list[str] | None = None,
) -> pd.DataFrame:
    """The bodies in the chosen 街镇, 水系, stages and classes (an empty choice keeps all)."""
    keep = pd.Series(True, index=frame.index)
    for column, chosen in (("town", towns), ("river_system", systems), ("stage", stages), ("cls", classes)):
        if chosen:
            keep &= frame[column].isin(chosen)
    return frame[keep]


def stage_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many bodies are at each stage (every stage listed, 0 when none), plus `pending`."""
    counts = {s: int((frame["stage"] == s).sum()) for s in STAGES}
    counts["pending"] = int(frame["pending_stage"].notna().sum()) if "pending_stage" in frame else 0
    return counts


def counts_by_listing_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Bodies per year of listing (rows) and stage (columns, in the lifecycle's order)."""
    table = pd.crosstab(frame["listed_year"], frame["stage"])
    return table.reindex(columns=[s for s in STAGES if s in table.columns]).fillna(0).astype(int)


def quarter_ends(start: date, end: date) -> list[date]:
    """The last day of every quarter from `start`'s quarter up to `end` (inclusive when `end` is one)."""
    out = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        month = quarter * 3
        last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
        if last > end:
            return out
        out.append(last)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def quarterly_stage_counts(store: Store, start: date, end: date) -> pd.DataFrame:
    """How many bodies were at each stage at the end of each quarter (rows: quarter end, columns: stage)."""
    spec = _spec()
    cols = "id, stage, valid_from"
    rows = []
    with store.session() as s:
        for day in quarter_ends(start, end):
            moment = history.as_of_moment(day)
            src = history.as_of_source(spec.name, cols)
            found = s.query(f"SELECT stage, count(*) AS n FROM {src} AS b GROUP BY stage", {"as_of": moment})  # noqa: S608
            counts = dict(zip(found["stage"], found["n"], strict=True))
            rows.append({"quarter_end": day, **{st: int(counts.get(st, 0)) for st in STAGES}})
    return pd.DataFrame(rows, columns=["quarter_end", *STAGES])


def relapsed(store: Store, as_of: date | datetime | None = None) -> pd.DataFrame:
    """The bodies at 反弹 (for the 一张图 and the officials): id, name, town, since, the round that re-listed it,
    its class in that round (`cls`) and why."""
    frame = bodies(store, as_of)
    frame = pd.DataFrame(frame[frame["stage"] == "relapsed"].drop(columns="geometry"))
    return frame[["id", "name", "town", "river_system", "valid_from", "latest_round", "cls", "reason_zh", "reason_en"]]


@dataclass
class BodyRecord:
    """Everything the record of one body shows."""

    body: dict[str, Any]
    points: pd.DataFrame
    samples: pd.DataFrame
    rounds: pd.DataFrame
    events: pd.DataFrame
    evidence: pd.DataFrame
    audit: pd.DataFrame
    thresholds: Thresholds = field(default_factory=Thresholds)


def body_record(store: Store, body_id: str, as_of: date | datetime | None = None) -> BodyRecord:
    """One body's record: attributes, sampling points, rounds with classes, stage timeline, evidence, audit."""
    moment = _moment(as_of)
    with store.reading():  # a dozen small reads on one connection
        return _body_record(store, body_id, as_of, moment)


def _body_record(store: Store, body_id: str, as_of: date | datetime | None, moment: datetime | None) -> BodyRecord:
    chosen = bodies(store, as_of, body_id=body_id)
    if chosen.empty:
        raise PortalError(f"没有水体 {body_id}", f"no water body {body_id}")
    body = chosen.iloc[0].to_dict()
    point_rows = store.query(
        "SELECT point_no, lon, lat FROM water_points WHERE water_body_id = $b "  # noqa: S608
        "AND ($as_of IS NULL OR created_at <= $as_of) ORDER BY point_no",
        {"b": body_id, "as_of": moment},
    )
    sample_rows = samples(store, body_id, as_of)
    events = _events(store, body_id, moment)
    evidence = store.query(
        "SELECT evidence_id, event_id, file_name, media_type, size_bytes, sha256, uploaded_by, uploaded_at "  # noqa: S608
        "FROM water_evidence WHERE event_id IN (SELECT event_id FROM water_stage_events WHERE water_body_id = $b) "
        "AND ($as_of IS NULL OR uploaded_at <= $as_of) ORDER BY evidence_id",
        {"b": body_id, "as_of": moment},
    )
    log = audit.entries(store, entity=body_id, until=moment.date() if moment else None)
    log = log[log["entity_id"] == body_id]
    return BodyRecord(
        body, point_rows, sample_rows, rounds(sample_rows), events, evidence, log, thresholds(store, as_of)
    )


def evidence_file(store: Store, evidence_id: int) -> tuple[str, str, bytes]:
    """(file name, media type, content) of one evidence file."""
    row = store.query(
        "SELECT file_name, media_type, content FROM water_evidence WHERE evidence_id = ?",  # noqa: S608
        [int(evidence_id)],
    )
    if row.empty:
        raise PortalError(f"没有证明材料 {evidence_id}", f"no evidence file {evidence_id}")
    return str(row["file_name"].iloc[0]), str(row["media_type"].iloc[0]), bytes(row["content"].iloc[0])


def data_as_of(store: Store) -> date:
    """The latest day any water record changed (a body version, a round, a decision): the 数据截至 date."""
    day = store.scalar(
        "SELECT max(d) FROM (SELECT max(CAST(valid_from AS DATE)) AS d FROM water_bodies "
        "UNION ALL SELECT max(coalesce(CAST(recorded_at AS DATE), sampled_on)) FROM water_samples "
        "UNION ALL SELECT max(CAST(decided_at AS DATE)) FROM water_stage_events)"  # noqa: S608
    )
    return day if isinstance(day, date) else date.today()


def public_list(store: Store) -> tuple[pd.DataFrame, date]:
    """What the public sees (公示): name, place, 责任单位/河长, stage, completion date; the 数据截至 date.

    Nothing internal: no samplers, no pending proposals, no evidence. The stage is the approved one.
    """
    frame = bodies(store)
    public = pd.DataFrame(
        {
            "id": frame["id"],
            "name": frame["name"],
            "town": frame["town"],
            "river_system": frame["river_system"],
            "responsible_unit": frame["responsible_unit"],
            "river_chief": frame["river_chief"],
            "stage": frame["stage"],
            "completed_on": frame["completed_on"],
        }
    )
    return public, data_as_of(store)


# -- input checks ----------------------------------------------------------------------------------


def _row_problem(row: int | None, column: str, zh: str, en: str) -> Problem:
    t_zh, t_en = FIELD_TITLES.get(column, (column, column))
    if row is None:
        return Problem(f"{t_zh}: {zh}", f"{t_en}: {en}")
    return Problem(f"第 {row} 行 {t_zh}: {zh}", f"row {row} {t_en}: {en}")


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return math.nan
    return number


def _header_key(text: str) -> str:
    """A header reduced to its name: units in brackets, spaces and case dropped ("透明度(cm)" → "透明度")."""
    plain = re.sub(r"[（(\[【].*?[)）\]】]", "", str(text)).strip().casefold()
    return plain.replace(" ", "")


def _column_for(header: str) -> str | None:
    key = _header_key(header)
    for ind in INDICATORS:
        if key == ind.column or key in ind.aliases:
            return ind.column
    for column, aliases in OTHER_ALIASES.items():
        if key in aliases:
            return column
    return None


def read_round_file(name: str, data: bytes) -> pd.DataFrame:
    """A round's points from a CSV (UTF-8 or GBK) or XLSX with Chinese or English headers.

    Headers map to `ROUND_COLUMNS` (透明度 / 溶解氧 / 氧化还原电位 / 氨氮 / 点位 / 经度 / 纬度 / 采样人,
    units in brackets ignored); the four indicators and the point number are required.
    """
    lower = name.lower()
    if lower.endswith(".xlsx"):
        try:
            table = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        except (ValueError, KeyError, OSError) as exc:
            raise InputError(
                name, [Problem(f"无法读取 Excel 文件：{exc}", f"cannot read the Excel file: {exc}")]
            ) from None
    elif lower.endswith(".csv"):
        text = decode_text(data)
        if text is None:
            raise InputError(name, [Problem(*UNKNOWN_ENCODING)])
        try:
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            raise InputError(name, [Problem(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}")]) from None
    else:
        raise InputError(name, [Problem("只接受 CSV 或 XLSX 文件", "only CSV or XLSX files are accepted")])
    renamed = {}
    for header in table.columns:
        column = _column_for(str(header))
        if column and column not in renamed.values():
            renamed[header] = column
    table = table.rename(columns=renamed)
    required = ["point_no", *BY_COLUMN]
    missing = [c for c in required if c not in table.columns]
    if missing:
        problems = [
            Problem(f"缺少列 {FIELD_TITLES[c][0]}", f"missing column {FIELD_TITLES[c][1]}", field=FIELD_TITLES[c][0])
            for c in missing
        ]
        raise InputError(name, problems)
    for column in ROUND_COLUMNS:
        if column not in table.columns:
            table[column] = None
    return table[list(ROUND_COLUMNS)].replace({"": None})


def check_round(
    points: pd.DataFrame,
    sampled_on: date,
    *,
    body_geometry: Any,
    listed_year: int | None,
    stored_points: dict[int, tuple[float, float]],
    max_distance_m: float,
    today: date,
    source: str = "采样记录",
) -> pd.DataFrame:
    """The round's points checked and completed (positions from stored points); `InputError` listing each problem.

    Rows are numbered from 1 as the user sees them. Refused: a date in the future or before the body
    was listed, fewer than 3 points, duplicate point numbers, a missing or implausible value, a point
    without a position or more than `max_distance_m` from the body.
    """
    problems: list[Problem] = []
    if sampled_on > today:
        problems.append(_row_problem(None, "sampled_on", "", ""))
        problems[-1] = Problem(
            f"采样日期 {sampled_on} 晚于今天（{today}）", f"sampling date {sampled_on} is after today ({today})"
        )
    if listed_year and sampled_on < date(int(listed_year), 1, 1):
        problems.append(
            Problem(
                f"采样日期 {sampled_on} 早于列入清单的年份 {listed_year}",
                f"sampling date {sampled_on} is before the body was listed ({listed_year})",
            )
        )
    points = points.reset_index(drop=True)
    if len(points) < MIN_POINTS:
        problems.append(
            Problem(
                f"一轮采样至少需要 {MIN_POINTS} 个点位，只有 {len(points)} 个",
                f"a round needs at least {MIN_POINTS} points, got {len(points)}",
            )
        )
    clean_rows = []
    seen: dict[int, int] = {}
    body_m = gpd.GeoSeries([body_geometry], crs=STORAGE_CRS).to_crs(MEASURE_CRS).iloc[0]
    for i, row in enumerate(points.to_dict("records"), start=1):
        out: dict[str, Any] = {}
        no = _number(row.get("point_no"))
        if no is None or math.isnan(no) or not float(no).is_integer() or no < 1:
            problems.append(_row_problem(i, "point_no", f"应为正整数，不能是 {row.get('point_no')!r}",
                                         f"must be a positive whole number, not {row.get('point_no')!r}"))  # fmt: skip
            continue
        no = int(no)
        if no in seen:
            problems.append(
                _row_problem(i, "point_no", f"点位 {no} 与第 {seen[no]} 行重复", f"point {no} repeats row {seen[no]}")
            )
            continue
        seen[no] = i
        out["point_no"] = no
        for ind in INDICATORS:
            value = _number(row.get(ind.column))
            if value is None:
                problems.append(_row_problem(i, ind.column, "缺少数值", "no value"))
            elif math.isnan(value) or not math.isfinite(value):
                problems.append(_row_problem(i, ind.column, f"应为数字，不能是 {row.get(ind.column)!r}",
                                             f"must be a number, not {row.get(ind.column)!r}"))  # fmt: skip
            elif not ind.low <= value <= ind.high:
                problems.append(
                    _row_problem(
                        i,
                        ind.column,
                        f"{_num(value)} {ind.unit} 超出合理范围 {_num(ind.low)}–{_num(ind.high)} {ind.unit}",
                        f"{_num(value)} {ind.unit} is outside the plausible range {_num(ind.low)}–{_num(ind.high)} {ind.unit}",
                    )
                )
            out[ind.column] = value
        lon, lat = _number(row.get("lon")), _number(row.get("lat"))
        if lon is None and lat is None and no in stored_points:
            lon, lat = stored_points[no]
        if lon is None or lat is None or math.isnan(lon) or math.isnan(lat):
            problems.append(_row_problem(i, "lon", "缺少位置（地图点选、输入经纬度或选用已有点位）",
                                         "no position (click the map, type lon/lat or pick a stored point)"))  # fmt: skip
        elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(_row_problem(i, "lon", f"经纬度 {lon}, {lat} 无效", f"lon/lat {lon}, {lat} is not valid"))
        else:
            where = gpd.GeoSeries([shapely.Point(lon, lat)], crs=STORAGE_CRS).to_crs(MEASURE_CRS).iloc[0]
            distance = where.distance(body_m)
            if distance > max_distance_m:
                problems.append(
                    _row_problem(
                        i,
                        "lon",
                        f"点位距水体 {distance / 1000:.1f} km，超过 {max_distance_m / 1000:g} km",
                        f"the point is {distance / 1000:.1f} km from the body, more than {max_distance_m / 1000:g} km",
                    )
                )
            out["lon"], out["lat"] = round(float(lon), 6), round(float(lat), 6)
        sampler = row.get("sampler")
        out["sampler"] = (
            None
            if sampler is None or (isinstance(sampler, float) and math.isnan(sampler))
            else str(sampler).strip() or None
        )
        clean_rows.append(out)
    if problems:
        raise InputError(source, problems)
    return pd.DataFrame(clean_rows)


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    data: bytes


def evidence_type(data: bytes) -> str | None:
    """The media type of a photo (JPEG/PNG) or PDF by its first bytes; None for anything else."""
    for media, magics in IMAGE_TYPES.items():
        if any(data.startswith(m) for m in magics):
            return media
    if data.startswith(b"%PDF-"):
        return PDF_TYPE
    return None


def check_evidence(files: list[EvidenceFile], max_mb: float) -> list[tuple[EvidenceFile, str, str]]:
    """(file, media type, SHA-256) of each file; `InputError` for a file that is no JPEG/PNG/PDF or too big."""
    problems, checked = [], []
    for f in files:
        media = evidence_type(f.data)
        if media is None:
            problems.append(
                Problem(
                    f"{f.name}: 内容不是 JPEG/PNG 图片或 PDF（按文件内容判断，与扩展名无关）",
                    f"{f.name}: the content is not a JPEG/PNG photo or a PDF (judged by content, not name)",
                )
            )
            continue
        if len(f.data) > max_mb * 1024 * 1024:
            problems.append(
                Problem(
                    f"{f.name}: {len(f.data) / 1024 / 1024:.1f} MB，超过上限 {max_mb:g} MB",
                    f"{f.name}: {len(f.data) / 1024 / 1024:.1f} MB is over the {max_mb:g} MB limit",
                )
            )
            continue
        checked.append((f, media, hashlib.sha256(f.data).hexdigest()))
    if problems:
        raise InputError("证明材料 / evidence", problems)
    return checked


# -- lifecycle preconditions ------------------------------------------------------------------------


def months_between(start: date, end: date) -> float:
    """Calendar months from `start` to `end` (15 Feb → 15 Aug is 6.0), the days beyond as 31sts of a month."""
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 31


def sustained_ready(body_rounds: pd.DataFrame, n_rounds: int, months: float) -> tuple[bool, str, str]:
    """Whether the latest rounds are `n_rounds` or more consecutive clean ones spanning ≥ `months` months."""
    ordered = body_rounds.sort_values("sampled_on")
    run: list[date] = []
    for day, cls in zip(reversed(list(ordered["sampled_on"])), reversed(list(ordered["cls"])), strict=True):
        if cls != "clean":
            break
        run.append(pd.Timestamp(day).date())
    span = months_between(run[-1], run[0]) if run else 0.0
    if len(run) >= n_rounds and span >= months:
        return True, "", ""
    return (
        False,
        f"长制久清需最近连续 {n_rounds} 轮非黑臭且跨度不少于 {months:g} 个月；目前连续 {len(run)} 轮，跨度 {span:.1f} 个月",
        f"长制久清 needs the latest {n_rounds} rounds clean in a row over at least {months:g} months; "
        f"now {len(run)} rounds over {span:.1f} months",
    )


def completed_ready(body_samples: pd.DataFrame) -> tuple[bool, str, str]:
    """Whether the latest round is non-black-odorous at every point (完成治理's precondition)."""
    if body_samples.empty:
        return False, "完成治理需要至少一轮采样", "完成治理 needs at least one sampling round"
    latest = body_samples["sampled_on"].max()
    last = body_samples[body_samples["sampled_on"] == latest]
    bad = last[last["cls"] != "clean"]
    if bad.empty:
        return True, "", ""
    which = "、".join(str(int(p)) for p in bad["point_no"])
    return (
        False,
        f"完成治理需要最近一轮（{pd.Timestamp(latest).date()}）每个点位均非黑臭；点位 {which} 仍为黑臭",
        f"完成治理 needs every point of the latest round ({pd.Timestamp(latest).date()}) clean; point(s) {which} are not",
    )


# -- writes ------------------------------------------------------------------------------------------


def _body_state(session: Session, body_id: str) -> dict[str, Any]:
    state = store_features.feature_state(session, _spec(), body_id)
    if state is None:
        raise PortalError(f"没有水体 {body_id}", f"no water body {body_id}")
    return state


def _check_version(state: dict[str, Any], body_id: str, base_version: int) -> None:
    if int(state["version"]) != int(base_version):
        when = pd.Timestamp(state["valid_from"]).strftime("%Y-%m-%d %H:%M")
        raise store_features.VersionConflict(
            f"水体 {body_id} 已被 {state['changed_by']} 于 {when} 修改（当前第 {state['version']} 版，你基于第 "
            f"{base_version} 版），未保存；请刷新后重做",
            f"water body {body_id} was changed by {state['changed_by']} at {when} (now version {state['version']}, "
            f"yours was based on version {base_version}); nothing was saved: reload and redo",
        )


def _set_stage(session: Session, body_id: str, stage: str, now: datetime, by: str) -> dict[str, Any]:
    """A new version of the body's feature with `stage` (the 一张图 and as-of reads follow)."""
    spec = _spec()
    state = _body_state(session, body_id)
    fields = ", ".join(spec.field_names)
    row = session.execute(
        f"SELECT {fields}, ST_AsWKB(geom) FROM {spec.name} WHERE id = ?",  # noqa: S608 - registry names
        [body_id],
    ).fetchone()
    values = dict(zip(spec.field_names, row[:-1], strict=True))
    values["stage"] = stage
    frame = gpd.GeoDataFrame(
        {"id": [body_id], **{k: [v] for k, v in values.items()}},
        geometry=[shapely.from_wkb(bytes(row[-1]))],
        crs=STORAGE_CRS,
    )
    _, after = store_features.edit_feature(session, spec, frame, int(state["version"]), now, by)
    return after


def _round_table(session: Session, body_id: str, th: Thresholds) -> pd.DataFrame:
    frame = session.query(
        "SELECT water_body_id, sampled_on, point_no, transparency_cm, dissolved_oxygen_mg_l, orp_mv, nh3n_mg_l "
        "FROM water_samples WHERE water_body_id = ? ORDER BY sampled_on, point_no",
        [body_id],
    )
    results = [classify_point(r, th) for r in frame[list(BY_COLUMN)].to_dict("records")]
    frame["cls"] = [r.cls for r in results]
    frame["reason_zh"] = [r.reason("zh") for r in results]
    frame["reason_en"] = [r.reason("en") for r in results]
    return frame


@dataclass(frozen=True)
class RoundResult:
    body_id: str
    sampled_on: date
    cls: str
    reason_zh: str
    reason_en: str
    relapsed: bool
    points: int


@writes("water.round", "water_editor")
def record_round(
    store: Store,
    actor: Actor,
    body_id: str,
    sampled_on: date,
    points: pd.DataFrame,
    sampler: str | None = None,
    now: datetime | None = None,
    today: date | None = None,
    source: str = "采样记录",
) -> RoundResult:
    """Save one sampling round of a body (≥ 3 checked points) in one transaction, audited.

    Points without a position take the body's stored point of that number; a new point number with a
    position becomes a stored point. When the round finds a body at 完成治理 or later black-odorous,
    the body is re-listed as 反弹 in the same transaction (audited as the system acting on this round)
    and any proposal awaiting review is withdrawn.
    """
    # "Today" is the calendar day of the server's users (the form offers the same), not UTC's; a caller
    # naming the moment of the write (tests, replays) names its day too.
    today = today or (now.date() if now else date.today())
    now = now or _now()
    values = current_settings(store)
    th = Thresholds.from_settings(values)
    max_distance = float(values["water.point_max_distance_m"])
    with store.transaction() as s:
        state = _body_state(s, body_id)
        stored = {
            int(r[0]): (float(r[1]), float(r[2]))
            for r in s.execute(
                "SELECT point_no, lon, lat FROM water_points WHERE water_body_id = ?",  # noqa: S608
                [body_id],
            ).fetchall()
        }
        geom_wkb = s.scalar("SELECT ST_AsWKB(geom) FROM water_bodies WHERE id = ?", [body_id])  # noqa: S608
        checked = check_round(
            points,
            sampled_on,
            body_geometry=shapely.from_wkb(bytes(geom_wkb)),
            listed_year=state.get("listed_year"),
            stored_points=stored,
            max_distance_m=max_distance,
            today=today,
            source=source,
        )
        exists = s.scalar(
            "SELECT count(*) FROM water_samples WHERE water_body_id = ? AND sampled_on = ?", [body_id, sampled_on]
        )
        if exists:
            raise InputError(
                source,
                [
                    Problem(
                        f"{body_id} 在 {sampled_on} 已有一轮采样记录", f"{body_id} already has a round on {sampled_on}"
                    )
                ],
            )
        checked["sampler"] = checked["sampler"].where(checked["sampler"].notna(), sampler or None)
        new_points = checked[~checked["point_no"].isin(list(stored))][["point_no", "lon", "lat"]]
        if len(new_points):
            tables.write_points(
                s,
                new_points.assign(water_body_id=body_id)[["water_body_id", "point_no", "lon", "lat"]],
                now,
                actor.username,
            )
        rows = checked.assign(
            water_body_id=body_id, sampled_on=sampled_on, source="portal", recorded_at=now, recorded_by=actor.username
        )
        s.register("incoming_round", rows)
        try:
            s.execute(
                "INSERT INTO water_samples (water_body_id, sampled_on, point_no, transparency_cm, dissolved_oxygen_mg_l, "
                "orp_mv, nh3n_mg_l, source, lon, lat, sampler, recorded_at, recorded_by) "
                "SELECT water_body_id, CAST(sampled_on AS DATE), point_no, transparency_cm, dissolved_oxygen_mg_l, orp_mv, "
                "nh3n_mg_l, source, lon, lat, sampler, recorded_at, recorded_by FROM incoming_round"
            )
        finally:
            s.unregister("incoming_round")
        results = [classify_point(r, th) for r in checked[list(BY_COLUMN)].to_dict("records")]
        cls = classify_body(results)
        decisive = [(int(no), r) for no, r in zip(checked["point_no"], results, strict=True) if r.cls == cls]
        reason_zh = "；".join(f"点位{no}：{r.reason('zh')}" for no, r in decisive)
        reason_en = "; ".join(f"point {no}: {r.reason('en')}" for no, r in decisive)
        if cls == "clean":
            reason_zh, reason_en = f"全部 {len(checked)} 个点位均非黑臭", f"all {len(checked)} points clean"
        after = {
            "sampled_on": sampled_on,
            "points": checked.drop(columns=[]).to_dict("records"),
            "class": cls,
            "reason": reason_zh,
        }
        audit.record(s, actor, "water.round", LAYER, body_id, None, after, now=now)
        relapse = state["stage"] in AT_OR_AFTER_COMPLETION and cls != "clean"
        if relapse:
            _relapse(s, body_id, state, sampled_on, reason_zh, now)
    return RoundResult(body_id, sampled_on, cls, reason_zh, reason_en, relapse, len(checked))


def _relapse(
    session: Session, body_id: str, state: dict[str, Any], sampled_on: date, reason: str, now: datetime
) -> None:
    """Re-list a body as 反弹 (the system acting on a round): new stage version, timeline event, audit."""
    withdrawn = session.execute(
        "UPDATE water_stage_events SET status = 'withdrawn', decided_by = ?, decided_at = ?, decision_reason = ? "  # noqa: S608
        "WHERE water_body_id = ? AND status = 'pending' RETURNING event_id",
        [SYSTEM.username, now, f"{sampled_on} 采样反弹", body_id],
    ).fetchall()
    _set_stage(session, body_id, "relapsed", now, SYSTEM.username)
    note = f"{sampled_on} 采样判定黑臭：{reason}"
    session.execute(
        "INSERT INTO water_stage_events (water_body_id, from_stage, to_stage, note, proposed_by, proposed_at, "  # noqa: S608
        "base_version, status, decided_by, decided_at, decision_reason, round_date) "
        "VALUES (?, ?, 'relapsed', ?, ?, ?, ?, 'system', ?, ?, ?, ?)",
        [
            body_id,
            state["stage"],
            note,
            SYSTEM.username,
            now,
            int(state["version"]),
            SYSTEM.username,
            now,
            note,
            sampled_on,
        ],
    )
    audit.record(
        session,
        SYSTEM,
        "water.relapse",
        LAYER,
        body_id,
        {"stage": state["stage"]},
        {"stage": "relapsed", "round": sampled_on, "withdrawn_proposals": [r[0] for r in withdrawn]},
        now=now,
        reason=note,
    )


def _preconditions(session: Session, body_id: str, to_stage: str, th: Thresholds, values: dict[str, Any]) -> None:
    rows = _round_table(session, body_id, th)
    if to_stage == "completed":
        ok, zh, en = completed_ready(rows)
    elif to_stage == "sustained":
        ok, zh, en = sustained_ready(
            rounds(rows), int(values["water.sustained_rounds"]), float(values["water.sustained_months"])
        )
    else:
        ok, zh, en = True, "", ""
    if not ok:
        raise PortalError(zh, en)


@writes("water.stage.propose", "water_editor")
def propose_stage(
    store: Store,
    actor: Actor,
    body_id: str,
    to_stage: str,
    note: str,
    base_version: int,
    evidence: list[EvidenceFile] | None = None,
    now: datetime | None = None,
) -> int:
    """Propose the body's next stage (with a note; evidence for 完成治理/长制久清); returns the proposal's id.

    Refused: a stage out of the guide's order, no note, missing or bad evidence, an unmet precondition,
    a proposal already awaiting review, or a body changed since `base_version` (`VersionConflict`).
    """
    now = now or _now()
    values = current_settings(store)
    th = Thresholds.from_settings(values)
    note = (note or "").strip()
    if not note:
        raise PortalError("阶段变更需要填写说明", "a stage change needs a note")
    files = check_evidence(list(evidence or []), float(values["water.evidence_max_mb"]))
    if to_stage in NEEDS_EVIDENCE and not files:
        raise PortalError(
            f"变更为{stage_title(to_stage, 'zh')}需要上传证明材料（照片 JPEG/PNG 或 PDF 报告）",
            f"a move to {stage_title(to_stage, 'en')} needs evidence (JPEG/PNG photos or PDF reports)",
        )
    with store.transaction() as s:
        state = _body_state(s, body_id)
        _check_version(state, body_id, base_version)
        current = state["stage"]
        if NEXT_STAGE.get(current) != to_stage:
            allowed = NEXT_STAGE.get(current)
            raise PortalError(
                f"阶段只能按指南顺序变更：{stage_title(current, 'zh')} 之后是 {stage_title(allowed, 'zh') if allowed else '（无）'}，"
                f"不能改为 {stage_title(to_stage, 'zh')}",
                f"stages move only in the guide's order: after {stage_title(current, 'en')} comes "
                f"{stage_title(allowed, 'en') if allowed else '(none)'}, not {stage_title(to_stage, 'en')}",
            )
        pending = s.scalar(
            "SELECT count(*) FROM water_stage_events WHERE water_body_id = ? AND status = 'pending'",  # noqa: S608
            [body_id],
        )
        if pending:
            raise PortalError(
                f"水体 {body_id} 已有待审核的阶段变更申请",
                f"water body {body_id} already has a proposal awaiting review",
            )
        _preconditions(s, body_id, to_stage, th, values)
        event_id = int(
            s.scalar(
                "INSERT INTO water_stage_events (water_body_id, from_stage, to_stage, note, proposed_by, proposed_at, "  # noqa: S608
                "base_version, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING event_id",
                [body_id, current, to_stage, note, actor.username, now, int(state["version"])],
            )
        )
        for f, media, digest in files:
            s.execute(
                "INSERT INTO water_evidence (event_id, file_name, media_type, size_bytes, sha256, content, "  # noqa: S608
                "uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [event_id, f.name, media, len(f.data), digest, f.data, actor.username, now],
            )
        after = {
            "event_id": event_id,
            "from": current,
            "to": to_stage,
            "evidence": [{"name": f.name, "sha256": d, "bytes": len(f.data)} for f, _, d in files],
        }
        audit.record(s, actor, "water.stage.propose", LAYER, body_id, {"stage": current}, after, now=now, reason=note)
    return event_id


@writes("water.stage.decide", "water_reviewer")
def decide_proposal(
    store: Store,
    actor: Actor,
    event_id: int,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> str:
    """Approve (the stage changes) or reject (with a reason) a proposal; returns the body's stage after it.

    Refused: the proposer deciding their own proposal, a proposal no longer awaiting review, a
    rejection without a reason, or — on approval — a body changed since the proposal or a precondition
    no longer met.
    """
    now = now or _now()
    reason = (reason or "").strip()
    values = current_settings(store)
    th = Thresholds.from_settings(values)
    if not approve and not reason:
        raise PortalError("退回申请需要填写原因", "a rejection needs a reason")
    with store.transaction() as s:
        row = s.execute(
            "SELECT water_body_id, from_stage, to_stage, proposed_by, base_version, status, decided_by "  # noqa: S608
            "FROM water_stage_events WHERE event_id = ?",
            [int(event_id)],
        ).fetchone()
        if row is None:
            raise PortalError(f"没有申请 {event_id}", f"no proposal {event_id}")
        body_id, from_stage, to_stage, proposer, base_version, status, decided_by = row
        if status != "pending":
            raise PortalError(
                f"申请 {event_id} 已由 {decided_by} 处理（{EVENT_STATUS_TITLES[status][0]}），不能再审核",
                f"proposal {event_id} was already decided by {decided_by} ({EVENT_STATUS_TITLES[status][1]})",
            )
        if proposer == actor.username:
            raise PermissionDenied(
                "不能审核自己提交的申请，需由另一位水务局审核人员审核",
                "you cannot decide your own proposal: another water bureau reviewer must",
            )
        state = _body_state(s, body_id)
        if approve:
            _check_version(state, body_id, int(base_version))
            _preconditions(s, body_id, to_stage, th, values)
            _set_stage(s, body_id, to_stage, now, actor.username)
            if to_stage == "completed":
                _set_completed_on(s, body_id, now.date(), now, actor.username)
        s.execute(
            "UPDATE water_stage_events SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ? "  # noqa: S608
            "WHERE event_id = ? AND status = 'pending'",
            ["approved" if approve else "rejected", actor.username, now, reason or None, int(event_id)],
        )
        audit.record(
            s,
            actor,
            "water.stage.approve" if approve else "water.stage.reject",
            LAYER,
            body_id,
            {"stage": from_stage, "event_id": int(event_id)},
            {"stage": to_stage if approve else from_stage, "event_id": int(event_id)},
            now=now,
            reason=reason or None,
        )
    return to_stage if approve else from_stage


def _set_completed_on(session: Session, body_id: str, day: date, now: datetime, by: str) -> None:
    row = session.execute(
        "SELECT responsible_unit, river_chief FROM water_body_info WHERE water_body_id = ?",  # noqa: S608
        [body_id],
    ).fetchone()
    history.archive(session, tables.INFO, "water_body_id = $b", {"b": body_id}, now)
    session.execute(
        "INSERT INTO water_body_info VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608
        [body_id, row[0] if row else None, row[1] if row else None, day, now, by],
    )


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max)


def display_spec(colour_by: str = "stage") -> Any:
    """The water layer's spec for the 黑臭水体 map: with the latest class and a pending stage in its
    tooltip and popup, coloured by stage (`"stage"`) or by the latest round's class (`"cls"`)."""
    from dataclasses import replace

    from layers.base import Field

    spec = _spec()
    extra = (
        Field(
            "cls",
            "最新水质",
            "Latest class",
            choices=tuple((c, *CLASS_TITLES[c]) for c in (*CLASSES, "none")),
            in_tooltip=True,
        ),
        Field("pending_stage", "待审核", "Pending review", choices=tuple((s, *STAGE_TITLES[s]) for s in STAGES)),
    )
    style = spec.style
    if colour_by == "cls":
        style = replace(style, category_field="cls", category_colors=tuple(CLASS_COLORS.items()))
    return replace(spec, fields=(*spec.fields, *extra), style=style)
