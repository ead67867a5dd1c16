"""The 黑臭水体 and 禁燃区规划 briefs: their numbers against the store, the PDF's Chinese summary, as-of, the CLI."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import geopandas as gpd
import pytest
import shapely
from PIL import Image

from geo import brief, water, zones
from geo.brief.pages import cn_date
from geo.permissions import Actor
from geo.store import history
from geo.store.features import edit_feature, read_layer
from layers import get_spec
from layers.__main__ import main

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")

WATER = brief.BriefRequest("water", "town", "energy_intensity")
ZONES = brief.BriefRequest("zones", "town", "energy_intensity")
PLANNER = Actor("gui.hua", "规划甲", frozenset({"planner"}), "portal")
APPROVER = Actor("shen.pi", "审批乙", frozenset({"zone_approver"}), "portal")
NEW_ZONE = shapely.box(117.55, 38.90, 117.57, 38.92)  # inside 新城镇, clear of every sample zone
DAY = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture(scope="module")
def seeded_copy(_seeded_template, tmp_path_factory):
    """One copy of the seeded store for the module's read-only tests."""
    from tests.conftest import copy_of

    return copy_of(_seeded_template, tmp_path_factory.mktemp("brief_pages"))


@pytest.fixture(scope="module")
def water_content(seeded_copy):
    return brief.content_of(seeded_copy, WATER)


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    return "".join(text.split())


def _stage_counts(store, as_of: dt.date | None = None) -> dict[str, int]:
    """Bodies per stage straight from the layer's table (or its history as of the end of a day)."""
    moment = history.as_of_moment(as_of)
    source = history.source("water_bodies", moment, "id, stage")
    rows = store.query(
        f"SELECT stage, count(*) AS n FROM {source} AS b GROUP BY stage",  # noqa: S608
        {"as_of": moment} if moment else None,
    )
    return dict(zip(rows["stage"], rows["n"].astype(int), strict=True))


# -- 黑臭水体 ---------------------------------------------------------------------------------------------


def test_water_summary_counts_equal_the_stores(seeded_copy, water_content):
    counts = _stage_counts(seeded_copy)
    total = sum(counts.values())
    done = sum(counts.get(s, 0) for s in ("completed", "effective", "sustained"))
    relapsed = seeded_copy.query("SELECT name FROM water_bodies WHERE stage = 'relapsed' ORDER BY name")["name"]
    assert total > 0 and len(relapsed) > 0  # the sample has both, so the sentence is tested in full
    day = water.data_as_of(seeded_copy)
    expected = (
        f"截至{day.year}年{day.month}月{day.day}日，全区列入清单的黑臭水体{total}条，"
        f"其中完成治理及以后{done}条（{done / total * 100:.1f}%），反弹{len(relapsed)}条：{'、'.join(relapsed)}。"
    )
    assert water_content.summary[0] == expected
    assert water_content.data_as_of == day
    for stage, n in counts.items():
        assert f"{water.stage_title(stage, 'zh')}{n}条" in water_content.summary[1]


def test_water_table_counts_by_stage_and_class_add_up(seeded_copy, water_content):
    frame = water.bodies(seeded_copy)
    rows = water_content.tables[0].rows
    assert rows[0] == ["整治阶段", "非黑臭", "轻度黑臭", "重度黑臭", "无监测", "合计", "占比"]
    by_stage = {r[0]: r for r in rows[1:]}
    counts = _stage_counts(seeded_copy)
    for stage in water.STAGES:
        assert int(by_stage[water.stage_title(stage, "zh")][5]) == counts.get(stage, 0)
    total = by_stage["合计"]
    for i, cls in enumerate((*water.CLASSES, "none"), start=1):
        assert int(total[i]) == int((frame["cls"] == cls).sum())
        assert sum(int(r[i]) for r in rows[1:-1]) == int(total[i])
    assert int(total[5]) == len(frame)
    relapse_rows = water_content.tables[1].rows
    assert [r[0] for r in relapse_rows[1:]] == water_content.facts["relapsed_names"]


def test_water_map_uses_the_pages_stage_colours(water_content):
    colours = dict(get_spec("water_bodies").style.category_colors)
    assert water_content.map.legend == [(water.stage_title(s, "zh"), colours[s]) for s in water.STAGES]
    assert len(water_content.map.features) == water_content.facts["total"]
    assert len(water_content.map.admin)  # over the admin boundaries


