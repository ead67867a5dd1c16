"""3. Python reruns during scripted pan / zoom / click, and 5. cold start, in a real Chromium.

The portal counts its script runs when BINHAI_RERUN_LOG names a file (streamlit_app.py appends one
line per run). Cold start: from launching `streamlit run` to the first map path drawn on "/".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.browser import CHROMIUM_ARGS, ROOT, chromium_path, features, free_port, mouse_to, wait_drawn

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
QUIET_S = 3.0  # no new script run for this long → the page has settled


SERVED: set[int] = set()  # pids of the servers `serve` is running (for `servers_quiet`)


def _cpu_ticks(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total


def servers_quiet(window_s: float = 0.5, busy_ticks: int = 2, limit_s: float = 60.0) -> float:
    """Wait until the servers `serve` runs are quiet (≤ `busy_ticks` of CPU in `window_s`); seconds waited.

    A load must not start while another variant's server still works for the previous one: the naive
    baseline's server stays busy for 15–18 s after its 10,000 parks are drawn (its script runs again),
    and the next page's load would otherwise pay for it.
    """
    started = time.monotonic()
    before = _cpu_ticks(SERVED)
    while time.monotonic() - started < limit_s:
        time.sleep(window_s)
        now = _cpu_ticks(SERVED)
        if now - before <= busy_ticks:
            break
        before = now
    return time.monotonic() - started


@contextmanager
def serve(script: str, db_path: Path, log: Path, extra_env: dict[str, str] | None = None):
    """`streamlit run script` on a free port with the rerun log on; yields (url, seconds until healthy)."""
    port = free_port()
    env = {
        **os.environ,
        "BINHAI_DB": str(db_path),
        "BINHAI_BASEMAP": "none",
        "BINHAI_RERUN_LOG": str(log),
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    output = log.with_suffix(".out")
    started = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    SERVED.add(process.pid)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{output.read_text()}")
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        yield url, started
    finally:
        SERVED.discard(process.pid)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def baseline_app(script: str, folder: Path, *beside: str) -> Path:
    """bench/`script` (and the scripts `beside` it) copied into `folder`, whose static/ is the portal's: Streamlit
    serves /app/static from the script's folder, so a baseline loads the same vendored Leaflet as the portal
    (no CDN in the race)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (script, *beside):
        shutil.copy(ROOT / "bench" / name, folder / name)
    if not (folder / "static").exists():
        (folder / "static").symlink_to(ROOT / "static", target_is_directory=True)
    return folder / script


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def settle(log: Path, page=None, quiet: float = QUIET_S, limit: float = 120.0) -> int:
    """Wait until no script run has started for `quiet` seconds and none is running; runs so far."""
    deadline = time.monotonic() + limit
    seen, since = runs(log), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = runs(log)
        running = page is not None and page.get_by_test_id("stStatusWidget").count() > 0
        if now != seen or running:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return seen


def wait_for_run(log: Path, seen: int, limit: float = 20.0) -> None:
    """Wait (up to `limit` s) for a script run beyond the `seen` ones."""
    deadline = time.monotonic() + limit
    while runs(log) <= seen and time.monotonic() < deadline:
        time.sleep(0.25)


def single_map(page):
    """The map once a rerun has replaced it (old and new iframes coexist for a moment)."""
    page.wait_for_function(f"() => document.querySelectorAll('{MAP_FRAME}').length === 1", timeout=60_000)
    return first_map_path(page)


def first_map_path(page, timeout_ms: int = 300_000):
    """The map frame once its layers are drawn (the map's own `window.binhaiDrawn` signal)."""
    page.locator(MAP_FRAME).first.wait_for(timeout=timeout_ms)
    frame = page.locator(MAP_FRAME).first.element_handle(timeout=timeout_ms).content_frame()
    wait_drawn(frame, timeout_ms=timeout_ms)
    return frame


def _pan_and_zoom(page) -> None:
    """Drag the map a little, one wheel notch in, one click on "+" (two zoom levels in all)."""
    box = page.locator(MAP_FRAME).first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 30, steps=8)
    page.mouse.up()
    page.wait_for_timeout(1500)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -100)
    page.wait_for_timeout(1500)
    page.frame_locator(MAP_FRAME).first.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(1500)


