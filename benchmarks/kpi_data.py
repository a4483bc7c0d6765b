"""Synthetic after-sales history for ``benchmarks/kpi.py``, written straight into SQLite.

The schema comes from qloop's own migrations; the rows are generated with numpy (fixed
seed) and inserted with ``sqlite3`` ``executemany``, stamps in the text form SQLAlchemy
stores (``2025-03-01 08:00:00.000000``), so qloop reads them as if it had imported them.

Shapes that exercise every KPI rule: units without ship date; cases without serial, with
a serial no unit has, without product (the unit's product counts) or with a product other
than their unit's; repairs without case, open, with ``resolved`` True/False/empty, several
per case (some opened at the same second) and per serial (repeats within 30 days);
surveys without score, second surveys, surveys of cases that do not exist.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlite_fill import insert_columns

from qloop.core.db import make_engine
from qloop.core.migrate import upgrade

PRODUCTS = ["PX9", "PX10", "WM7", "SPK2", "CNC500", "AC3", "TV55", "RB2"]
PRODUCT_WEIGHTS = [0.22, 0.18, 0.15, 0.12, 0.10, 0.09, 0.08, 0.06]
REGIONS = ["华东", "华南", "华北", "西南", "EU", "NA", "SEA"]
CHANNELS = ["hotline", "ecommerce", "repair", "app", "email", "iot", "survey", "other"]
CATEGORIES = [
    "electrical",
    "mechanical",
    "software",
    "packaging",
    "cosmetic",
    "usability",
    "service",
    "other",
]
CASES_START = np.datetime64("2025-01-01T00:00:00", "s")
CASE_DAYS = 546  # ~18 months of cases
SHIP_START = np.datetime64("2023-07-01", "D")
SHIP_DAYS = 3 * 365
DAY = 86_400
#: a table as columns of Python values, ready for executemany
Columns = dict[str, list[Any]]


@dataclass(frozen=True)
class Sizes:
    """How many rows of each table to build."""

    units: int = 1_000_000
    cases: int = 50_000
    repairs: int = 35_000
    surveys: int = 15_000

    def scaled(self, factor: float) -> Sizes:
        """The same shapes with every count multiplied by ``factor``."""
        return Sizes(*(max(10, int(n * factor)) for n in self.__dict__.values()))


def build_database(path: Path, sizes: Sizes, seed: int = 20260501) -> None:
    """Create the schema at ``path`` with qloop's migrations, then fill it."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    units = _units(rng, sizes.units)
    cases = _cases(rng, sizes.cases, units)
    repairs = _repairs(rng, sizes.repairs, cases, units)
    surveys = _surveys(rng, sizes.surveys, cases)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        connection.executemany("INSERT INTO products (code) VALUES (?)", [(p,) for p in PRODUCTS])
        insert_columns(connection, "units", units)
        stored = {k: v for k, v in cases.items() if k != "received_seconds"}
        insert_columns(connection, "cases", stored)
        insert_columns(connection, "repairs", repairs)
        insert_columns(connection, "surveys", surveys)
    connection.close()


def _stamps(seconds: np.ndarray, missing: np.ndarray | None = None) -> list[str | None]:
    """Seconds after ``CASES_START`` as stored text; None where ``missing``."""
    values = CASES_START + seconds.astype("timedelta64[s]")
    text = [f"{t[:10]} {t[11:]}.000000" for t in np.datetime_as_string(values, unit="s")]
    if missing is None:
        return list(text)
    return [None if gone else t for t, gone in zip(text, missing.tolist(), strict=True)]


def _units(rng: np.random.Generator, n: int) -> Columns:
    """Units of 8 products (uneven shares), 7 regions, shipped over 3 years (3% never)."""
    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_WEIGHTS)
    ship = SHIP_START + rng.integers(0, SHIP_DAYS, size=n).astype("timedelta64[D]")
    ship_text = np.datetime_as_string(ship, unit="D").astype(object)
    ship_text[rng.random(n) < 0.03] = None  # not shipped (yet), or unknown
    return {
        "serial": [f"U{i:07d}" for i in range(n)],
        "product": np.asarray(PRODUCTS, dtype=object)[product].tolist(),
        "ship_date": ship_text.tolist(),
        "region": np.asarray(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), n)].tolist(),
        "attributes": ["{}"] * n,
    }


