"""Checks on hand-made shapes: each problem found with its reason, the offending part and its area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import zone_checks as zc
from geo.crs import wgs84_to_gcj02_xy

TOL = zc.Tolerances(overlap_pct=1.0, min_area_km2=0.01, outside_pct=0.5, max_vertices=50_000)
DISTRICT = shapely.box(117.40, 38.60, 117.90, 39.30)
IN_FORCE = [("PZ-0001", "塘沽城区禁燃区", shapely.box(117.60, 39.00, 117.65, 39.05))]


def km2(geom) -> float:
    """Hand check: the same area through geopandas' reprojection to EPSG:4548."""
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs("EPSG:4548").area.iloc[0] / 1e6)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_a_clean_zone_inside_the_district_passes_every_check():
    zone = shapely.box(117.50, 38.80, 117.55, 38.85)
    assert zc.check_zone(zone, DISTRICT, IN_FORCE, TOL) == []
    assert zc.area_km2(zone) == pytest.approx(km2(zone), rel=1e-9)


def test_a_bow_tie_is_a_self_intersection_with_make_valid_repair_and_its_area():
    bow_tie = shapely.Polygon([(117.50, 38.80), (117.52, 38.82), (117.52, 38.80), (117.50, 38.82), (117.50, 38.80)])
    [finding] = zc.check_zone(bow_tie, DISTRICT, IN_FORCE, TOL)
    assert finding.code == "self_intersection" and finding.blocking
    assert "自相交" in finding.zh and "crosses itself" in finding.en
    repaired = finding.extra["repaired"]
    assert repaired.is_valid and finding.extra["parts_after"] == 2
    triangles = shapely.MultiPolygon(
        [
            shapely.Polygon([(117.50, 38.80), (117.51, 38.81), (117.50, 38.82)]),
            shapely.Polygon([(117.52, 38.80), (117.51, 38.81), (117.52, 38.82)]),
        ]
    )
    assert finding.area_km2 == pytest.approx(km2(triangles), rel=1e-6)
    assert finding.part.equals_exact(shapely.Point(117.51, 38.81), 1e-9)  # where it crosses


def test_a_line_is_not_a_zone():
    [finding] = zc.check_zone(shapely.LineString([(117.5, 38.8), (117.6, 38.9)]), DISTRICT, IN_FORCE, TOL)
    assert finding.code == "not_area" and finding.blocking and "必须是面" in finding.zh


def test_a_zone_of_a_hundred_thousandth_km2_is_too_small():
    tiny = shapely.box(117.50, 38.80, 117.50004, 38.80003)  # ≈ 3.5 m × 3.3 m ≈ 0.00001 km²
    assert km2(tiny) == pytest.approx(0.00001, rel=0.2)
    [finding] = zc.check_zone(tiny, DISTRICT, IN_FORCE, TOL)
    assert finding.code == "too_small" and finding.blocking
    assert finding.area_km2 == pytest.approx(km2(tiny), rel=1e-6)


def test_a_zone_ninety_percent_outside_the_district_offers_the_clipped_shape():
    zone = shapely.box(117.89, 38.80, 117.99, 38.85)  # 0.01° of 0.10° inside
    [finding] = zc.check_zone(zone, DISTRICT, IN_FORCE, TOL)
    assert finding.code == "outside" and finding.blocking
    inside = shapely.box(117.89, 38.80, 117.90, 38.85)
    outside = shapely.box(117.90, 38.80, 117.99, 38.85)
    assert finding.extra["share"] == pytest.approx(km2(outside) / km2(zone), rel=1e-6)
    assert finding.extra["share"] == pytest.approx(0.9, abs=0.01)
    assert finding.area_km2 == pytest.approx(km2(outside), rel=1e-6)
    assert zc.area_km2(finding.extra["clipped"]) == pytest.approx(km2(inside), rel=1e-6)
    assert "90%" in finding.zh


def test_a_zone_overlapping_a_zone_in_force_by_forty_percent_is_refused_with_the_area():
    zone = shapely.box(117.63, 39.00, 117.68, 39.05)  # 0.02 of 0.05° wide overlaps
    [finding] = zc.check_zone(zone, DISTRICT, IN_FORCE, TOL)
    shared = shapely.box(117.63, 39.00, 117.65, 39.05)
    assert finding.code == "overlap" and finding.blocking and finding.extra["zone_id"] == "PZ-0001"
    assert finding.area_km2 == pytest.approx(km2(shared), rel=1e-6)
    assert km2(shared) / km2(zone) == pytest.approx(0.4, abs=0.01)
    assert "40%" in finding.zh and "塘沽城区禁燃区" in finding.zh


