"""Which units report which problem, and when: planted scenarios plus uniform background.

Planted modes draw their victims from the culprit group at a high rate and
from everyone else at a low one. Every other mode picks units uniformly
among those that could report it in the case window, through the balanced
sampler so no batch, region or attribute value is favoured beyond chance.
Counts are fixed (rate x group size) rather than Bernoulli draws so the
demo tells the same stories for any seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from qloop.demo import scenarios as sc
from qloop.demo.catalog import CASE_END, CASE_START, CHINA_REGIONS
from qloop.demo.modes import CNC_CHANNELS, MODES, Mix
from qloop.demo.records import Case
from qloop.demo.sampling import Population, balanced_sample
from qloop.demo.units import Unit

DAYS_PER_MONTH = 30.44
FIRST_DAY, LAST_DAY = CASE_START.toordinal(), CASE_END.toordinal()
# Opening hours of each channel (first hour, last hour); iot alarms come at any time.
CHANNEL_HOURS: dict[str, tuple[int, int]] = {
    "hotline": (8, 21),
    "ecommerce": (7, 23),
    "app": (7, 23),
    "email": (6, 23),
    "repair": (9, 19),
    "survey": (9, 21),
    "other": (9, 17),
    "iot": (0, 23),
}


def pick(rng: random.Random, mix: Mix) -> str:
    """Draw one value from a (value, weight) mix."""
    return rng.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


def at_hour(rng: random.Random, day: dt.date, channel: str) -> dt.datetime:
    """A time stamp on ``day`` within the channel's hours, to the minute."""
    first, last = CHANNEL_HOURS[channel]
    return dt.datetime(day.year, day.month, day.day, rng.randint(first, last), rng.randint(0, 59))


def can_report(units: Sequence[Unit], delay_days: tuple[int, int]) -> list[Unit]:
    """Units that could report a problem ``delay_days`` after shipping, within the case window."""
    earliest = FIRST_DAY - delay_days[1]  # shipped so early that the window is over
    latest = LAST_DAY - max(delay_days[0], 1)  # shipped too late for the window
    return [u for u in units if u.ship_date and earliest <= u.ship_date.toordinal() <= latest]


def report_day(rng: random.Random, unit: Unit, delay_days: tuple[int, int]) -> dt.date:
    """A day within ``delay_days`` after the unit shipped, inside the case window."""
    assert unit.ship_date is not None
    shipped = unit.ship_date.toordinal()
    low = max(shipped + max(delay_days[0], 1), FIRST_DAY)
    high = min(shipped + delay_days[1], LAST_DAY)
    return dt.date.fromordinal(rng.randint(low, high))


def _sample_group(
    rng: random.Random, units: Sequence[Unit], rate: float, delay: tuple[int, int]
) -> list[tuple[Unit, dt.date]]:
    """Pick ``rate`` of the units that could report within the window, with report days."""
    eligible = can_report(units, delay)
    chosen = balanced_sample(rng, eligible, round(rate * len(eligible)), Population(units))
    return [(u, report_day(rng, u, delay)) for u in chosen]


def _rounded_height(value: float) -> float:
    """People estimate drop heights to the nearest 5 cm."""
    return round(round(value / 0.05) * 0.05, 2)


def _crack_events(rng: random.Random, px9: Sequence[Unit]) -> list[tuple[Unit, dt.date, float]]:
    """Screen cracks: a fixed rate per unit-month in service, by cover glass thickness.

    The count per glass is rate x exposure (so the planted reduction is exact);
    which units crack is drawn with probability proportional to time in service.
    """
    events: list[tuple[Unit, dt.date, float]] = []
    for glass, rate in sc.CRACKS_PER_UNIT_MONTH.items():
        group = [u for u in px9 if u.attrs["glass_thickness_mm"] == glass and u.service_days()]
        exposure = sum(u.service_days() for u in group) / DAYS_PER_MONTH
        keyed = sorted(group, key=lambda u: rng.random() ** (1 / u.service_days()), reverse=True)
        for unit in keyed[: round(rate * exposure)]:
            if rng.random() < sc.CRACK_LOW_DROP_SHARE[glass]:
                height = _rounded_height(rng.triangular(0.3, 0.95, 0.75))
            else:
                height = _rounded_height(rng.triangular(1.0, 2.0, 1.2))
            events.append((unit, report_day(rng, unit, (1, 10_000)), height))
    return events


# mode, product, unit column, culprit value, rate in culprit group, rate elsewhere, delay
PLANTED = (
    (
        "battery_swelling",
        "PX9",
        "battery_lot",
        sc.BAD_BATTERY_LOT,
        sc.SWELLING_RATE_BAD_LOT,
        sc.SWELLING_RATE_OTHER_LOTS,
        sc.SWELLING_DELAY_DAYS,
    ),
    (
        "door_seal_leak",
        "WM7",
        "seal_supplier",
        sc.BAD_SEAL_SUPPLIER,
        sc.SEAL_LEAK_RATE_BAD,
        sc.SEAL_LEAK_RATE_OTHER,
        sc.SEAL_LEAK_DELAY_DAYS,
    ),
    (
        "spindle_vibration",
        "CNC500",
        "bearing_batch",
        sc.BAD_BEARING_BATCH,
        sc.VIBRATION_RATE_BAD_BATCH,
        sc.VIBRATION_RATE_OTHER,
        sc.VIBRATION_DELAY_DAYS,
    ),
)