def _cases(rng: np.random.Generator, n: int, units: Columns) -> Columns:
    """Cases over 18 months, a fifth on units that fail often; 6% without serial, 6% with a
    serial no unit has; own product mostly the unit's, else empty (25%) or another (5%)."""
    n_units = len(units["serial"])
    hot = rng.integers(0, n_units, size=max(1, n_units // 1000))  # units that fail often
    unit = np.where(rng.random(n) < 0.2, rng.choice(hot, n), rng.integers(0, n_units, n))
    kind = rng.random(n)  # < 0.06 no serial, < 0.12 a serial no unit has, else a unit's
    unit[kind < 0.12] = -1
    serial: list[object] = [units["serial"][u] if u >= 0 else None for u in unit.tolist()]
    for i in np.flatnonzero((kind >= 0.06) & (kind < 0.12)).tolist():
        serial[i] = f"X{i:07d}"
    unit_product = [units["product"][u] if u >= 0 else None for u in unit.tolist()]
    other = np.asarray(PRODUCTS, dtype=object)[rng.integers(0, len(PRODUCTS), n)]
    pick = rng.random(n)  # own product: the unit's, none (the unit's counts), or another
    product = [
        (o if p < 0.7 else None) if up is None else (up if p < 0.7 else None if p < 0.95 else o)
        for up, o, p in zip(unit_product, other.tolist(), pick.tolist(), strict=True)
    ]
    category = np.asarray([*CATEGORIES, None], dtype=object)[rng.integers(0, 9, n)]
    received = rng.integers(0, CASE_DAYS * DAY, size=n)
    return {
        "case_id": [f"C{i:07d}" for i in range(n)],
        "received_at": _stamps(received),
        "channel": np.asarray(CHANNELS, dtype=object)[rng.integers(0, len(CHANNELS), n)].tolist(),
        "serial": serial,
        "product": product,
        "category": category.tolist(),
        "description": ["benchmark case"] * n,
        "status": ["new"] * n,
        "attributes": ["{}"] * n,
        "received_seconds": received.tolist(),  # for the repairs and surveys (not a column)
    }


def _repairs(rng: np.random.Generator, n: int, cases: Columns, units: Columns) -> Columns:
    """85% linked to a case (a fifth of those are a case's 2nd, 3rd... repair, 5% of these
    opened the same second as its first); the rest without case, mostly on a few units;
    6% open; ``resolved`` empty for about a fifth, else True 4 times in 5."""
    n_cases = len(cases["case_id"])
    received = np.asarray(cases["received_seconds"], dtype=np.int64)
    linked = int(n * 0.85)
    firsts = rng.choice(n_cases, size=min(int(linked * 0.8), n_cases), replace=False)
    first_opened = received[firsts] + rng.integers(0, 20 * DAY, size=len(firsts))
    extra_of = rng.integers(0, len(firsts), size=linked - len(firsts))  # 2nd, 3rd... repairs
    extra_opened = received[firsts[extra_of]] + rng.integers(0, 60 * DAY, size=len(extra_of))
    tie = rng.random(len(extra_of)) < 0.05  # opened the same second as the case's first
    extra_opened[tie] = first_opened[extra_of[tie]]
    case_index = np.concatenate([firsts, firsts[extra_of]])
    opened = np.concatenate([first_opened, extra_opened])
    serial: list[object] = [cases["serial"][c] for c in case_index.tolist()]
    serial = [s if s is not None else f"Y{i:07d}" for i, s in enumerate(serial)]
    case_id: list[object] = [cases["case_id"][c] for c in case_index.tolist()]
    loose = n - linked  # repairs without a case, mostly on units that fail often
    n_units = len(units["serial"])
    hot = rng.integers(0, n_units, size=max(1, loose // 5))
    loose_unit = np.where(
        rng.random(loose) < 0.7, rng.choice(hot, loose), rng.integers(0, n_units, loose)
    )
    serial += [units["serial"][u] for u in loose_unit.tolist()]
    case_id += [None] * loose
    opened = np.concatenate([opened, rng.integers(-30 * DAY, CASE_DAYS * DAY, size=loose)])
    duration = np.rint(rng.exponential(60 * 3600, size=n)).astype(np.int64)
    is_open = rng.random(n) < 0.06
    known = (rng.random(n) < 0.8) & ~(is_open & (rng.random(n) < 0.8))  # else resolved empty
    fixed = rng.random(n) < 0.8
    order = rng.permutation(n)  # repair ids unrelated to time
    return {
        "repair_id": [f"R{i:07d}" for i in range(n)],
        "case_id": [case_id[i] for i in order.tolist()],
        "serial": [serial[i] for i in order.tolist()],
        "opened_at": _stamps(opened[order]),
        "closed_at": _stamps((opened + duration)[order], is_open[order]),
        "resolved": [
            int(f) if k else None for k, f in zip(known[order], fixed[order], strict=True)
        ],
        "parts": ["[]"] * n,
        "attributes": ["{}"] * n,
    }


def _surveys(rng: np.random.Generator, n: int, cases: Columns) -> Columns:
    """Surveys 1-40 days after their case (some cases answer twice), 8% without score,
    a few naming cases that do not exist (their group is then None)."""
    n_cases = len(cases["case_id"])
    received = np.asarray(cases["received_seconds"], dtype=np.int64)
    orphans = max(1, n // 150)  # surveys naming a case qloop does not have
    firsts = rng.choice(n_cases, size=min(int((n - orphans) * 0.94), n_cases), replace=False)
    seconds = rng.choice(firsts, size=n - orphans - len(firsts), replace=False)
    answered = received[firsts] + rng.integers(DAY, 40 * DAY, size=len(firsts))
    again = received[seconds] + rng.integers(41 * DAY, 60 * DAY, size=len(seconds))
    orphan_at = rng.integers(0, CASE_DAYS * DAY, size=orphans)
    score = rng.choice(5, size=n, p=[0.08, 0.07, 0.15, 0.35, 0.35]) + 1
    scores: list[object] = score.tolist()
    for i in np.flatnonzero(rng.random(n) < 0.08).tolist():
        scores[i] = None
    case_ids = [cases["case_id"][c] for c in np.concatenate([firsts, seconds]).tolist()]
    return {
        "case_id": case_ids + [f"GONE{i:05d}" for i in range(orphans)],
        "score": scores,
        "answered_at": _stamps(np.concatenate([answered, again, orphan_at])),
        "attributes": ["{}"] * n,
    }
