"""6. What a user waits for in the browser: navigation → map drawn, click → panel, peak memory.

Each load is a fresh Chromium (a new user: nothing cached) on a portal served for the measurement:
either a navigation to the page's address (a first visit), or a move inside the portal (`SWITCH_FROM`,
a page without a map, opened first; then a click on the page's link in the sidebar) — what a user
waits for on every later page of a visit. The naive app is timed both ways too.
"Drawn" is the map's own signal: `window.binhaiDrawn[layer]` holds a layer's feature count once its
features are on screen (two animation frames after they were added), `window.binhaiTiming[layer]`
the clock at that moment; the page is drawn when the set of drawn layers has not changed for
`QUIET_S`, no script run is going on and no layer's data file is still on its way
(`window.binhaiPending`: a layer fetched from static/cache counts itself until it has drawn). The naive baseline (bench/naive_parks_app.py: st_folium of
folium.GeoJson) has no signal: it is drawn when its count of SVG paths stops changing, timed by the
page's own clock at the poll that first saw the final count. Both times run from the navigation's
start (`performance.timeOrigin`), so the poll interval (50 ms) is the only slack.

Every load starts once the servers are quiet (`bench.browser.servers_quiet`): the naive page's server
stays busy for 15–18 s after its 10,000 parks are drawn (st_folium returns the map's state, and the
script runs again), and before this wait the next variant's load paid for it — the portal's times at
scale 250 were ≈ 1 s longer than the same pages loaded alone.

Peak memory: the largest sum of resident memory of the browser's processes (the browser and its
children, read from /proc) seen while the page loads and settles.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import layers
from bench.browser import baseline_app, serve, servers_quiet
from geo.store.db import Store
from geo.store.features import read_layer
from tests.browser import CHROMIUM_ARGS, chromium_path, ready_map, wait_idle

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
QUIET_S = 2.0
POLL_S = 0.05
PANEL = ".st-key-park_panel_title strong"
NAIVE_DIR = Path("/tmp/binhai-bench-naive-parks")

# The signal of every map on a page: {layer: count} and {layer: {started, added, painted}} of the
# newest map iframe (a rerun may replace the first one).
_SIGNAL = f"""() => {{
    const frames = [...document.querySelectorAll('{MAP_FRAME}')];
    const out = {{frames: frames.length, drawn: {{}}, painted: 0, paths: 0, pending: 0, busy:
        !!document.querySelector('[data-testid="stStatusWidget"]'), now: Date.now()}};
    for (const f of frames) {{
        let w; try {{ w = f.contentWindow; }} catch (e) {{ continue; }}
        if (!w || !w.document) continue;
        out.paths += w.document.querySelectorAll('path.leaflet-interactive').length;
        // Layers whose data is still on its way (fetched files): not drawn yet, however quiet the page.
        out.pending += w.binhaiPending || 0;
        for (const [k, v] of Object.entries(w.binhaiDrawn || {{}})) out.drawn[k] = v;
        for (const v of Object.values(w.binhaiTiming || {{}})) out.painted = Math.max(out.painted, v.painted);
    }}
    return out;
}}"""


# `window[flag]` = the clock (ms since the epoch) two animation frames after an element matching `selector`
# (holding `text`, unless null) appears: when it is painted.
_MARK_PAINTED = """(selector, text, flag) => {
    window[flag] = null;
    new MutationObserver((_, seen) => {
        const element = document.querySelector(selector);
        if (!element || (text !== null && !element.textContent.includes(text))) return;
        seen.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => { window[flag] = Date.now(); }));
    }).observe(document, {subtree: true, childList: true, characterData: true});
}"""
# The page's first text element (an init script: it runs before the page's own scripts).
_TEXT_PAINTED = f"""({_MARK_PAINTED})('[data-testid="stMarkdownContainer"]', null, 'binhaiTextPainted');"""
# In the map's frame: the clock when the mouse button goes down (the start of the user's click).
_CLICKED = """() => { window.binhaiClickedAt = null; document.addEventListener('pointerdown',
    () => { window.binhaiClickedAt = Date.now(); }, {capture: true, once: true}); }"""


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class PeakMemory:
    """Samples the browser's process tree every 100 ms in a thread; `.peak_mb` when stopped."""

    def __init__(self, browser_pid: int):
        self.pid, self.peak_mb, self._stop = browser_pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, _rss_mb(_descendants(self.pid)))
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def fresh_browser(pw):
    """A new headless Chromium and the pid of its main process (for the memory reading)."""
    marker = f"--binhai-bench={os.getpid()}-{time.monotonic_ns()}"
    browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=[*CHROMIUM_ARGS, marker])
    pid = next(
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and marker.encode() in _read(p / "cmdline") and b"--type=" not in _read(p / "cmdline")
    )
    try:
        yield browser, pid
    finally:
        browser.close()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def load(
    pw, url: str, naive: bool, limit_s: float = 180.0, text: bool = False, via: str | None = None
) -> dict[str, Any]:
    """Navigate in a fresh browser; seconds until drawn, features drawn, peak browser memory (MB).

    `text`: the page has no map (bench/floor_app.py's first variant) — it is drawn when its first line
    of text is painted. `via`: a page of the same app without a map, opened first; once it is idle,
    `url` is reached as a user moving around the portal reaches it — a click on its link (Streamlit
    swaps the page in place: its JavaScript is already loaded) — and the time runs from the click.
    """
    servers_quiet()  # no server still busy with the previous load (the naive one reruns for seconds after it)
    with fresh_browser(pw) as (browser, pid), PeakMemory(pid) as memory:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        if text:
            page.add_init_script(_TEXT_PAINTED)
        if via is None:
            page.goto(url, wait_until="commit")
            origin = page.evaluate("() => performance.timeOrigin")
        else:
            page.goto(via)
            target = urlsplit(url).path.rsplit("/", 1)[-1]
            link = page.locator(f'a[href$="/{target}"], a[href="{target}"]').first  # absolute or relative
            link.wait_for(timeout=limit_s * 1000)
            wait_idle(page)
            origin = page.evaluate("() => Date.now()")
            link.click()
        if text:
            page.wait_for_function("() => window.binhaiTextPainted", timeout=limit_s * 1000)
            drawn_at, count = page.evaluate("() => window.binhaiTextPainted"), 0
        else:
            drawn_at, count = _wait_drawn(page, url, naive, limit_s)
        page.close()
    return {
        "s": round((drawn_at - origin) / 1000, 2),
        "features": count,
        "peak_mb": round(memory.peak_mb),
        "load": round(os.getloadavg()[0], 1),  # the machine is shared: its 1-minute load beside each time
    }


