"""AppTest for the overview map page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import layers
from tests.stores import db_env

APP = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def app(seeded_store, monkeypatch):
    monkeypatch.setenv(*db_env(seeded_store))
    monkeypatch.setenv("BINHAI_BASEMAP", "none")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def test_map_page_shows_every_layer_count_without_errors(app):
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert labels == [s.title_zh for s in layers.all_specs()]
    assert labels[:5] == ["行政区划与开发区", "高污染燃料禁燃区", "工业园区", "黑臭水体", "污水处理设施"]
    assert all(int(m.value.replace(",", "")) > 0 for m in app.metric)
    assert app.title[0].value == "滨海新区节能减排一张图"


def test_english_toggle_relabels_the_page(app):
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Binhai Energy & Emissions Map"
    assert "Industrial parks" in [m.label for m in app.metric]


def test_tianditu_without_key_falls_back_to_no_basemap_with_a_message(app, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    app.sidebar.selectbox[0].set_value("tianditu").run()
    assert not app.exception
    assert any("TIANDITU_KEY" in i.value for i in app.info)


def test_missing_store_explains_how_to_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("BINHAI_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("make seed" in w.value for w in at.warning)
    assert not (tmp_path / "absent.duckdb").exists()
