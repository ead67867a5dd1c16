"""AppTest of 生成简报 on 黑臭水体 and 禁燃区规划: the button renders the page's own brief and offers PDF and PNG."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _downloads(at):
    return {el.proto.label: el for el in at.main.get("download_button")}


@pytest.mark.parametrize(("page", "code"), [("views/water.py", "water"), ("views/zones.py", "zones")])
def test_the_page_has_the_brief_button_and_it_renders_the_pages_brief(open_page, page, code):
    at = open_page(page)
    assert "生成简报" in [b.label for b in at.main.button]
    assert "下载简报 PDF" not in _downloads(at)
    at.button(key=f"brief_{code}_make").click().run()
    assert not at.exception, at.exception
    downloads = _downloads(at)
    assert {"下载简报 PDF", "下载地图 PNG（用于幻灯片）"} <= set(downloads)
    assert downloads["下载简报 PDF"].proto.url.endswith(".pdf")
    request, _, pdf = at.session_state[f"brief_{code}"]
    assert request.page == code and request.as_of is None
    assert pdf.startswith(b"%PDF")
    title = {"water": "黑臭水体", "zones": "禁燃区规划"}[code]
    assert any(f"简报已生成（{title}，当前数据）" in c.value for c in at.main.caption)


def test_the_water_brief_is_of_the_pages_as_of_date(open_page):
    import datetime as dt

    at = open_page("views/water.py")
    at.date_input(key="water_as_of_input").set_value(dt.date(2024, 6, 30)).run()
    at.button(key="brief_water_make").click().run()
    assert not at.exception, at.exception
    request, _, _ = at.session_state["brief_water"]
    assert request.as_of == dt.date(2024, 6, 30)
    assert any("简报已生成（黑臭水体，2024-06-30）" in c.value for c in at.main.caption)
    assert _downloads(at)["下载简报 PDF"].proto.url.endswith(".pdf")