def test_water_as_of_counts_the_bodies_of_that_day(seeded_store):
    # A body relapses today: the brief of yesterday does not count it, today's does.
    spec = get_spec("water_bodies")
    frame = read_layer(seeded_store, spec, with_versions=True)
    row = frame[frame["stage"] == "sustained"].sort_values("id").head(1).copy()
    version = int(row["version"].iloc[0])
    row = row.drop(columns=["valid_from"]).assign(stage="relapsed")  # the new version starts now
    with seeded_store.transaction() as s:
        edit_feature(s, spec, row, version, dt.datetime.now(), "test")
    before = dt.date.today() - dt.timedelta(days=1)
    then = brief.content_of(seeded_store, brief.BriefRequest("water", "town", "energy_intensity", as_of=before))
    now = brief.content_of(seeded_store, WATER)
    assert then.facts["stages"] == {s: _stage_counts(seeded_store, before).get(s, 0) for s in water.STAGES}
    assert now.facts["stages"] == {s: _stage_counts(seeded_store).get(s, 0) for s in water.STAGES}
    assert now.facts["relapsed"] == then.facts["relapsed"] + 1
    assert then.summary[0].startswith(f"截至{cn_date(before)}，")
    assert then.data_as_of == before


def test_water_pdf_holds_the_chinese_summary_tables_and_sample_mark(water_content, tmp_path):
    path = tmp_path / "water.pdf"
    path.write_bytes(brief.render_page_pdf(water_content))
    flat = _flat(_pdftotext(path))
    for text in (
        "滨海新区节能减排简报·黑臭水体",
        "一、摘要",
        "二、专题图",
        "三、按整治阶段与水质类别统计",
        "四、反弹水体清单",
    ):
        assert text in flat
    assert _flat(water_content.summary[0]) in flat
    assert "示意数据" in flat
    assert "能耗强度" not in flat  # the page's content, not the energy KPIs
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == 2


# -- 禁燃区规划 -------------------------------------------------------------------------------------------


@pytest.fixture
def with_proposals(seeded_store):
    """A draft, a submitted proposal and one approved to take effect later."""
    zones.save_draft(seeded_store, PLANNER, name="草稿禁燃区", fuel_class="II", geometry=NEW_ZONE, now=DAY)
    row = zones.save_draft(seeded_store, PLANNER, name="在审禁燃区", fuel_class="III", geometry=NEW_ZONE, now=DAY)
    zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    row = zones.save_draft(seeded_store, PLANNER, name="待施行禁燃区", fuel_class="III", geometry=NEW_ZONE, now=DAY)
    row = zones.submit(seeded_store, PLANNER, row["id"], row["version"], now=DAY)
    zones.decide(
        seeded_store,
        APPROVER,
        row["id"],
        row["version"],
        approve=True,
        reason="条件具备",
        effective_date=dt.date(2099, 1, 1),
        approval_no="津滨政发〔2026〕9号",
        now=DAY,
    )
    return seeded_store


def test_zones_summary_and_table_equal_the_layer_in_epsg4548(with_proposals):
    store = with_proposals
    content = brief.content_of(store, ZONES)
    layer = read_layer(store, get_spec("prohibited_zones"))
    in_force = layer[layer["status"] == "in_force"]
    areas = gpd.GeoSeries(in_force.geometry.values, crs="EPSG:4326").to_crs("EPSG:4548").area / 1e6
    assert content.facts["zones"] == len(in_force) > 0
    assert content.facts["area_km2"] == pytest.approx(areas.sum(), rel=1e-9)
    assert f"全区现行高污染燃料禁燃区{len(in_force)}个，合计面积{areas.sum():,.2f}平方公里" in content.summary[0]
    table = content.tables[0].rows
    assert table[0] == ["编号", "禁燃区名称", "管控类别", "面积（km²）", "施行日期"]
    by_id = {r[0]: r for r in table[1:-1]}
    fuel = get_spec("prohibited_zones").get_field("fuel_class")
    for (zone_id, name, fuel_class), area in zip(
        in_force[["id", "name", "fuel_class"]].itertuples(index=False), areas, strict=True
    ):
        assert by_id[zone_id][1:4] == [name, fuel.label(fuel_class, "zh"), f"{area:,.2f}"]
    assert content.summary[1] == "在途方案3个：草稿1个、已提交1个、已批准（待施行）1个。"
    assert content.summary[2] == "已批准待施行：待施行禁燃区（新划定，2099-01-01施行）。"
    assert content.summary[3] == "待审批：在审禁燃区。"
    statuses = {r[0]: r[-1] for r in content.tables[1].rows[1:]}
    assert statuses["草稿"] == statuses["已提交"] == statuses["已批准（待施行）"] == "1"
    drawn = {title: len(frame) for title, frame, _ in content.map.overlays}
    assert list(drawn.values()) == [2, 1]  # submitted + approved; the draft


