"""Helpers for browser tests: start the portal on a free port, launch the system Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Chromium's own background traffic would hit the closed network; these flags keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    found = next((p for p in CHROMIUM_CANDIDATES if os.path.exists(p)), None)
    return found or shutil.which("chromium")


def require_chromium() -> str:
    path = chromium_path()
    if path:
        return path
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail("REQUIRE_BROWSER=1 but no Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    pytest.skip("no Chromium installed (apt-get install -y chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Portal:
    url: str
    process: subprocess.Popen
    artifacts: Path
    log: Path
    db_path: Path


def start_portal(
    db_path: Path,
    artifacts: Path,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    port: int | None = None,
    base_path: str = "",
) -> Portal:
    """The portal served by `streamlit run server.py` (under `base_path`, like `server.baseUrlPath`)."""
    port = port or free_port()
    artifacts.mkdir(parents=True, exist_ok=True)
    log = artifacts / f"streamlit-{port}.log"
    env = {**os.environ, "BINHAI_DB": str(db_path), "BINHAI_BASEMAP": "none", **(extra_env or {})}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "server.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        *(("--server.baseUrlPath", base_path) if base_path else ()),
        *extra_args,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/" + (f"{base_path.strip('/')}/" if base_path else "")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Portal(url, proc, artifacts, log, Path(db_path))
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not become healthy in 60 s:\n{log.read_text()}")


@contextlib.contextmanager
def served_portal(db_path: Path, artifacts: Path, base_path: str = "") -> Iterator[Portal]:
    """The portal served over `db_path` for the duration of the block, then stopped."""
    require_chromium()
    served = start_portal(db_path, artifacts, base_path=base_path)
    try:
        yield served
    finally:
        served.process.terminate()
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.process.kill()


def open_check(page, portal: Portal, layer_title: str):
    """Open 图层与数据, choose `layer_title` in the check box's layer list; returns the main area."""
    from playwright.sync_api import Error as PlaywrightError

    page.goto(portal.url + "data", wait_until="domcontentloaded")
    main = page.get_by_test_id("stMain")
    main.get_by_text("校验待导入文件").first.wait_for(timeout=60_000)
    combobox = page.locator(".st-key-check_layer").get_by_role("combobox")
    combobox.wait_for(timeout=30_000)
    option = page.get_by_role("option", name=layer_title)
    # On a quiet page (a click during a rerun can close the list again); retried if a rerun swallowed it.
    for _ in range(4):
        wait_idle(page)
        try:
            combobox.click(timeout=10_000)
            # Type the title: the list then holds that option alone, wherever the page has scrolled it.
            page.keyboard.type(layer_title)
            option.wait_for(timeout=10_000)
            page.keyboard.press("Enter")
            # The chosen title shows in the box (as text, or as the value of its search input).
            page.wait_for_function(
                """(title) => {
                    const box = document.querySelector('.st-key-check_layer');
                    if (!box || document.querySelector('[role="option"]')) return false;
                    const input = box.querySelector('input');
                    return box.textContent.includes(title) || (input && (input.value || '').includes(title));
                }""",
                arg=layer_title,
                timeout=15_000,
            )
            break
        except PlaywrightError:
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"could not choose {layer_title!r} in the layer list of the check box")
    wait_idle(page)
    return main


def choose_option(page, selectbox, typed: str, option_name) -> None:
    """Pick an option of a Streamlit selectbox by typing `typed` and choosing `option_name` (text or
    regex), retrying while reruns re-render the list; returns once the box shows the choice."""
    from playwright.sync_api import Error as PlaywrightError

    option = page.get_by_role("option", name=option_name).first
    for _ in range(4):
        wait_idle(page)
        selectbox.click()
        page.keyboard.type(typed)
        try:
            option.wait_for(timeout=10_000)
            try:
                option.click(timeout=5_000)
            except PlaywrightError:
                page.keyboard.press("Enter")
            page.wait_for_function(
                "([box, name]) => box.textContent.includes(name) || [...box.querySelectorAll('input')].some(i => (i.value || '').includes(name))",
                arg=[selectbox.element_handle(), typed],
                timeout=10_000,
            )
            wait_idle(page)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option_name!r} in the selectbox")


def wait_idle(page, quiet_ms: int = 800, timeout_ms: int = 60_000) -> None:
    """Wait until the app has not been running a script for `quiet_ms` (its status widget gone)."""
    page.wait_for_function(
        """(quiet) => {
            const busy = document.querySelector('[data-testid="stStatusWidget"]');
            const now = Date.now();
            if (busy) { window.__binhaiIdleSince = null; return false; }
            window.__binhaiIdleSince = window.__binhaiIdleSince || now;
            return now - window.__binhaiIdleSince >= quiet;
        }""",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=100,
    )


