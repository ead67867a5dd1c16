"""Map building: offline assets, escaping, legend, basemaps — asserted on the rendered HTML."""

from __future__ import annotations

import json
import re

import folium
import folium.plugins
import pytest

import layers
from geo.maps import Basemap, MissingAssetError, build_map, localize_assets, render_html

URL = re.compile(r"""https?://[^\s"'<>)]+""")


def _html(frames, **kw) -> str:
    return render_html(build_map(frames, **kw))


def test_rendered_map_references_no_remote_url_without_basemap(tiny_parks, tiny_wastewater):
    page = _html([(layers.get_spec("parks"), tiny_parks), (layers.get_spec("wastewater"), tiny_wastewater)])
    assert URL.findall(page) == []
    # Relative to the map's frame (…/component/streamlit_folium.st_folium/): works under a portal's sub-path.
    assert '"../../app/static/vendor/leaflet/leaflet.js"' in page
    assert '"../../app/static/vendor/leaflet/leaflet.css"' in page
    assert '"/app/static' not in page


def test_user_text_is_escaped_in_tooltips_and_popups(tiny_parks):
    tiny_parks.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    page = _html([(layers.get_spec("parks"), tiny_parks)])
    assert "<img src=x" not in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page


def test_choice_codes_are_shown_as_labels_in_the_chosen_language(tiny_parks):
    zh = _html([(layers.get_spec("parks"), tiny_parks)], lang="zh")
    en = _html([(layers.get_spec("parks"), tiny_parks)], lang="en")
    assert "\\u77f3\\u6cb9\\u5316\\u5de5" in zh  # 石油化工
    assert "Petrochemicals" in en


def test_legend_lists_every_layer_and_marks_data_illustrative(tiny_parks, tiny_wastewater):
    page = _html([(layers.get_spec("parks"), tiny_parks), (layers.get_spec("wastewater"), tiny_wastewater)])
    legend = page[page.index('class="binhai-legend"') :]
    assert "工业园区" in legend and "污水处理设施" in legend and "示意数据" in legend
    assert "城镇污水处理厂" in legend  # category row


def _overlay_titles(page: str) -> list[str]:
    """The overlay names of the map's one layer control, decoded from the rendered script."""
    assert page.count("L.control.layers(") == 1
    block = re.search(r"overlays\s*:\s*\{(.*?)\},", page, re.S).group(1)
    return [json.loads(name) for name in re.findall(r'("(?:[^"\\]|\\.)*")\s*:', block)]


def test_layer_control_gets_one_overlay_per_layer(tiny_parks, tiny_wastewater):
    page = _html([(layers.get_spec("parks"), tiny_parks), (layers.get_spec("wastewater"), tiny_wastewater)])
    assert _overlay_titles(page) == ["工业园区", "污水处理设施"]


def test_unvendored_plugin_asset_is_refused():
    fmap = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(fmap)
    with pytest.raises(MissingAssetError, match="Fullscreen"):
        localize_assets(fmap)


def test_draw_plugin_is_served_locally():
    fmap = folium.Map(tiles=None)
    folium.plugins.Draw().add_to(fmap)
    page = render_html(localize_assets(fmap))
    assert "../../app/static/vendor/leaflet-draw/leaflet.draw.js" in page
    assert URL.findall(page) == []


def test_tianditu_basemap_carries_the_key_url_encoded(tiny_parks):
    page = _html([(layers.get_spec("parks"), tiny_parks)], basemap=Basemap("tianditu", tianditu_key="k&y"))
    assert "tianditu.gov.cn/vec_w/wmts" in page and "tk=k%26y" in page
    assert "cva_w" in page


def test_local_tiles_basemap_uses_the_local_url(tiny_parks):
    page = _html([(layers.get_spec("parks"), tiny_parks)], basemap=Basemap("local"))
    assert '"../../app/static/tiles/{z}/{x}/{y}.png"' in page
    assert URL.findall(page) == []


def test_empty_layer_still_appears_in_layer_control(tiny_parks, tiny_wastewater):
    page = _html([(layers.get_spec("parks"), tiny_parks.iloc[:0]), (layers.get_spec("wastewater"), tiny_wastewater)])
    assert _overlay_titles(page) == ["工业园区", "污水处理设施"]


def test_mixed_lines_and_polygons_share_popup_fields_with_dashes_for_missing_measures():
    import geopandas as gpd
    import shapely

    spec = layers.get_spec("water_bodies")
    gdf = gpd.GeoDataFrame(
        {
            "id": ["WB-1", "WB-2"],
            "name": ["河道", "坑塘"],
            "stage": ["sustained", None],
            "area_km2": [float("nan"), 0.1],
            "length_km": [3.2, float("nan")],
        },
        geometry=[shapely.LineString([(117.6, 39.0), (117.7, 39.0)]), shapely.box(117.6, 39.1, 117.61, 39.11)],
        crs="EPSG:4326",
    )
    page = _html([(spec, gdf)])
    assert '"area_km2": "\\u2014"' in page and '"length_km": "\\u2014"' in page
    assert '"stage": "\\u2014"' in page


def test_vector_layers_share_one_canvas_and_no_data_fills_become_a_canvas_pattern(tiny_parks, monkeypatch):
    html = render_html(build_map([(layers.get_spec("parks"), tiny_parks)]))
    assert '"preferCanvas": true' in html
    # The hatched no-data fill names an SVG pattern; on a canvas it is drawn as a CanvasPattern.
    assert "L.Canvas.prototype._fillStroke = function" in html and 'indexOf("url(#")' in html
    # Every layer reports when it is drawn, under its own name, whatever the renderer.
    assert 'window.binhaiDrawn = window.binhaiDrawn || {})["parks"]' in html
    monkeypatch.setenv("BINHAI_MAP_RENDERER", "svg")
    assert '"preferCanvas": false' in render_html(build_map([(layers.get_spec("parks"), tiny_parks)]))


def test_an_unknown_renderer_is_refused_with_a_bilingual_message(monkeypatch):
    from geo.config import SettingsError, map_renderer

    monkeypatch.setenv("BINHAI_MAP_RENDERER", "webgl")
    with pytest.raises(SettingsError, match="BINHAI_MAP_RENDERER"):
        map_renderer()
