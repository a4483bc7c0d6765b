"""How many units after a change would show its effect: the planning side of
:func:`qloop.capa.analysis.verify_effect`.

:func:`needed_units` finds the smallest after cohort whose expected failures would bring the
upper end of the rate ratio's exact interval (:mod:`qloop.capa.rate_ratio`) below 1;
:func:`detectable_reduction` is the reduction no after cohort can show when the true one
does not exceed it, however large.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaincinv

from qloop.capa.rate_ratio import check_cohorts, clopper_pearson, rate_ratio_interval

#: ``needed_units`` gives up beyond this many expected failures in the after cohort (an
#: answer that large is academic, and the search stays under about 50 ms)
MAX_NEEDED_FAILURES = 1 << 14


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
    check_cohorts(confidence, (before_units, before_failures))
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
    check_cohorts(confidence, (before_failures, before_failures))
    if before_failures == 0:
        return 1.0
    return float(1.0 - gammaincinv(before_failures, (1.0 - confidence) / 2.0) / before_failures)


def _first_effective(
    before_units: int, before_failures: int, confidence: float, failures: int, at_least: int
) -> int | None:
    """The least ``n >= at_least`` with ``failures`` that comes out effective.

    Starts from ``floor(t(k))`` and steps up past the float rounding of ``t(k)``, so the
    answer is checked by the same interval :func:`qloop.capa.analysis.verify_effect` reports.
    """
    _, high = clopper_pearson(failures, before_failures + failures, confidence)
    if float(high) >= 1.0:
        return None
    n = max(at_least, math.floor(float(high) * before_units / (1.0 - float(high))), 1)
    while rate_ratio_interval(before_units, before_failures, n, failures, confidence)[1] >= 1:
        n += 1
    return n
