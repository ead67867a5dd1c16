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
"""

from __future__ import annotations

import hashlib
import mimetypes
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
