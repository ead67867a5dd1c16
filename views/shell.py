"""What every page shares: settings, the store, language, basemap choice, cached layer reads.

This is the Streamlit boundary: caching lives here, never in geo/.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium

import layers
from geo import auth
from geo.auth import sessions
from geo.config import BASEMAPS, ROOT, Settings, SettingsError, load_settings
from geo.errors import PortalError
from geo.i18n import HTML_LANG, LANGUAGE_COOKIE, LANGUAGES, t, unit_text
from geo.i18n import with_unit as i18n_with_unit
from geo.indicators import INDICATORS
from geo.io.tables import table_csv, table_xlsx
from geo.maps import Basemap, serve_layer_data
from geo.permissions import Actor
from geo.settings import current_settings
from geo.store import Store, open_store
from geo.store.features import LayerDiff, count_features, layer_diff, read_layer


def settings() -> Settings:
    # Not cached: reading a few env vars is cheap, and tests point BINHAI_DB elsewhere per run.
    return load_settings()


def check_settings() -> None:
    """Stop with a page that names the malformed setting (never a stack trace, nothing opened), or the
    database server that cannot be reached (the next page load tries again)."""
    try:
        load_settings()
    except SettingsError as err:
        st.title("滨海新区节能减排一张图")
        st.error(f"{md_escape(err.zh)}\n\n{md_escape(err.en)}")
        st.info("请修正上述环境变量后重新启动门户 / fix the setting above and restart the portal")
        st.stop()
    try:
        store()
    except SettingsError as err:
        store_unreachable(err)


def store_unreachable(err: SettingsError) -> None:
    """The page for a database that cannot be opened or reached right now (a server down, a full disk)."""
    st.title("滨海新区节能减排一张图")
    st.error(f"{md_escape(err.zh)}\n\n{md_escape(err.en)}")
    st.info(
        "数据库暂时无法连接：请稍后刷新页面，或联系系统管理员 / the database cannot be reached right now: reload shortly, or call the administrator"
    )
    st.stop()


@st.cache_resource
def _store_at(location: str) -> Store:
    db = open_store(location)
    if db.exists:
        # Bring an existing store up to date once per process (new migrations, new layers' tables).
        db.migrate(layers.all_specs())
    return db


def store() -> Store:
    return _store_at(settings().store_location)


def lang() -> str:
    return st.session_state.get("lang", settings().language)


def tr(key: str, **values: object) -> str:
    return t(key, lang(), **values)


@st.cache_data(ttl=1.0, show_spinner=False)
def _version_at(location: str) -> int:
    # A write in another process (the CLI, another portal instance) shows up within a second; writes
    # here clear this cache.
    return open_store(location).data_version()


def data_version() -> int:
    return _version_at(store().location)


def after_write() -> None:
    """Call after a write from a page so the next read sees it at once."""
    _version_at.clear()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_call(fn_path: str, location: str, version: int, args: tuple, kwargs: tuple) -> Any:
    module, name = fn_path.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    return fn(open_store(location), *args, **dict(kwargs))


def cached(fn: Callable[..., Any], db: Store, *args: Any, **kwargs: Any) -> Any:
    """Call fn(db, *args, **kwargs) through st.cache_data, keyed on the store's data version.

    The boundary where geo/ functions get cached: geo/ itself stays free of streamlit.
    """
    path = f"{fn.__module__}.{fn.__qualname__}"
    return _cached_call(path, db.location, data_version(), args, tuple(sorted(kwargs.items())))


def _tables(db: Store) -> set[str]:
    return db.tables()


def store_ready() -> bool:
    """True when the store exists and has the layer tables; otherwise explains how to seed it."""
    db = store()
    if not db.exists or not set(layers.REGISTRY) <= cached(_tables, db):
        st.warning(tr("store_missing"))
        return False
    return True


def page_header(title_key: str, *note_keys: str) -> Store:
    """Title, notes and the illustrative-data banner; stops the page (with a hint) when the store is not ready."""
    st.title(tr(title_key))
    for key in note_keys:
        st.caption(tr(key))
    st.caption(tr("illustrative_banner"))
    if not store_ready():
        st.stop()
    return store()


def indicator_choice(column: Any, codes: Sequence[str], key: str | None = None, index: int = 0) -> str:
    """An indicator selectbox labelled with each indicator's title and unit, in the page's language."""
    return column.selectbox(
        tr("indicator"),
        list(codes),
        index=index,
        format_func=lambda c: with_unit(INDICATORS[c].title(lang()), INDICATORS[c].unit),
        key=key,
    )


def year_choice(column: Any, years: Sequence[int], key: str | None = None) -> int:
    """A year slider over the years with statistics, the latest chosen first."""
    return column.select_slider(tr("year"), options=list(years), value=years[-1], key=key)


def layer_frame(name: str, as_of: date | None = None) -> gpd.GeoDataFrame:
    """A layer's features (now, or as they were on `as_of`), cached on the data version."""
    return cached(_read_layer_by_name, store(), name, as_of)


