"""The briefs of the pages that are not about the energy KPIs: 黑臭水体 (water) and 禁燃区规划 (zones).

Each builder gathers the page's own numbers into a `PageBrief`: the map (MapLayer, the page's colours over
the admin boundaries), its tables and the Chinese summary, every figure computed from the store as of the
request's date. `page_brief` picks the builder by the page's `content` code (geo.brief.request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import water, zones
from geo.brief.content import SAMPLE_SOURCE_PREFIX, MapLayer, _layer_spec, last_change_day, sample_data_present
from geo.brief.request import PAGES, BriefRequest
from geo.brief.summary import _names
from geo.crs import MEASURE_CRS, STORAGE_CRS, map_bounds, measures_km
from geo.store import history
from geo.store.db import Store
from geo.store.features import read_layer

SAMPLE_LINE = "注：本简报使用示意数据，数值为程序生成，不代表真实统计。"
# Proposals not (yet) in force, drawn over the zones in force: (title, statuses, colour).
PROPOSAL_GROUPS = (
    ("在审及待施行方案（已提交、已批准待施行）", ("submitted", "approved"), "#7b3294"),
    ("草稿及已退回方案", ("draft", "returned"), "#1b7837"),
)
PENDING_STATUSES = ("draft", "submitted", "returned", "approved")


@dataclass(frozen=True)
class BriefTable:
    """A table of the brief: its heading, a note under it, the rows (the first is the header), the column
    widths as fractions of the frame and how many leading columns are text (the rest right-aligned)."""

    title: str
    rows: list[list[str]]
    widths: tuple[float, ...]
    note: str = ""
    text_cols: int = 1


@dataclass(frozen=True)
class PageBrief:
    """A page's brief (water, zones): what geo.brief.pdf lays out and geo.brief.mapping draws."""

    request: BriefRequest
    page_title: str
    generated_on: date
    data_as_of: date
    sample: bool
    map: MapLayer
    summary: list[str]
    tables: list[BriefTable]
    facts: dict  # the figures of the summary, by name (tests compare them with the store)


