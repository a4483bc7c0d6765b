"""A verification's conclusion in words, in the reader's language.

``describe`` reads the figures of a verification as it is stored and returned
(``Verification.as_json``), so a plan verified by an engineer in English reads in
Chinese for a department owner whose pages are in Chinese, in the 8D report too. A result
stored before these words were built from its figures lacks some of them: ``describe``
then gives None and the stored English message stands (``shown_message``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qloop.capa.cohort_size import MAX_NEEDED_FAILURES, detectable_reduction

Gettext = Callable[[str], str]
#: the figures the words are built from (``as_json``'s keys)
NEEDED_KEYS = ("failure_mode", "product", "change_date", "cohort", "window_days",
               "confidence", "before", "after", "verdict", "needed", "assumed_reduction",
               "immature_after")  # fmt: skip


def english(text: str) -> str:
    return text


def shown_message(result: Mapping[str, Any] | None, gettext: Gettext) -> str | None:
    """The words for a stored result: built in the reader's language, else as stored."""
    if not result:
        return None
    built = describe(result, gettext)
    return built if built is not None else result.get("message")


def describe(result: Mapping[str, Any], gettext: Gettext = english) -> str | None:
    """What the verification found, its figures and, when it cannot decide yet, what
    would decide it; None when ``result`` lacks figures (see the module's docstring)."""
    if any(key not in result for key in NEEDED_KEYS):
        return None
    _ = gettext
    before, after = result["before"], result["after"]
    built = result["cohort"] == "production"
    date, days = result["change_date"], result["window_days"]
    when = (_("built before / from %(date)s, %(days)s days in service") if built
            else _("shipped before / from %(date)s, %(days)s days in service"))  # fmt: skip
    head = _("%(mode)s on %(product)s (%(when)s): ") % {
        "mode": result["failure_mode"], "product": result["product"],
        "when": when % {"date": date, "days": days},
    }  # fmt: skip
    if not before["units"] or not after["units"]:
        missing = _missing(gettext, built, not before["units"], date)
        if not after["units"]:
            missing += _(" (%(count)s not yet mature)") % {"count": f"{result['immature_after']:,}"}
        return head + _("not yet significant: %(reason)s.") % {"reason": missing}
    rates = _(
        "%(before_rate)s of %(before_units)s before (%(before_failures)s failed), "
        "%(after_rate)s of %(after_units)s after (%(after_failures)s failed)"
    ) % {
        "before_rate": _rate(before["rate"]), "before_units": f"{before['units']:,}",
        "before_failures": f"{before['failures']:,}", "after_rate": _rate(after["rate"]),
        "after_units": f"{after['units']:,}", "after_failures": f"{after['failures']:,}",
    }  # fmt: skip
    if before["failures"] + after["failures"] == 0:
        return head + _("not yet significant: no failure in either cohort (%(rates)s).") % {
            "rates": rates
        }
    figures = _("rate ratio %(ratio)s (%(level)s CI %(low)s to %(high)s), one-sided p = %(p)s") % {
        "ratio": _figure(gettext, result["rate_ratio"]), "level": f"{result['confidence']:.0%}",
        "low": _figure(gettext, result["ci_low"]), "high": _figure(gettext, result["ci_high"]),
        "p": "—" if result["p_value"] is None else f"{result['p_value']:.2g}",
    }  # fmt: skip
    if result["verdict"] == "effective":
        return head + _(
            "effective: %(rates)s; %(figures)s; a reduction of %(reduction)s (%(low)s to %(high)s)."
        ) % {
            "rates": rates, "figures": figures, "reduction": f"{result['reduction']:.0%}",
            "low": f"{1 - result['ci_high']:.0%}", "high": f"{1 - result['ci_low']:.0%}",
        }  # fmt: skip
    if result["verdict"] == "not_effective":
        return head + _("not effective: the rate after is not lower: %(rates)s; %(figures)s.") % {
            "rates": rates, "figures": figures,
        }  # fmt: skip
    bar = _("effective needs the upper bound below 1: one-sided p < %(alpha)s") % {
        "alpha": f"{(1 - result['confidence']) / 2:.3g}"
    }
    return head + _("not yet significant (%(bar)s): %(rates)s; %(figures)s. %(advice)s") % {
        "bar": bar, "rates": rates, "figures": figures, "advice": _advice(result, gettext),
    }  # fmt: skip


def _missing(gettext: Gettext, built: bool, before_side: bool, date: str) -> str:
    _ = gettext
    if built:
        text = (_("no mature unit built before %(date)s") if before_side
                else _("no mature unit built from %(date)s"))  # fmt: skip
    else:
        text = (_("no mature unit shipped before %(date)s") if before_side
                else _("no mature unit shipped from %(date)s"))  # fmt: skip
    return text % {"date": date}


def _advice(result: Mapping[str, Any], gettext: Gettext) -> str:
    _ = gettext
    needed, failures = result["needed"], result["before"]["failures"]
    assumed = result["assumed_reduction"] or 0.0
    if needed is None:
        if failures == 0:
            return _("No failure before the change: no reduction to show.")
        limit = detectable_reduction(failures, result["confidence"])
        if assumed <= limit:
            return _(
                "Against %(failures)s failures before, no number of after-change units can "
                "show a reduction of %(assumed)s, only one above %(limit)s; a longer window "
                "or an earlier before cohort adds failures."
            ) % {"failures": failures, "assumed": f"{assumed:.0%}", "limit": f"{limit:.0%}"}
        return _(
            "Showing a reduction of %(assumed)s would take more than %(max)s failures after "
            "the change."
        ) % {"assumed": f"{assumed:.0%}", "max": f"{MAX_NEEDED_FAILURES:,}"}
    return _(
        "At the before rate %(rate)s and a reduction of %(assumed)s, %(units)s mature "
        "after-change units would show it (%(more)s more; %(immature)s shipped are not yet "
        "mature)."
    ) % {
        "rate": _rate(needed["before_rate"]), "assumed": f"{needed['assumed_reduction']:.0%}",
        "units": f"{needed['after_units']:,}", "more": f"{needed['more_after_units']:,}",
        "immature": f"{result['immature_after']:,}",
    }  # fmt: skip


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.2%}"


def _figure(gettext: Gettext, value: float | None) -> str:
    """A ratio or bound; None is the infinite one JSON cannot carry."""
    return gettext("unbounded") if value is None else f"{value:.3f}"
