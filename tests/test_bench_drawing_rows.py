"""The browser rows of `make bench` (part 6): every page with its aim, and the floors beside them."""

from __future__ import annotations

from bench import drawing, run


def _scale(
    scale: int, pages: dict[str, float], parks_s: float, naive_s: float, moves: dict[str, float] | None = None
) -> dict[str, object]:
    base = f"drawing_scale{scale}"
    r: dict[str, object] = {
        f"{base}_parks_count": 40 if scale == 1 else 10_000,
        f"{base}_canvas_parks_s": parks_s,
        f"{base}_svg_parks_s": parks_s + 0.2,
        f"{base}_naive_parks_s": naive_s,
        f"{base}_naive_parks_peak_mb": 900,
        f"{base}_canvas_parks_peak_mb": 800,
        f"{base}_parks_ratio_naive_to_portal": round(naive_s / parks_s, 1),
        f"{base}_parks_ratio_svg_to_canvas": 1.1,
        f"{base}_click_to_panel_s": 0.9,
        f"{base}_floor_text_s": 0.95,
        f"{base}_floor_map_s": 1.3,
        f"{base}_parks_ratio_naive_to_floor_text": round(naive_s / 0.95, 1),
    }
    for page, seconds in pages.items():
        r[f"{base}_canvas_{page}_s"] = seconds
        r[f"{base}_canvas_{page}_features"] = 123
    for page, seconds in (moves or {}).items():  # a click on the page's link from another page
        r[f"{base}_switch_{page}_s"] = seconds
    if moves:
        r[f"{base}_naive_parks_switch_s"] = naive_s - 1
        r[f"{base}_parks_ratio_naive_to_portal_switch"] = round((naive_s - 1) / moves["parks"], 1)
    return r


def test_every_measured_page_has_a_row_with_its_aim_and_the_floors_follow():
    small = {"map": 2.0, "assessment": 1.4, "ledgers": 2.6, "facilities": 2.2, "water": 1.9, "public": 1.7}
    large = {"map": 3.2, "water": 5.0, "public": 4.4}
    r = {**_scale(1, small, parks_s=2.3, naive_s=1.4), **_scale(250, large, parks_s=2.7, naive_s=8.3)}
    rows = run.drawing_rows(r)
    text = "\n".join(rows)
    for title in ("一张图", "目标考核", "专项台账", "污水处理", "黑臭水体", "公示"):
        assert f"drawn, {title}" in text
    by_name = {row.split(" | ")[0].lstrip("| ").strip(): row for row in rows}
    assert by_name["navigation → drawn, 目标考核 (scale 1, 123 features)"].endswith("| < 1.5 s | ok |")
    assert by_name["navigation → drawn, 专项台账 (scale 1, 123 features)"].endswith("| < 1.5 s | MISSED |")
    # At scale 250 the issue sets an aim for 一张图 only; the other pages are reported without one.
    assert by_name["navigation → drawn, 一张图, every layer shown (scale 250, 123 features)"].endswith("| < 4 s | ok |")
    assert by_name["navigation → drawn, 黑臭水体 (scale 250, 123 features)"].endswith("|  |  |")
    # 8.3 / 2.7 = 3.1× misses ≥ 10× although 2.7 s meets < 3 s.
    assert by_name["navigation → 10,000 parks drawn, 园区指标 (scale 250)"].endswith("| MISSED |")
    floors = [row for row in rows if "floor:" in row]
    assert len(floors) == 4  # text and map, at both scales
    assert "| 8.7× (the most any page could reach) |" in floors[2]


def test_the_bench_measures_every_page_with_a_map():
    # The pages with a map that a visitor opens without logging in (the zone editor needs a planner).
    assert set(drawing.PAGES) == {"map", "parks", "assessment", "ledgers", "facilities", "water", "public"}
    assert set(drawing.LARGE_PAGES) <= set(drawing.PAGES)
    assert set(drawing.FLOORS) == {"text", "map"}


def test_a_move_inside_the_portal_is_a_row_under_each_page_with_the_same_aim():
    small = {"map": 2.0, "assessment": 1.4}
    moves = {"parks": 1.0, "map": 1.6, "assessment": 0.9}
    r = {
        **_scale(1, small, parks_s=2.3, naive_s=1.4, moves=moves),
        **_scale(250, {"map": 4.5}, parks_s=2.7, naive_s=8.3, moves={"parks": 0.7, "map": 3.5}),
    }
    rows = run.drawing_rows(r)
    moved = [i for i, row in enumerate(rows) if "from another page of the portal" in row]
    assert len(moved) == 5  # parks, 一张图 and 目标考核 at scale 1; parks and 一张图 at scale 250
    for i in moved:  # each right under its page's first-visit row (or the parks row)
        assert "navigation →" in rows[i - 1]
    cells = [[c.strip() for c in rows[i].strip("|").split("|")] for i in moved]
    assert cells[0][1:] == ["0.4 s", "1.0 s", "0.4×", "< 1.5 s", "ok"]  # parks, scale 1: naive beside it
    assert cells[1][2:] == ["1.6 s", "", "< 1.5 s", "MISSED"]  # 一张图, scale 1
    assert cells[2][2:] == ["0.9 s", "", "< 1.5 s", "ok"]  # 目标考核
    assert cells[3][1:] == ["7.3 s", "0.7 s", "10.4×", "< 3 s, ≥ 10×", "ok"]  # parks at scale 250
    assert cells[4][2:] == ["3.5 s", "", "< 4 s", "ok"]  # 一张图 at scale 250


def test_pages_measured_without_a_move_keep_their_rows_as_before():
    rows = run.drawing_rows(_scale(1, {"map": 2.0}, parks_s=2.3, naive_s=1.4))
    assert not any("from another page" in row for row in rows)


def test_the_floors_are_served_as_the_portal_is(tmp_path):
    # A floor measures what every portal page pays, so it runs on the portal's own serving (server.SERVING and
    # TCP_NODELAY on its socket), not on a stock Streamlit server with waits the portal no longer has.
    import runpy

    import server
    from bench.browser import baseline_app

    script = baseline_app("floor_server.py", tmp_path, "floor_app.py")
    assert (tmp_path / "floor_app.py").is_file() and (tmp_path / "static" / "vendor").is_dir()
    floor = runpy.run_path(str(script))
    assert floor["SERVING"] is server.SERVING
    assert floor["app"] is not server.app
