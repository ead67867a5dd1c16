"""geo.static_assets: Streamlit's hashed frontend files answered from memory, everything else passed on."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from streamlit import file_util

from geo.static_assets import CACHE_CONTROL, CachedAssets, PageDocument


def _inner(request):
    return PlainTextResponse(f"inner {request.method} {request.url.path}")


class _Client:
    """Calls the ASGI app directly with the path as given (an HTTP client would normalise `..` away)."""

    def __init__(self, app):
        self.app = app

    def request(self, method: str, path: str, headers: dict[str, str] | None = None):
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 1),
        }
        sent: list[dict] = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = sent[0]
        body = b"".join(m.get("body", b"") for m in sent[1:])
        headers_out = {k.decode(): v.decode() for k, v in start["headers"]}
        return SimpleNamespace(status_code=start["status"], headers=headers_out, content=body, text=body.decode())

    def get(self, path: str, headers: dict[str, str] | None = None):
        return self.request("GET", path, headers)

    def head(self, path: str):
        return self.request("HEAD", path)


def _client(directory, base_url: str = "") -> tuple[_Client, CachedAssets]:
    inner = Starlette(routes=[Route("/{path:path}", _inner, methods=["GET", "HEAD", "POST"])])
    middleware = CachedAssets(inner, directory, base_url)
    return _Client(middleware), middleware


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "index.abc123.js").write_text("console.log('纪')", encoding="utf-8")
    (tmp_path / "static" / "css").mkdir()
    (tmp_path / "static" / "css" / "index.def456.css").write_text("body{}")
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "secret.txt").write_text("not served")
    return tmp_path


def test_a_file_is_served_with_streamlits_headers_and_then_from_memory(folder):
    client, middleware = _client(folder)
    first = client.get("/static/js/index.abc123.js")
    assert first.status_code == 200
    assert first.content == "console.log('纪')".encode()
    assert first.headers["content-type"] == "text/javascript; charset=utf-8"
    assert first.headers["cache-control"] == CACHE_CONTROL
    assert first.headers["content-length"] == str(len(first.content))
    assert client.get("/static/css/index.def456.css").headers["content-type"] == "text/css; charset=utf-8"
    # Read once: the file gone from the disk is still answered, from memory.
    (folder / "static" / "js" / "index.abc123.js").unlink()
    again = client.get("/static/js/index.abc123.js")
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert set(middleware.files) == {"/static/js/index.abc123.js", "/static/css/index.def456.css"}


def test_head_and_a_matching_etag(folder):
    client, _ = _client(folder)
    etag = client.get("/static/js/index.abc123.js").headers["etag"]
    head = client.head("/static/js/index.abc123.js")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    unchanged = client.get("/static/js/index.abc123.js", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    other = client.get("/static/js/index.abc123.js", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content


@pytest.mark.parametrize(
    "method, path, headers",
    [
        ("GET", "/parks", {}),  # a page's document
        ("GET", "/static/js/missing.js", {}),  # not found: Streamlit's own answer
        ("GET", "/static/../secret.txt", {}),  # outside the folder
        ("GET", "/static/js/../../secret.txt", {}),
        ("GET", "/static/js/..\\..\\secret.txt", {}),
        ("GET", "/static/", {}),
        ("GET", "/static/js", {}),  # a folder
        ("POST", "/static/js/index.abc123.js", {}),
        ("GET", "/static/js/index.abc123.js", {"Range": "bytes=0-3"}),
        ("GET", "/app/static/vendor/leaflet/leaflet.js", {}),  # the portal's own static files
    ],
)
def test_everything_else_goes_to_streamlit(folder, method, path, headers):
    client, middleware = _client(folder)
    response = client.request(method, path, headers=headers)
    assert response.text.startswith("inner "), (path, response.text)
    assert middleware.files == {}


def test_a_file_outside_through_a_link_is_not_served(folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "x.js"
    outside.write_text("outside")
    (folder / "static" / "js" / "link.js").symlink_to(outside)
    client, _ = _client(folder)
    assert client.get("/static/js/link.js").text.startswith("inner ")


def test_under_a_base_url_path(folder):
    client, _ = _client(folder, base_url="/binhai/")
    assert client.get("/binhai/static/js/index.abc123.js").content == "console.log('纪')".encode()
    assert client.get("/static/js/index.abc123.js").text.startswith("inner ")


def test_streamlits_own_bundle_is_found_as_its_page_names_it():
    """The page's document names its bundle relative to the folder the portal gives the middleware."""
    directory = file_util.get_static_dir()
    html = (Path(directory) / "index.html").read_text()
    bundle = html.split('src="./static/js/', 1)[1].split('"', 1)[0]
    client, _ = _client(directory)
    response = client.get(f"/static/js/{bundle}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert len(response.content) > 10_000


# --- PageDocument: the page's document in the portal's language and name, saying where the server is ---

DOCUMENT = (
    b'<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <title>Streamlit</title>\n'
    b'    <script type="module" src="./static/js/index.abc123.js"></script>\n  </head>\n</html>\n'
)


def _document_app(answer: bytes = DOCUMENT, content_type: str = "text/html; charset=utf-8", status: int = 200):
    """Streamlit's static files as far as documents go: index.html for any address; what it was asked."""
    asked: list[dict] = []

    async def app(scope, receive, send):
        asked.append(scope)
        if "_stcore" in scope["path"] or scope["path"].endswith(".js"):
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(answer)).encode())]
        headers += [(b"etag", b'"file-etag"'), (b"last-modified", b"Thu, 03 Dec 2026 10:00:00 GMT")]
        if dict(scope["headers"]).get(b"if-none-match") == b'"file-etag"':
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if dict(scope["headers"]).get(b"accept-encoding") == b"gzip":
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        # In two pieces, as a file is streamed.
        await send({"type": "http.response.body", "body": answer[:40], "more_body": True})
        await send({"type": "http.response.body", "body": answer[40:], "more_body": False})

    return app, asked