def _wait_drawn(page, url: str, naive: bool, limit_s: float) -> tuple[float, int]:
    """(the page's clock when its maps were drawn, features drawn), once the drawing has been quiet."""
    deadline = time.monotonic() + limit_s
    last, last_change, drawn_at = None, time.monotonic(), None
    while time.monotonic() < deadline:
        signal = page.evaluate(_SIGNAL)
        state = (
            (signal["frames"], signal["paths"]) if naive else (signal["frames"], tuple(sorted(signal["drawn"].items())))
        )
        count = signal["paths"] if naive else sum(signal["drawn"].values())
        if state != last or signal["busy"]:
            if state != last:
                drawn_at = signal["now"] if naive else signal["painted"]
            last, last_change = state, time.monotonic()
        elif count and not signal["pending"] and time.monotonic() - last_change >= QUIET_S:
            return drawn_at, count
        time.sleep(POLL_S)
    raise RuntimeError(f"{url}: not drawn within {limit_s} s (last {last})")


def click_to_panel(pw, url: str, parks, nth: int = 0) -> float:
    """Seconds from a real mouse click on a park of the drawn /parks map to its name painted in the panel.

    The park is the `nth` largest one a mouse reaches: each click of a run picks another park, as a
    user clicking around does, so its panel is read from the store, not from the page's cache.
    """
    points = parks.geometry.representative_point()
    covered = [int(parks.geometry.covers(p).sum()) for p in points]
    servers_quiet()
    with fresh_browser(pw) as (browser, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(url, wait_until="commit")
        frame = ready_map(page, timeout_ms=180_000)  # the parks map's frame once every layer is drawn
        # The controls above the map push it below the fold of a 1,000 px window: bring it into view (a
        # click outside the window reaches nothing), then wait until no script runs (the page has settled).
        page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
        wait_idle(page)
        box = page.locator(MAP_FRAME).first.bounding_box()
        height = page.viewport_size["height"]
        # The largest park alone under its inner point, in the window and not under a control.
        order = parks.to_crs(4548).area.sort_values(ascending=False).index
        reachable = 0
        for i in order:
            position = parks.index.get_loc(i)
            if covered[position] != 1:
                continue
            point = points.iloc[position]
            x, y, top = frame.evaluate(
                "([lat, lon]) => { const p = window.binhaiMap.latLngToContainerPoint([lat, lon]); "
                "const e = document.elementFromPoint(p.x, p.y); "
                "return [p.x, p.y, e ? e.tagName + ' ' + (e.getAttribute('class') || '') : '']; }",
                [point.y, point.x],
            )
            on_screen = 0 < y < box["height"] and 0 < box["y"] + y < height
            if 0 < x < box["width"] and on_screen and "leaflet-zoom-animated" in top:
                if reachable == nth:
                    break
                reachable += 1
        else:
            raise RuntimeError("no park to click")
        name = str(parks["name"].iloc[position])
        page.mouse.move(box["x"] + x, box["y"] + y)
        # Both ends read on the page's clocks, as the drawn signal is: Playwright's own wait for an element
        # polls at growing intervals (up to 0.5 s apart) and added up to half a second to every click.
        page.evaluate(f"({_MARK_PAINTED})({json.dumps(PANEL)}, {json.dumps(name)}, 'binhaiPanelPainted')")
        frame.evaluate(_CLICKED)
        page.mouse.click(box["x"] + x, box["y"] + y)
        painted = page.wait_for_function("() => window.binhaiPanelPainted", timeout=120_000).json_value()
        return round((painted - frame.evaluate("() => window.binhaiClickedAt")) / 1000, 2)


PAGES = {
    "map": "一张图",
    "parks": "园区指标",
    "assessment": "目标考核",
    "ledgers": "专项台账",
    "facilities": "污水处理",
    "water": "黑臭水体",
    "public": "公示",
}
LARGE_PAGES = ("map", "parks", "water", "public")  # the pages whose maps grow with the scale
SWITCH_FROM = "data"  # 图层与数据: the page a move inside the portal starts from (it has no map)
# bench/floor_app.py: Streamlit's page start alone, and one portal map alone on a page; served as the portal is
# (bench/floor_server.py).
FLOORS = {"text": ("", True), "map": ("?map=1", False)}
FLOOR_DIR = Path("/tmp/binhai-bench-floor")


def run(stores: dict[int, Path], repeats: int = 3, log=print) -> dict[str, Any]:
    """Every page at every scale, portal (canvas and svg), naive and the floors, medians of `repeats` loads."""
    from playwright.sync_api import sync_playwright

    result: dict[str, Any] = {}
    with sync_playwright() as pw:
        for scale, db in stores.items():
            parks = read_layer(Store(db), layers.get_spec("parks"))
            pages = PAGES if scale == min(stores) else {p: PAGES[p] for p in LARGE_PAGES}
            # (variant, path, naive, text)
            variants = [("canvas", p, False, False) for p in pages]
            variants += [("svg", "parks", False, False), ("naive", "parks", True, False)]
            variants += [("switch", p, False, False) for p in pages] + [("naive_switch", "parks", True, False)]
            variants += [("floor", name, False, text) for name, (_, text) in FLOORS.items()]
            times: dict[tuple[str, str], list[dict[str, Any]]] = {}
            with (
                serve(
                    "server.py", db, Path(f"/tmp/bench-drawing-{scale}-canvas.log"), {"BINHAI_MAP_RENDERER": "canvas"}
                ) as (canvas_url, _),
                serve("server.py", db, Path(f"/tmp/bench-drawing-{scale}-svg.log"), {"BINHAI_MAP_RENDERER": "svg"}) as (
                    svg_url,
                    _,
                ),
                serve(
                    str(baseline_app("naive_parks_app.py", NAIVE_DIR)),
                    db,
                    Path(f"/tmp/bench-drawing-{scale}-naive.log"),
                ) as (naive_url, _),
                serve(
                    str(baseline_app("floor_server.py", FLOOR_DIR, "floor_app.py")),
                    db,
                    Path(f"/tmp/bench-drawing-{scale}-floor.log"),
                    {"BINHAI_MAP_RENDERER": "canvas"},
                ) as (floor_url, _),
            ):
                urls = {"canvas": canvas_url, "svg": svg_url, "naive": naive_url, "floor": floor_url}
                urls |= {"switch": canvas_url, "naive_switch": naive_url}
                via = {"switch": canvas_url + SWITCH_FROM, "naive_switch": naive_url}
                visit = {  # (variant, path): (the page's address, the page a move to it starts from)
                    (variant, path): (
                        urls[variant] + (FLOORS[path][0] if variant == "floor" else path),
                        via.get(variant),
                    )
                    for variant, path, _, _ in variants
                }
                for variant, path, naive, text in variants:  # one untimed load each: servers warm, caches filled
                    url, start = visit[variant, path]
                    load(pw, url, naive, text=text, via=start)
                for _ in range(repeats):  # interleaved, so a busy moment of the machine hits every variant
                    for variant, path, naive, text in variants:
                        url, start = visit[variant, path]
                        times.setdefault((variant, path), []).append(load(pw, url, naive, text=text, via=start))
                clicks = [click_to_panel(pw, canvas_url + "parks", parks, nth) for nth in range(repeats)]
            for (variant, path), runs in times.items():
                name = f"naive_parks{variant[5:]}" if variant.startswith("naive") else f"{variant}_{path}"
                key = f"drawing_scale{scale}_{name}"
                result[f"{key}_s"] = statistics.median(r["s"] for r in runs)
                result[f"{key}_features"] = runs[-1]["features"]
                result[f"{key}_peak_mb"] = max(r["peak_mb"] for r in runs)
                log(f"  scale {scale} {name}: {[r['s'] for r in runs]} s, {runs[-1]['features']} features")
            base = f"drawing_scale{scale}"
            loads = [r["load"] for runs in times.values() for r in runs]
            result[f"{base}_load_average_range"] = [min(loads), max(loads)]
            result[f"{base}_click_to_panel_s"] = statistics.median(clicks)
            result[f"{base}_parks_ratio_naive_to_portal"] = round(
                result[f"{base}_naive_parks_s"] / result[f"{base}_canvas_parks_s"], 1
            )
            result[f"{base}_parks_ratio_naive_to_portal_switch"] = round(
                result[f"{base}_naive_parks_switch_s"] / result[f"{base}_switch_parks_s"], 1
            )
            result[f"{base}_parks_ratio_svg_to_canvas"] = round(
                result[f"{base}_svg_parks_s"] / result[f"{base}_canvas_parks_s"], 1
            )
            # The best ratio any Streamlit page could reach against the naive page: its page start alone.
            result[f"{base}_parks_ratio_naive_to_floor_text"] = round(
                result[f"{base}_naive_parks_s"] / result[f"{base}_floor_text_s"], 1
            )
            result[f"{base}_parks_count"] = len(parks)
            log(f"  scale {scale}: click → panel {clicks} s")
    return result