def _read_layer_by_name(db: Store, name: str, as_of: date | None = None) -> gpd.GeoDataFrame:
    return read_layer(db, layers.get_spec(name), as_of=as_of)


def layer_diff_by_name(db: Store, name: str, start: date, end: date) -> LayerDiff:
    """What changed in a layer between two dates (for `cached`: looked up by the layer's name)."""
    return layer_diff(db, layers.get_spec(name), start, end)


def _layer_counts(db: Store) -> dict[str, int]:
    return {spec.name: count_features(db, spec) for spec in layers.all_specs()}


def layer_counts() -> dict[str, int]:
    return cached(_layer_counts, store())


def local_tiles_present() -> bool:
    tiles = ROOT / "static" / "tiles"
    return any(p.is_dir() for p in tiles.iterdir()) if tiles.exists() else False


def show_map(
    fmap: Any, key: str, height: int, returned: Sequence[str] = (), selection: Any = None
) -> dict[str, Any] | None:
    """Every page's map: its layers' rows served as static files (geo/maps/served.py), then drawn.

    Only the `returned` objects (e.g. "last_active_drawing" for a click) rerun the page: with none,
    panning and zooming never do. `selection` is a feature group drawn over the map (the chosen
    feature), so choosing another one leaves the map and the user's view as they are.
    """
    # Looked up when called, not imported by name: tests wrap st_folium to keep the maps pages make.
    return streamlit_folium.st_folium(
        serve_layer_data(fmap),
        height=height,
        use_container_width=True,
        returned_objects=list(returned),
        feature_group_to_add=selection,
        key=key,
    )


def chosen_basemap() -> Basemap:
    """The sidebar's basemap, falling back to none (with a message) when it cannot work offline."""
    cfg = settings()
    kind = st.session_state.get("basemap", cfg.basemap)
    if kind == "tianditu" and not cfg.tianditu_key:
        st.info(tr("tianditu_needs_key"))
        kind = "none"
    if kind == "local" and not local_tiles_present():
        st.info(tr("local_tiles_missing"))
    return Basemap(kind=kind, tianditu_key=cfg.tianditu_key, local_tiles_url=cfg.local_tiles_url)


def _default_basemap(db: Store, cfg: Settings) -> str:
    """The administrators' choice kept in the store (系统管理 → 设置), else BINHAI_BASEMAP."""
    if not db.exists or "settings" not in cached(_tables, db):
        return cfg.basemap
    return cached(current_settings, db)["map.default_basemap"] or cfg.basemap


