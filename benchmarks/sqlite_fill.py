"""Filling a benchmark database fast: whole columns at once, one ``executemany`` a table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence


def insert_columns(
    connection: sqlite3.Connection, table: str, columns: Mapping[str, Sequence[object]]
) -> None:
    """Insert equally long columns into ``table`` with one ``executemany``."""
    names = list(columns)
    placeholders = ", ".join("?" for _ in names)
    rows: Iterable[tuple[object, ...]] = zip(*columns.values(), strict=True)
    connection.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})", rows
    )
