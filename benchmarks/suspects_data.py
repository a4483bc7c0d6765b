"""Synthetic units and failure cases for ``benchmarks/suspects.py``, written straight into SQLite.

The schema comes from qloop's own migrations; the rows are generated with numpy (fixed
seed) and inserted with ``sqlite3`` ``executemany``, stamps in the text form SQLAlchemy
stores (``2025-03-01 08:00:00.000000``), so qloop reads them as if it had imported them.

1,000,000 units of two products (PX9, PX10), each with a batch (100), a region (10) and
twelve JSON attributes (2 to 80 values each), about 390 distinct (attribute, value) pairs in
all. 20,000 of them fail with ``battery_swelling``, drawn with one planted cause: units of
cell lot ``L17`` fail ten times as often as the others. Shapes that exercise the definitions:

* keys absent from some units, empty strings and JSON nulls (no row for these);
* a JSON key named like a unit column (``region``: qloop calls it ``attributes.region``);
* numbers and booleans in JSON (``capacity_mah``, ``waterproof``) next to strings;
* units without batch or with an empty region;
* repeat ``battery_swelling`` cases on units that already failed (a unit counts once), cases
  without the product (the unit's counts), cases naming a serial no unit has or no serial at
  all (no failed unit), and cases of another failure mode (``charging_fault``);
* a third product (WM7) with cases of the other mode only, and no units.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlite_fill import insert_columns

from qloop.core.db import make_engine
from qloop.core.migrate import upgrade

FAILURE_MODE = "battery_swelling"
OTHER_MODE = "charging_fault"
PRODUCTS = ["PX9", "PX10"]
PRODUCT_WEIGHTS = [0.7, 0.3]
OTHER_PRODUCT = "WM7"  # registered, cases of the other mode only, no units
BATCHES = 100
REGIONS = ["华东", "华南", "华北", "西南", "EU-W", "EU-E", "NA", "LATAM", "SEA", "ANZ"]
PLANTED_KEY, PLANTED_VALUE, PLANTED_RISK = "cell_lot", "L17", 10.0
CASES_START = np.datetime64("2025-01-01T00:00:00", "s")
YEAR_SECONDS = 365 * 86_400
CHANNELS = ["hotline", "ecommerce", "repair", "app", "email"]
#: a table as columns of Python values, ready for executemany
Columns = dict[str, list[Any]]


@dataclass(frozen=True)
class Key:
    """One JSON attribute: its values, and the shares of units without it, with an empty
    string and with a JSON null."""

    name: str
    values: tuple[Any, ...]
    absent: float = 0.0
    empty: float = 0.0
    null: float = 0.0


def _labels(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i:02d}" for i in range(1, n + 1))


KEYS = (
    Key(PLANTED_KEY, _labels("L", 80)),
    Key("assembly_line", _labels("line-", 60)),
    Key("firmware", tuple(f"{3 + i // 10}.{i % 10}.{i % 3}" for i in range(50)), absent=0.03),
    Key("charger", _labels("CH-", 30), null=0.02),
    Key("color", _labels("colour-", 20), empty=0.01),
    Key("capacity_mah", tuple(range(4000, 6000, 200))),  # JSON numbers
    Key("pcb_rev", tuple(f"rev {c}" for c in "ABCDEFGH")),
    Key("factory", ("Shenzhen", "Dongguan", "Suzhou", "Chennai", "Bac Ninh", "Monterrey")),
    Key("cell_supplier", ("Ampera", "Voltis", "CellCo", "Lumen", "Kōsei")),
    Key("region", ("APAC", "EMEA", "AMER", "CN", "IN")),  # a key named like a unit column
    Key("shift", ("early", "late", "night")),
    Key("waterproof", (True, False), absent=0.05),  # JSON booleans
)


@dataclass(frozen=True)
class Sizes:
    """How many units to build and how many of them fail with ``FAILURE_MODE``."""

    units: int = 1_000_000
    failed: int = 20_000

    def scaled(self, factor: float) -> Sizes:
        """The same shapes with both counts multiplied by ``factor``."""
        units = max(1_000, int(self.units * factor))
        return Sizes(units, max(10, min(units // 2, int(self.failed * factor))))


def build_database(path: Path, sizes: Sizes, seed: int = 20260502) -> None:
    """Create the schema at ``path`` with qloop's migrations, then fill it."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    units, weights = _units(rng, sizes.units)
    cases = _cases(rng, units, weights, sizes.failed)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        connection.executemany(
            "INSERT INTO products (code) VALUES (?)", [(p,) for p in [*PRODUCTS, OTHER_PRODUCT]]
        )
        insert_columns(connection, "units", units)
        insert_columns(connection, "cases", cases)
    connection.close()


