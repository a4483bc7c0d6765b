"""Did a corrective action lower a failure rate? Exact comparison of two cohorts' rates.

The before cohort has ``n_b`` units with ``x_b`` failures, the after cohort ``n_a`` units
with ``x_a``; both were followed for the same time in service. The rate ratio is
``RR = (x_a / n_a) / (x_b / n_b)`` and the reduction ``1 - RR``.

**Conditional binomial (the rare-event approximation).** Failures are rare (a few per
thousand units), so the counts are treated as Poisson with means ``n_a λ_a`` and
``n_b λ_b``. Given the total ``F = x_a + x_b``, ``x_a`` is then exactly
``Binomial(F, π)`` with ``π = n_a RR / (n_a RR + n_b)``, free of the unknown base rate.
For binomial counts (a unit fails or not) the exact conditional law is Fisher's
noncentral hypergeometric in the odds ratio; with rates this small the odds ratio is the
risk ratio to within the rate, and the law tends to the binomial above. References:
Breslow & Day, *Statistical Methods in Cancer Research* vol. II (IARC 1987), ch. 2
(comparison of two rates conditional on their total); Rothman, Greenland & Lash,
*Modern Epidemiology*, 3rd ed. (2008), ch. 14 (exact methods for person-time data). It is
what R's ``poisson.test(c(x_a, x_b), c(n_a, n_b))`` computes.

**Interval.** The Clopper–Pearson (1934) interval ``[π_L, π_U]`` for ``π`` at the
two-sided level ``confidence`` (``π_L = Beta⁻¹(α/2; x_a, F - x_a + 1)``,
``π_U = Beta⁻¹(1 - α/2; x_a + 1, F - x_a)``, ``α = 1 - confidence``) maps through the
increasing ``RR = π n_b / ((1 - π) n_a)`` to an exact interval for ``RR``.

**Test.** One-sided exact test of ``H0: RR >= 1`` against ``RR < 1``:
``p = P(Binomial(F, n_a / (n_a + n_b)) <= x_a)``.

**Verdict.** ``effective`` when the upper end of the two-sided interval is below 1.
Since ``P(X <= x_a | π)`` falls as ``π`` grows, ``ci_high < 1`` exactly when
``p < α / 2``: the verdict is a one-sided test at level ``α / 2`` (2.5 % for the default
0.95), the error rate of the two-sided interval it is read from. ``not_effective`` when
both cohorts have units, ``F > 0`` and the point estimate ``RR >= 1`` (the after rate is
not lower; ``RR`` is infinite when the before cohort had no failure and the after cohort
some): more units would not show a reduction the data do not have. Otherwise
``not_yet_significant``: a cohort without units, no failure at all, or ``RR < 1`` with
``ci_high >= 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaincinv, gammaincinv
from scipy.stats import binomtest

from qloop.capa.effect_terms import DEFAULT_TARGET_REDUCTION

#: ``needed_units`` gives up beyond this many expected failures in the after cohort (an
#: answer that large is academic, and the search stays under about 50 ms)
MAX_NEEDED_FAILURES = 1 << 14


class Verdict(StrEnum):
    EFFECTIVE = "effective"
    NOT_YET_SIGNIFICANT = "not_yet_significant"
    NOT_EFFECTIVE = "not_effective"


@dataclass(frozen=True)
class EffectResult:
    """The comparison of the after cohort with the before cohort.

    Rates are NaN for a cohort without units, ``rate_ratio`` NaN when undefined and
    infinite when only the before rate is 0; ``ci_high`` is infinite when no failure
    bounds it. ``needed_after_units`` is the smallest after cohort (at least one more
    unit than now) whose expected failures would bring ``ci_high`` below 1, assuming the
    before rate and ``assumed_reduction`` (see :func:`needed_units`); it is None unless
    the verdict is ``not_yet_significant``, and None then too when no number would do.
    """

    before_units: int
    before_failures: int
    after_units: int
    after_failures: int
    confidence: float
    before_rate: float
    after_rate: float
    rate_ratio: float
    reduction: float
    ci_low: float
    ci_high: float
    p_value: float
    verdict: Verdict
    needed_after_units: int | None
    assumed_reduction: float | None


def clopper_pearson(
    successes: ArrayLike, trials: ArrayLike, confidence: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact two-sided interval for a binomial proportion (Clopper & Pearson, 1934).

    ``[Beta⁻¹(α/2; k, n-k+1), Beta⁻¹(1-α/2; k+1, n-k)]`` with the ends 0 at ``k = 0`` and
    1 at ``k = n`` (and ``[0, 1]`` for ``n = 0``); element-wise over arrays.
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    half = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, betaincinv(k, n - k + 1.0, half), 0.0)
        high = np.where(k < n, betaincinv(k + 1.0, n - k, 1.0 - half), 1.0)
    return low, high


def _ratio_from_share(share: float, before_units: int, after_units: int) -> float:
    """``RR = π n_b / ((1 - π) n_a)``: infinite at ``π = 1``."""
    if share >= 1.0:
        return math.inf
    return share * before_units / ((1.0 - share) * after_units)


def rate_ratio_interval(
    before_units: int,
    before_failures: int,
    after_units: int,
    after_failures: int,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Exact two-sided interval for the rate ratio after/before (see the module docstring).

    ``(NaN, NaN)`` when a cohort has no units; ``(0, inf)`` when neither cohort failed.
    """
    if before_units == 0 or after_units == 0:
        return math.nan, math.nan
    total = before_failures + after_failures
    low, high = clopper_pearson(after_failures, total, confidence)
    return (
        _ratio_from_share(float(low), before_units, after_units),
        _ratio_from_share(float(high), before_units, after_units),
    )


