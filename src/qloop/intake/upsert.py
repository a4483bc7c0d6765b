"""Idempotent upsert of validated records by natural key, a chunk at a time.

For each chunk the stored keys are looked up in one query; new rows go in
with one ``executemany``, changed rows are updated with another. A non-empty
value in the file replaces the stored one; an empty cell never erases a
stored value; attributes are merged key by key. A category or severity that a
person set is not overwritten by a re-import (see ``TableSpec.guarded``); an
automatic guess is.

Why the DBAPI cursor: this is the hot path of every import (the benchmark
moves a million rows). Statements are built once per import from the table
metadata, and values go through the very bind processors SQLAlchemy itself
would apply, so stored values are identical to an ORM write, without
SQLAlchemy's per-row parameter compilation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from qloop.core.db import json_dumps
from qloop.intake.bind_values import bind_processor, default_factory
from qloop.intake.categories import category_names
from qloop.intake.convert import Chunk
from qloop.intake.models import Category, Product, SetBy
from qloop.intake.records import TableSpec
from qloop.intake.unit_tally import UnitTally

Rejected = tuple[int, list[Any], str]  # row number, cells, reason


@dataclass
class ChunkOutcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def register_products(session: Session, codes: set[str]) -> None:
    """Insert product codes not stored yet."""
    _register(session, Product, codes, lambda code: {"code": code})


def register_categories(session: Session, codes: set[str]) -> None:
    """Insert category codes not stored yet, with names for the default categories."""

    def row(code: str) -> dict[str, Any]:
        name_en, name_zh = category_names(code)
        return {"code": code, "name_en": name_en, "name_zh": name_zh}

    _register(session, Category, codes, row)


def _register(session: Session, model: Any, codes: set[str], row: Any) -> None:
    if not codes:
        return
    stored = set(session.scalars(select(model.code).where(model.code.in_(codes))))
    new = sorted(codes - stored)
    if new:
        session.execute(insert(model.__table__), [row(code) for code in new])


class ChunkWriter:
    """Stores chunks of one file's records into the spec's table through the session."""

    def __init__(
        self,
        session: Session,
        spec: TableSpec,
        present: list[str],
        labels: dict[str, str],
        tally: UnitTally | None = None,
    ) -> None:
        self.session = session
        self.spec = spec
        self.tally = tally  # counts the units updated, for the stored value counts
        self.present = present
        self.labels = labels
        self._check_fields = sorted({f for check in spec.row_checks for f in check.fields})
        self._dbapi_error: type[Exception] = session.get_bind().dialect.loaded_dbapi.Error
        table = spec.table
        dialect = session.get_bind().dialect
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._guarded = [(f, s) for f, s in spec.guarded.items() if f in present]
        absent_with_default = [
            c.name
            for c in table.c
            if c.name not in present and c.name != "attributes" and default_factory(c)
        ]
        columns = [*present, "attributes", *(s for _, s in self._guarded), *absent_with_default]
        self._absent_defaults = len(absent_with_default)
        # (position, factory) of every column whose empty value takes the column default
        self._fill = [
            (i, factory)
            for i, name in enumerate(columns)
            if (factory := default_factory(table.c[name])) is not None
        ]
        processors = [bind_processor(table.c[name], dialect) for name in columns]
        self._processors = [(i, p) for i, p in enumerate(processors) if p is not None]
        self._key_processors = [processors[present.index(k)] for k in spec.key]
        self._insert_sql = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(mark for _ in columns)})"
        )
        key_list = ", ".join(quote(k) for k in spec.key)
        key_mark = mark if len(spec.key) == 1 else f"({', '.join(mark for _ in spec.key)})"
        self._key_sql = (
            f"SELECT {key_list} FROM {quote(table.name)} WHERE "
            + (f"({key_list})" if len(spec.key) > 1 else key_list)
            + " IN ({})"
        )
        self._key_mark = key_mark
        self._compared = [*present, "attributes", *(s for _, s in self._guarded)]
        self._known_codes: dict[str, set[Any]] = {"product": set(), "category": set()}
        # Rows of one file have unique keys (duplicates are rejected before), so when the
        # table starts empty no row can exist yet and the key look-ups are skipped.
        self._started_empty = session.execute(select(table.c.id).limit(1)).first() is None

    def write(self, chunk: Chunk) -> ChunkOutcome:
        """Insert the chunk's new rows, update its changed ones; keys are unique in the file."""
        self._register_codes(chunk)
        cursor = self.session.connection().connection.cursor()
        try:
            stored = self._stored_positions(cursor, chunk) if not self._started_empty else set()
            new = chunk.without(stored) if stored else chunk
            if len(new):
                cursor.executemany(self._insert_sql, self._insert_rows(new))
        except self._dbapi_error as error:  # reported like every other database error
            raise DBAPIError.instance(self._insert_sql, None, error, self._dbapi_error) from None
        finally:
            cursor.close()
        outcome = ChunkOutcome(inserted=len(new))
        if stored:
            outcome.updated, outcome.rejected = self._update(chunk, sorted(stored))
            outcome.unchanged = len(stored) - outcome.updated - len(outcome.rejected)
        return outcome

    def _stored_positions(self, cursor: Any, chunk: Chunk) -> set[int]:
        """Positions of the chunk's rows whose key is already stored (one query)."""
        keys = self._stored_keys(chunk)
        composite = len(self.spec.key) > 1
        cursor.execute(
            self._key_sql.format(", ".join([self._key_mark] * len(keys))),
            [part for key in keys for part in key] if composite else keys,
        )
        existing = {tuple(row) if composite else row[0] for row in cursor.fetchall()}
        return {i for i, key in enumerate(keys) if key in existing} if existing else set()

    def _register_codes(self, chunk: Chunk) -> None:
        """Register product and category codes this import has not met yet."""
        for name, register in (("product", register_products), ("category", register_categories)):
            if name in chunk.columns:
                new = set(chunk.columns[name]) - self._known_codes[name]
                new.discard(None)
                if new:
                    register(self.session, new)
                    self._known_codes[name] |= new

    def _stored_keys(self, chunk: Chunk) -> list[Any]:
        """The natural keys as the database returns them (SQLite gives dates back as text)."""
        parts = [
            list(map(process, chunk.columns[k])) if process else chunk.columns[k]
            for k, process in zip(self.spec.key, self._key_processors, strict=True)
        ]
        return list(zip(*parts, strict=True)) if len(parts) > 1 else parts[0]

    def _insert_rows(self, chunk: Chunk) -> list[tuple[Any, ...]]:
        """Parameter tuples for the INSERT, built column by column."""
        size = len(chunk)
        columns: list[list[Any]] = [chunk.columns[name] for name in self.present]
        columns.append(chunk.columns["attributes"])
        for field_name, _ in self._guarded:
            columns.append(
                [None if v is None else SetBy.IMPORTED for v in chunk.columns[field_name]]
            )
        columns.extend([None] * size for _ in range(self._absent_defaults))
        for index, factory in self._fill:
            if None in columns[index]:
                columns[index] = [factory() if v is None else v for v in columns[index]]
        for index, process in self._processors:
            values = columns[index]
            if None in values:
                columns[index] = [None if v is None else process(v) for v in values]
            elif process is json_dumps:  # the same text, without a Python frame per value
                columns[index] = list(map(bytes.decode, map(orjson.dumps, values)))
            else:
                columns[index] = list(map(process, values))
        return list(zip(*columns, strict=True))

    def _update(self, chunk: Chunk, positions: list[int]) -> tuple[int, list[Rejected]]:
        """Apply the file's values to stored rows: (how many changed, rows rejected).

        A row is rejected when the merged values break a rule across fields
        (a new ``opened_at`` after the stored ``closed_at``), which the file's
        values alone could not show.
        """
        table = self.spec.table
        key = self.spec.key
        key_columns = [table.c[k] for k in key]
        by_key = {tuple(chunk.columns[k][i] for k in key): i for i in positions}
        condition = (
            key_columns[0].in_([k[0] for k in by_key])
            if len(key) == 1
            else tuple_(*key_columns).in_(list(by_key))
        )
        others = [table.c[c] for c in self._compared if c not in key]
        read = {*key, *self._compared}
        checked = [table.c[c] for c in self._check_fields if c not in read]
        taken = {*read, *self._check_fields}
        tallied = [] if self.tally is None else self.tally.columns(table)
        tallied = [c for c in tallied if c.name not in taken]
        rows = self.session.execute(
            select(table.c.id, *key_columns, *others, *checked, *tallied).where(condition)
        )
        changed: list[dict[str, Any]] = []
        rejected: list[Rejected] = []
        for old in rows.mappings():
            position = by_key[tuple(old[k] for k in key)]
            merged = _merge(self.spec, old, chunk.record(position), self._compared)
            if merged is None:
                continue
            reason = self._broken_rule({**old, **merged})
            if reason is None:
                changed.append(merged)
                if self.tally is not None:
                    self.tally.replace(old, merged)
            else:
                rejected.append((chunk.row_numbers[position], chunk.cells[position], reason))
        if changed:
            columns = [c.name for c in others]
            statement = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(f"_new_{c}") for c in columns})
            )
            self.session.execute(
                statement,
                [{"_id": row["id"], **{f"_new_{c}": row[c] for c in columns}} for row in changed],
            )
        return len(changed), rejected

    def _broken_rule(self, values: dict[str, Any]) -> str | None:
        for check in self.spec.row_checks:
            reason = check.check(*(values[f] for f in check.fields))
            if reason is not None:
                label = self.labels.get(check.column, check.column)
                return f"{label}: {reason} (with the stored values)"
        return None


def _merge(
    spec: TableSpec, old: Any, record: dict[str, Any], compared: list[str]
) -> dict[str, Any] | None:
    """The stored row with the file's values applied, or ``None`` when nothing changes."""
    merged = {c: old[c] for c in compared}
    merged["id"] = old["id"]
    for name, value in record.items():
        if value is None or name == "attributes":
            continue
        set_by_column = spec.guarded.get(name)
        if set_by_column is not None:
            if old[set_by_column] == SetBy.USER:
                continue  # a person's decision outranks the file
            merged[set_by_column] = SetBy.IMPORTED
        merged[name] = value
    merged["attributes"] = {**(old["attributes"] or {}), **record["attributes"]}
    if all(merged[c] == old[c] for c in compared):
        return None
    return merged
