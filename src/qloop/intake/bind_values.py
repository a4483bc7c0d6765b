"""Parameter values as SQLAlchemy would bind them, for the import's own ``executemany``.

The import builds its statements once and passes values through these processors, so
stored values are identical to an ORM write without SQLAlchemy's per-row compilation
(see :mod:`qloop.intake.upsert`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.engine import Dialect

from qloop.core.db import json_dumps

Processor = Callable[[Any], Any]

_PROBES: list[tuple[type, Any, Callable[[Any], Any]]] = [
    # (column type, probe value, faster equivalent) -- checked against SQLAlchemy at start-up
    (DateTime, dt.datetime(2026, 5, 1, 10, 30, 5, 7), lambda v: v.isoformat(" ", "microseconds")),
    (Date, dt.date(2026, 5, 1), dt.date.isoformat),
    (JSON, {"k": "值", "n": ["a"]}, json_dumps),
]


def bind_processor(column: Any, dialect: Dialect) -> Processor | None:
    """SQLAlchemy's bind processor for the column, or a faster function proven equal to it.

    On SQLite, dates, times and JSON are stored as text. SQLAlchemy's own
    processors for them cost about a microsecond each; the C methods below
    produce the same text. Each replacement is used only if it gives exactly
    SQLAlchemy's output for a probe value on this dialect.
    """
    processor: Processor | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return None
    for column_type, probe, faster in _PROBES:
        if isinstance(column.type, column_type):
            return faster if faster(probe) == processor(probe) else processor
    return processor


def default_factory(column: Any) -> Callable[[], Any] | None:
    """The column's Python-side default as a no-argument factory (``new``, ``[]``), if any."""
    default = column.default
    if default is None or not hasattr(default, "arg"):
        return None
    arg = default.arg
    return (lambda: arg(None)) if callable(arg) else (lambda: arg)
