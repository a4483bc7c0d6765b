"""The planted quality problems: the ground truth later statistics must recover.

Kept apart from the generator so tests, docs and demo scripts can name the
culprits (lot, batch, supplier, dates) without re-deriving them from data.
Each schedule is a tuple of (first production day, value); a unit gets the
value in force on its production day.
"""

from __future__ import annotations

import datetime as dt

# 1. Battery swelling (PX9): one cell lot of one supplier has poor thermal stability.
BATTERY_LOTS: dict[str, tuple[tuple[dt.date, str], ...]] = {
    "Hengyuan Energy": (
        (dt.date(2025, 4, 1), "HY2503-C07"),
        (dt.date(2025, 7, 7), "HY2506-C02"),
        (dt.date(2025, 10, 10), "HY2509-C11"),
        (dt.date(2026, 1, 15), "HY2512-C05"),
        (dt.date(2026, 4, 20), "HY2603-C09"),
        (dt.date(2026, 7, 25), "HY2606-C03"),
    ),
    "Sunvolt Cells": (
        (dt.date(2025, 4, 1), "SV-25A031"),
        (dt.date(2025, 6, 20), "SV-25A177"),
        (dt.date(2025, 9, 10), "SV-25B046"),
        (dt.date(2025, 12, 1), "SV-25B207"),
        (dt.date(2026, 3, 1), "SV-26A052"),
        (dt.date(2026, 6, 10), "SV-26A190"),
    ),
}
BATTERY_SUPPLIER_SHARES: tuple[tuple[str, float], ...] = (
    ("Hengyuan Energy", 0.55),
    ("Sunvolt Cells", 0.45),
)
BAD_BATTERY_LOT = "HY2509-C11"
SWELLING_RATE_BAD_LOT = 0.065
SWELLING_RATE_OTHER_LOTS = 0.002
SWELLING_DELAY_DAYS = (45, 270)

# 2. Screen crack (PX9): cover glass thickened from 0.7 mm to 1.0 mm at a changeover.
GLASS_CHANGEOVER = dt.date(2026, 1, 15)
GLASS_BEFORE, GLASS_AFTER = "0.7", "1.0"
# Cracks per unit-month in service (ship date to CASE_END).
CRACKS_PER_UNIT_MONTH = {GLASS_BEFORE: 0.0016, GLASS_AFTER: 0.0016 * 0.4}
# Share of cracks from drops below 1.0 m, by glass.
CRACK_LOW_DROP_SHARE = {GLASS_BEFORE: 0.92, GLASS_AFTER: 0.8}

# 3. Spindle vibration (CNC500): bearing supplier changed; one batch of the new one is bad.
OLD_BEARING_SUPPLIER = "Harbin Ruida Bearing"
NEW_BEARING_SUPPLIER = "Wuxi Hongli Precision"
BEARING_SWITCH = dt.date(2025, 12, 1)
BEARING_BATCHES: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2025, 4, 1), "RD-2503-118"),
    (dt.date(2025, 5, 20), "RD-2505-204"),
    (dt.date(2025, 7, 10), "RD-2507-087"),
    (dt.date(2025, 8, 28), "RD-2508-233"),
    (dt.date(2025, 10, 15), "RD-2510-142"),
    (BEARING_SWITCH, "HL-B2511-01"),
    (dt.date(2026, 1, 12), "HL-B2512-02"),
    (dt.date(2026, 2, 23), "HL-B2602-03"),
    (dt.date(2026, 4, 13), "HL-B2604-04"),
    (dt.date(2026, 6, 1), "HL-B2606-05"),
    (dt.date(2026, 7, 20), "HL-B2607-06"),
    (dt.date(2026, 9, 7), "HL-B2609-07"),
)
BAD_BEARING_BATCH = "HL-B2512-02"
# Share of units built from the previous bearing batch (leftover stock at the line).
BEARING_LEFTOVER_SHARE = 0.1
VIBRATION_RATE_BAD_BATCH = 0.25
VIBRATION_RATE_OTHER = 0.008
VIBRATION_DELAY_DAYS = (15, 160)

# 4. Door seal leak (WM7): one of three seal suppliers.
SEAL_SUPPLIERS: tuple[tuple[str, float], ...] = (
    ("Ningbo Fuda Rubber", 0.45),
    ("Qingdao Haisheng Seals", 0.33),
    ("Elastoform GmbH", 0.22),
)
BAD_SEAL_SUPPLIER = "Qingdao Haisheng Seals"
SEAL_LEAK_RATE_BAD = 0.016
SEAL_LEAK_RATE_OTHER = 0.003
SEAL_LEAK_DELAY_DAYS = (20, 330)

# 5. WM7 repair time (mean hours, by month the repair was opened) climbs from July 2026:
# a spare-parts backlog; every other product and earlier month stays at its baseline.
WM7_REPAIR_MEAN_HOURS = {
    (2026, 7): 4.2,
    (2026, 8): 8.0,
    (2026, 9): 12.5,
    (2026, 10): 18.0,
    (2026, 11): 20.0,
}
REPAIR_BASELINE_MEAN_HOURS = {"PX9": 2.8, "WM7": 4.2, "SPK2": 2.2, "CNC500": 22.0}

# 6. Packaging damage: no cause at all, every shipped unit equally likely.
PACKAGING_DAMAGE_CASES = 135
