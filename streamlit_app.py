"""滨海新区节能减排一张图 — entry point: page list, navigation and the shared sidebar only."""

import os
import time
from pathlib import Path

import streamlit as st

from geo.config import SettingsError
from views.shell import check_settings, current_actor, sidebar, store_unreachable, tr

st.set_page_config(
    page_title="滨海新区节能减排一张图", page_icon=str(Path(__file__).parent / "static" / "favicon.png"), layout="wide"
)
check_settings()
sidebar()

map_page = st.Page("views/map.py", title=tr("nav_map"), icon=":material/map:", url_path="map")


def start_on_the_map() -> None:
    """ "/" is a way in, not an address of its own: every page, 一张图 included, keeps one stable URL."""
    st.switch_page(map_page)


pages = {
    tr("nav_group_browse"): [
        st.Page(start_on_the_map, title=tr("nav_map"), url_path="start", default=True, visibility="hidden"),
        map_page,
        st.Page("views/parks.py", title=tr("nav_parks"), icon=":material/factory:", url_path="parks"),
        st.Page("views/assessment.py", title=tr("nav_assessment"), icon=":material/flag:", url_path="assessment"),
        st.Page("views/ledgers.py", title=tr("nav_ledgers"), icon=":material/list_alt:", url_path="ledgers"),
        st.Page("views/facilities.py", title=tr("nav_facilities"), icon=":material/water_drop:", url_path="facilities"),
        st.Page("views/water.py", title=tr("nav_water"), icon=":material/water:", url_path="water"),
        st.Page("views/disclosure.py", title=tr("nav_disclosure"), icon=":material/campaign:", url_path="public"),
    ],
    tr("nav_group_manage"): [
        st.Page("views/data.py", title=tr("nav_data"), icon=":material/database:", url_path="data"),
        st.Page("views/zones.py", title=tr("nav_zones"), icon=":material/edit_location_alt:", url_path="zones"),
    ],
}
actor = current_actor()
# Listed for administrators only; its address works for anyone, so a bookmark opened before logging in
# says which login it needs (the page checks the role, and geo/ again) instead of "Page not found".
pages[tr("nav_group_manage")].append(
    st.Page(
        "views/admin.py",
        title=tr("nav_admin"),
        icon=":material/admin_panel_settings:",
        url_path="admin",
        visibility="visible" if actor is not None and actor.has("admin") else "hidden",
    )
)
page = st.navigation(pages)
# The browser's tab names the page (several pages open side by side are told apart), then the portal.
st.set_page_config(page_title=f"{page.title} · {tr('app_title')}")
if os.environ.get("BINHAI_RERUN_LOG"):  # `make bench` counts script runs per page (bench/browser.py)
    with open(os.environ["BINHAI_RERUN_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{time.time():.3f} {page.url_path}\n")
try:
    page.run()
except SettingsError as err:  # the database server went away while the page ran
    store_unreachable(err)