def cn_date(day: date) -> str:
    """2026-12-02 → 2026年12月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _pct(part: int | float, whole: int | float) -> str:
    return "—" if not whole else f"{part / whole * 100:.1f}%"


def _admin(store: Store, request: BriefRequest) -> gpd.GeoDataFrame:
    return read_layer(store, _layer_spec("admin_units"), as_of=request.as_of)


def _as_of_day(store: Store, request: BriefRequest, fallback: date | None, today: date) -> date:
    return request.as_of or fallback or last_change_day(store) or today


# -- 黑臭水体 ---------------------------------------------------------------------------------------------


def water_brief(store: Store, request: BriefRequest, today: date) -> PageBrief:
    """The 黑臭水体 brief: the bodies by stage on the map, counts by stage × latest class, the relapses."""
    frame = water.bodies(store, request.as_of)
    admin = _admin(store, request)
    colours = dict(_layer_spec(water.LAYER).style.category_colors)
    features = gpd.GeoDataFrame(
        {"name": frame["name"], "colour": [colours.get(s, "#9e9e9e") for s in frame["stage"]]},
        geometry=frame.geometry.values,
        crs=frame.crs or STORAGE_CRS,
    )
    legend = [(water.stage_title(s, "zh"), colours[s]) for s in water.STAGES]
    as_of_day = _as_of_day(store, request, None if request.as_of else water.data_as_of(store), today)
    layer = MapLayer(
        features, legend, "整治阶段", admin, map_bounds(admin), f"黑臭水体整治阶段 · 截至{cn_date(as_of_day)}"
    )

    counts = water.stage_counts(frame)
    total = len(frame)
    done = sum(counts[s] for s in water.AT_OR_AFTER_COMPLETION)
    relapsed = frame[frame["stage"] == "relapsed"].sort_values("name")
    cls_counts = {c: int((frame["cls"] == c).sum()) for c in (*water.CLASSES, "none")}
    facts = {
        "total": total,
        "done": done,
        "relapsed": len(relapsed),
        "relapsed_names": list(relapsed["name"].astype(str)),
        "stages": {s: counts[s] for s in water.STAGES},
        "pending": counts["pending"],
        "classes": cls_counts,
    }

    lines = []
    head = f"截至{cn_date(as_of_day)}，全区列入清单的黑臭水体{total}条，其中完成治理及以后{done}条（{_pct(done, total)}），"
    if len(relapsed):
        head += f"反弹{len(relapsed)}条：{_names(facts['relapsed_names'])}。"
    else:
        head += "无反弹水体。"
    lines.append(head)
    stage_words = "、".join(f"{water.stage_title(s, 'zh')}{counts[s]}条" for s in water.STAGES)
    lines.append(f"按整治阶段：{stage_words}；另有{counts['pending']}条的阶段变更待审核。")
    monitored = total - cls_counts["none"]
    class_words = "、".join(f"{water.class_title(c, 'zh')}{cls_counts[c]}条" for c in water.CLASSES)
    lines.append(f"按最近一轮水质监测：{monitored}条有监测，其中{class_words}；{cls_counts['none']}条尚无监测记录。")
    heavy_done = frame[frame["stage"].isin(water.AT_OR_AFTER_COMPLETION) & frame["cls"].isin(["light", "heavy"])]
    if len(heavy_done):
        lines.append(
            f"完成治理及以后的水体中，{len(heavy_done)}条最近一轮仍监测为黑臭：{_names(sorted(heavy_done['name']))}。"
        )
    facts["done_but_black"] = len(heavy_done)

    header = ["整治阶段", *(water.class_title(c, "zh") for c in (*water.CLASSES, "none")), "合计", "占比"]
    rows = [header]
    for stage in water.STAGES:
        at = frame[frame["stage"] == stage]
        per = [int((at["cls"] == c).sum()) for c in (*water.CLASSES, "none")]
        rows.append([water.stage_title(stage, "zh"), *map(str, per), str(len(at)), _pct(len(at), total)])
    rows.append(["合计", *(str(cls_counts[c]) for c in (*water.CLASSES, "none")), str(total), _pct(total, total)])
    tables = [
        BriefTable(
            f"三、按整治阶段与水质类别统计（条，截至{cn_date(as_of_day)}）",
            rows,
            (0.2, 0.12, 0.13, 0.13, 0.12, 0.12, 0.12),
            "水质类别为每条水体最近一轮监测的判定（任一点位黑臭即为黑臭，取最重者）。",
        )
    ]
    relapse_rows = [["水体", "街镇", "水系", "反弹日期", "最近监测", "最近类别"]]
    for r in relapsed.itertuples(index=False):
        relapse_rows.append(
            [
                str(r.name),
                str(r.town or "—"),
                str(r.river_system or "—"),
                _day(r.valid_from),
                _day(r.latest_round),
                water.class_title(r.cls, "zh"),
            ]
        )
    if len(relapse_rows) == 1:
        relapse_rows.append(["（无）", "", "", "", "", ""])
    tables.append(BriefTable("四、反弹水体清单", relapse_rows, (0.22, 0.16, 0.18, 0.14, 0.14, 0.16), text_cols=6))
    return _page(store, request, today, as_of_day, layer, lines, tables, facts)


def _day(value) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


# -- 禁燃区规划 -------------------------------------------------------------------------------------------


def proposals_as_of(store: Store, as_of: date | None) -> gpd.GeoDataFrame:
    """The proposals as they stood at the end of `as_of` (now without one), with their geometry."""
    cols = "id, kind, zone_id, name, fuel_class, status, effective_date, geom_wkb"
    moment = history.as_of_moment(as_of)
    frame = store.query(
        f"SELECT {cols} FROM {history.source(zones.TABLE, moment, cols)} AS p ORDER BY id",  # noqa: S608
        {"as_of": moment} if moment is not None else None,
    )
    geoms = [zones._row_geometry(r) for r in frame.to_dict("records")]
    return gpd.GeoDataFrame(frame.drop(columns=["geom_wkb"]), geometry=geoms, crs=STORAGE_CRS)


def zones_brief(store: Store, request: BriefRequest, today: date) -> PageBrief:
    """The 禁燃区规划 brief: zones in force and proposals under way on the map, their tables, the summary."""
    spec = _layer_spec(zones.LAYER)
    fuel = spec.get_field("fuel_class")
    in_force = zones.zones_in_force(store, as_of=request.as_of).sort_values(["effective_date", "name"])
    in_force = in_force.reset_index(drop=True)
    in_force["area"] = measures_km(in_force.geometry)[0] if len(in_force) else []
    found = proposals_as_of(store, request.as_of)
    pending = found[found["status"].isin(PENDING_STATUSES)]
    admin = _admin(store, request)
    colours = dict(spec.style.category_colors)
    features = gpd.GeoDataFrame(
        {"name": in_force["name"], "colour": [colours.get(c, spec.style.fill_color) for c in in_force["fuel_class"]]},
        geometry=in_force.geometry.values,
        crs=STORAGE_CRS,
    )
    legend = [(f"现行 · {fuel.label(code, 'zh')}", colour) for code, colour in colours.items()]
    overlays = []
    for title, statuses, colour in PROPOSAL_GROUPS:
        group = pending[pending["status"].isin(statuses) & pending.geometry.notna()]
        overlays.append((title, gpd.GeoDataFrame(group, geometry="geometry", crs=STORAGE_CRS), colour))
    as_of_day = _as_of_day(store, request, None, today)
    layer = MapLayer(
        features,
        legend,
        "高污染燃料禁燃区",
        admin,
        map_bounds(admin),
        f"高污染燃料禁燃区 · 截至{cn_date(as_of_day)}",
        tuple(overlays),
    )

    total_area = float(np.nansum(in_force["area"])) if len(in_force) else 0.0
    district = admin[admin["kind"] == "district"] if len(admin) else admin
    district_km2 = float(np.nansum(measures_km(district.geometry)[0])) if len(district) else 0.0
    covered_km2 = (
        float(gpd.GeoSeries([shapely.union_all(in_force.geometry.values)], crs=STORAGE_CRS).to_crs(MEASURE_CRS).area[0])
        / 1e6
        if len(in_force)
        else 0.0
    )
    by_class = {code: int((in_force["fuel_class"] == code).sum()) for code, _, _ in fuel.choices}
    by_status = {s: int((found["status"] == s).sum()) for s in zones.STATUSES}
    facts = {
        "zones": len(in_force),
        "area_km2": total_area,
        "covered_km2": covered_km2,
        "district_km2": district_km2,
        "classes": by_class,
        "statuses": by_status,
        "pending": len(pending),
    }

    lines = []
    if len(in_force):
        class_words = "、".join(f"{fuel.label(c, 'zh')}{n}个" for c, n in by_class.items() if n)
        share = f"，覆盖全区面积的{covered_km2 / district_km2 * 100:.1f}%" if district_km2 else ""
        newest = in_force.iloc[-1]
        lines.append(
            f"截至{cn_date(as_of_day)}，全区现行高污染燃料禁燃区{len(in_force)}个，合计面积{total_area:,.2f}平方公里"
            f"{share}；其中{class_words}。最近施行的是{newest['name']}（{_day(newest['effective_date'])}）。"
        )
    else:
        lines.append(f"截至{cn_date(as_of_day)}，全区没有现行的高污染燃料禁燃区。")
    if len(pending):
        status_words = "、".join(
            f"{zones.status_title(s, 'zh')}{by_status[s]}个" for s in PENDING_STATUSES if by_status[s]
        )
        lines.append(f"在途方案{len(pending)}个：{status_words}。")
    else:
        lines.append("没有在途的禁燃区方案。")
    due = pending[pending["status"] == "approved"].sort_values(["effective_date", "name"])
    if len(due):
        names = [
            f"{r.name}（{zones.kind_title(r.kind, 'zh')}，{_day(r.effective_date)}施行）" for r in due.itertuples()
        ]
        lines.append(f"已批准待施行：{_names(names)}。")
    submitted = pending[pending["status"] == "submitted"].sort_values("name")
    if len(submitted):
        lines.append(f"待审批：{_names(list(submitted['name'].astype(str)))}。")
    facts["due"] = list(due["name"].astype(str))

    zone_rows = [["编号", "禁燃区名称", "管控类别", "面积（km²）", "施行日期"]]
    for r in in_force.itertuples(index=False):
        zone_rows.append(
            [str(r.id), str(r.name), fuel.label(r.fuel_class, "zh"), f"{r.area:,.2f}", _day(r.effective_date)]
        )
    zone_rows.append(["合计", f"{len(in_force)}个", "", f"{total_area:,.2f}", ""])
    tables = [
        BriefTable(
            f"三、现行禁燃区（截至{cn_date(as_of_day)}）",
            zone_rows,
            (0.14, 0.38, 0.18, 0.15, 0.15),
            "面积按 EPSG:4548（CGCS2000 / 3° 高斯-克吕格 117°E）计算；合计为各区面积之和（重叠部分重复计）。",
            text_cols=3,
        )
    ]
    kinds = list(zones.KINDS)
    status_rows = [["方案状态", *(zones.kind_title(k, "zh") for k in kinds), "合计"]]
    for status in zones.STATUSES:
        at = found[found["status"] == status]
        status_rows.append(
            [zones.status_title(status, "zh"), *(str(int((at["kind"] == k).sum())) for k in kinds), str(len(at))]
        )
    status_rows.append(["合计", *(str(int((found["kind"] == k).sum())) for k in kinds), str(len(found))])
    tables.append(BriefTable("四、禁燃区方案（按状态与类型，个）", status_rows, (0.3, 0.175, 0.175, 0.175, 0.175)))
    pending_rows = [["方案", "名称", "类型", "状态", "拟施行日期"]]
    for r in pending.sort_values(["status", "id"]).itertuples(index=False):
        pending_rows.append(
            [
                str(r.id),
                str(r.name),
                zones.kind_title(r.kind, "zh"),
                zones.status_title(r.status, "zh"),
                _day(r.effective_date),
            ]
        )
    if len(pending_rows) > 1:
        tables.append(BriefTable("五、在途方案清单", pending_rows, (0.14, 0.36, 0.14, 0.21, 0.15), text_cols=4))
    return _page(store, request, today, as_of_day, layer, lines, tables, facts)


def page_sample_present(store: Store, page: str) -> bool:
    """Sample data behind the page's brief: sample statistics or targets (as for every brief), and for
    黑臭水体 sample monitoring rounds, for 禁燃区规划 zones designated by a sample (示意) document."""
    if sample_data_present(store):
        return True
    if page == "water":
        sql = "SELECT count(*) FROM water_samples WHERE starts_with(source, $prefix)"
        return int(store.scalar(sql, {"prefix": SAMPLE_SOURCE_PREFIX}) or 0) > 0
    if page == "zones":
        sql = f"SELECT count(*) FROM {zones.LAYER} WHERE contains(document, '（示意')"  # noqa: S608
        return int(store.scalar(sql) or 0) > 0
    return False


def _page(store, request, today, as_of_day, layer, lines, tables, facts) -> PageBrief:
    sample = page_sample_present(store, PAGES[request.page].content)
    if sample:
        lines = [*lines, SAMPLE_LINE]
    return PageBrief(
        request=request,
        page_title=PAGES[request.page].title_zh,
        generated_on=today,
        data_as_of=as_of_day,
        sample=sample,
        map=layer,
        summary=lines,
        tables=tables,
        facts=facts,
    )


BUILDERS: dict[str, Callable[[Store, BriefRequest, date], PageBrief]] = {"water": water_brief, "zones": zones_brief}


def page_brief(store: Store, request: BriefRequest, today: date | None = None) -> PageBrief:
    """The brief of a page whose content is its own (`BriefPage.content` in BUILDERS)."""
    request.check()
    return BUILDERS[PAGES[request.page].content](store, request, today or date.today())
