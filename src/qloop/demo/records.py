"""In-memory records of the demo data set before they are written as CSV rows.

Cases, repairs and surveys refer to each other by object (not by id) while
they are being generated, because ids are handed out only at the end, in
time order, the way a ticketing system would have numbered them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from qloop.demo.units import Unit


@dataclass(slots=True, eq=False)
class Case:
    """A reported problem; ``mode`` and ``severity`` are the truth, even when exported blank."""

    mode: str
    product: str
    received_at: dt.datetime
    channel: str
    unit: Unit | None
    region: str | None
    severity: str
    lang: str  # "zh" or "en"
    drop_height: float | None = None
    vibration: float | None = None
    repeat_of: Repair | None = None
    awaiting_repair: bool = False
    repairs: list[Repair] = field(default_factory=list)
    case_id: str = ""
    status: str = ""
    title: str = ""
    description: str = ""
    show_category: bool = True
    show_mode: bool = True
    show_severity: bool = True


@dataclass(slots=True, eq=False)
class Repair:
    """One repair visit; open (no ``closed_at``, ``resolved`` None) at export time if recent."""

    case: Case
    serial: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    resolved: bool | None
    visit: int
    technician: str = ""
    action: str = ""
    parts: str = ""
    repair_id: str = ""

    def hours(self) -> float | None:
        """Duration in hours, or None while the repair is open."""
        if self.closed_at is None:
            return None
        return (self.closed_at - self.opened_at).total_seconds() / 3600


@dataclass(slots=True, eq=False)
class Survey:
    """A satisfaction answer about one case."""

    case: Case
    score: int
    answered_at: dt.datetime
    comment: str = ""