def until_shown(
    page,
    act,
    shown,
    *,
    tries: int = 2,
    timeout_ms: int = 30_000,
    last_ms: int = 0,
    done=None,
    undo=None,
    what: str = "the expected element",
) -> None:
    """Act on a quiet page until `shown` (a locator) is visible; act again when a rerun swallowed it.

    A click, key press or page open can land while Streamlit reruns and redraws the page, and is then
    lost, as it would be for a user, who does it again. Each of `tries`: wait until the app is idle;
    stop if `shown` is visible already; `act()` unless `done()` says it has taken effect (e.g. a box
    already ticked, a slider already moved: acting again would undo or overshoot it); wait up to
    `timeout_ms` for `shown`; `undo()` after a miss (e.g. Escape to close a list). Then one last wait of
    `last_ms` (if any), and an AssertionError naming `what`.
    """
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(tries):
        wait_idle(page)
        if shown.is_visible():
            return
        if done is None or not done():
            act()
        try:
            shown.wait_for(timeout=timeout_ms)
            return
        except PlaywrightError:
            if undo is not None:
                undo()
    if last_ms:
        with contextlib.suppress(PlaywrightError):
            shown.wait_for(timeout=last_ms)
            return
    raise AssertionError(f"{what} never showed after {tries} tries")


MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def map_frame(page, timeout_ms: int = 60_000):
    """The (single) map iframe, once a rerun has finished replacing the old one."""
    page.wait_for_function(
        f"() => document.querySelectorAll('{MAP_IFRAME}').length === 1",
        timeout=timeout_ms,
    )
    return page.locator(MAP_IFRAME).first.content_frame