def test_an_overlap_below_the_tolerance_passes():
    zone = shapely.box(117.6495, 39.00, 117.70, 39.05)  # 1 % of its width overlaps
    assert "overlap" not in codes(zc.check_zone(zone, DISTRICT, IN_FORCE, zc.Tolerances(overlap_pct=2.0)))
    assert "overlap" in codes(zc.check_zone(zone, DISTRICT, IN_FORCE, zc.Tolerances(overlap_pct=0.5)))


def test_two_hundred_thousand_vertices_are_refused_before_any_other_work():
    angle = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    circle = shapely.Polygon(np.column_stack([117.5 + 0.01 * np.cos(angle), 38.8 + 0.01 * np.sin(angle)]))
    assert zc.vertex_count(circle) > 200_000
    [finding] = zc.check_zone(circle, DISTRICT, IN_FORCE, TOL)
    assert finding.code == "too_many_vertices" and "顶点过多" in finding.zh


def test_sliver_parts_and_tiny_holes_are_found_with_their_area():
    main = shapely.box(117.50, 38.80, 117.55, 38.85)
    hole = shapely.box(117.52, 38.82, 117.5201, 38.8201)
    sliver = shapely.box(117.56, 38.80, 117.5601, 38.8001)
    zone = shapely.MultiPolygon([shapely.Polygon(main.exterior.coords, [hole.exterior.coords]), sliver])
    found = {f.code: f for f in zc.check_zone(zone, DISTRICT, IN_FORCE, TOL)}
    assert set(found) == {"sliver", "gap"}
    assert found["sliver"].area_km2 == pytest.approx(km2(sliver), rel=1e-6)
    assert found["gap"].area_km2 == pytest.approx(km2(hole), rel=1e-6)


def test_a_large_hole_is_a_legitimate_part_of_a_zone():
    outer = shapely.box(117.50, 38.80, 117.55, 38.85)
    hole = shapely.box(117.52, 38.82, 117.53, 38.83)
    zone = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    assert zc.check_zone(zone, DISTRICT, IN_FORCE, TOL) == []
    assert zc.area_km2(zone) == pytest.approx(km2(outer) - km2(hole), rel=1e-6)


def test_a_small_gap_left_against_a_neighbouring_zone_is_a_warning():
    # A U-shape hugging the zone in force leaves a 4 m × 1.1 km pocket against its east edge.
    draft = shapely.Polygon(
        [(117.65, 39.00), (117.66, 39.00), (117.66, 39.05), (117.65, 39.05), (117.65, 39.03),
         (117.65005, 39.03), (117.65005, 39.02), (117.65, 39.02), (117.65, 39.00)]
    )  # fmt: skip
    found = [f for f in zc.check_zone(draft, DISTRICT, IN_FORCE, TOL) if f.code == "gap"]
    assert found and not found[0].blocking
    assert found[0].area_km2 < TOL.min_area_km2


def test_projected_and_swapped_coordinates_are_suspicious_crs():
    projected = shapely.box(39_500_000, 4_300_000, 39_501_000, 4_301_000)
    assert codes(zc.check_zone(projected, DISTRICT, IN_FORCE, TOL)) == ["crs_projected"]
    swapped = shapely.box(38.80, 117.50, 38.85, 117.55)
    assert codes(zc.check_zone(swapped, DISTRICT, IN_FORCE, TOL)) == ["crs_swapped"]


def test_a_gcj02_shifted_copy_of_a_zone_in_force_is_flagged_with_the_corrected_shape():
    zone = IN_FORCE[0][2]

    def shift(xy):
        lon, lat = wgs84_to_gcj02_xy(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    shifted = shapely.transform(zone, shift)
    found = {f.code: f for f in zc.check_zone(shifted, DISTRICT, IN_FORCE, TOL)}
    assert "crs_gcj02" in found and not found["crs_gcj02"].blocking
    assert found["crs_gcj02"].extra["corrected"].equals_exact(zone, 1e-7)


def test_an_edit_answers_only_for_the_overlap_it_adds():
    previous = shapely.box(117.64, 39.00, 117.70, 39.05)  # already overlaps PZ-0001 by 0.01°
    grown = shapely.box(117.64, 39.00, 117.70, 39.06)
    assert "overlap" not in codes(zc.check_zone(grown, DISTRICT, IN_FORCE, TOL, previous=previous))
    pushed_in = shapely.box(117.62, 39.00, 117.70, 39.05)
    [finding] = [f for f in zc.check_zone(pushed_in, DISTRICT, IN_FORCE, TOL, previous=previous) if f.code == "overlap"]
    assert finding.area_km2 == pytest.approx(km2(shapely.box(117.62, 39.00, 117.64, 39.05)), rel=1e-6)


def test_a_bow_tie_across_a_zone_in_force_is_reported_not_raised():
    bow_tie = shapely.Polygon([(117.60, 39.00), (117.70, 39.06), (117.70, 39.00), (117.60, 39.06), (117.60, 39.00)])
    assert codes(zc.check_zone(bow_tie, DISTRICT, IN_FORCE, TOL)) == ["self_intersection"]