def reduction_p_value(
    before_units: int, before_failures: int, after_units: int, after_failures: int
) -> float:
    """One-sided exact p of ``H0: RR >= 1``: ``P(Binomial(F, n_a/(n_a+n_b)) <= x_a)``.

    1 when there is nothing to test (a cohort without units, or no failure at all).
    """
    total = before_failures + after_failures
    if before_units == 0 or after_units == 0 or total == 0:
        return 1.0
    share = after_units / (after_units + before_units)
    return float(binomtest(after_failures, total, share, alternative="less").pvalue)


def _check(confidence: float, *cohorts: tuple[int, int]) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence {confidence} must be between 0 and 1 (exclusive)")
    for units, failures in cohorts:
        if not 0 <= failures <= units:
            raise ValueError(f"failures {failures} must be between 0 and the units {units}")


def verify_effect(
    before_units: int,
    before_failures: int,
    after_units: int,
    after_failures: int,
    confidence: float = 0.95,
    *,
    target_reduction: float = DEFAULT_TARGET_REDUCTION,
) -> EffectResult:
    """Compare the cohorts; the verdict and formulas are in the module docstring.

    When the verdict is ``not_yet_significant``, ``needed_after_units`` extrapolates at
    the observed reduction when there is one (``0 <= RR < 1`` observed), else at
    ``target_reduction``; never when the before cohort had no unit or no failure.
    """
    _check(confidence, (before_units, before_failures), (after_units, after_failures))
    if not 0.0 < target_reduction <= 1.0:
        raise ValueError(f"target reduction {target_reduction} must be in (0, 1]")
    before_rate = before_failures / before_units if before_units else math.nan
    after_rate = after_failures / after_units if after_units else math.nan
    if before_units == 0 or after_units == 0 or before_failures + after_failures == 0:
        ratio = math.nan
    elif before_failures == 0:
        ratio = math.inf
    else:
        ratio = after_rate / before_rate
    low, high = rate_ratio_interval(
        before_units, before_failures, after_units, after_failures, confidence
    )
    if high < 1.0:
        verdict = Verdict.EFFECTIVE
    elif ratio >= 1.0:  # False for NaN: a comparison without data is not yet significant
        verdict = Verdict.NOT_EFFECTIVE
    else:
        verdict = Verdict.NOT_YET_SIGNIFICANT
    needed, assumed = None, None
    if verdict is Verdict.NOT_YET_SIGNIFICANT and before_failures > 0:
        assumed = 1.0 - ratio if ratio < 1.0 else target_reduction
        needed = needed_units(
            before_units, before_failures, 1.0 - assumed, confidence, more_than=after_units
        )
    return EffectResult(
        before_units=before_units,
        before_failures=before_failures,
        after_units=after_units,
        after_failures=after_failures,
        confidence=confidence,
        before_rate=before_rate,
        after_rate=after_rate,
        rate_ratio=ratio,
        reduction=1.0 - ratio,
        ci_low=low,
        ci_high=high,
        p_value=reduction_p_value(before_units, before_failures, after_units, after_failures),
        verdict=verdict,
        needed_after_units=needed,
        assumed_reduction=assumed,
    )


