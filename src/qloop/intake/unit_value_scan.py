"""Units per (product, attribute, value) counted in Python from the stored JSON (SQLite).

SQLite has no hash aggregate: its GROUP BY over the million units' twelve million
(key, value) pairs spends nearly all its time sorting them (22 s where the ``json_each``
scan alone takes 1.4 s, measured). Reading the units' columns and JSON text in batches,
parsing them with orjson and counting with :class:`collections.Counter` gives the same
counts in about a third of the time, provided Python reads each value as SQLite does:

* every document is a JSON object (``json_each`` of anything else gives other rows);
* every value is one :func:`~qloop.intake.unit_values.python_value_text` can write
  (text, true/false, integers of 64 bits, null), so none is a float, array or object;
* no document repeats a key (orjson keeps the last, ``json_each`` gives each): the number
  of non-null (key, value) pairs counted equals ``json_each``'s count over the same units.

When any of these fails the answer is None, and the caller counts with SQL instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import chain
from typing import Any

import orjson
from sqlalchemy.orm import Session

from qloop.intake.stream import cyclic_gc_paused
from qloop.intake.unit_values import (
    NotCountable,
    ProductValueCounts,
    key_name,
    python_value_text,
    value_text,
)

BATCH_ROWS = 50_000
_RANGE = "units.id > ? AND units.id <= ?"


def count_in_python(
    session: Session, *, after: int | None, through: int
) -> tuple[int, ProductValueCounts] | None:
    """(units, counts) of the units with ``after < id <= through`` (no lower bound for
    None), or None when Python cannot be sure to read them as SQLite does. Rows come
    through the DBAPI cursor with the cycle collector paused (no cycles are made):
    SQLAlchemy's rows and the collector's passes made it two fifths slower (measured)."""
    bounds = (after if after is not None else -(2**63), through)
    counts: ProductValueCounts = Counter()
    units = pairs = 0
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(
            f"SELECT product, batch, region, attributes FROM units WHERE {_RANGE}", bounds
        )
        with cyclic_gc_paused():
            while rows := cursor.fetchmany(BATCH_ROWS):
                units += len(rows)
                pairs += _count_batch(counts, rows)
        cursor.execute(
            "SELECT count(*) FROM units JOIN json_each(units.attributes) AS j "
            f"WHERE {_RANGE} AND j.value IS NOT NULL",
            bounds,
        )
        (checked,) = cursor.fetchone() or (None,)
    except (orjson.JSONDecodeError, TypeError, AttributeError, NotCountable):
        return None  # not JSON, not an object, a value such as 1.5 or [1]
    finally:
        cursor.close()
    return (units, counts) if checked == pairs else None  # else a repeated key


def _count_batch(counts: ProductValueCounts, rows: Sequence[Any]) -> int:
    """Add one batch of units to ``counts``; returns its non-null (key, value) pairs."""
    products, batches, regions, texts = zip(*rows, strict=True)
    for name, values in (("product", products), ("batch", batches), ("region", regions)):
        for (product, value), n in Counter(zip(products, values, strict=True)).items():
            if value is not None:
                counts[product, name, value_text(value)] += n
    by_product: dict[str, list[dict[str, Any]]] = {}
    for product, document in zip(products, map(_document, texts), strict=True):
        by_product.setdefault(product, []).append(document)
    pairs = 0
    for product, documents in by_product.items():
        found = Counter(chain.from_iterable(map(dict.items, documents)))
        # True == 1 == 1.0 for a Counter: keys holding anything but text are counted
        # again with the type of each value
        typed = {key for key, value in found if value is not None and type(value) is not str}
        for (key, value), n in found.items():
            if value is not None and key not in typed:
                counts[product, key_name(key), value] += n
                pairs += n
        for key in typed:
            found_values = [document.get(key) for document in documents]
            kinds = map(type, found_values)
            for (_kind, value), n in Counter(zip(kinds, found_values, strict=True)).items():
                written = python_value_text(value)
                if written is not None:
                    counts[product, key_name(key), written] += n
                    pairs += n
    return pairs


def _document(text: str | None) -> dict[str, Any]:
    document = orjson.loads(text) if text is not None else {}
    if type(document) is not dict:
        raise NotCountable("attributes that are not a JSON object")
    return document
