"""Two portal instances on one PostGIS (issue 17): a login made on one holds on the other, and an edit
saved through one shows on the other's map and panel.

Part of the store contract run (tests/pg_contract.sh); skipped without a PostGIS server.
"""

from __future__ import annotations

import pytest

import layers
from geo import auth, editing
from geo.config import Limits
from geo.store.features import read_layer
from tests import pg
from tests.browser import features, log_in, mouse_to, ready_map, start_portal, wait_drawn
from tests.conftest import ADMIN

pytestmark = [
    pytest.mark.browser,
    pytest.mark.store,
    pytest.mark.skipif(not pg.enabled(), reason="two instances on one server need PostGIS (BINHAI_TEST_PG)"),
]
PARKS = layers.get_spec("parks")


@pytest.fixture
def two_portals(seeded_store, tmp_path, artifacts_dir):
    env = {"BINHAI_DB_URL": seeded_store.location}
    started = []
    try:
        for _ in range(2):
            started.append(start_portal(tmp_path / "unused.duckdb", artifacts_dir / "postgis", extra_env=env))
        yield seeded_store, started
    finally:
        for portal in started:
            portal.process.terminate()
            portal.process.wait(timeout=10)


def test_a_login_and_an_edit_made_on_one_instance_hold_on_the_other(two_portals, browser_page):
    store, (first, second) = two_portals
    page, _ = browser_page
    auth.add_user(store, ADMIN, "pg.admin", "pg-password-1", ["admin"], "双实例管理员")
    sidebar = page.get_by_test_id("stSidebar")

    page.goto(first.url + "parks", wait_until="domcontentloaded")
    log_in(page, "pg.admin", "pg-password-1")
    sidebar.get_by_text("已登录：双实例管理员").wait_for(timeout=60_000)
    for _ in range(50):  # the page trades its one-time ticket for the session cookie
        if any(c["name"] == "binhai_session" for c in page.context.cookies()):
            break
        page.wait_for_timeout(200)

    # The other instance: same browser, the session is a row of the shared database.
    page.goto(second.url + "parks", wait_until="domcontentloaded")
    sidebar.get_by_text("已登录：双实例管理员").wait_for(timeout=60_000)
    assert "PostGIS" in sidebar.inner_text()
    frame = ready_map(page)
    wait_drawn(frame, "choropleth")
    assert len(features(frame, "choropleth")) >= 40

    # An editor saves a park through the first instance's store (another process, same database) …
    park = next(f for f in features(frame, "choropleth") if f["own"])["id"]
    row = read_layer(store, PARKS, with_versions=True).set_index("id").loc[park]
    values = {f: row[f] for f in PARKS.field_names} | {"name": "双实例改名园区"}
    editing.edit_feature(store, ADMIN, PARKS, park, values, row.geometry, int(row["version"]), Limits())

    # … and the second instance shows it after a reload: map feature and panel.
    page.reload(wait_until="domcontentloaded")
    frame = ready_map(page)
    wait_drawn(frame, "choropleth")
    target = next(f for f in features(frame, "choropleth") if f["id"] == park)
    mouse_to(page, target, click=True)
    page.locator(".st-key-park_panel_title strong").filter(has_text="双实例改名园区").wait_for(timeout=60_000)
    page.screenshot(path=str(first.artifacts / "postgis-two-instances.png"), full_page=True)
