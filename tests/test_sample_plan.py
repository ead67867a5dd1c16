"""Sample 2025 actuals (the 十四五 final year) and illustrative 十五五 targets for 2030 (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from data.sample import generate
from geo.plan import FYP15_ENERGY_INTENSITY_CUT


@pytest.fixture(scope="module")
def sample():
    return generate(seed=2025, scale=1)


def test_parks_that_reported_2024_report_2025_with_intensity_energy_over_value_added(sample):
    stats = sample.statistics
    parks = set(sample.layers["parks"]["id"])
    y2024 = set(stats[(stats["year"] == 2024) & (stats["indicator"] == "energy_consumption")]["entity_id"]) & parks
    y2025 = stats[stats["year"] == 2025]
    assert set(y2025[y2025["indicator"] == "energy_consumption"]["entity_id"]) == y2024
    wide = y2025.pivot(index="entity_id", columns="indicator", values="value").dropna(subset=["energy_intensity"])
    np.testing.assert_allclose(wide["energy_intensity"], wide["energy_consumption"] / wide["value_added"], rtol=1e-12)
    assert not stats.duplicated(["entity_id", "year", "indicator"]).any()


def test_fyp15_targets_cut_2025_intensity_and_emissions_and_are_marked_illustrative(sample):
    targets = sample.targets[sample.targets["target_year"] == 2030]
    assert (targets["baseline_year"] == 2025).all() and targets["source"].str.contains("示意").all()
    assert {"park", "zone", "district"} <= set(targets["level"])
    intensity = targets[targets["indicator"] == "energy_intensity"]
    np.testing.assert_allclose(
        intensity["target_value"], intensity["baseline_value"] * (1 - FYP15_ENERGY_INTENSITY_CUT), atol=1e-4
    )
    emissions = targets[targets["indicator"].isin(["cod", "nh3n", "nox", "vocs"])]
    assert (1 - emissions["target_value"] / emissions["baseline_value"]).between(0.079, 0.121).all()
    stats = sample.statistics
    park = intensity[intensity["level"] == "park"].iloc[0]
    actual = stats[(stats["entity_id"] == park["entity_id"]) & (stats["year"] == 2025)]
    assert park["baseline_value"] == pytest.approx(
        actual.set_index("indicator").loc["energy_intensity", "value"], rel=1e-9
    )