def wait_for_cookie(page, name: str, value: str | None = None, timeout_ms: int = 20_000) -> dict:
    """The browser's cookie `name` (holding `value`, unless None) once it is set: a page sets it itself."""
    for _ in range(max(1, timeout_ms // 200)):
        found = {c["name"]: c for c in page.context.cookies()}.get(name)
        if found is not None and value in (None, found["value"]):
            return found
        page.wait_for_timeout(200)
    raise AssertionError(f"cookie {name}={value} never set: {page.context.cookies()}")


def log_in(page, username: str, password: str) -> None:
    """Open the sidebar's login box and submit it (the result is for the caller to wait for)."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("summary").filter(has_text="登录").click()
    sidebar.get_by_label("用户名").fill(username)
    sidebar.get_by_label("密码").fill(password)
    sidebar.get_by_role("button", name="登录").click()


def set_date(page, label: str, day) -> None:
    """Type a date into Streamlit's date field (year, month and day segments) and commit it."""
    year = page.get_by_role("spinbutton", name=f"year, {label}")
    year.click()
    page.keyboard.type(f"{day.year:04d}{day.month:02d}{day.day:02d}", delay=30)
    # The value is committed when the field loses focus: close the calendar and click away.
    page.keyboard.press("Escape")
    page.get_by_test_id("stMain").locator("h1").first.click()


def edit_grid_cell(page, editor, row: int, column: int, text: str) -> None:
    """Type `text` into a cell of an st.data_editor (0-based data row and column), then commit it."""
    editor.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # let the scroll settle before reading where the grid is
    box = editor.locator("canvas").first.bounding_box()
    page.mouse.click(box["x"] + 20, box["y"] + 35 + 17 + 35 * row)  # below the 35 px header, first column
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")  # open the cell's editor, then replace its text
    page.wait_for_timeout(500)
    page.keyboard.press("Control+a")
    page.keyboard.type(text, delay=30)
    page.keyboard.press("Enter")


_HIT_JS = """
    const map = window.binhaiMap, size = map.getSize(), all = [];
    map.eachLayer(l => { if (l.feature && l instanceof L.Path && l.options.interactive !== false) all.push(l); });
    // The feature a real mouse at container point p reaches: the SVG path under it, or on a canvas the
    // last-drawn feature containing it (Leaflet's own rule); none under a control or off the map.
    function hitAt(p) {
        if (p.x <= 0 || p.y <= 0 || p.x >= size.x || p.y >= size.y) return null;
        const el = document.elementFromPoint(p.x, p.y);
        if (!el) return null;
        const lp = map.containerPointToLayerPoint(p);
        let hit = null;
        for (const l of all) {
            if (l._path ? l._path === el : el.tagName === 'CANVAS' && l._renderer._container === el && l._containsPoint(lp)) hit = l;
        }
        return hit;
    }
"""
# Renderer-agnostic (canvas or SVG) access to a map frame's drawn features, through Leaflet:
# every interactive feature of the layer `name` (all layers when null) with a point inside it in
# container pixels, and whether a real mouse at that point reaches that feature (`own`).
FEATURES_JS = (
    "(name) => {"
    + _HIT_JS
    + """
    return all.filter(l => !name || l._binhaiLayer === name).map(l => {
        const p = map.latLngToContainerPoint(l.getLatLng ? l.getLatLng() : l.getCenter());
        let area = 0;
        if (l.getBounds) {
            const b = l.getBounds(), nw = map.latLngToContainerPoint(b.getNorthWest());
            const se = map.latLngToContainerPoint(b.getSouthEast());
            area = Math.abs((se.x - nw.x) * (se.y - nw.y));
        }
        return {id: String(l.feature.id ?? l.feature.properties.id ?? ''), layer: l._binhaiLayer || null,
                x: p.x, y: p.y, own: hitAt(p) === l, area: area};
    });
}"""
)
# The id of the feature a real mouse at container point [x, y] would reach (null: none, or a control).
FEATURE_AT_JS = (
    "([x, y]) => {"
    + _HIT_JS
    + """
    const hit = hitAt(L.point(x, y));
    return hit ? String(hit.feature.id ?? hit.feature.properties.id ?? '') : null;
}"""
)


def frame_of(frame):
    """A Frame (evaluate, wait_for_function) for a Frame or a FrameLocator (map_frame's)."""
    return frame if hasattr(frame, "evaluate") else frame.owner.element_handle(timeout=60_000).content_frame()


def wait_drawn(frame, layer: str | None = None, timeout_ms: int = 90_000) -> int:
    """Wait until the map frame has drawn `layer` (any layer when None); the features drawn in all."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    frame = frame_of(frame)
    try:
        frame.wait_for_function(
            "(name) => window.binhaiDrawn && (name ? window.binhaiDrawn[name] > 0 : Object.keys(window.binhaiDrawn).length > 0)",
            arg=layer,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout as exc:  # say what the frame holds: a rare CI failure here had nothing to go on
        raise AssertionError(
            f"map not drawn ({layer or 'any layer'}) in {timeout_ms} ms: {_frame_state(frame)}"
        ) from exc
    return frame.evaluate("() => Object.values(window.binhaiDrawn).reduce((a, b) => a + b, 0)")


_FRAME_STATE_JS = """() => ({
    url: location.href.slice(0, 120), readyState: document.readyState, leaflet: typeof L,
    map: !!window.binhaiMap, drawn: window.binhaiDrawn || null, pending: window.binhaiPending ?? null,
    timing: window.binhaiTiming || null, ready: window.binhaiReady ?? null,
    scripts: [...document.scripts].map(s => s.src.split('/').pop() || 'inline').slice(0, 20),
    body: (document.body ? document.body.innerHTML.length : -1),
})"""


def _frame_state(frame) -> str:
    try:
        state = frame.evaluate(_FRAME_STATE_JS)
    except Exception as exc:  # noqa: BLE001 — a detached or crashed frame is itself the answer
        return f"frame unreadable: {exc}"
    frames = [f.url[:100] for f in frame.page.frames]
    return f"{state}; detached={frame.is_detached()}; frames={frames}"


def features(frame, layer: str | None = None) -> list[dict]:
    """Every interactive feature of `layer` (see FEATURES_JS), the largest on screen first."""
    found = frame_of(frame).evaluate(FEATURES_JS, layer)
    return sorted(found, key=lambda f: -f["area"])


def feature_at(frame, x: float, y: float) -> str | None:
    """The id of the feature a real mouse at container point (x, y) of the map would reach."""
    return frame_of(frame).evaluate(FEATURE_AT_JS, [x, y])


def center_map(page) -> None:
    """Scroll the page so that the map sits in the middle of the window (a real mouse reaches all of it)."""
    page.locator(MAP_IFRAME).first.evaluate("e => e.scrollIntoView({block: 'center', inline: 'center'})")


def mouse_to(page, feature: dict, click: bool = False) -> None:
    """Move the real mouse onto `feature` (from `features`), the map scrolled into the window first, and
    click it when asked."""
    center_map(page)
    box = page.locator(MAP_IFRAME).first.bounding_box()
    x, y = box["x"] + feature["x"], box["y"] + feature["y"]
    page.mouse.move(x, y)
    if click:
        page.mouse.click(x, y)


def ready_map(page, timeout_ms: int = 90_000, visible: bool = True, nth: int | None = None):
    """The content frame of the page's map once it is framed (`window.binhaiReady`).

    The first visible map, or the `nth` map of the page (a page with two maps: its layers' files arrive
    on their own time, so being ready is each map's own). A rerun can replace the map iframe while we
    wait: a detached frame is dropped and the current one looked up again, until `timeout_ms` has passed.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_ms / 1000
    frames = f"Array.from(document.querySelectorAll('{MAP_IFRAME}'))"
    shown = (
        f"() => {frames}.findIndex(f => f.offsetWidth > 0)"
        if nth is None
        else f"() => ({frames}.length > {nth} && {frames}[{nth}].offsetWidth > 0) ? {nth} : -1"
    )
    while True:
        try:
            page.wait_for_function(f"() => ({shown})() >= 0" if visible else "() => true", timeout=10_000)
            index = page.evaluate(shown) if visible else 0
            frame = page.locator(MAP_IFRAME).nth(index).element_handle(timeout=10_000).content_frame()
            if frame is None:  # the iframe was replaced between the lookup and its frame: look again
                raise PlaywrightError("map iframe detached")
            frame.wait_for_function("() => window.binhaiReady === true", timeout=10_000)
            return frame
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise
