"""The exact comparison of two cohorts' failure rates: interval and test of their ratio.

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
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaincinv
from scipy.stats import binomtest


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


def check_cohorts(confidence: float, *cohorts: tuple[int, int]) -> None:
    """Refuse a confidence outside (0, 1) and a cohort with more failures than units."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence {confidence} must be between 0 and 1 (exclusive)")
    for units, failures in cohorts:
        if not 0 <= failures <= units:
            raise ValueError(f"failures {failures} must be between 0 and the units {units}")
