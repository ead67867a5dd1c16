"""Real-browser journey: the portal serves an offline map with every layer drawn, nothing leaves localhost."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

import layers
from tests.browser import features, frame_of, map_frame, mouse_to, wait_drawn, wait_for_cookie

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_overview_map_draws_every_layer_offline(portal, browser_page):
    page, requests = browser_page
    page.goto(portal.url, wait_until="domcontentloaded")
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    frame = map_frame(page)
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    wait_drawn(frame, "parks")
    drawn = wait_drawn(frame)
    # Admin units + parks + water bodies + zones + facilities in the seeded store: well over 100 shapes.
    assert drawn > 100
    # One canvas draws them all (not one SVG element per shape).
    assert frame.locator("path.leaflet-interactive").count() == 0
    assert frame.locator(".leaflet-overlay-pane canvas").count() == 1
    # The canvas draws (and hit-tests) in the order shapes were added: layers in the map's draw order,
    # whichever layer's data file arrived first.
    drawn_order = frame_of(frame).evaluate(
        """() => { const out = [];
            let item = Object.values(window.binhaiMap._layers).find(l => l._drawFirst)._drawFirst;
            for (; item; item = item.next) { const n = item.layer._binhaiLayer; if (n && out[out.length - 1] !== n) out.push(n); }
            return out; }"""
    )
    ranks = {spec.name: spec.draw_order for spec in layers.all_specs()}
    assert drawn_order == sorted(drawn_order, key=ranks.get) and len(drawn_order) == len(set(drawn_order)), drawn_order
    overlays = frame.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("工业园区" in o for o in overlays)
    assert any("黑臭水体" in o for o in overlays)
    assert frame.locator(".binhai-legend").inner_text().count("示意数据") == 1
    page.screenshot(path=str(portal.artifacts / "overview-map.png"), full_page=True)
    foreign = sorted({r for r in requests if urlparse(r).hostname not in LOCAL_HOSTS and not r.startswith("data:")})
    assert foreign == []


def test_park_tooltip_shows_escaped_text_on_hover(portal, browser_page):
    page, _ = browser_page
    page.goto(portal.url, wait_until="domcontentloaded")
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    frame = map_frame(page)
    wait_drawn(frame, "parks")
    park = next(f for f in features(frame, "parks") if f["own"])
    mouse_to(page, park)  # a real pointer over the park, on the canvas
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=10_000)
    assert "园区名称" in tooltip.inner_text()


def test_english_toggle_relabels_navigation_and_layers(portal, browser_page):
    page, _ = browser_page
    page.goto(portal.url, wait_until="domcontentloaded")
    # The browser's tab names the page, then the portal, in the chosen language.
    page.wait_for_function("() => document.title === '一张图 · 滨海新区节能减排一张图'", timeout=30_000)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("link", name="Layers & data").wait_for(timeout=30_000)
    page.get_by_text("Binhai Energy & Emissions Map").first.wait_for(timeout=30_000)
    page.wait_for_function("() => document.title === 'Map · Binhai Energy & Emissions Map'", timeout=30_000)
    map_frame(page).get_by_text("Industrial parks").first.wait_for(timeout=30_000)


def test_the_chosen_language_outlives_a_reload_and_opens_a_new_tab(portal, browser_page):
    page, _ = browser_page
    page.goto(portal.url + "parks", wait_until="domcontentloaded")
    page.get_by_text("English", exact=True).click()
    page.get_by_role("link", name="Layers & data").wait_for(timeout=30_000)
    wait_for_cookie(page, "binhai_lang", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=30_000)  # the open page too
    document = page.reload(wait_until="domcontentloaded")
    # The document itself already says so, before the page's script runs.
    assert '<html lang="en">' in document.text()
    assert "<title>Binhai Energy &amp; Emissions Map</title>" in document.text()
    page.get_by_role("link", name="Layers & data").wait_for(timeout=60_000)
    page.wait_for_function("() => document.title === 'Park indicators · Binhai Energy & Emissions Map'", timeout=30_000)
    tab = page.context.new_page()
    tab.goto(portal.url + "map", wait_until="domcontentloaded")
    tab.get_by_role("link", name="Layers & data").wait_for(timeout=60_000)
    tab.close()
    # And back: Chinese is kept the same way.
    page.get_by_text("中文", exact=True).click()
    page.get_by_role("link", name="图层与数据").wait_for(timeout=30_000)
    wait_for_cookie(page, "binhai_lang", "zh")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'", timeout=30_000)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("link", name="图层与数据").wait_for(timeout=60_000)


def test_a_layer_off_at_first_is_fetched_and_drawn_when_switched_on(portal, browser_page):
    page, requests = browser_page
    page.goto(portal.url, wait_until="domcontentloaded")
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    frame = map_frame(page)
    wait_drawn(frame, "parks")
    assert "two_high_projects" not in frame_of(frame).evaluate("() => window.binhaiDrawn")  # off: not fetched
    frame.locator(".leaflet-control-layers-overlays label", has_text="两高项目台账").locator("input").check()
    assert wait_drawn(frame, "two_high_projects") > 0
    assert frame_of(frame).evaluate("() => window.binhaiDrawn.two_high_projects") > 0
    fetched = [r for r in requests if "/app/static/cache/" in r]
    assert fetched and all(urlparse(r).hostname in LOCAL_HOSTS for r in fetched)


def test_scale_is_metric_only_attribution_names_the_source_only_and_the_district_fills_the_view(portal, browser_page):
    page, _ = browser_page
    page.goto(portal.url, wait_until="domcontentloaded")
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    frame = frame_of(map_frame(page))
    wait_drawn(frame, "parks")
    lines = frame.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(lines) == 1 and lines[0].strip().endswith(("km", " m")), lines  # no miles, no feet
    attribution = frame.locator(".leaflet-control-attribution")
    assert attribution.inner_text().strip() == "示意数据（非真实统计与边界）"
    assert attribution.locator("svg, img").count() == 0  # Leaflet 1.9's prefix (a link with a flag) is gone
    # Tight: the admin units' bounds fit, and one zoom level more would cut them.
    tight = frame.evaluate(
        """() => {
            const map = window.binhaiMap, units = [];
            map.eachLayer(l => { if (l._binhaiLayer === 'admin_units' && l.getBounds) units.push(l.getBounds()); });
            const b = units.reduce((a, x) => a.extend(x), L.latLngBounds(units[0].getSouthWest(), units[0].getNorthEast()));
            return {inside: map.getBounds().contains(b), zoom: map.getZoom(),
                    best: map.getBoundsZoom(b, false, L.point(16, 16))};
        }"""
    )
    assert tight["inside"] and tight["zoom"] == tight["best"], tight


def _opens_at_its_own_address(page, url: str) -> None:
    """A page opened at its address (a bookmark, a link, a reload): no failed request, its map drawn."""
    failed: list[tuple[int, str]] = []
    page.on("response", lambda r: r.status >= 400 and failed.append((r.status, r.url)))
    document = page.goto(url, wait_until="domcontentloaded")
    assert '<html lang="zh-CN">' in document.text() and "<title>滨海新区节能减排一张图</title>" in document.text()
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    assert wait_drawn(map_frame(page), "choropleth") > 0  # 园区指标's parks
    page.wait_for_function("() => document.title === '园区指标 · 滨海新区节能减排一张图'", timeout=30_000)
    # Streamlit's frontend used to look for its server under the page's path first (two 404s and a pause).
    assert failed == []


def test_a_pages_own_address_opens_without_a_failed_request(portal, browser_page):
    page, _ = browser_page
    _opens_at_its_own_address(page, portal.url + "parks")


def test_a_portal_served_under_a_path_of_its_own_draws_its_maps_and_keeps_a_login(
    _seeded_template, tmp_path_factory, artifacts_dir, browser_page
):
    """Behind a gateway at /binhai/ (server.baseUrlPath): Leaflet, the layer files and the session routes."""
    from geo import auth
    from geo.store.db import Store
    from tests.browser import log_in, served_portal
    from tests.conftest import ADMIN

    path = tmp_path_factory.mktemp("portal-base") / "portal.duckdb"
    shutil.copy(_seeded_template, path)
    auth.add_user(Store(path), ADMIN, "gateway.user", "gateway-password", ["viewer"], "网关用户")
    with served_portal(path, artifacts_dir / "base-path", base_path="binhai") as served:
        assert served.url.endswith("/binhai/")
        page, requests = browser_page
        _opens_at_its_own_address(page, served.url + "parks")
        fetched = [urlparse(r).path for r in requests if "/app/static/" in r]
        assert fetched and all(p.startswith("/binhai/app/static/") for p in fetched), fetched
        log_in(page, "gateway.user", "gateway-password")
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("已登录：网关用户").wait_for(timeout=30_000)
        wait_for_cookie(page, "binhai_session", timeout_ms=10_000)  # traded for its ticket at <portal>/portal/session
        page.reload(wait_until="domcontentloaded")
        sidebar.get_by_text("已登录：网关用户").wait_for(timeout=60_000)
