"""The meeting brief: its numbers against the store, the PDF's Chinese text layer, the map PNG, the CLI."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image

from geo import assessment, brief, stats
from geo.brief import fonts
from geo.brief.mapping import view_extent
from geo.brief.summary import summary_lines
from geo.crs import map_bounds
from geo.store.features import read_layer
from layers import get_spec
from layers.__main__ import main
from tests.stores import state

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")

REQUEST = brief.BriefRequest("assessment", "town", "energy_intensity", 2024)


@pytest.fixture(scope="module")
def seeded_copy(_seeded_template, tmp_path_factory):
    """One copy of the seeded store for the module's read-only tests (rendering is the slow part)."""
    from tests.conftest import copy_of

    return copy_of(_seeded_template, tmp_path_factory.mktemp("brief"))


@pytest.fixture(scope="module")
def content(seeded_copy):
    return brief.brief_content(seeded_copy, REQUEST)


@pytest.fixture(scope="module")
def pdf_text(content, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "brief.pdf"
    path.write_bytes(brief.render_pdf(content))
    return path, _pdftotext(path)


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_summary_numbers_equal_the_stores_sums(seeded_copy, content):
    """Energy intensity of the district = Σ energy / Σ value added of its parks, summed here by hand."""

    def intensity(year: int) -> float:
        sums = seeded_copy.query(
            "SELECT sum(value) FILTER (WHERE indicator = 'energy_consumption') AS energy, "
            "sum(value) FILTER (WHERE indicator = 'value_added') AS va FROM statistics "
            "WHERE year = $year AND entity_id IN (SELECT park_id FROM park_units WHERE unit_kind = 'district')",
            {"year": year},
        ).iloc[0]
        return float(sums["energy"] / sums["va"])

    now, base = intensity(2024), intensity(2020)
    pct = (now - base) / base * 100
    first = summary_lines(content)[0]
    assert first == f"2024年全区能耗强度为{now:.3f} tce/万元，较2020年{'下降' if pct < 0 else '上升'}{abs(pct):.1f}%。"
    district = stats.unit_values(seeded_copy, "energy_intensity", "district", (2020, 2024))
    assert district.set_index("year").loc[2024, "value"] == pytest.approx(now)


def test_summary_names_every_unit_behind_and_counts_by_status(seeded_copy, content):
    table = assessment.assessment(seeded_copy, "town", "energy_intensity", 2024)
    status = table["status"].astype(str)
    behind = list(table.loc[status == "behind", "name"])
    line = next(s for s in summary_lines(content) if s.startswith("按街镇考核"))
    assert f"共{len(table)}个" in line
    assert f"{len(behind)}个街镇进度滞后：{'、'.join(behind[:5])}" in line
    assert f"{int((status == 'at_risk').sum())}个有风险" in line
    assert f"{int((status == 'on_track').sum())}个正常推进" in line
    row = assessment.assessment(seeded_copy, "district", "energy_intensity", 2024).iloc[0]
    target_line = summary_lines(content)[1]
    assert f"完成直线进度的{row['progress'] * 100:.0f}%" in target_line
    assert f"目标{row['target_value']:.3f}" in target_line


def test_best_and_worst_parks_follow_the_indicators_direction(seeded_copy, content):
    parks = stats.park_values(seeded_copy, "energy_intensity", 2024).dropna(subset=["value"])
    lowest = parks.nsmallest(5, "value")["name"].tolist()
    highest = parks.nlargest(5, "value")["name"].tolist()
    assert content.best["name"].tolist() == lowest  # lower energy intensity is better
    assert content.worst["name"].tolist() == highest


def test_pdf_text_layer_holds_the_chinese_headings_summary_and_sample_mark(content, pdf_text):
    path, text = pdf_text
    flat = "".join(text.split())
    for heading in ("滨海新区节能减排简报·目标考核", "一、摘要", "二、专题图", "三、街镇目标考核", "五、趋势与进度"):
        assert heading in flat
    assert "示意数据" in flat
    assert "".join(summary_lines(content)[0].split()) in flat
    assert f"数据截至：{content.data_as_of.isoformat()}" in flat
    assert path.read_bytes().startswith(b"%PDF")
    fonts_used = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYiZenHei" in fonts_used and "TrueType" in fonts_used  # embedded subset, not a viewer's CID font


def test_pdftoppm_renders_every_page(pdf_text, tmp_path):
    path, _ = pdf_text
    pages = _pages(path)
    assert pages == 2
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == pages


def test_landscape_brief_is_a4_landscape(seeded_copy, tmp_path):
    path = tmp_path / "wide.pdf"
    request = brief.BriefRequest("parks", "zone", "nox", 2023, orientation="landscape")
    path.write_bytes(brief.brief_pdf(seeded_copy, request))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "841.89 x 595.276 pts" in info
    assert "园区指标" in "".join(_pdftotext(path).split())


def test_map_png_has_the_asked_size_and_the_views_extent(seeded_copy, content):
    png = brief.render_map_png(content, width_px=1200, height_px=900)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 900)
    admin = read_layer(seeded_copy, get_spec("admin_units"))
    assert content.map.bounds == map_bounds(admin)  # the page's map frames the admin units: so does the brief's
    drawn = brief.render_map(content.map, 4, 4, dpi=50).extent
    assert drawn == pytest.approx(view_extent(map_bounds(admin)))
    assert drawn[0] > 300_000 and drawn[1] > 4_000_000  # metres in EPSG:4548, not degrees


