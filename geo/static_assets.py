"""Streamlit's own frontend files (`/static/…`, named by their content) served from memory.

A first visit fetches ≈ 150 of them: the page's bundle, then each kind of element's code as the first
one arrives. Streamlit serves them with Starlette's `StaticFiles` — a `stat`, an `open` and reads in
worker threads, each hop waiting for the interpreter lock while the page's script runs in its own
thread (uvicorn has no `sendfile`). This middleware keeps each file's bytes once read and answers in
one message, with the headers Streamlit gives them (`immutable`: their names change with their
content). A/B in Chromium, first visits at the default scale, loads interleaved (README, ninth pass):
0.1–0.4 s sooner on seven pages of seven.

Anything else — a page's document, a file not found, a `Range` request, another method — goes to
Streamlit unchanged. The files are read lazily (only those a browser asks for, ≈ 10 MB at most).

`PageDocument` amends the page's document itself (Streamlit's index.html, its answer to every page's
address): the portal's language and name instead of "en" and "Streamlit", and — opened at a page's own
address — where the server is, so the frontend does not look for it under the page's path first.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
CACHE_CONTROL = "public, immutable, max-age=31536000"  # Streamlit's own for its hashed files (one year)
PREFIX = "/static/"


def _content_type(name: str) -> bytes:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith((".js", ".mjs")):
        kind = "text/javascript"  # some systems' mime tables say application/x-javascript
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    return kind.encode()


class CachedAssets:
    """ASGI middleware: GET/HEAD of `<base>/static/<file>` answered from memory.

    `directory` is Streamlit's static folder (the one holding index.html and static/); `base_url`
    is `server.baseUrlPath`, when the portal is served under a prefix.
    """

    def __init__(self, app, directory: str | Path, base_url: str = "") -> None:
        self.app = app
        self.root = (Path(directory) / PREFIX.strip("/")).resolve()
        base = base_url.strip("/")
        self.prefix = f"/{base}{PREFIX}" if base else PREFIX
        self.files: dict[str, tuple[bytes, bytes, bytes]] = {}  # url path → (body, content type, etag)

    def _file(self, path: str) -> tuple[bytes, bytes, bytes] | None:
        found = self.files.get(path)
        if found is not None:
            return found
        relative = path[len(self.prefix) :]
        if not relative or "\\" in relative or "\x00" in relative:
            return None
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None  # not found (or outside the folder): Streamlit answers as it always does
        body = target.read_bytes()
        etag = f'"{hashlib.sha1(body).hexdigest()}"'.encode()
        found = self.files[path] = (body, _content_type(target.name), etag)
        return found

    async def __call__(self, scope: Scope, receive, send) -> None:
        found = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"].startswith(self.prefix):
            headers = dict(scope.get("headers", ()))
            found = None if b"range" in headers else self._file(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        body, kind, etag = found
        status = 304 if headers.get(b"if-none-match") == etag else 200
        head = [(b"cache-control", CACHE_CONTROL.encode()), (b"etag", etag)]
        if status == 200:
            head += [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": head})
        sent = body if status == 200 and scope["method"] == "GET" else b""
        await send({"type": "http.response.body", "body": sent})


# Streamlit's frontend, opened at /parks, looks for its server at /parks/_stcore/health and
# …/host-config first (two 404s), waits ≈ 0.12 s and then tries /: 0.13–0.15 s of every first visit
# to a page's address (a bookmark, a shared link, a reload). `window.__streamlit.BACKEND_BASE_URL`
# names the server instead. It is worked out in the browser — the page's address without its last
# segment — so a proxy that serves the portal under a prefix of its own keeps working.
_SERVER_IS_HERE = (
    b"<script>(function(){var p=location.pathname.replace(/\\/+$/,''),s=window.__streamlit||{};"
    b"if(!s.BACKEND_BASE_URL)window.__streamlit=Object.assign({},s,"
    b"{BACKEND_BASE_URL:location.origin+p.slice(0,p.lastIndexOf('/')+1)});})();</script>"
)
_NOT_PAGES = ("static", "app", "media", "component", "portal", "_stcore", "auth", "oauth2callback")
_MAX_DOCUMENT = 256 * 1024
_ASKED_AS_IS = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since"})
_FILE_VALIDATORS = frozenset({b"content-length", b"etag", b"last-modified", b"vary"})


class PageDocument:
    """ASGI middleware: the page's document (Streamlit's index.html) in the portal's language and name.

    `languages` maps a language code to its HTML language tag and the portal's name in it: what the
    browser's tab shows and screen readers announce before the page's script has run (Chinese text
    marked "en" is also drawn with whatever font the system prefers for Han characters). The language
    is the one the browser chose last (`cookie`), else `default`. At a page's address (one path
    segment under `base_url`) the document also says where the server is (`_SERVER_IS_HERE`).
    `style`: CSS of the portal's own, in the document's head — in place before the page first renders, so
    nothing moves when it applies (an element of the page's script would arrive after the layout).
    Only a 200 `text/html` answer holding `<head>` is amended; anything else passes unchanged.
    """

    def __init__(
        self,
        app,
        languages: Mapping[str, tuple[str, str]],
        default: str,
        cookie: str = "",
        base_url: str = "",
        style: str = "",
    ) -> None:
        self.app = app
        if "</" in style:
            raise ValueError("style: CSS only, no closing tag")
        self.style = f"<style>{style}</style>".encode() if style else b""
        self.documents = {
            code: (html.escape(tag, quote=True).encode(), html.escape(title).encode())
            for code, (tag, title) in languages.items()
        }
        self.default = default
        self.cookie = cookie
        base = base_url.strip("/")
        self.prefix = f"/{base}/" if base else "/"

    def language(self, scope: Scope) -> str:
        """The language of the browser's cookie when it names one of ours, else the default."""
        if self.cookie:
            for name, value in scope.get("headers", ()):
                if name != b"cookie":
                    continue
                for pair in value.decode("latin-1").split(";"):
                    key, _, code = pair.strip().partition("=")
                    if key == self.cookie and code in self.documents:
                        return code
        return self.default

    def _document(self, scope: Scope) -> str | None:
        """'root', 'page' or None (not a document's address)."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if path == self.prefix.rstrip("/") or path == self.prefix:
            return "root"
        if not path.startswith(self.prefix):
            return None
        segment = path[len(self.prefix) :]
        if not segment or "/" in segment or "." in segment or segment in _NOT_PAGES:
            return None
        return "page"

    def amend(self, document: bytes, kind: str, language: str) -> bytes:
        if b"<head>" not in document:
            return document
        tag, title = self.documents[language]
        document = document.replace(b'<html lang="en">', b'<html lang="' + tag + b'">', 1)
        document = document.replace(b"<title>Streamlit</title>", b"<title>" + title + b"</title>", 1)
        head = (_SERVER_IS_HERE if kind == "page" else b"") + self.style
        if head:
            document = document.replace(b"<head>", b"<head>" + head, 1)
        return document

    async def __call__(self, scope: Scope, receive, send) -> None:
        kind = self._document(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        language = self.language(scope)
        # Asked for in full and uncompressed (the document is ≈ 2 KB) so that it can be amended: a
        # browser's cached copy may be in the language it chose before (a 304 would keep that one).
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", ()) if k not in _ASKED_AS_IS]}
        start: dict[str, Any] | None = None
        held: list[bytes] = []
        passing = False

        async def amending_send(message: dict[str, Any]) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", ()))
                html_ok = message["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html")
                if not html_ok or b"content-encoding" in headers:
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            held.append(message.get("body", b""))
            more = message.get("more_body", False)
            if sum(map(len, held)) > _MAX_DOCUMENT:  # not a page's document: sent on as it came
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(held), "more_body": more})
                return
            if more:
                return
            body = self.amend(b"".join(held), kind, language)
            # Not the file's validators any more: the document differs by language (the cookie).
            headers = [(k, v) for k, v in start.get("headers", ()) if k not in _FILE_VALIDATORS]
            headers += [(b"content-length", str(len(body)).encode()), (b"vary", b"Cookie")]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, amending_send)
