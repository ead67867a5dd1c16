"""The GIS basics on the map, in Chromium: search and zoom to a name, the features-in-view list, and a
length/area measure computed in EPSG:4548 (checked against pyproj on the very points clicked)."""

from __future__ import annotations

import math

import pytest
from pyproj import Transformer

from tests.browser import MAP_IFRAME, ready_map

pytestmark = pytest.mark.browser


def _map(page, portal, path: str):
    page.goto(portal.url + path, wait_until="domcontentloaded")
    frame = ready_map(page)
    # The count made once every layer is in (layer files arrive after the tools are added).
    frame.locator('.binhai-inview-box[data-settled="1"]').wait_for(timeout=30_000)
    return frame


@pytest.mark.parametrize("path", ["map", "parks", "assessment"])
def test_search_by_part_of_a_name_zooms_to_the_feature_and_the_in_view_list_follows(portal, browser_page, path):
    page, _ = browser_page
    frame = _map(page, portal, path)
    before = int(frame.locator(".binhai-inview-box").get_attribute("data-count"))
    zoom = frame.evaluate("() => window.binhaiMap.getZoom()")
    frame.locator(".binhai-search input").fill("南港")
    results = frame.locator(".binhai-results li")
    results.first.wait_for(timeout=10_000)
    names = results.all_inner_texts()
    assert names and all("南港" in n for n in names)
    results.first.click()
    frame.wait_for_function(f"() => window.binhaiMap.getZoom() > {zoom}", timeout=10_000)
    frame.wait_for_function(
        f"() => Number(document.querySelector('.binhai-inview-box').dataset.count) < {before}", timeout=10_000
    )
    frame.locator(".binhai-inview-box summary").click()
    assert names[0] in frame.locator(".binhai-inview li").all_inner_texts()


def test_measure_gives_length_and_area_in_epsg_4548(portal, browser_page):
    page, _ = browser_page
    frame = _map(page, portal, "map")
    frame.evaluate("() => { window.binhaiMap.setView([38.85, 117.55], 11, {animate: false}); }")
    frame.evaluate(
        "() => { window.clicked = []; window.binhaiMap.on('click', e => window.clicked.push([e.latlng.lng, e.latlng.lat])); }"
    )
    frame.locator(".binhai-measure-start").click()
    box = page.locator(MAP_IFRAME).first.bounding_box()
    for lat, lon in ((38.80, 117.50), (38.80, 117.60), (38.90, 117.60)):
        x, y = frame.evaluate(
            f"() => {{ var p = window.binhaiMap.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}"
        )
        page.mouse.click(box["x"] + x, box["y"] + y)  # on parks and zones too: while measuring they let clicks through
    out = frame.locator(".binhai-measure-out")
    # proj4js comes after the first paint (or with the first measure): the figures follow once it is in.
    frame.wait_for_function("() => document.querySelector('.binhai-measure-out').dataset.points === '3'")
    assert "EPSG:4548" in out.inner_text()
    points = frame.evaluate("() => window.clicked")
    assert len(points) == 3
    to_4548 = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    xy = [to_4548.transform(lon, lat) for lon, lat in points]
    length = math.dist(xy[0], xy[1]) + math.dist(xy[1], xy[2])
    area = abs(sum(xy[i][0] * xy[(i + 1) % 3][1] - xy[(i + 1) % 3][0] * xy[i][1] for i in range(3))) / 2
    assert float(out.get_attribute("data-length-m")) == pytest.approx(length, rel=1e-6)
    assert float(out.get_attribute("data-area-m2")) == pytest.approx(area, rel=1e-6)
    assert f"{length / 1000:.3f} km" in out.inner_text() and f"{area / 1e6:.4f} km²" in out.inner_text()
    # Measuring did not select a park or open a popup.
    assert frame.locator(".leaflet-popup").count() == 0