def test_no_sample_mark_when_no_sample_rows_are_left(seeded_store, tmp_path):
    with seeded_store.transaction() as s:
        s.execute("UPDATE statistics SET source = 'bureau'")
        s.execute("UPDATE targets SET source = 'bureau'")
    content = brief.brief_content(seeded_store, REQUEST)
    assert not content.sample
    path = tmp_path / "real.pdf"
    path.write_bytes(brief.render_pdf(content))
    assert "示意" not in _pdftotext(path)


def test_missing_font_is_a_bilingual_error(monkeypatch, seeded_copy, tmp_path, capsys):
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (tmp_path / "none.ttc",))
    with pytest.raises(brief.FontMissing) as caught:
        brief.cjk_font_path()
    assert "fonts-wqy-zenhei" in caught.value.zh and "fonts-wqy-zenhei" in caught.value.en
    out = tmp_path / "b.pdf"
    assert main(["--db", seeded_copy.location, "brief", "--out", str(out)]) == 2
    assert "未找到中文字体" in capsys.readouterr().err
    assert not out.exists()


def test_cli_writes_the_brief_and_the_map(seeded_copy, tmp_path, capsys):
    out = tmp_path / "brief.pdf"
    argv = ["--db", seeded_copy.location, "brief", "--page", "assessment", "--level", "街镇"]
    argv += ["--indicator", "energy_intensity", "--year", "2024"]
    assert main([*argv, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF") and "街镇目标考核" in "".join(_pdftotext(out).split())
    png = tmp_path / "map.png"
    assert main([*argv, "--out", str(png)]) == 0
    assert Image.open(png).size == (1600, 1200)
    assert not list(tmp_path.glob(".*partial*"))


def test_cli_refuses_an_existing_file_without_force_and_the_store_always(seeded_copy, tmp_path, capsys):
    out = tmp_path / "brief.pdf"
    out.write_text("keep me")
    base = ["--db", seeded_copy.location, "brief"]
    assert main([*base, "--out", str(out)]) == 2
    assert out.read_text() == "keep me"
    assert "--force" in capsys.readouterr().err
    assert main([*base, "--out", str(out), "--force"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    store_bytes = state(seeded_copy)
    if seeded_copy.kind == "duckdb":  # never over the store file itself
        assert main([*base, "--format", "pdf", "--out", str(seeded_copy.path), "--force"]) == 2
    assert state(seeded_copy) == store_bytes


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--level", "村"], "未知层级"),
        (["--indicator", "happiness"], "未知或不适用的指标"),
        (["--year", "1999"], "1999 年没有数据"),
        (["--page", "nowhere"], "未知页面"),
        (["--orientation", "diagonal"], "纸张方向"),
        (["--as-of", "2024-13-01"], "YYYY-MM-DD"),
    ],
)
def test_cli_bad_input_exits_2_with_a_bilingual_message_and_writes_nothing(seeded_copy, tmp_path, capsys, args, words):
    out = tmp_path / "brief.pdf"
    assert main(["--db", seeded_copy.location, "brief", *args, "--out", str(out)]) == 2
    assert words in capsys.readouterr().err
    assert not out.exists()


def test_cli_as_of_dates_the_brief(seeded_copy, tmp_path):
    out = tmp_path / "then.pdf"
    assert main(["--db", seeded_copy.location, "brief", "--as-of", "2025-06-30", "--out", str(out)]) == 0
    assert "数据截至：2025-06-30（历史数据（截至2025-06-30））" in "".join(_pdftotext(out).split())


def test_ledgers_brief_draws_the_ledgers_points_and_parks_brief_the_pages_classes(seeded_copy):
    ledgers = brief.brief_content(seeded_copy, brief.BriefRequest("ledgers", "town", "energy_intensity", 2024))
    titles = [title for title, frame, _ in ledgers.map.overlays if len(frame)]
    assert titles == [get_spec("two_high_projects").title_zh, get_spec("key_energy_units").title_zh]
    parks = brief.brief_content(
        seeded_copy,
        brief.BriefRequest(
            "parks", "zone", "nox", 2023, normalisation="per_km2", classification="natural_breaks", classes=3
        ),
    )
    assert len(parks.map.legend) == 3 + 1  # three classes and 无数据
    assert "t/km²" in parks.map.title


def test_register_page_offers_the_brief_for_a_new_page(seeded_copy):
    brief.register_page("water_kpi", "水环境指标", "Water KPIs", overlays=("water_bodies",))
    try:
        content = brief.brief_content(seeded_copy, brief.BriefRequest("water_kpi", "town", "cod", 2024))
    finally:
        del brief.PAGES["water_kpi"]
    assert content.page_title == "水环境指标"
    assert content.map.overlays[0][0] == get_spec("water_bodies").title_zh


def test_ledgers_brief_states_the_ledgers_figures(seeded_copy):
    from geo import ledgers

    content = brief.brief_content(seeded_copy, brief.BriefRequest("ledgers", "town", "energy_intensity", 2024))
    line = next(s for s in summary_lines(content) if s.startswith("台账"))
    two_high = ledgers.two_high_summary(seeded_copy)
    sewage = ledgers.rural_sewage_by_town(seeded_copy, stats.years(seeded_copy, "rural_sewage_treatment_rate")[-1])
    circular = ledgers.circular_transformation(seeded_copy)
    assert f"两高项目{int(two_high['projects'].sum())}个" in line
    assert f"年综合能耗{two_high['energy_use_tce'].sum():,.0f} tce" in line
    assert f"的街镇{int(sewage['meets_target'].sum())}个（共{len(sewage)}个）" in line
    assert f"循环化改造{circular.done}个（共{circular.qualifying}个）" in line
    assessment_brief = brief.brief_content(seeded_copy, REQUEST)
    assert assessment_brief.ledgers is None