def sidebar() -> None:
    """Language toggle, basemap choice and the illustrative-data notice (drawn on every page)."""
    cfg = settings()
    st.session_state.setdefault("lang", _remembered_language() or cfg.language)
    st.session_state.setdefault("basemap", _default_basemap(store(), cfg))
    restore_login(cfg)
    expire_idle_login(cfg.session_minutes)
    with st.sidebar:
        st.radio(
            t("language", lang()),
            options=list(LANGUAGES),
            format_func=LANGUAGES.get,
            horizontal=True,
            key="lang",
            on_change=_language_chosen,
        )
        if st.session_state.pop("remember_language", False):
            _remember_language(lang())
        st.selectbox(
            tr("basemap"),
            options=BASEMAPS,
            format_func=lambda k: tr(f"basemap_{k}"),
            key="basemap",
        )
        login_box()
        st.caption(tr("illustrative_banner"))
        if current_user() is not None:  # which store: for the people who edit it, not for the public (公示)
            st.caption(f"DB: `{store().name}`" + (" (PostGIS)" if store().kind == "postgis" else ""))


def show_error(err: PortalError) -> None:
    # Messages quote the user's file names and values: shown as literal text, never as markdown or HTML.
    st.error(f"{md_escape(err.message(lang()))}\n\n{md_escape(err.message('en' if lang() == 'zh' else 'zh'))}")


def current_user() -> auth.User | None:
    return st.session_state.get("user")


def current_actor() -> Actor | None:
    """The logged-in user as the acting person for geo/'s write functions (None when nobody is)."""
    user = current_user()
    return None if user is None else user.actor("portal")


def client_key() -> str:
    """Who is knocking, for login throttling: the client's address as Streamlit sees it."""
    try:
        address = st.context.ip_address
    except AttributeError:  # AppTest and bare runs have no request context
        address = None
    return address if isinstance(address, str) and address else "local"


def expire_idle_login(minutes: float) -> None:
    """Log out a user idle for more than `minutes`; otherwise note this run as activity."""
    if current_user() is None:
        return
    now = time.monotonic()
    last = st.session_state.get("last_activity", now)
    if now - last > minutes * 60:
        logout()
        st.session_state["login_notice"] = "session_expired"
        return
    st.session_state["last_activity"] = now


def _browser_cookie(name: str) -> str | None:
    """The value of the browser's cookie `name` as the page's connection carried it (None if absent or empty)."""
    try:
        value = st.context.cookies.get(name)
    except AttributeError:  # AppTest and bare runs have no request context
        return None
    return value if isinstance(value, str) and value else None


def _session_cookie() -> str | None:
    return _browser_cookie(sessions.COOKIE)


def _language_chosen() -> None:
    st.session_state["remember_language"] = True  # the run it starts has the browser keep the choice


def _remembered_language() -> str | None:
    """The language this browser chose last (its cookie), so a reload or a new tab keeps it."""
    code = _browser_cookie(LANGUAGE_COOKIE)
    return code if code in LANGUAGES else None


def _remember_language(code: str) -> None:
    """Have the browser keep the chosen language for a year (read back above and by server.py's document).

    The open page's `<html lang>` follows at once (the frame is same-origin), as the next document's will.
    """
    if code not in LANGUAGES:  # the radio's own options only: nothing typed reaches the script
        return
    components.html(
        f"<script>document.cookie = '{LANGUAGE_COOKIE}={code}; path=/; max-age=31536000; SameSite=Lax';"
        f"try {{ window.parent.document.documentElement.lang = '{HTML_LANG[code]}'; }} catch (e) {{}}</script>",
        height=0,
    )


def _browser_call(path: str, body: str = "") -> None:
    """Have the browser POST to one of server.py's session routes (same origin, cookies included).

    `path` is relative to the page's address (<portal>/<page>), so a portal served under a path of its
    own (server.baseUrlPath, or a gateway's sub-path) reaches its routes there.
    """
    components.html(
        "<script>fetch("
        + json.dumps(path)
        + ", {method: 'POST', credentials: 'same-origin', body: "
        + json.dumps(body)
        + "});</script>",
        height=0,
    )


