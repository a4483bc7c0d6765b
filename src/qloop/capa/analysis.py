"""Did a corrective action lower a failure rate? Exact comparison of two cohorts' rates.

The before cohort has ``n_b`` units with ``x_b`` failures, the after cohort ``n_a`` units
with ``x_a``; both were followed for the same time in service. The rate ratio is
``RR = (x_a / n_a) / (x_b / n_b)`` and the reduction ``1 - RR``.

The exact interval and test of ``RR`` (a conditional binomial, as R's ``poisson.test``)
are :mod:`qloop.capa.rate_ratio`; how many units would show an effect not yet shown is
:mod:`qloop.capa.cohort_size`.

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

from qloop.capa.cohort_size import needed_units
from qloop.capa.effect_terms import DEFAULT_TARGET_REDUCTION
from qloop.capa.rate_ratio import check_cohorts, rate_ratio_interval, reduction_p_value


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
    before rate and ``assumed_reduction`` (see
    :func:`qloop.capa.cohort_size.needed_units`); it is None unless the verdict is
    ``not_yet_significant``, and None then too when no number would do.
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
    check_cohorts(confidence, (before_units, before_failures), (after_units, after_failures))
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
