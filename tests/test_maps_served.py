"""Layer data served as static files (geo/maps/served.py): local URLs only, same rows, atomic, cleaned up."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import time
from urllib.parse import parse_qs

import layers
from geo.config import ROOT
from geo.maps import build_map, render_html, serve_layer_data, standalone_html
from geo.maps.assets import PREFETCH_ASSET
from geo.maps.served import CACHE_DIR, CACHE_URL, layer_rows, sweep

URL = re.compile(r"""https?://[^\s"'<>)]+""")


def _served(tmp_path, frames):
    fmap = build_map(frames)
    rows = [e.rows for e in layer_rows(fmap)]
    serve_layer_data(fmap, folder=tmp_path, base_url=CACHE_URL)
    return fmap, rows


def test_served_map_fetches_each_layer_from_a_local_file_holding_the_same_rows(tmp_path, tiny_parks, tiny_wastewater):
    frames = [(layers.get_spec("parks"), tiny_parks), (layers.get_spec("wastewater"), tiny_wastewater)]
    fmap, rows = _served(tmp_path, frames)
    page = render_html(fmap)
    urls = re.findall(r'var url = new URL\("([^"]+)", document.baseURI\)', page)
    assert len(urls) == len(rows) == 2
    assert all(u.startswith("../../app/static/cache/") and u.endswith(".json") for u in urls)
    assert URL.findall(page) == []  # offline: nothing but same-origin paths
    for url, text in zip(urls, rows, strict=True):
        served = (tmp_path / url.rsplit("/", 1)[1]).read_text(encoding="utf-8")
        assert served == text
        json.loads(served)  # the browser reads it with JSON.parse
    assert "南港测试园区" not in page and "\\u5357\\u6e2f" not in page  # the rows are no longer in the script
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_file_is_named_by_its_content_and_written_once(tmp_path, tiny_parks):
    frames = [(layers.get_spec("parks"), tiny_parks)]
    _served(tmp_path, frames)
    (first,) = tmp_path.glob("*.json")
    os.utime(first, (1, 1))
    _served(tmp_path, frames)
    assert list(tmp_path.glob("*.json")) == [first]
    assert first.stat().st_mtime > 1  # served again: kept fresh for the clean-up
    tiny_parks.loc[0, "name"] = "改名园区"
    _served(tmp_path, frames)
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_files_nobody_served_for_a_day_are_removed(tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text("[]")
    new.write_text("[]")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    assert sweep(tmp_path) == [old]
    assert not old.exists() and new.exists()


def test_the_exported_file_carries_its_data_inside(tmp_path, tiny_parks):
    fmap, _ = _served(tmp_path, [(layers.get_spec("parks"), tiny_parks)])
    page = standalone_html(fmap)
    assert "fetch(" not in page and "prefetch" not in page
    assert "\\u5357\\u6e2f\\u6d4b\\u8bd5\\u56ed\\u533a" in page  # 南港测试园区, inline again


def test_a_layer_hidden_at_first_is_fetched_when_it_is_switched_on(tmp_path, tiny_parks):
    hidden = dataclasses.replace(layers.get_spec("parks"), shown_by_default=False)
    fmap, _ = _served(tmp_path, [(hidden, tiny_parks)])
    page = render_html(fmap)
    assert 'layer.once("add", load);' in page and " load();" not in page
    assert PREFETCH_ASSET not in dict(fmap.default_js)  # nothing to fetch ahead
    shown, _ = _served(tmp_path, [(layers.get_spec("parks"), tiny_parks)])
    assert " load();" in render_html(shown)


def test_the_files_of_layers_shown_at_first_are_fetched_by_the_maps_first_script(tmp_path, tiny_parks, tiny_wastewater):
    hidden = dataclasses.replace(layers.get_spec("wastewater"), shown_by_default=False)
    fmap, rows = _served(tmp_path, [(layers.get_spec("parks"), tiny_parks), (hidden, tiny_wastewater)])
    first_name, first_src = fmap.default_js[0]
    assert first_name == PREFETCH_ASSET and [n for n, _ in fmap.default_js].count(PREFETCH_ASSET) == 1
    path, query = first_src.split("?")
    assert path == "../../app/static/binhai/prefetch.js" and (ROOT / "static/binhai/prefetch.js").is_file()
    parks_file = [e.url for e in layer_rows(fmap)][0].rsplit("/", 1)[1]
    assert parse_qs(query) == {"f": [parks_file]}  # the shown layer only; the hidden one waits for its switch
    serve_layer_data(fmap, folder=tmp_path, base_url=CACHE_URL)  # served again: still one prefetch
    assert [n for n, _ in fmap.default_js].count(PREFETCH_ASSET) == 1
    # The map's script takes the prefetched text when it is there, and fetches the file itself otherwise.
    page = render_html(fmap)
    assert "prefetched[url] || fetch(url)" in page and URL.findall(page) == []


def test_every_page_map_fetches_its_layers_from_served_files(page_maps):
    """No page hands a map to st_folium with its rows still inside the script (views.shell.show_map)."""
    served = 0
    for made in page_maps:
        for element in layer_rows(pickle.loads(made)):
            assert element.url is not None and element.url.startswith(CACHE_URL + "/"), element.url
            assert (CACHE_DIR / element.url.rsplit("/", 1)[1]).read_text(encoding="utf-8") == element.rows
            served += 1
    assert served >= len(page_maps)  # every map has at least one layer of rows