def restore_login(cfg: Settings) -> None:
    """After a reload: the user of the session cookie, if that session is still open."""
    if current_user() is not None or st.session_state.get("logged_out"):
        return
    token = _session_cookie()
    db = store()
    if token is None or not db.exists or "portal_sessions" not in cached(_tables, db):
        return
    idle = timedelta(minutes=cfg.session_minutes)
    user = sessions.user_for_token(db, token, datetime.now(UTC).replace(tzinfo=None), idle)
    if user is not None:
        st.session_state["user"] = user
        st.session_state["last_activity"] = time.monotonic()


def logout() -> bool:
    """End the portal login; True when the browser is being sent on to the identity provider's logout.

    Then the caller must not `st.rerun()`: a new run clears the queue of messages not yet sent, and
    the redirect that `st.logout()` queued would be dropped (seen under load in a CI run).
    """
    for key in ("user", "last_activity"):
        st.session_state.pop(key, None)
    token = _session_cookie()
    if token is not None:
        sessions.close_session(store(), token)
    st.session_state["logged_out"] = True  # the cookie goes with the next page's call below
    st.session_state["clear_cookie"] = True
    if single_sign_on_configured() and st.user.is_logged_in:
        st.logout()
        return True
    return False


def single_sign_on_configured() -> bool:
    """Whether `[auth]` is set in .streamlit/secrets.toml (Streamlit's OIDC login, `st.login`)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def single_sign_on(db: Store) -> None:
    """The 单点登录 button; a signed-in identity becomes the portal user its e-mail (or subject) maps to."""
    if not st.user.is_logged_in:
        if st.button(tr("sso_login"), key="sso_login"):
            st.login()
        return
    email, subject = st.user.get("email"), st.user.get("sub")
    user = auth.user_for_identity(db, email, subject)
    if user is None:
        st.warning(tr("sso_unmapped", who=md_escape(email or subject or "?")))
        if st.button(tr("logout"), key="sso_logout"):
            st.logout()
        return
    if current_user() is None:
        st.session_state["user"] = user
        st.session_state["last_activity"] = time.monotonic()
        st.rerun()


def login_box() -> None:
    """Log in / out in the sidebar; a login outlives a reload through the session cookie (server.py)."""
    ticket = st.session_state.pop("session_ticket", None)
    if ticket:
        _browser_call("portal/session", ticket)
    if st.session_state.pop("clear_cookie", False):
        _browser_call("portal/logout")
    user = current_user()
    if user is not None:
        roles = "、".join(auth.role_title(r, lang()) for r in sorted(user.roles))
        st.caption(tr("logged_in_as", name=md_escape(user.display_name), role=md_escape(roles)))
        if st.button(tr("logout"), key="logout") and not logout():
            st.rerun()
        return
    notice = st.session_state.pop("login_notice", None)
    if notice:
        st.info(tr(notice))
    db = store()
    if not db.exists or "users" not in cached(_tables, db):
        return
    if single_sign_on_configured():
        single_sign_on(db)
        if current_user() is not None:
            return
    with st.expander(tr("login")), st.form("login", clear_on_submit=True):
        username = st.text_input(tr("username"))
        password = st.text_input(tr("password"), type="password")
        if st.form_submit_button(tr("login")):
            try:
                found = auth.authenticate(db, username.strip(), password, client=client_key())
            except auth.LoginRefused as err:
                show_error(err)
            else:
                st.session_state["user"] = found
                st.session_state["last_activity"] = time.monotonic()
                st.session_state.pop("logged_out", None)
                now = datetime.now(UTC).replace(tzinfo=None)
                st.session_state["session_ticket"] = sessions.open_session(db, found.username, client_key(), now)
                st.rerun()


def require_role(*roles: str) -> Actor | None:
    """The acting user if they hold one of `roles`; otherwise says which role is needed and returns None.

    Only decides what a page shows: geo/'s write functions check the role again themselves.
    """
    actor = current_actor()
    try:
        return auth.require(actor, roles)
    except auth.PermissionDenied as err:
        needed = " / ".join(auth.role_title(r, lang()) for r in roles)
        if actor is None:
            st.info(tr("login_needed_role", role=needed))
        else:
            show_error(err)
        return None


def as_of_choice(key: str = "as_of", where: Any = None) -> date | None:
    """The date control of the map pages: today shows now (None); an earlier day shows that day's state.

    `where`: a column of the page's first row of controls (the pages put it there, so the map starts
    higher on the screen); the page itself by default.
    """
    where = st if where is None else where
    today = date.today()
    chosen = where.date_input(
        tr("as_of"), value=st.session_state.get(key, today), max_value=today, key=f"{key}_input", help=tr("as_of_help")
    )
    st.session_state[key] = chosen
    if chosen >= today:
        return None
    where.caption(tr("as_of_showing", day=chosen.isoformat()))
    return chosen


_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:"


def md_escape(value: object) -> str:
    """User text made literal inside st.markdown/st.caption (no links, emphasis, HTML or LaTeX)."""
    text = "—" if value is None or (isinstance(value, float) and value != value) else str(value)
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def lazy_tabs(labels: Sequence[str], key: str) -> Sequence[Any]:
    """Tabs of which only the open one runs: the page checks `tab.open` before drawing a tab's content.

    Streamlit otherwise builds and sends every tab's content at once (maps, charts, tables of tabs
    nobody opened); here a click on another tab reruns the page (≈ 0.2 s). The open tab is kept in
    `st.session_state[key]` as its label.
    """
    return st.tabs(list(labels), key=key, on_change="rerun")


def lazy_expander(label: str, key: str) -> Any:
    """A collapsed expander whose content runs only while it is open (`box.open`), like `lazy_tabs`.

    For what sits under a page's map and is read less often (a chart, a quarterly table): a chart
    brings Vega's code (≈ 1 MB) to the page, and while the browser loaded it the map's frame waited —
    黑臭水体 drew its map ≈ 0.25 s sooner without its chart (A/B at the default scale). Opening it reruns
    the page (≈ 0.2 s); it stays open for the session (`st.session_state[key]`).
    """
    return st.expander(label, key=key, on_change="rerun")


# A long table is shown in part at first: at 10,000 parks the whole ranking is a 0.7 MB message whose
# decoding held the page's main thread — and the map beside it — for ≈ 0.3–0.4 s (measured at scale
# 250); nobody reads 10,000 rows on screen, and the export buttons carry them all.
SHOWN_ROWS = 200


def rows_shown(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """A table as shown: whole when short; its first SHOWN_ROWS rows unless the user asks for all."""
    if len(table) <= SHOWN_ROWS:
        return table
    if st.toggle(tr("show_all_rows", n=len(table)), key=f"{key}_all"):
        return table
    st.caption(tr("rows_shown", shown=SHOWN_ROWS, n=len(table)))
    return table.head(SHOWN_ROWS)


def download_table(df: pd.DataFrame, name: str, key: str | None = None) -> None:
    """CSV and Excel download buttons for a table shown on a page; the files are built when clicked."""
    c1, c2 = st.columns(2)
    c1.download_button(
        tr("export_csv"),
        partial(table_csv, df),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{key or name}",
        on_click="ignore",
    )
    c2.download_button(
        tr("export_xlsx"),
        partial(table_xlsx, {name[:31]: df}),
        on_click="ignore",
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key or name}",
    )


def unit_label(unit: str | None) -> str:
    """A unit in the page's language (`tce/万元` → `tce/10k yuan`)."""
    return unit_text(unit, lang())


def table_height(rows: int, most: int = 400) -> int | str:
    """A table's height: its rows when few (no empty filler rows), at most `most` pixels when many."""
    needed = 38 + 35 * rows
    return "auto" if needed <= most else most


def with_unit(label: str, unit: str | None) -> str:
    """`label（unit）` / `label (unit)` in the page's language."""
    return i18n_with_unit(label, unit, lang())
