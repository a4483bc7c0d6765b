"""Effectiveness verification: the exact rate-ratio comparison against independent values,
its verdicts at their boundaries, ``needed`` plugged back in, the cohorts and the maturity
rule on a hand-built database (both back ends), CLI = API, and the demo's glass change."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import binom, binomtest

from qloop.capa.analysis import (
    Verdict,
    clopper_pearson,
    expected_failures,
    needed_units,
    rate_ratio_interval,
    verify_effect,
)

RTOL = 1e-6


def interval_by_inversion(
    n_b: int, x_b: int, n_a: int, x_a: int, confidence: float
) -> tuple[float, float]:
    """Invert the exact conditional test numerically: the π where each tail is α/2, as RR."""
    total, half = x_a + x_b, (1 - confidence) / 2

    def ratio(share: float) -> float:
        return share * n_b / ((1 - share) * n_a)

    low = (
        0.0 if x_a == 0 else brentq(lambda p: binom.sf(x_a - 1, total, p) - half, 0, 1, xtol=1e-15)
    )
    high = (
        math.inf
        if x_a == total
        else brentq(lambda p: binom.cdf(x_a, total, p) - half, 0, 1, xtol=1e-15)
    )
    return ratio(low), (math.inf if high == math.inf else ratio(high))


@pytest.mark.parametrize(
    ("n_b", "x_b", "n_a", "x_a", "confidence"),
    [(8822, 33, 6339, 9, 0.95), (1000, 10, 300, 2, 0.9), (500, 4, 2000, 1, 0.99),
     (120, 7, 80, 0, 0.95), (50, 0, 70, 3, 0.95), (10_000, 300, 12_000, 280, 0.8)],
)  # fmt: skip
def test_against_independent_values(
    n_b: int, x_b: int, n_a: int, x_a: int, confidence: float
) -> None:
    result = verify_effect(n_b, x_b, n_a, x_a, confidence)
    assert (result.before_rate, result.after_rate) == (x_b / n_b, x_a / n_a)
    by_hand = (x_a / n_a) / (x_b / n_b) if x_b else math.inf
    assert result.rate_ratio == pytest.approx(by_hand, rel=1e-12)
    if x_b:
        assert result.reduction == pytest.approx(1 - by_hand, rel=1e-12)
    total, share = x_a + x_b, n_a / (n_a + n_b)
    assert result.p_value == pytest.approx(binom.cdf(x_a, total, share), rel=1e-9)
    assert result.p_value == pytest.approx(
        binomtest(x_a, total, share, alternative="less").pvalue, rel=1e-12
    )
    low, high = interval_by_inversion(n_b, x_b, n_a, x_a, confidence)
    assert result.ci_low == pytest.approx(low, rel=RTOL, abs=1e-300)
    assert result.ci_high == pytest.approx(high, rel=RTOL)
    if x_a == 0:
        assert result.rate_ratio == 0 and result.ci_low == 0 and math.isfinite(result.ci_high)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 5), (5, 5), (9, 42), (280, 580), (1, 1)])
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.999])
def test_clopper_pearson_is_scipys_exact_interval(k: int, n: int, confidence: float) -> None:
    low, high = clopper_pearson(k, n, confidence)
    scipy_ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    assert float(low) == pytest.approx(scipy_ci.low, rel=1e-9, abs=1e-300)
    assert float(high) == pytest.approx(scipy_ci.high, rel=1e-9)


def test_effective_exactly_when_the_upper_bound_is_below_one() -> None:
    """At the largest effective after-failure count the two-sided upper end is below 1 and
    the one-sided p below α/2; one failure more, neither (and the estimate is still < 1)."""
    n, x_b, confidence = 10_000, 40, 0.95
    results = [verify_effect(n, x_b, n, x_a, confidence) for x_a in range(x_b + 2)]
    last = max(r.after_failures for r in results if r.verdict is Verdict.EFFECTIVE)
    assert all(r.verdict is Verdict.EFFECTIVE for r in results[: last + 1])
    edge, above = results[last], results[last + 1]
    assert edge.ci_high < 1 <= above.ci_high and edge.p_value < 0.025 <= above.p_value
    assert above.verdict is Verdict.NOT_YET_SIGNIFICANT and above.rate_ratio < 1
    # not effective from the point where the after rate is no lower: RR = 1 exactly
    assert [r.verdict for r in results[x_b - 1 :]] == [
        Verdict.NOT_YET_SIGNIFICANT, Verdict.NOT_EFFECTIVE, Verdict.NOT_EFFECTIVE,
    ]  # fmt: skip
    assert results[x_b].rate_ratio == 1 and results[x_b].needed_after_units is None


def test_edge_cases() -> None:
    no_after = verify_effect(500, 5, 0, 0)
    assert no_after.verdict is Verdict.NOT_YET_SIGNIFICANT and math.isnan(no_after.rate_ratio)
    assert math.isnan(no_after.after_rate) and no_after.p_value == 1.0
    assert no_after.assumed_reduction == 0.5  # the target, as nothing was observed
    assert no_after.needed_after_units == needed_units(500, 5, 0.5)
    no_before = verify_effect(0, 0, 500, 5)
    assert no_before.verdict is Verdict.NOT_YET_SIGNIFICANT and no_before.needed_after_units is None
    nothing = verify_effect(800, 0, 900, 0)
    assert (nothing.verdict, nothing.p_value, nothing.needed_after_units) == (
        Verdict.NOT_YET_SIGNIFICANT, 1.0, None,
    )  # fmt: skip
    assert (nothing.ci_low, nothing.ci_high) == (0.0, math.inf) and math.isnan(nothing.rate_ratio)
    only_after = verify_effect(800, 0, 900, 2)
    assert (only_after.rate_ratio, only_after.ci_high) == (math.inf, math.inf)
    assert only_after.verdict is Verdict.NOT_EFFECTIVE and only_after.ci_low > 0
    assert verify_effect(0, 0, 0, 0).verdict is Verdict.NOT_YET_SIGNIFICANT
    for bad in (
        (10, 11, 10, 0, 0.95),
        (10, 1, 10, 1, 1.0),
        (10, 1, 10, 1, 0.0),
        (-1, 0, 1, 0, 0.9),
    ):
        with pytest.raises(ValueError):
            verify_effect(*bad)
    with pytest.raises(ValueError, match="target"):
        verify_effect(10, 1, 10, 1, target_reduction=0)


def by_scan(n_b: int, x_b: int, ratio: float, confidence: float, more_than: int) -> int | None:
    rate = ratio * x_b / n_b
    for n in range(more_than + 1, 60_000):
        k = expected_failures(n, rate)
        if rate_ratio_interval(n_b, x_b, n, k, confidence)[1] < 1:
            return n
    return None


@pytest.mark.parametrize(
    ("n_b", "x_b", "ratio", "confidence", "more_than"),
    [(1000, 10, 0.3, 0.95, 0), (8822, 21, 0.46, 0.95, 7290), (2000, 25, 0.0, 0.9, 10),
     (400, 30, 0.5, 0.99, 0), (3000, 40, 0.6, 0.8, 1000)],
)  # fmt: skip
def test_needed_units_is_the_least_that_comes_out_effective(
    n_b: int, x_b: int, ratio: float, confidence: float, more_than: int
) -> None:
    needed = needed_units(n_b, x_b, ratio, confidence, more_than=more_than)
    assert needed is not None and needed == by_scan(n_b, x_b, ratio, confidence, more_than)
    failures = expected_failures(needed, ratio * x_b / n_b)
    plugged = verify_effect(n_b, x_b, needed, failures, confidence)
    assert plugged.verdict is Verdict.EFFECTIVE and plugged.ci_high < 1
    fewer = needed - 1
    if fewer > more_than:
        short = expected_failures(fewer, ratio * x_b / n_b)
        assert verify_effect(n_b, x_b, fewer, short, confidence).ci_high >= 1


def test_needed_units_when_no_after_cohort_can_do() -> None:
    # with 10 failures before, the before rate's exact lower limit at 97.5 % is 0.48x the
    # estimate (Garwood): no after cohort can show RR 0.55, while 0.45 needs a finite one
    lower = 4.795389  # gamma.ppf(0.025, 10), the published chi2(0.025; 20) / 2 = 9.591 / 2
    assert needed_units(1000, 10, 0.55) is None and 0.55 * 10 > lower
    assert needed_units(1000, 10, 0.45) is not None and 0.45 * 10 < lower
    assert needed_units(1000, 0, 0.1) is None and needed_units(1000, 10, 1.0) is None
    result = verify_effect(1000, 10, 300, 2)  # RR 0.67, CI up to 3.1
    assert result.verdict is Verdict.NOT_YET_SIGNIFICANT and result.needed_after_units is None


counts = st.integers(min_value=1, max_value=5_000)


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[int, int, int, int]:
    n_b, n_a = draw(counts), draw(counts)
    x_b = draw(st.integers(0, min(n_b, 200)))
    x_a = draw(st.integers(0, min(n_a, 200)))
    return n_b, x_b, n_a, x_a


@given(cohorts(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_interval_holds_the_estimate_and_p_is_a_probability(
    cohort: tuple[int, int, int, int], confidence: float
) -> None:
    result = verify_effect(*cohort, confidence)
    assert 0.0 <= result.p_value <= 1.0
    if not math.isnan(result.rate_ratio):
        assert result.ci_low <= result.rate_ratio <= result.ci_high
    assert (result.verdict is Verdict.EFFECTIVE) == (result.ci_high < 1)


@given(cohorts())
def test_more_failures_after_never_look_better(cohort: tuple[int, int, int, int]) -> None:
    n_b, x_b, n_a, x_a = cohort
    if x_a == n_a or x_a + x_b == 0:
        return
    fewer, more = verify_effect(n_b, x_b, n_a, x_a), verify_effect(n_b, x_b, n_a, x_a + 1)
    assert more.p_value >= fewer.p_value
    assert more.ci_high >= fewer.ci_high and more.ci_low >= fewer.ci_low
    assert more.rate_ratio >= fewer.rate_ratio
