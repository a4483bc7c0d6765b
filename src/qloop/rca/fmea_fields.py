"""One FMEA row's fields, parsed and checked the same way from a form, JSON or a spreadsheet.

The column order is the classic worksheet's, left to right; headers in English and Chinese
are the ones the spreadsheet export writes and the import recognises (with a few common
variants), so a sheet exported in either language imports again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from qloop.core.errors import InputError
from qloop.core.storable import unstorable
from qloop.rca.models import FmeaRow

#: (field, English header, Chinese header, length limit or None for ratings/dates)
COLUMNS: tuple[tuple[str, str, str, int | None], ...] = (
    ("item", "Item", "项目", 300),
    ("function", "Function", "功能", 300),
    ("failure_mode", "Failure mode", "失效模式", 300),
    ("effect", "Effect", "失效影响", 2000),
    ("severity", "S", "严重度 S", None),
    ("cause", "Cause", "失效原因", 2000),
    ("occurrence", "O", "频度 O", None),
    ("controls", "Current controls", "现行控制", 2000),
    ("detection", "D", "探测度 D", None),
    ("recommended_action", "Recommended action", "建议措施", 2000),
    ("owner", "Owner", "负责人", 100),
    ("due_date", "Due date", "完成日期", None),
)
RATINGS = ("severity", "occurrence", "detection")
REQUIRED = ("item", "failure_mode", *RATINGS)


@dataclass(frozen=True)
class FmeaInput:
    """The values of one row as entered (RPN and AP are derived from them)."""

    item: str
    function: str | None
    failure_mode: str
    effect: str | None
    severity: int
    cause: str | None
    occurrence: int
    controls: str | None
    detection: int
    recommended_action: str | None
    owner: str | None
    due_date: dt.date | None

    @classmethod
    def parse(
        cls, values: Mapping[str, Any], *, file: str | None = None, row: int | None = None
    ) -> FmeaInput:
        """From loose values (form text, JSON, spreadsheet cells); errors name the column."""
        parsed: dict[str, Any] = {}
        for name, _en, _zh, limit in COLUMNS:
            raw = values.get(name)
            try:
                if name in RATINGS:
                    parsed[name] = parse_rating(raw)
                elif name == "due_date":
                    parsed[name] = parse_date(raw)
                else:
                    parsed[name] = parse_text(raw, limit or 300)
            except ValueError as error:
                raise InputError(str(error), file=file, row=row, column=name) from None
            if name in REQUIRED and parsed[name] is None:
                raise InputError(f"{name} is required", file=file, row=row, column=name)
        return cls(**parsed)

    @classmethod
    def of_row(cls, row: FmeaRow) -> FmeaInput:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def columns(self) -> dict[str, Any]:
        return asdict(self)

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["due_date"] = self.due_date.isoformat() if self.due_date else None
        return values


def parse_rating(raw: Any) -> int | None:
    """1..10 from an int, a whole float (Excel's 7.0) or text; empty is None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"a rating is a whole number 1..10, not {raw!r}")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            number = float("nan")
        raw = int(number) if number.is_integer() else raw
    if not isinstance(raw, int) or not 1 <= raw <= 10:
        raise ValueError(f"a rating is a whole number 1..10, not {raw!r}")
    return raw


def parse_date(raw: Any) -> dt.date | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        found = dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise ValueError(f"a date is YYYY-MM-DD, not {raw!r}") from None
    if not 1900 <= found.year <= 2199:
        raise ValueError(f"{found} is outside 1900..2199")
    return found


def parse_text(raw: Any, limit: int) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if len(text) > limit or unstorable(text):
        raise ValueError(f"at most {limit} characters, without NUL")
    return text