def write_changes(database: Path, path: Path, *, units: int, seed: int = 7) -> tuple[int, int]:
    """A units file for ``qloop import units``: ``units`` new units (serials ``N...``) and as
    many stored ones with a new cell lot, firmware and colour (the product they have, the
    other columns empty: kept). Returns (new, changed)."""
    rng = np.random.default_rng(seed)
    with sqlite3.connect(database) as connection:
        stored = connection.execute(
            "SELECT serial, product FROM units ORDER BY id LIMIT ?", (units,)
        ).fetchall()
    values = {key.name: key.values for key in KEYS}
    lots, firmware, colours = values[PLANTED_KEY], values["firmware"], values["color"]
    rows = [
        [f"N{i:07d}", PRODUCTS[i % 2], f"B{1 + i % BATCHES:03d}", REGIONS[i % len(REGIONS)]]
        for i in range(units)
    ] + [[serial, product, "", ""] for serial, product in stored]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial", "product", "batch", "region", PLANTED_KEY, "firmware", "color"])
        for row in rows:
            pick = rng.integers(0, 1000, 3)
            writer.writerow([*row, lots[pick[0] % len(lots)], firmware[pick[1] % len(firmware)],
                             colours[pick[2] % len(colours)]])  # fmt: skip
    return units, len(stored)


def _units(rng: np.random.Generator, n: int) -> tuple[Columns, np.ndarray]:
    """The units, and each unit's relative chance of failing (``PLANTED_RISK`` for the
    planted value, 1 otherwise)."""
    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_WEIGHTS)
    batch = np.asarray([f"B{i:03d}" for i in range(1, BATCHES + 1)], dtype=object)[
        rng.integers(0, BATCHES, n)
    ]
    batch[rng.random(n) < 0.01] = None
    region = np.asarray(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), n)]
    region[rng.random(n) < 0.005] = ""
    fragments = []
    weights = np.ones(n)
    for key in KEYS:
        # uneven shares (the planted key even, so its value has a typical share)
        shares = None if key.name == PLANTED_KEY else rng.dirichlet(np.full(len(key.values), 3.0))
        code = rng.choice(len(key.values), size=n, p=shares)
        if key.name == PLANTED_KEY:
            weights[code == key.values.index(PLANTED_VALUE)] = PLANTED_RISK
        rendered: list[str | None] = [
            f"{json.dumps(key.name)}: {json.dumps(v)}" for v in key.values
        ]
        rendered += [None, f'{json.dumps(key.name)}: ""', f"{json.dumps(key.name)}: null"]
        draw = rng.random(n)  # absent, empty, null or the drawn value
        code[draw < key.absent + key.empty + key.null] = len(key.values) + 2
        code[draw < key.absent + key.empty] = len(key.values) + 1
        code[draw < key.absent] = len(key.values)
        fragments.append(np.asarray(rendered, dtype=object)[code].tolist())
    attributes = [
        "{" + ", ".join(f for f in row if f is not None) + "}"
        for row in zip(*fragments, strict=True)
    ]
    units = {
        "serial": [f"U{i:07d}" for i in range(n)],
        "product": np.asarray(PRODUCTS, dtype=object)[product].tolist(),
        "batch": batch.tolist(),
        "region": region.tolist(),
        "attributes": attributes,
    }
    return units, weights


def _stamps(seconds: np.ndarray) -> list[str]:
    """Seconds after ``CASES_START`` as stored text."""
    values = CASES_START + seconds.astype("timedelta64[s]")
    return [f"{t[:10]} {t[11:]}.000000" for t in np.datetime_as_string(values, unit="s")]


def _cases(rng: np.random.Generator, units: Columns, weights: np.ndarray, failed: int) -> Columns:
    """``failed`` distinct failing units drawn by weight (Efraimidis-Spirakis keys), one
    ``FAILURE_MODE`` case each, and the extra cases listed in the module's docstring."""
    n_units = len(units["serial"])
    keys = np.log(rng.random(n_units)) / weights  # the largest ``failed`` keys win
    chosen = np.argpartition(-keys, failed - 1)[:failed]
    repeats = rng.choice(chosen, size=failed // 10)  # a second (third...) case, same unit
    others = rng.integers(0, n_units, size=failed // 5)  # the other failure mode
    unit = np.concatenate([chosen, repeats, others])
    mode = [FAILURE_MODE] * (len(chosen) + len(repeats)) + [OTHER_MODE] * len(others)
    serial: list[str | None] = [units["serial"][u] for u in unit.tolist()]
    product: list[str | None] = [
        None if r < 0.2 else units["product"][u]  # a fifth without product: the unit's counts
        for u, r in zip(unit.tolist(), rng.random(len(unit)).tolist(), strict=True)
    ]
    strays = max(2, failed // 100)  # a serial no unit has; no serial, no product
    serial += [f"X{i:07d}" for i in range(strays)] + [None] * strays
    product += ["PX9"] * strays + [None] * strays
    mode += [FAILURE_MODE] * (2 * strays)
    wm7 = max(2, failed // 100)  # another product, the other mode only, no serial
    serial += [None] * wm7
    product += [OTHER_PRODUCT] * wm7
    mode += [OTHER_MODE] * wm7
    n = len(serial)
    order = rng.permutation(n)  # case ids unrelated to the kind of case
    received = rng.integers(0, YEAR_SECONDS, size=n)
    return {
        "case_id": [f"C{i:07d}" for i in range(n)],
        "received_at": _stamps(received),
        "channel": np.asarray(CHANNELS, dtype=object)[rng.integers(0, len(CHANNELS), n)].tolist(),
        "serial": [serial[i] for i in order.tolist()],
        "product": [product[i] for i in order.tolist()],
        "description": ["benchmark case"] * n,
        "failure_mode": [mode[i] for i in order.tolist()],
        "status": ["new"] * n,
        "attributes": ["{}"] * n,
    }
