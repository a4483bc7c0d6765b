"""The small field history the RCA tests share."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from qloop.core.db import session_scope
from qloop.intake.models import Case, Channel, Product, Unit


@pytest.fixture
def field(engine: Engine) -> Engine:
    """P1: 20 units, lot A (5 units, 4 fail), lot B (15 units, 1 fails); P2 never fails."""
    with session_scope(engine) as session:
        session.add_all([Product(code="P1"), Product(code="P2")])
        session.flush()
        for n in range(20):
            attributes = {"lot": "A" if n < 5 else "B", "fw": "1.0", "note": "", "region": "x"}
            session.add(Unit(serial=f"S{n}", product="P1", batch=f"B{n % 2}",
                             region="east" if n % 4 else None, attributes=attributes))  # fmt: skip
        session.add(Unit(serial="T1", product="P2", attributes={"lot": "A"}))
        failed = [0, 1, 2, 3, 7]
        for k, n in enumerate(failed):
            session.add(Case(case_id=f"C{k}", received_at=dt.datetime(2026, 5, 1 + k),
                             channel=Channel.HOTLINE, serial=f"S{n}", failure_mode="swelling",
                             description="swollen", attributes={}))  # fmt: skip
        # a second case on S0 counts once; a case of another mode counts nowhere
        session.add(Case(case_id="C9", received_at=dt.datetime(2026, 5, 20),
                         channel=Channel.HOTLINE, serial="S0", failure_mode="swelling",
                         description="again", attributes={}))  # fmt: skip
        session.add(Case(case_id="D1", received_at=dt.datetime(2026, 5, 2),
                         channel=Channel.HOTLINE, serial="S10", failure_mode="crack",
                         description="crack", attributes={}))  # fmt: skip
    return engine
