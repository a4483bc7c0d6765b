"""Repairs, second visits, repeat repairs, case status and satisfaction surveys.

Handled after the cases exist because each depends on the previous step's
clock: a repair opens after its case, a second visit after an unresolved
first one, a repeat case after a repair that did not hold, the status and
the survey after whatever happened last. Anything that would fall after the
export moment (NOW) stays open or unanswered.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

from qloop.demo import scenarios as sc
from qloop.demo.cases import at_hour, new_case, pick
from qloop.demo.catalog import CASE_END, NOW
from qloop.demo.modes import CNC_CHANNELS, MODES
from qloop.demo.records import Case, Repair, Survey
from qloop.demo.service_texts import repair_action, survey_comment, technician

LOG_SIGMA = {"PX9": 0.5, "WM7": 0.4, "SPK2": 0.5, "CNC500": 0.6}
FIRST_VISIT_FAILS = {"PX9": 0.06, "WM7": 0.1, "SPK2": 0.06, "CNC500": 0.15}
REPEAT_SHARE = {"PX9": 0.05, "WM7": 0.07, "SPK2": 0.04, "CNC500": 0.08}
# What a repeat report is about: a new screen can come back with a touch fault.
REPEAT_MODE = {"screen_crack": "touch_unresponsive"}
# Customers whose repair did not hold call or walk back into the shop.
REPEAT_CHANNELS = (("hotline", 0.5), ("repair", 0.3), ("app", 0.1), ("email", 0.1))
SCORES = ((5, 0.58), (4, 0.27), (3, 0.09), (2, 0.04), (1, 0.02))


def repair_hours(rng: random.Random, product: str, opened: dt.datetime) -> float:
    """Log-normal repair time around the product's mean (WM7 drifts upwards, see scenarios)."""
    mean = sc.REPAIR_BASELINE_MEAN_HOURS[product]
    if product == "WM7":
        mean = sc.WM7_REPAIR_MEAN_HOURS.get((opened.year, opened.month), mean)
    sigma = LOG_SIGMA[product]
    return max(0.25, rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma))


def _work_time(
    rng: random.Random, after: dt.datetime, min_days: float, max_days: float
) -> dt.datetime:
    """A visit slot in service hours (08:00-16:59) some days after ``after``, never before it."""
    moment = after + dt.timedelta(days=rng.uniform(min_days, max_days))
    if not 8 <= moment.hour < 17:
        day = moment.date() + dt.timedelta(days=moment.hour >= 17)
        moment = dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59))
    return max(moment, after)


def _opening(rng: random.Random, case: Case) -> dt.datetime:
    if case.channel == "repair":  # walk-in at the service centre
        return case.received_at + dt.timedelta(minutes=rng.randint(5, 90))
    if case.channel == "iot":
        return _work_time(rng, case.received_at, 0.05, 1.5)
    return _work_time(rng, case.received_at, 0.1, 4.0)


def _visit(rng: random.Random, case: Case, opened: dt.datetime, number: int) -> Repair:
    """One visit; it fails more often on the first try and for spindle vibration."""
    assert case.unit is not None
    fails = FIRST_VISIT_FAILS[case.product] if number == 1 else 0.1
    if case.mode == "spindle_vibration" and number == 1:
        fails = 0.3
    closed = opened + dt.timedelta(minutes=round(60 * repair_hours(rng, case.product, opened)))
    repair = Repair(case, case.unit.serial, opened, closed, rng.random() >= fails, number)
    # Visits of the last days are often still open: parts on order, report not yet filed.
    if closed > NOW or (NOW - opened < dt.timedelta(days=4) and rng.random() < 0.5):
        repair.closed_at, repair.resolved = None, None
    repair.technician = technician(rng, case.region, case.product)
    options = MODES[case.mode].parts.get(case.product, ("",))
    repair.parts = rng.choice(options) if repair.resolved else ""
    repair.action = repair_action(rng, case.lang, case.mode, repair.resolved, number, repair.parts)
    return repair


