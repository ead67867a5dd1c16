from __future__ import annotations

import numpy as np
import pytest

from geo.classify import assign_classes, breaks, jenks_breaks, quantile_breaks


def test_quantile_breaks_split_ten_values_into_equal_counts():
    assert quantile_breaks(range(1, 11), 2) == [5.5, 10.0]


def test_jenks_finds_the_obvious_gaps():
    values = [1, 2, 3, 20, 21, 22, 50, 51, 52]
    assert jenks_breaks(values, 3) == [3.0, 22.0, 52.0]


def test_jenks_with_fewer_distinct_values_than_classes_returns_each_value():
    assert jenks_breaks([4, 4, 7], 5) == [4.0, 7.0]


def test_breaks_ignore_missing_values():
    assert breaks([1, np.nan, 3, None], 2, "quantiles") == [2.0, 3.0]


def test_assign_classes_marks_missing_as_minus_one_and_caps_at_the_last_class():
    bounds = [3.0, 22.0, 52.0]
    assert assign_classes([1, 3, 4, 52, np.nan], bounds).tolist() == [0, 0, 1, 2, -1]


def test_jenks_on_a_large_sample_is_deterministic_and_sorted():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(10, 1, 3000), rng.normal(100, 5, 3000)])
    first, second = jenks_breaks(values, 2), jenks_breaks(values, 2)
    assert first == second and first == sorted(first)
    assert 13 < first[0] < 90


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="natural_breaks"):
        breaks([1, 2], 2, "equal")
