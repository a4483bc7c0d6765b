"""A small hand-built history whose KPIs are worked out by hand in the tests.

Units: U1 P1 east shipped 01-10, U2 P1 west 02-15, U3 P2 east 01-31, U4 P2 east 03-01,
U5 P1 never shipped. Cases C1..C5, repairs R1..R7 (R4 open, R5 without a case), surveys
S1..S5 (S4 without a score). All in 2026.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from qloop.intake.models import Case, Channel, Product, Repair, Survey, Unit


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-{text}")


def build(session: Session) -> None:
    session.add_all([Product(code="P1"), Product(code="P2")])
    session.flush()
    units = [
        ("U1", "P1", "east", dt.date(2026, 1, 10)),
        ("U2", "P1", "west", dt.date(2026, 2, 15)),
        ("U3", "P2", "east", dt.date(2026, 1, 31)),
        ("U4", "P2", "east", dt.date(2026, 3, 1)),
        ("U5", "P1", None, None),
    ]
    session.add_all(
        Unit(serial=s, product=p, region=r, ship_date=d, attributes={}) for s, p, r, d in units
    )
    cases = [
        ("C1", "01-05 09:00", Channel.HOTLINE, "U1", None, None, "electrical"),
        ("C2", "01-20 10:00", Channel.APP, "U3", "P2", "north", "mechanical"),
        ("C3", "02-10 11:00", Channel.HOTLINE, "U1", "P1", None, "electrical"),
        ("C4", "03-31 23:59", Channel.EMAIL, None, "P2", None, None),
        ("C5", "03-15 08:00", Channel.HOTLINE, "U2", "P1", None, "electrical"),
    ]
    session.add_all(
        Case(
            case_id=c,
            received_at=at(when),
            channel=channel,
            serial=serial,
            product=product,
            region=region,
            category=category,
            description="problem",
            attributes={},
        )
        for c, when, channel, serial, product, region, category in cases
    )
    repairs = [
        ("R1", "C1", "U1", "01-06 08:00", "01-07 08:00", False),
        ("R2", "C1", "U1", "01-20 10:00", "01-21 22:00", True),
        ("R3", "C2", "U3", "01-25 00:00", "02-02 00:00", True),
        ("R4", "C3", "U1", "02-20 21:00", None, None),
        ("R5", None, "U4", "03-02 00:00", "03-02 06:00", True),
        ("R7", "C3", "U1", "02-11 00:00", "02-11 12:00", True),
    ]
    session.add_all(
        Repair(
            repair_id=r,
            case_id=case,
            serial=serial,
            opened_at=at(opened),
            closed_at=at(closed) if closed else None,
            resolved=resolved,
            parts=[],
            attributes={},
        )
        for r, case, serial, opened, closed, resolved in repairs
    )
    surveys = [
        ("C1", "01-25 12:00", 5),
        ("C2", "01-30 12:00", 3),
        ("C3", "02-15 12:00", 4),
        ("C3", "02-16 12:00", None),
        ("C5", "03-20 12:00", 2),
    ]
    session.add_all(
        Survey(case_id=c, answered_at=at(when), score=score, attributes={})
        for c, when, score in surveys
    )
    session.flush()