def _documents(base_url: str = "", **answer) -> tuple[_Client, list[dict]]:
    app, asked = _document_app(**answer)
    languages = {"zh": ("zh-CN", "滨海新区<节能>一张图"), "en": ("en", "Binhai Map")}
    return _Client(PageDocument(app, languages, default="zh", cookie="binhai_lang", base_url=base_url)), asked


def test_a_pages_document_names_the_language_the_portal_and_where_the_server_is():
    client, asked = _documents()
    response = client.get("/parks", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    html = response.text
    assert '<html lang="zh-CN">' in html and 'lang="en"' not in html
    assert "<title>滨海新区&lt;节能&gt;一张图</title>" in html  # escaped
    assert html.count("BACKEND_BASE_URL") == 2 and html.index("BACKEND_BASE_URL") < html.index('type="module"')
    assert "content-encoding" not in response.headers
    # Asked for uncompressed, so that it could be amended.
    assert b"accept-encoding" not in dict(asked[0]["headers"])


def test_the_root_document_is_amended_without_the_server_hint():
    """At "/" Streamlit's frontend looks only there; the hint would be wrong under a base URL path."""
    for base_url, path in (("", "/"), ("binhai", "/binhai"), ("/binhai/", "/binhai/")):
        client, _ = _documents(base_url)
        html = client.get(path).text
        assert '<html lang="zh-CN">' in html and "<title>滨海新区" in html
        assert "BACKEND_BASE_URL" not in html, (base_url, path)


def test_the_document_is_in_the_language_the_browser_chose_last():
    client, _ = _documents()
    english = client.get("/parks", headers={"Cookie": "other=1; binhai_lang=en"}).text
    assert '<html lang="en">' in english and "<title>Binhai Map</title>" in english
    assert "BACKEND_BASE_URL" in english
    for cookie in ("binhai_lang=fr", "binhai_lang=", "binhai_lang=en<script>", "xbinhai_lang=en"):
        assert '<html lang="zh-CN">' in client.get("/parks", headers={"Cookie": cookie}).text, cookie


def test_a_cached_document_is_not_revalidated_with_the_files_validators():
    """The document differs by the language cookie: never a 304 for a copy in the language chosen before."""
    client, asked = _documents()
    first = client.get("/parks")
    assert "etag" not in first.headers and "last-modified" not in first.headers
    assert first.headers["vary"] == "Cookie"
    again = client.get("/parks", headers={"If-None-Match": '"file-etag"', "Cookie": "binhai_lang=en"})
    assert again.status_code == 200 and '<html lang="en">' in again.text
    assert b"if-none-match" not in dict(asked[-1]["headers"])


def test_a_page_under_a_base_url_path():
    client, _ = _documents("binhai")
    assert "BACKEND_BASE_URL" in client.get("/binhai/water").text
    assert "BACKEND_BASE_URL" not in client.get("/water").text  # not this portal's address


@pytest.mark.parametrize(
    "path",
    [
        "/parks/_stcore/health",  # Streamlit's own 404s stay 404s
        "/_stcore/host-config",
        "/static/js/index.abc123.js",
        "/app/static/vendor/leaflet/leaflet.js",
        "/favicon.png",
        "/parks/extra",  # more than one segment: no page of the portal
        "/oauth2callback",
        "/portal",
    ],
)
def test_other_addresses_are_passed_on_unchanged(path):
    client, asked = _documents()
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert "BACKEND_BASE_URL" not in response.text and 'lang="zh-CN"' not in response.text
    assert dict(asked[0]["headers"]).get(b"accept-encoding") == b"gzip"  # untouched


def test_only_a_successful_html_answer_is_amended():
    for answer in ({"content_type": "application/json"}, {"status": 304}, {"status": 500}):
        client, _ = _documents(**answer)
        response = client.get("/parks")
        assert response.content == DOCUMENT, answer
    client, _ = _documents()
    assert client.request("HEAD", "/parks").content == DOCUMENT  # HEAD and POST pass through as they are
    assert client.request("POST", "/parks").content == DOCUMENT


def test_a_large_html_answer_is_passed_on_as_it_came():
    big = b"<html><head>" + b"x" * 300_000 + b"</head></html>"
    client, _ = _documents(answer=big)
    response = client.get("/parks")
    assert response.content == big and int(response.headers["content-length"]) == len(big)


def test_streamlits_own_document_still_has_what_is_amended():
    """A Streamlit upgrade that changes these lines is noticed here, not by a user."""
    html = (Path(file_util.get_static_dir()) / "index.html").read_bytes()
    for marker in (b'<html lang="en">', b"<title>Streamlit</title>", b"<head>"):
        assert html.count(marker) == 1, marker
    client = _Client(PageDocument(_document_app(html)[0], {"zh": ("zh-CN", "一张图")}, default="zh"))
    amended = client.get("/map").text
    assert '<html lang="zh-CN">' in amended and "<title>一张图</title>" in amended and "BACKEND_BASE_URL" in amended


def test_the_portals_style_is_in_every_documents_head_before_streamlits_own():
    app, _ = _document_app()
    languages = {"zh": ("zh-CN", "一张图")}
    client = _Client(PageDocument(app, languages, default="zh", style=".stMain{color:red}"))
    for path in ("/", "/parks"):
        html = client.get(path).text
        assert html.count("<style>.stMain{color:red}</style>") == 1, path
        assert html.index("<style>") < html.index('type="module"')
    assert "<style>" not in _documents()[0].get("/parks").text  # none asked for, none added
    with pytest.raises(ValueError, match="CSS only"):
        PageDocument(app, languages, default="zh", style="</style><script>alert(1)</script>")


def test_the_page_style_names_classes_streamlits_bundle_still_gives_its_elements():
    """server.PAGE_STYLE targets Streamlit's main column by its class names: an upgrade that renames them fails here."""
    import re

    import server

    bundle = "".join(
        p.read_text(errors="ignore") for p in (Path(file_util.get_static_dir()) / "static/js").glob("*.js")
    )
    for name in set(re.findall(r"\.(st[A-Z]\w+)", server.PAGE_STYLE)):
        assert f'"{name}"' in bundle or f"`{name}`" in bundle or f"'{name}'" in bundle, name