def _click_a_park(page, frame) -> None:
    """A real mouse click on the largest shape a mouse reaches (Leaflet ignores synthetic clicks after a drag)."""
    target = next((f for f in features(frame) if f["own"]), None)
    if target is None:
        raise RuntimeError("no shape in view to click")
    mouse_to(page, target, click=True)


def interaction(browser, db_path: Path, work: Path) -> dict[str, Any]:
    """Reruns caused by pan, zoom and a park click: the portal, then st_folium's defaults."""
    out: dict[str, Any] = {}
    log = work / "reruns-portal.log"
    log.unlink(missing_ok=True)
    with serve("server.py", db_path, log) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(url, wait_until="domcontentloaded")
        first_map_path(page)
        before = settle(log, page)
        _pan_and_zoom(page)
        out["interaction_reruns_pan_zoom_overview"] = settle(log, page) - before
        page.goto(url + "parks", wait_until="domcontentloaded")
        frame = first_map_path(page)
        before = settle(log, page)
        _pan_and_zoom(page)
        after_pan = settle(log, page)
        out["interaction_reruns_pan_zoom_parks"] = after_pan - before
        _click_a_park(page, frame)
        page.locator(".st-key-park_panel_title strong").first.wait_for(timeout=120_000)
        out["interaction_reruns_click"] = settle(log, page) - after_pan
        page.close()
    out["interaction_reruns_pan_zoom"] = (
        out["interaction_reruns_pan_zoom_overview"] + out["interaction_reruns_pan_zoom_parks"]
    )

    log = work / "reruns-naive.log"
    log.unlink(missing_ok=True)
    with serve(str(baseline_app("naive_map_app.py", work / "naive-app")), db_path, log) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(url, wait_until="domcontentloaded")
        frame = first_map_path(page)
        before = settle(log, page)
        _pan_and_zoom(page)
        after_pan = settle(log, page)
        out["interaction_naive_reruns_pan_zoom"] = after_pan - before
        frame = single_map(page)  # the reruns redrew the map: click on the one now shown
        _click_a_park(page, frame)
        wait_for_run(log, after_pan, limit=30.0)
        out["interaction_naive_reruns_click"] = settle(log, page) - after_pan
        page.close()
    portal = out["interaction_reruns_pan_zoom_overview"] + out["interaction_reruns_click"]
    naive = out["interaction_naive_reruns_pan_zoom"] + out["interaction_naive_reruns_click"]
    # Same gestures on the same map (pan, wheel, +, one click): script runs naive ÷ portal.
    out["interaction_rerun_ratio"] = round(naive / max(portal, 1), 1)
    return out


def cold_start(browser, db_path: Path, work: Path) -> dict[str, float]:
    """Seconds from launching streamlit to the first map path on "/", and to a healthy server."""
    log = work / f"cold-{db_path.stem}.log"
    log.unlink(missing_ok=True)
    with serve("server.py", db_path, log) as (url, started):
        healthy = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.goto(url, wait_until="domcontentloaded")
        first_map_path(page)
        first_map = time.perf_counter() - started
        page.close()
    return {"healthy_s": round(healthy, 2), "first_map_s": round(first_map, 2)}


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("no Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def run(stores: dict[int, Path], interaction_scale: int, log=print) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="binhai-bench-") as tmp, chromium() as browser:
        work = Path(tmp)
        for scale, path in stores.items():
            timing = cold_start(browser, path, work)
            result[f"cold_start_scale{scale}_first_map_s"] = timing["first_map_s"]
            result[f"cold_start_scale{scale}_healthy_s"] = timing["healthy_s"]
            log(
                f"  cold start at scale {scale}: server up {timing['healthy_s']} s, first map {timing['first_map_s']} s"
            )
        scales = sorted(stores)
        if len(scales) >= 2:
            low, high = scales[0], scales[-1]
            result[f"cold_start_ratio_scale{high}_to_scale{low}"] = round(
                result[f"cold_start_scale{high}_first_map_s"] / result[f"cold_start_scale{low}_first_map_s"], 2
            )
        result.update(interaction(browser, stores[interaction_scale], work))
        log(
            "  reruns: pan+zoom {interaction_reruns_pan_zoom}, click {interaction_reruns_click}; "
            "st_folium defaults: pan+zoom {interaction_naive_reruns_pan_zoom}, click {interaction_naive_reruns_click}".format(
                **result
            )
        )
    return result
