"""AppTest for the layers & data page: overview, limits, export."""

from __future__ import annotations

from pathlib import Path

import pytest

import layers
from geo.store.features import count_features

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_page(open_page):
    return open_page("views/data.py")


def test_data_page_lists_every_layer_with_its_count(data_page, seeded_store):
    overview = data_page.dataframe[0].value
    assert list(overview["表名（命令行）"]) == list(layers.REGISTRY)
    parks = overview.set_index("表名（命令行）").loc["parks", "要素数"]
    assert parks == count_features(seeded_store, layers.get_spec("parks"))


def test_data_page_shows_the_import_limits(data_page):
    captions = " ".join(c.value for c in data_page.caption)
    assert "50 MB" in captions and "50,000" in captions


def test_data_page_shows_limits_set_in_the_environment(open_page):
    env = {
        "BINHAI_MAX_UPLOAD_MB": "7",
        "BINHAI_MAX_FEATURES": "1234",
        "BINHAI_MAX_VERTICES": "56789",
        "BINHAI_MAX_ZIP_RATIO": "12",
    }
    at = open_page("views/data.py", **env)
    captions = " ".join(c.value for c in at.caption)
    assert "7 MB" in captions and "1,234" in captions and "56,789" in captions and "12" in captions


def test_export_builds_a_download_of_the_chosen_layer(data_page):
    data_page.selectbox(key="export_layer").set_value("wastewater")
    data_page.selectbox(key="export_format").set_value("geojson")
    next(b for b in data_page.button if b.label == "导出图层").click().run()
    assert not data_page.exception
    downloads = [el for el in data_page.get("download_button") if "wastewater.geojson" in el.proto.label]
    assert downloads


def test_import_section_is_absent_until_a_file_is_checked(data_page):
    assert not [b for b in data_page.button if b.label.startswith("导入 ")]