def _planted_events(rng: random.Random, units: Sequence[Unit]) -> list[tuple[str, Unit, dt.date]]:
    """Planted problems: a high rate in the culprit lot/supplier/batch, a low one elsewhere."""
    events: list[tuple[str, Unit, dt.date]] = []
    for mode, product, column, culprit, bad_rate, other_rate, delay in PLANTED:
        group = [u for u in units if u.product == product]
        bad = [u for u in group if u.attrs[column] == culprit]
        other = [u for u in group if u.attrs[column] != culprit]
        for members, rate in ((bad, bad_rate), (other, other_rate)):
            events.extend((mode, u, day) for u, day in _sample_group(rng, members, rate, delay))
    return events


def _serial_missing(rng: random.Random, mode: str, channel: str | None) -> bool:
    """Reviews and some calls come without a serial; the product and often region remain.

    A machine's own alarm (iot) always names the machine.
    """
    if mode == "packaging_damage":
        share = 0.08
    elif channel == "ecommerce":
        share = 0.6
    else:
        share = 0.04
    return rng.random() < share and channel != "iot"


def _uniform_cases(
    rng: random.Random,
    mode: str,
    count: int,
    units: Sequence[Unit],
    population: Population,
    product: str | None = None,
) -> list[Case]:
    """``count`` reports of a mode with no cause, about units drawn uniformly from ``units``.

    Which reports will lack a serial is decided first, and the units behind the
    reports that keep one are balanced on their own: those are all an analyst can
    link to units, and random thinning of a balanced sample is no longer balanced.
    """
    delay = MODES[mode].delay_days
    eligible = can_report(units, delay)
    channels = [channel_for(rng, mode, product) if product else None for _ in range(count)]
    missing = [_serial_missing(rng, mode, channel) for channel in channels]
    linked = balanced_sample(rng, eligible, missing.count(False), population)
    taken = {u.serial for u in linked}
    rest = [u for u in eligible if u.serial not in taken]
    unlinked = balanced_sample(rng, rest, missing.count(True), population)
    draws = {False: iter(linked), True: iter(unlinked)}
    cases: list[Case] = []
    for channel, serial_missing in zip(channels, missing, strict=True):
        unit = next(draws[serial_missing])
        case = new_case(rng, mode, unit, report_day(rng, unit, delay), channel)
        if serial_missing:
            case.unit = None
            if rng.random() < 0.2:
                case.region = None
        cases.append(case)
    return cases


def language_for(rng: random.Random, region: str | None) -> str:
    """Chinese regions write Chinese, global regions mostly English."""
    if region is None:
        return "zh" if rng.random() < 0.6 else "en"
    if region in CHINA_REGIONS:
        return "zh" if rng.random() < 0.95 else "en"
    return "zh" if rng.random() < (0.15 if region == "SEA" else 0.05) else "en"


def channel_for(rng: random.Random, mode: str, product: str) -> str:
    """Channel mix of the mode; CNC500 problems come from machine alarms or the service desk."""
    spec = MODES[mode]
    if product == "CNC500":
        return "iot" if rng.random() < spec.iot_share else pick(rng, CNC_CHANNELS)
    return pick(rng, spec.channels)


def new_case(
    rng: random.Random, mode: str, unit: Unit, day: dt.date, channel: str | None = None
) -> Case:
    """A case reported on ``day`` about ``unit``, with severity, language and time of day."""
    chosen = channel or channel_for(rng, mode, unit.product)
    case = Case(
        mode=mode,
        product=unit.product,
        received_at=at_hour(rng, day, chosen),
        channel=chosen,
        unit=unit,
        region=unit.region,
        severity=pick(rng, MODES[mode].severities),
        lang=language_for(rng, unit.region),
    )
    if mode == "frame_bent":
        case.drop_height = _rounded_height(rng.triangular(0.6, 2.0, 1.2))
    if mode == "spindle_vibration" and (chosen == "iot" or rng.random() < 0.3):
        case.vibration = round(rng.triangular(4.6, 9.8, 6.5), 1)
        if chosen == "iot":  # the controller trips the spindle at 6.0 mm/s
            case.severity = "urgent" if case.vibration >= 6.0 else "important"
    return case


def draw_cases(rng: random.Random, units: Sequence[Unit]) -> list[Case]:
    """All first reports (repeat reports after a repair are added by the repair step)."""
    by_product: dict[str, list[Unit]] = {}
    for unit in units:
        by_product.setdefault(unit.product, []).append(unit)
    cases: list[Case] = []
    for unit, day, height in _crack_events(rng, by_product["PX9"]):
        case = new_case(rng, "screen_crack", unit, day)
        case.drop_height = height if rng.random() < 0.94 else None
        cases.append(case)
    cases += [new_case(rng, mode, unit, day) for mode, unit, day in _planted_events(rng, units)]
    everyone = Population(units)
    cases += _uniform_cases(rng, "packaging_damage", sc.PACKAGING_DAMAGE_CASES, units, everyone)
    populations = {product: Population(group) for product, group in by_product.items()}
    for mode in MODES.values():
        for product, count in mode.background.items():
            group, population = by_product[product], populations[product]
            cases += _uniform_cases(rng, mode.code, count, group, population, product)
    return cases
