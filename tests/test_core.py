"""Tests of xlfuncs.core: the R&D rule, licences, spend needed, operations, thresholds.

Expected numbers come from the rule of ../shared/domain/localization-rules.md §5 (200 points per
each 0.5 % of revenue, licence costs counted from 2023) and its suggested regression tests (§6),
worked by hand in the comments.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfuncs import core
from xlfuncs.errors import DomainError, InputError, NoRuleError, UnknownCodeError


@pytest.mark.parametrize(
    ("spend", "revenue", "expected"),
    [
        (10, 1000, 400),  # §6 test 1: 1.0 % -> 2 steps x 200
        (5, 1000, 200),  # 0.5 % -> 1 step
        (7.4, 1000, 200),  # 0.74 % -> 1 whole step under the step rule
        (15, 1000, 600),  # 1.5 % -> 3 steps (the exactness example)
        (0.15, 10, 600),  # 1.5 % again: 0.15/(10*0.005) is 2.9999999999999996 in floats
        (0.3, 20, 600),  # 1.5 % with other float-unfriendly numbers
        (4.99, 1000, 0),  # just under one step
        (0, 1000, 0),
        (100, 1000, 4000),  # 10 % -> 20 steps; no cap found (§5)
    ],
)
def test_rnd_points_step(spend: float, revenue: float, expected: float) -> None:
    assert core.rnd_points(spend, revenue, year=2022) == expected
    # the vectorised path must agree exactly with the scalar one
    assert core.rnd_points(np.array([spend]), np.array([revenue]), year=2022)[0] == expected


def test_rnd_points_linear_is_selectable() -> None:
    # 0.74 % x 400 per 1 % = 296 under a linear reading of the rule
    assert core.rnd_points(7.4, 1000, year=2022, scale="linear") == pytest.approx(296)


def test_licence_counts_only_from_2023() -> None:
    # 0.5 % R&D + 0.5 % licence: 2 steps from 2023 (licence rule), 1 step before
    assert core.rnd_points(5, 1000, 5, year=2023) == 400
    assert core.rnd_points(5, 1000, 5, year=datetime.date(2022, 12, 31)) == 200


@pytest.mark.parametrize(
    ("args", "exc"),
    [
        ((-1, 1000), DomainError),
        ((1, 0), DomainError),
        ((1, -5), DomainError),
        ((float("nan"), 1000), DomainError),
        ((1, float("inf")), DomainError),
        (("ten", 1000), InputError),
        ((True, 1000), InputError),
    ],
)
def test_rnd_points_bad_input(args: tuple[object, ...], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        core.rnd_points(*args, year=2025)  # type: ignore[arg-type]


def test_rnd_points_no_rule_before_points_system() -> None:
    # the R&D rule starts with PP 661 (25 May 2019)
    with pytest.raises(NoRuleError):
        core.rnd_points(10, 1000, year=2018)


def test_licence_cost() -> None:
    # 1,000,000 x 12.5 / 5 + 50 x 20,000 x 12.5 = 2,500,000 + 12,500,000
    assert core.licence_cost(1_000_000, 50, 20_000, 12.5, 5) == 15_000_000
    assert core.licence_cost(300) == 300  # defaults: no royalty, fx 1, 1 year
    with pytest.raises(DomainError):
        core.licence_cost(1, fx_rate=0)
    with pytest.raises(DomainError):
        core.licence_cost(1, amortization_years=0.5)
    arr = core.licence_cost(np.array([100.0, 200.0]), 1, 10, 2, 2)
    assert arr.tolist() == [120.0, 220.0]  # 100*2/2 + 1*10*2 ; 200*2/2 + 20


@pytest.mark.parametrize(
    ("target", "revenue", "current", "expected"),
    [
        (600, 1000, 0, 15),  # 3 steps x 0.5 % x 1000
        (500, 1000, 4, 11),  # 2.5 steps round up to 3: 15 - 4
        (400, 1000, 12, 0),  # 12 already earns 2 steps
        (0, 1000, 0, 0),
        (200, 3, 0, 0.015),  # 1 step of 0.5 % of 3
    ],
)
def test_spend_needed(target: float, revenue: float, current: float, expected: float) -> None:
    assert core.spend_needed(target, revenue, current, year=2025) == pytest.approx(expected, abs=1e-12)
    vec = core.spend_needed(np.array([target]), np.array([revenue]), np.array([current]), year=2025)
    assert vec[0] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    spend=st.integers(0, 10**9).map(lambda c: c / 100),
    revenue=st.integers(1, 10**9).map(lambda c: c / 100),
    licence=st.integers(0, 10**7).map(lambda c: c / 100),
    year=st.integers(2020, 2030),
)
def test_vector_equals_scalar(spend: float, revenue: float, licence: float, year: int) -> None:
    """Money amounts in kopecks: the numpy path gives exactly the decimal scalar result."""
    scalar = core.rnd_points(spend, revenue, licence, year=year)
    vector = core.rnd_points(np.array([spend]), np.array([revenue]), np.array([licence]), year=np.array([year]))
    assert vector[0] == scalar


@settings(max_examples=100, deadline=None)
@given(
    target=st.integers(0, 40).map(lambda s: s * 100.0),
    revenue=st.integers(1, 10**9).map(lambda c: c / 100),
)
def test_spend_needed_reaches_target(target: float, revenue: float) -> None:
    """Spending exactly what is needed earns at least the target."""
    need = core.spend_needed(target, revenue, year=2025)
    assert core.rnd_points(need, revenue, year=2025) >= target - 1e-9


def test_pandas_series_keeps_index() -> None:
    df = pd.DataFrame(
        {"spend": [10.0, 15.0], "revenue": [1000.0, 1000.0], "year": [2022, 2027]}, index=["a", "b"]
    )
    out = core.rnd_points(df["spend"], df["revenue"], year=df["year"].to_numpy())
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]
    assert out.tolist() == [400.0, 600.0]


def test_per_row_years_use_rule_of_each_year() -> None:
    # licence counts in 2023 but not in 2022 (same inputs otherwise)
    out = core.rnd_points(np.array([5.0, 5.0]), 1000, np.array([5.0, 5.0]), year=np.array([2022, 2023]))
    assert out.tolist() == [200.0, 400.0]


def test_operations_and_score() -> None:
    assert core.operation_points("Body_Welding", year=2025) == 400
    with pytest.raises(UnknownCodeError):
        core.operation_points("hyperdrive", year=2025)
    # welding 400 + painting 500 (telematics not done) + R&D 400
    assert core.total_score(["body_welding", "body_painting", "telematics"], [1, "да", "нет"], 400, year=2025) == 1300
    # blank codes skipped, duplicates once, no flags = all listed
    assert core.total_score(["engine_ecu", None, "", "engine_ecu"], year=2025) == 100
    with pytest.raises(InputError):
        core.total_score(["engine_ecu"], ["perhaps"], year=2025)
    with pytest.raises(InputError):
        core.total_score(["engine_ecu"], [1, 0], year=2025)


def test_gap_and_eligibility_public_scores() -> None:
    # §6 test 3: UAZ Patriot 2,209 (2020 output) < 3,200 procurement bar
    assert core.eligible(2209, "procurement", year=2021) is False
    assert core.gap(2209, "procurement", year=2021) == 991
    # Lada Granta 3,280 (2020 output) passes 3,200
    assert core.eligible(3280, "procurement", year=2021) is True
    assert core.gap(3280, "procurement", year=2021) == 0
    scores = np.array([1599.0, 1600.0])
    assert core.eligible(scores, "loans", year=2024).tolist() == [False, True]  # 1,600 bar in 2024
    assert core.gap(scores, "loans", year=2024).tolist() == [1.0, 0.0]


def test_to_date() -> None:
    assert core.to_date(2025) == datetime.date(2025, 1, 1)
    with pytest.raises(DomainError):
        core.to_date(2025.5)
    with pytest.raises(InputError):
        core.to_date("2025")  # type: ignore[arg-type]


def test_million_rows_vectorised() -> None:
    """A frame of programme-years scores in one call (speed is measured in benchmarks/)."""
    rng = np.random.default_rng(7)
    n = 10_000
    revenue = rng.uniform(1e6, 1e9, n)
    spend = revenue * rng.uniform(0, 0.03, n)
    years = rng.integers(2020, 2031, n)
    out = core.rnd_points(spend, revenue, year=years)
    # spot-check against the scalar path
    for i in range(0, n, 997):
        assert out[i] == core.rnd_points(float(spend[i]), float(revenue[i]), year=int(years[i]))