def _repeat_case(rng: random.Random, last: Repair) -> Case | None:
    """A new report on the same unit within 30 days of a repair that did not hold."""
    first = last.case
    assert last.closed_at is not None and first.unit is not None
    day = last.closed_at.date() + dt.timedelta(days=rng.randint(2, 28))
    if day > CASE_END:
        return None
    mode = REPEAT_MODE.get(first.mode, first.mode)
    if first.channel == "iot":  # the machine raises the same alarm again
        channel = "iot"
    elif first.product == "CNC500":
        channel = pick(rng, CNC_CHANNELS)
    else:
        channel = pick(rng, REPEAT_CHANNELS)
    case = new_case(rng, mode, first.unit, day, channel)
    case.lang, case.repeat_of = first.lang, last
    if channel != "iot":  # a second failure is never taken lightly
        case.severity = "urgent" if first.severity == "urgent" else "important"
    return case


def plan_repairs(rng: random.Random, cases: list[Case]) -> list[Repair]:
    """Give hardware cases their visits; append repeat cases to ``cases`` as they arise."""
    repairs: list[Repair] = []
    queue = sorted(cases, key=lambda c: c.received_at)
    while queue:
        case = queue.pop(0)
        spec = MODES[case.mode]
        share = 1.0 if case.channel == "repair" and spec.repair_share > 0 else spec.repair_share
        if case.unit is None or rng.random() >= share:
            continue
        opened = _opening(rng, case)
        for number in (1, 2):
            if opened > NOW:
                case.awaiting_repair = True
                break
            repair = _visit(rng, case, opened, number)
            case.repairs.append(repair)
            repairs.append(repair)
            if repair.closed_at is None:
                break
            if not repair.resolved:
                opened = _work_time(rng, repair.closed_at, 1.0, 6.0)
                continue
            if case.repeat_of is None and rng.random() < REPEAT_SHARE[case.product]:
                repeat = _repeat_case(rng, repair)
                if repeat is not None:
                    cases.append(repeat)
                    queue.append(repeat)
                    queue.sort(key=lambda c: c.received_at)
            break
    return repairs


def _done_at(rng: random.Random, case: Case) -> dt.datetime | None:
    """When handling of the case finished, or None if it is still going on."""
    if case.awaiting_repair:
        return None
    if case.repairs:
        closed = case.repairs[-1].closed_at
        # the desk confirms with the customer before marking the case resolved
        return None if closed is None else closed + dt.timedelta(hours=rng.uniform(2, 48))
    # Without a visit the desk still needs time: a callback, a refund, a replacement shipped.
    return case.received_at + dt.timedelta(hours=rng.triangular(24, 504, 96))


def _score(rng: random.Random, case: Case) -> int:
    """Mostly 4-5; repeat repairs, failed visits, long repairs and bad service cost points."""
    score = int(pick(rng, tuple((str(s), w) for s, w in SCORES)))
    penalties = 0
    if case.repeat_of is not None:
        penalties += 2 if rng.random() < 0.5 else 1
    if any(r.resolved is False for r in case.repairs):
        penalties += 1
    baseline = sc.REPAIR_BASELINE_MEAN_HOURS[case.product]
    if any((r.hours() or 0) > 2 * baseline for r in case.repairs) and rng.random() < 0.8:
        penalties += 1
    if case.mode in ("rude_service", "technician_no_show", "delivery_delay"):
        penalties += 1
    return max(1, score - penalties)


def settle(rng: random.Random, cases: Sequence[Case]) -> list[Survey]:
    """Set every case's status and collect the surveys answered before NOW."""
    surveys: list[Survey] = []
    for case in sorted(cases, key=lambda c: c.received_at):
        done = _done_at(rng, case)
        if done is None or done > NOW:
            triaged = case.received_at + dt.timedelta(hours=rng.triangular(1, 96, 8))
            case.status = "new" if triaged > NOW and not case.repairs else "in_progress"
            continue
        closed = NOW - done > dt.timedelta(days=14) and rng.random() < 0.97
        case.status = "closed" if closed else "resolved"
        if rng.random() >= 0.5:
            continue
        base = case.repairs[-1].closed_at if case.repairs else case.received_at
        assert base is not None
        day = base.date() + dt.timedelta(days=rng.randint(1, 10))
        answered = at_hour(rng, day, "survey")
        if answered > NOW:
            continue
        score = _score(rng, case)
        comment = survey_comment(rng, case.lang, score) if rng.random() < 0.45 else ""
        surveys.append(Survey(case, score, answered, comment))
    return surveys
