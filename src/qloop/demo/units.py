"""The installed base: every unit built, with its batch, region and part attributes.

Attributes that drive a planted problem follow a dated schedule (lots, glass,
bearing batches) so they are confounded with time the way real part lots
are; everything else is an independent mix, so it carries no signal.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from qloop.demo import scenarios as sc
from qloop.demo.catalog import (
    CASE_END,
    FIRMWARE,
    MIXES,
    PRODUCTION_END,
    PRODUCTION_START,
    PRODUCTS,
    REGIONS,
    ProductSpec,
    newest_release,
)


@dataclass(slots=True)
class Unit:
    """One built unit; ``ship_date`` is None while it is still in the warehouse."""

    serial: str
    product: str
    batch: str
    production_date: dt.date
    ship_date: dt.date | None
    region: str
    attrs: dict[str, str] = field(default_factory=dict)

    def service_days(self) -> int:
        """Days in service from shipping to the end of the case window (0 if not shipped)."""
        if self.ship_date is None:
            return 0
        return max((CASE_END - self.ship_date).days, 0)


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    values = [v for v, _ in mix]
    weights = [w for _, w in mix]
    return rng.choices(values, weights=weights)[0]


def _day_weight(product: str, day: dt.date) -> float:
    """Relative build volume: weekday shifts, a launch ramp, a pre-holiday peak for phones."""
    weight = (1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.05)[day.weekday()]
    age = (day - PRODUCTION_START).days
    if age < 42:
        weight *= 0.3 + 0.7 * age / 42
    if product in ("PX9", "SPK2") and day.month in (9, 10):
        weight *= 1.25
    return weight


def _batch(spec: ProductSpec, day: dt.date) -> str:
    if spec.weekly_batches:
        year, week, _ = day.isocalendar()
        return f"{spec.code}-{year % 100:02d}W{week:02d}"
    half = "A" if day.day <= 15 else "B"
    return f"{spec.code}-{day.year % 100:02d}{day.month:02d}{half}"


def _ship_date(rng: random.Random, spec: ProductSpec, built: dt.date) -> dt.date | None:
    low, mode, high = spec.ship_days
    shipped = built + dt.timedelta(days=round(rng.triangular(low, high, mode)))
    return shipped if shipped <= CASE_END else None


def _bearing_batch(rng: random.Random, built: dt.date) -> str:
    schedule = sc.BEARING_BATCHES
    index = max(i for i, (start, _) in enumerate(schedule) if start <= built)
    if index > 0 and rng.random() < sc.BEARING_LEFTOVER_SHARE:
        index -= 1
    return schedule[index][1]


def _attributes(rng: random.Random, product: str, built: dt.date) -> dict[str, str]:
    attrs: dict[str, str] = {"firmware": newest_release(FIRMWARE[product], built)}
    if product == "CNC500":
        attrs["controller_fw"] = attrs.pop("firmware")
    for column, mix in MIXES[product].items():
        attrs[column] = _pick(rng, mix)
    if product == "PX9":
        supplier = _pick(rng, sc.BATTERY_SUPPLIER_SHARES)
        attrs["battery_supplier"] = supplier
        attrs["battery_lot"] = newest_release(sc.BATTERY_LOTS[supplier], built)
        changed = built >= sc.GLASS_CHANGEOVER
        attrs["glass_thickness_mm"] = sc.GLASS_AFTER if changed else sc.GLASS_BEFORE
    elif product == "WM7":
        attrs["seal_supplier"] = _pick(rng, sc.SEAL_SUPPLIERS)
    elif product == "CNC500":
        batch = _bearing_batch(rng, built)
        attrs["bearing_batch"] = batch
        new = batch.startswith("HL-")
        attrs["bearing_supplier"] = sc.NEW_BEARING_SUPPLIER if new else sc.OLD_BEARING_SUPPLIER
    return attrs


def make_units(rng: random.Random) -> list[Unit]:
    """Build the whole installed base, serials numbered in production order per product."""
    days = [
        PRODUCTION_START + dt.timedelta(days=i)
        for i in range((PRODUCTION_END - PRODUCTION_START).days + 1)
    ]
    regions = tuple(REGIONS)
    units: list[Unit] = []
    for spec in PRODUCTS:
        weights = [_day_weight(spec.code, d) for d in days]
        built_days = sorted(rng.choices(days, weights=weights, k=spec.units))
        for number, built in enumerate(built_days, start=1):
            serial = f"{spec.serial_prefix}{built.year % 100:02d}{built.month:02d}{number:05d}"
            units.append(
                Unit(
                    serial=serial,
                    product=spec.code,
                    batch=_batch(spec, built),
                    production_date=built,
                    ship_date=_ship_date(rng, spec, built),
                    region=_pick(rng, regions),
                    attrs=_attributes(rng, spec.code, built),
                )
            )
    return units
