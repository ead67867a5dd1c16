"""The portal as one ASGI app: the Streamlit pages (streamlit_app.py) plus the two session routes.

`make run` serves this file (`streamlit run server.py`). The routes exist because a Streamlit page
cannot set an HttpOnly cookie: after a good login the page asks the browser to trade a one-time
ticket here for the session cookie, so a reload keeps the user logged in (geo/auth/sessions.py).
Streamlit's own frontend files are answered from memory, and the page's document is amended (the
portal's language and name; where the server is) in geo/static_assets.py. Under `server.baseUrlPath`
the routes sit under that path too.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit import config, file_util
from streamlit.logger import get_logger

from geo.auth import sessions
from geo.config import Limits, SettingsError, load_limits, load_settings
from geo.errors import PortalError
from geo.i18n import HTML_LANG, LANGUAGE_COOKIE, LANGUAGES, t
from geo.static_assets import CachedAssets, PageDocument
from geo.store import open_store
from geo.tcp import nodelay_listeners

MAX_TICKET_BYTES = 256
_LOGGER = get_logger("binhai.server")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def open_session(request: Request) -> Response:
    """Trade the page's one-time ticket for the HttpOnly session cookie."""
    ticket = (await request.body())[:MAX_TICKET_BYTES].decode("utf-8", errors="replace").strip()
    try:
        token = sessions.redeem_ticket(open_store(load_settings().store_location), ticket, _now()) if ticket else None
    except PortalError:
        token = None
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=sessions.COOKIE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def close_session(request: Request) -> Response:
    """Log out: end the session behind the cookie and clear it."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        try:
            sessions.close_session(open_store(load_settings().store_location), token)
        except PortalError:
            pass  # a store that cannot be opened has no session to end; the cookie is cleared anyway
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, httponly=True, samesite="strict")
    return response


def _upload_limit_mb() -> int:
    try:
        return max(1, math.ceil(load_limits().max_upload_mb))
    except SettingsError:  # the pages name the malformed setting; the server still starts to show them
        return math.ceil(Limits().max_upload_mb)


def _document_language() -> str:
    try:
        return load_settings().language
    except SettingsError:  # the pages name the malformed setting
        return "zh"


# Streamlit has bound the listening socket by now and uvicorn accepts nothing before this module is
# imported: every connection it accepts inherits TCP_NODELAY (≈ 44 ms less per request after a
# connection's first; geo/tcp.py).
_LOGGER.info("TCP_NODELAY set on %d listening socket(s)", nodelay_listeners())

# The uploader's stated limit and the server's own are BINHAI_MAX_UPLOAD_MB, like the import check.
config.set_option("server.maxUploadSize", _upload_limit_mb())

# The portal's own path (server.baseUrlPath, "" at the root): its routes and middleware sit under it too.
_BASE_PATH = (config.get_option("server.baseUrlPath") or "").strip("/")
_PORTAL_PATH = f"/{_BASE_PATH}" if _BASE_PATH else ""
_LANGUAGE = _document_language()

# The portal's own CSS, in every page's document. On a screen wider than a phone, Streamlit leaves 96 px
# above a page's title (its header, 60 px and transparent, holds only the menu at the right): 40 px of
# them go back to the page, so every map starts that much higher on the first screen. Streamlit's own
# rule is one class deep; two classes win over it whatever the order of the style sheets.
PAGE_STYLE = "@media (min-width: 768px){.stMain .stMainBlockContainer{padding-top:3.5rem}}"

# How the portal is served, beside its pages: the bench's floors (bench/floor_server.py) are served the same way.
SERVING = [
    # The page's document in the browser's language and the portal's name, saying where the server is.
    Middleware(
        PageDocument,
        languages={code: (HTML_LANG[code], t("app_title", code)) for code in LANGUAGES},
        default=_LANGUAGE,
        cookie=LANGUAGE_COOKIE,
        base_url=_BASE_PATH,
        style=PAGE_STYLE,
    ),
    # Streamlit's hashed frontend files from memory: ≈ 150 of them on a first visit (geo/static_assets.py).
    Middleware(CachedAssets, directory=file_util.get_static_dir(), base_url=_BASE_PATH),
]

app = st.App(
    "streamlit_app.py",
    middleware=SERVING,
    routes=[
        Route(f"{_PORTAL_PATH}/portal/session", open_session, methods=["POST"]),
        Route(f"{_PORTAL_PATH}/portal/logout", close_session, methods=["POST"]),
    ],
)