def test_zones_as_of_before_the_proposals_shows_none_of_them(with_proposals):
    content = brief.content_of(
        with_proposals, brief.BriefRequest("zones", "town", "energy_intensity", as_of=dt.date(2026, 3, 1))
    )
    assert content.facts["pending"] == 0
    assert content.summary[1] == "没有在途的禁燃区方案。"
    assert content.summary[0].startswith("截至2026年3月1日，")
    before_all = brief.content_of(
        with_proposals, brief.BriefRequest("zones", "town", "energy_intensity", as_of=dt.date(2015, 1, 1))
    )
    assert before_all.facts["zones"] == len(zones.zones_in_force(with_proposals, as_of=dt.date(2015, 1, 1)))


def test_zones_pdf_landscape_holds_the_summary(with_proposals, tmp_path):
    content = brief.content_of(
        with_proposals, brief.BriefRequest("zones", "town", "energy_intensity", orientation="landscape")
    )
    path = tmp_path / "zones.pdf"
    path.write_bytes(brief.render_page_pdf(content))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "841.89 x 595.276 pts" in info
    flat = _flat(_pdftotext(path))
    for text in ("滨海新区节能减排简报·禁燃区规划", "三、现行禁燃区", "四、禁燃区方案", "五、在途方案清单", "示意数据"):
        assert text in flat
    assert _flat(content.summary[1]) in flat


# -- the CLI ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["water", "zones"])
def test_cli_writes_the_pages_brief_and_map(seeded_copy, tmp_path, page):
    out = tmp_path / f"{page}.pdf"
    assert main(["--db", seeded_copy.location, "brief", "--page", page, "--out", str(out)]) == 0
    flat = _flat(_pdftotext(out))
    assert f"滨海新区节能减排简报·{brief.PAGES[page].title_zh}" in flat
    png = tmp_path / f"{page}.png"
    assert main(["--db", seeded_copy.location, "brief", "--page", page, "--out", str(png)]) == 0
    assert Image.open(png).size == (1600, 1200)


def test_cli_as_of_dates_the_water_brief(seeded_copy, tmp_path):
    out = tmp_path / "then.pdf"
    argv = ["--db", seeded_copy.location, "brief", "--page", "water", "--as-of", "2022-12-31", "--out", str(out)]
    assert main(argv) == 0
    flat = _flat(_pdftotext(out))
    assert "数据截至：2022-12-31（历史数据（截至2022-12-31））" in flat
    assert "截至2022年12月31日，全区列入清单的黑臭水体" in flat


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--page", "lakes"], "未知页面"),
        (["--as-of", "2024-02-30"], "YYYY-MM-DD"),
        (["--orientation", "x"], "纸张方向"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(seeded_copy, tmp_path, capsys, args, words):
    out = tmp_path / "b.pdf"
    argv = ["--db", seeded_copy.location, "brief", "--page", "water", *args, "--out", str(out)]
    assert main(argv) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_sample_mark_follows_the_pages_own_sample_rows(seeded_store):
    with seeded_store.transaction() as s:
        s.execute("UPDATE statistics SET source = 'bureau'")
        s.execute("UPDATE targets SET source = 'bureau'")
    assert brief.content_of(seeded_store, WATER).sample  # the monitoring rounds are still the sample's
    assert brief.content_of(seeded_store, ZONES).sample  # so are the zones' designating documents
    with seeded_store.transaction() as s:
        s.execute("UPDATE water_samples SET source = '区水务局'")
        s.execute("UPDATE prohibited_zones SET document = '津滨政发〔2018〕1号'")
    for request in (WATER, ZONES):
        content = brief.content_of(seeded_store, request)
        assert not content.sample
        assert not any("示意" in line for line in content.summary)
