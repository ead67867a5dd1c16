"""AppTest of the 生成简报 button: it renders the brief of the page's inputs and offers the PDF and the map PNG."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _downloads(at):
    return {el.proto.label: el for el in at.main.get("download_button")}


def test_assessment_brief_button_offers_the_pdf_and_the_map(open_page):
    at = open_page("views/assessment.py")
    assert "生成简报" in [b.label for b in at.main.button]
    assert "下载简报 PDF" not in _downloads(at)  # nothing is rendered until asked
    at.button(key="brief_assessment_make").click().run()
    assert not at.exception, at.exception
    downloads = _downloads(at)
    assert {"下载简报 PDF", "下载地图 PNG（用于幻灯片）"} <= set(downloads)
    assert downloads["下载简报 PDF"].proto.url.endswith(".pdf")
    assert downloads["下载地图 PNG（用于幻灯片）"].proto.deferred_file_id  # drawn when clicked
    request, _, pdf = at.session_state["brief_assessment"]
    assert (request.level, request.indicator, request.orientation) == ("zone", "energy_intensity", "portrait")
    assert pdf.startswith(b"%PDF")
    assert any("简报已生成（2025年，开发区，能耗强度）" in c.value for c in at.main.caption)


def test_a_changed_input_withdraws_the_old_brief(open_page):
    at = open_page("views/assessment.py")
    at.button(key="brief_assessment_make").click().run()
    assert "下载简报 PDF" in _downloads(at)
    at.radio(key="brief_assessment_orientation").set_value("landscape").run()
    assert "下载简报 PDF" not in _downloads(at)


@pytest.mark.parametrize(
    ("page", "key"), [("views/parks.py", "brief_parks_make"), ("views/ledgers.py", "brief_ledgers_make")]
)
def test_parks_and_ledgers_pages_have_the_button(open_page, page, key):
    at = open_page(page)
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    assert "下载简报 PDF" in _downloads(at)


def test_the_button_speaks_english_when_the_page_does(open_page):
    at = open_page("views/assessment.py", BINHAI_LANG="en")
    assert "Make brief" in [b.label for b in at.main.button]
    at.button(key="brief_assessment_make").click().run()
    assert {"Download the brief (PDF)", "Download the map (PNG, for slides)"} <= set(_downloads(at))
    assert any("The brief is ready (2025, Development zones, Energy intensity)" in c.value for c in at.main.caption)
