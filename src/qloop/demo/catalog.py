"""Products, regions, suppliers and the calendar of the demo data set.

Everything here is fixed (not drawn from the seed) so that the names a demo
walk-through talks about are the same for every seed; only which unit gets
what, and when things happen, is random.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRODUCTION_START = dt.date(2025, 4, 1)
PRODUCTION_END = dt.date(2026, 10, 31)
CASE_START = dt.date(2025, 6, 1)
CASE_END = dt.date(2026, 11, 27)
# The moment the export was taken: later repairs are still open, later surveys unanswered.
NOW = dt.datetime(2026, 11, 28, 8, 0)

# (region, share of units). Chinese regions first; the rest are global sales regions.
REGIONS: tuple[tuple[str, float], ...] = (
    ("华东", 0.22),
    ("华南", 0.16),
    ("华北", 0.12),
    ("华中", 0.07),
    ("西南", 0.05),
    ("EU", 0.15),
    ("NA", 0.11),
    ("SEA", 0.12),
)
CHINA_REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "华中", "西南")

# One union header for units.csv: every product fills only its own columns.
ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "battery_lot",
    "battery_supplier",
    "glass_thickness_mm",
    "display_supplier",
    "firmware",
    "color",
    "seal_supplier",
    "motor_supplier",
    "drum_kg",
    "speaker_supplier",
    "bearing_supplier",
    "bearing_batch",
    "controller_fw",
    "spindle_rpm_max",
)


@dataclass(frozen=True)
class ProductSpec:
    """How many units of a product exist and how they are numbered, batched and shipped."""

    code: str
    units: int
    serial_prefix: str
    weekly_batches: bool  # False: one batch per half month ("A"/"B")
    ship_days: tuple[int, int, int]  # (min, most likely, max) days from production to ship
    name_zh: str
    name_en: str


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("PX9", 18_000, "PX9", False, (3, 8, 40), "PX9手机", "PX9 phone"),
    ProductSpec("WM7", 14_000, "WM7", True, (3, 10, 40), "WM7洗衣机", "WM7 washer"),
    ProductSpec("SPK2", 6_500, "SK2", False, (3, 7, 40), "SPK2音箱", "SPK2 speaker"),
    ProductSpec("CNC500", 1_500, "CN5", False, (7, 16, 40), "CNC500加工中心", "CNC500"),
)
PRODUCT_BY_CODE: dict[str, ProductSpec] = {p.code: p for p in PRODUCTS}

# Firmware shipped from each release date on (a unit gets the newest release at production).
FIRMWARE: dict[str, tuple[tuple[dt.date, str], ...]] = {
    "PX9": (
        (dt.date(2025, 4, 1), "3.0.2"),
        (dt.date(2025, 7, 14), "3.1.0"),
        (dt.date(2025, 10, 6), "3.1.4"),
        (dt.date(2026, 1, 19), "3.2.0"),
        (dt.date(2026, 5, 4), "3.2.3"),
        (dt.date(2026, 8, 17), "3.3.0"),
    ),
    "WM7": (
        (dt.date(2025, 4, 1), "2.4.1"),
        (dt.date(2025, 9, 1), "2.5.0"),
        (dt.date(2026, 3, 2), "2.6.2"),
    ),
    "SPK2": (
        (dt.date(2025, 4, 1), "5.1.0"),
        (dt.date(2025, 8, 11), "5.2.1"),
        (dt.date(2026, 2, 9), "5.3.0"),
        (dt.date(2026, 7, 6), "5.3.4"),
    ),
    "CNC500": (
        (dt.date(2025, 4, 1), "QC-8.2.1"),
        (dt.date(2025, 11, 3), "QC-8.3.0"),
        (dt.date(2026, 6, 1), "QC-8.4.2"),
    ),
}

# Attributes that are a free mix at the line, independent of time: (value, share).
MIXES: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "PX9": {
        "display_supplier": (("Kunlun Display", 0.6), ("Brightfield Optronics", 0.4)),
        "color": (
            ("Midnight Black", 0.4),
            ("Glacier White", 0.3),
            ("Aurora Blue", 0.2),
            ("Sage Green", 0.1),
        ),
    },
    "WM7": {
        "motor_supplier": (("Changzhou Kaiyuan Motor", 0.6), ("Dynadrive Motors", 0.4)),
        "drum_kg": (("8", 0.3), ("10", 0.5), ("12", 0.2)),
    },
    "SPK2": {
        "speaker_supplier": (("Shenzhen Yinhe Acoustics", 0.5), ("ClearWave Audio", 0.5)),
        "color": (("Charcoal", 0.5), ("Sand", 0.35), ("Coral", 0.15)),
    },
    "CNC500": {
        "spindle_rpm_max": (("12000", 0.7), ("15000", 0.3)),
    },
}


def newest_release(schedule: tuple[tuple[dt.date, str], ...], day: dt.date) -> str:
    """Return the value of a dated schedule in force on ``day`` (the first one before it starts)."""
    value = schedule[0][1]
    for start, candidate in schedule:
        if start <= day:
            value = candidate
    return value
