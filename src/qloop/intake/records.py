"""What a valid row of each import table is: fields, parsers, keys and cross-field checks.

A :class:`TableSpec` lists a table's fields with their parsers; the
converter (``qloop.intake.convert``) binds a spec to one file's header.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from qloop.core.db import Base
from qloop.intake import models
from qloop.intake.categories import category_code
from qloop.intake.parsing import (
    normalise_code,
    parse_bool,
    parse_channel,
    parse_date,
    parse_datetime,
    parse_iso_date_column,
    parse_parts,
    parse_score,
    parse_severity,
    parse_status,
)

Parser = Callable[[Any], Any]


class RowError(ValueError):
    """A row that cannot be stored; ``column`` is the header as written in the file."""

    def __init__(self, column: str | None, reason: str) -> None:
        self.column = column
        self.reason = reason
        super().__init__(f"{column}: {reason}" if column else reason)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    parse: Parser | None = None  # None: text, trimmed and length-checked
    required: bool = False
    #: optional whole-column parser: the values of ``parse`` for every cell, or ValueError
    parse_column: Callable[[Sequence[str]], list[Any]] | None = None


@dataclass(frozen=True)
class RowCheck:
    """A rule across fields: ``check(*values)`` returns the reason the row is wrong, or None."""

    fields: tuple[str, ...]
    column: str
    check: Callable[..., str | None]


@dataclass(frozen=True)
class TableSpec:
    """One importable table: its model, natural key and fields."""

    name: str
    model: type[Base]
    key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    row_checks: tuple[RowCheck, ...] = field(default=())
    #: fields whose stored value a re-import keeps when a person set it (field -> set-by column)
    guarded: dict[str, str] = field(default_factory=dict)

    @property
    def table(self) -> Table:
        table = self.model.__table__
        assert isinstance(table, Table)
        return table

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


def _closed_after_opened(opened: Any, closed: Any) -> str | None:
    if closed is not None and opened is not None and closed < opened:
        return f"{closed} is before opened_at {opened}"
    return None


SPECS: dict[str, TableSpec] = {
    "units": TableSpec(
        "units",
        models.Unit,
        ("serial",),
        (
            FieldSpec("serial", required=True),
            FieldSpec("product", required=True),
            FieldSpec("batch"),
            FieldSpec("production_date", parse_date, parse_column=parse_iso_date_column),
            FieldSpec("ship_date", parse_date, parse_column=parse_iso_date_column),
            FieldSpec("region"),
        ),
    ),
    "cases": TableSpec(
        "cases",
        models.Case,
        ("case_id",),
        (
            FieldSpec("case_id", required=True),
            FieldSpec("received_at", parse_datetime, required=True),
            FieldSpec("channel", parse_channel, required=True),
            FieldSpec("serial"),
            FieldSpec("product"),
            FieldSpec("region"),
            FieldSpec("customer"),
            FieldSpec("title"),
            FieldSpec("description", required=True),
            FieldSpec("category", category_code),
            FieldSpec("failure_mode", normalise_code),
            FieldSpec("severity", parse_severity),
            FieldSpec("status", parse_status),
        ),
        guarded={"category": "category_set_by", "severity": "severity_set_by"},
    ),
    "repairs": TableSpec(
        "repairs",
        models.Repair,
        ("repair_id",),
        (
            FieldSpec("repair_id", required=True),
            FieldSpec("case_id"),
            FieldSpec("serial", required=True),
            FieldSpec("opened_at", parse_datetime, required=True),
            FieldSpec("closed_at", parse_datetime),
            FieldSpec("resolved", parse_bool),
            FieldSpec("technician"),
            FieldSpec("action"),
            FieldSpec("parts", parse_parts),
        ),
        row_checks=(RowCheck(("opened_at", "closed_at"), "closed_at", _closed_after_opened),),
    ),
    "surveys": TableSpec(
        "surveys",
        models.Survey,
        ("case_id", "answered_at"),
        (
            FieldSpec("case_id", required=True),
            FieldSpec("score", parse_score),
            FieldSpec("answered_at", parse_datetime, required=True),
            FieldSpec("comment"),
        ),
    ),
}
