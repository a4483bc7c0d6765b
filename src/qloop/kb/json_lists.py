"""Whether an article's JSON list (products, failure modes) holds a value, tested in SQL.

The lists are JSON on SQLite and JSONB on PostgreSQL, and the two databases spell the test
differently; one helper keeps the search filters, the boosts of ``rank_articles`` and the
article list agreeing on what "holds" means: an exact entry (``WM7`` is not ``WM``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, exists, func, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session


def lists_any(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """True when the JSON list in ``column`` holds one of ``values`` (exact strings).

    PostgreSQL: ``jsonb_exists_any`` (the function of the ``?|`` operator: a top-level
    string element); SQLite: ``EXISTS`` over ``json_each``.
    """
    if session.get_bind().dialect.name == "postgresql":
        found: ColumnElement[bool] = func.jsonb_exists_any(column, array(values, type_=Text))
        return found
    entries = func.json_each(column).table_valued("value").alias()
    return exists(select(1).select_from(entries).where(entries.c.value.in_(values)))