def expected_failures(units: int, rate: float) -> int:
    """``units × rate`` rounded half up: the failures :func:`needed_units` assumes."""
    return math.floor(units * rate + 0.5)


def needed_units(
    before_units: int,
    before_failures: int,
    rate_ratio: float,
    confidence: float = 0.95,
    *,
    more_than: int = 0,
) -> int | None:
    """The smallest after cohort ``n > more_than`` that would come out ``effective``.

    The after cohort of ``n`` units is assumed to fail at ``q = rate_ratio × x_b / n_b``,
    i.e. ``k(n) = expected_failures(n, q)`` times; the answer is the least ``n`` with
    ``verify_effect(n_b, x_b, n, k(n), confidence).ci_high < 1``. For a given ``k`` that
    holds exactly when ``n > t(k) = π_U n_b / (1 - π_U)`` with ``π_U`` the
    Clopper–Pearson upper end for ``k`` of ``x_b + k``, so the search walks ``k`` up
    (the ``n`` rounding to each ``k`` form consecutive runs) instead of ``n``.

    None when no ``n`` would do: no before failure (``F`` could be 0), ``rate_ratio``
    not below 1, or a reduction ``1 - rate_ratio`` not above
    :func:`detectable_reduction` (the before cohort is too small for any after cohort).
    Also None beyond ``MAX_NEEDED_FAILURES`` expected failures after.
    """
    _check(confidence, (before_units, before_failures))
    if before_failures == 0 or not 0.0 <= rate_ratio < 1.0:
        return None
    if 1.0 - rate_ratio <= detectable_reduction(before_failures, confidence):
        return None
    rate = rate_ratio * before_failures / before_units
    if rate == 0.0:
        return _first_effective(before_units, before_failures, confidence, 0, more_than + 1)
    first = expected_failures(more_than + 1, rate)
    size = 1024
    while first <= MAX_NEEDED_FAILURES:
        k = np.arange(first, first + size, dtype=np.float64)
        _, high = clopper_pearson(k, before_failures + k, confidence)
        with np.errstate(divide="ignore"):
            threshold = high * before_units / (1.0 - high)
        # the n rounding to k: (k - 1/2)/q <= n < (k + 1/2)/q
        start = np.maximum(np.ceil((k - 0.5) / rate), more_than + 1)
        stop = np.ceil((k + 0.5) / rate)
        candidate = np.maximum(np.floor(threshold) + 1.0, start)
        for index in np.flatnonzero(candidate < stop):
            found = _first_effective(
                before_units, before_failures, confidence, int(k[index]), int(candidate[index])
            )
            if found is not None and expected_failures(found, rate) == int(k[index]):
                return found
        first += size
        size *= 2
    return None


def detectable_reduction(before_failures: int, confidence: float = 0.95) -> float:
    """The reduction no after cohort can show unless the true one exceeds it: ``1 - L/x_b``.

    ``L = Γ⁻¹(α/2; x_b)`` is the exact (Garwood) lower limit of a Poisson count ``x_b``;
    with the after rate known exactly (an infinite after cohort) the upper end of the
    rate ratio's interval tends to ``RR x_b / L``. 1 when ``x_b = 0``.
    """
    _check(confidence, (before_failures, before_failures))
    if before_failures == 0:
        return 1.0
    return float(1.0 - gammaincinv(before_failures, (1.0 - confidence) / 2.0) / before_failures)


def _first_effective(
    before_units: int, before_failures: int, confidence: float, failures: int, at_least: int
) -> int | None:
    """The least ``n >= at_least`` with ``failures`` that comes out effective.

    Starts from ``floor(t(k))`` and steps up past the float rounding of ``t(k)``, so the
    answer is checked by the same interval :func:`verify_effect` reports.
    """
    _, high = clopper_pearson(failures, before_failures + failures, confidence)
    if float(high) >= 1.0:
        return None
    n = max(at_least, math.floor(float(high) * before_units / (1.0 - float(high))), 1)
    while rate_ratio_interval(before_units, before_failures, n, failures, confidence)[1] >= 1:
        n += 1
    return n
