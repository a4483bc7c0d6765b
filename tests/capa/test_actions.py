"""Actions, supplier claims and evidence files of a plan, services: who may do what (an
owner only their own action's progress, never verifying), every status transition against
a table written out by hand, overdue at the day boundary, one assignment e-mail per action
and owner, claim totals and transitions, the file size limit at its boundary, and a
closed plan refusing all of it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa import actions, claims, files, plans
from qloop.capa.models import Action, ActionStatus, ClaimStatus, Notification, SupplierClaim
from qloop.capa.notifications import enqueue_assignment
from qloop.core.db import session_scope
from qloop.core.errors import Forbidden, InputError, InvalidTransition, NotFound
from tests.capa.test_plans import build_field, open_plan, person, trail

TODAY = dt.date(2026, 6, 15)
DAY = dt.timedelta(days=1)


@pytest.fixture
def field(engine: Engine) -> Engine:
    return build_field(engine)


@pytest.fixture
def plan_id(field: Engine) -> int:
    return open_plan(field)


def add(engine: Engine, plan: int, owner: str = "olga", by: str = "eng", **values: Any) -> int:
    wanted = {"title": f"Fix for {owner}", "department": "rd", "owner": owner,
              "due_date": TODAY, **values}  # fmt: skip
    with session_scope(engine) as session:
        return actions.add_action(session, plan_id=plan, values=wanted,
                                  user=person(session, by)).id  # fmt: skip


def change(engine: Engine, action_id: int, by: str, **changes: Any) -> Action:
    with session_scope(engine) as session:
        return actions.update_action(session, action_id=action_id, changes=changes,
                                     user=person(session, by))  # fmt: skip


def stored_action(engine: Engine, action_id: int) -> Action:
    with session_scope(engine) as session:
        return actions.require_action(session, action_id)


def force_status(session: Session, action_id: int, status: ActionStatus) -> None:
    """Put an action in a state directly (the table's rows start anywhere)."""
    session.get_one(Action, action_id).status = status
    session.flush()


def outbox(engine: Engine) -> list[tuple[str, str, str | None, str]]:
    with session_scope(engine) as session:
        found = session.scalars(select(Notification).order_by(Notification.id))
        return [(n.kind, n.recipient, n.address, n.dedupe_key) for n in found]


# --- adding actions ---------------------------------------------------------------------


def test_an_engineer_adds_an_action_and_its_owner_is_mailed(field: Engine, plan_id: int) -> None:
    made = add(field, plan_id, step="d3", notes=" sort the stock ", due_date="2026-07-01")
    action = stored_action(field, made)
    assert (action.plan_id, action.step, action.title, action.department, action.owner) == (
        plan_id, "D3", "Fix for olga", "rd", "olga")  # fmt: skip
    assert (action.due_date, action.status, action.notes, action.created_by) == (
        dt.date(2026, 7, 1), ActionStatus.OPEN, "sort the stock", "eng")  # fmt: skip
    assert trail(field, plan_id)[-1] == ("eng", "action", made, "created", None,
                                         "Fix for olga -> olga, due 2026-07-01")  # fmt: skip
    assert outbox(field) == [("assigned", "olga", "olga@example.com", f"assigned:{made}:olga")]
    with session_scope(field) as session:
        mail = session.scalars(select(Notification)).one()
        assert f"Action #{made}" in mail.subject and "due: 2026-07-01" in mail.body
        assert mail.sent_at is None and mail.attempts == 0
    for owner in ("omar", "eng", "boss"):  # owners, engineers and admins own actions
        add(field, plan_id, owner=owner, department="a department of our own")
    assert [m[1] for m in outbox(field)] == ["olga", "omar", "eng", "boss"]


@pytest.mark.parametrize("who", ["olga", "vic"])
def test_only_engineers_add_actions(field: Engine, plan_id: int, who: str) -> None:
    with pytest.raises(Forbidden, match="engineer role"):
        add(field, plan_id, by=who)
    with session_scope(field) as session:
        assert actions.list_actions(session) == []
    assert outbox(field) == []


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"owner": "nobody"}, "owner"),
        ({"owner": "gone"}, "owner"),  # inactive
        ({"owner": "vic"}, "owner"),  # a viewer owns nothing
        ({"owner": None}, "owner"),
        ({"title": "  "}, "title"),
        ({"due_date": None}, "title"),
        ({"due_date": "15.06.2026"}, "due_date"),
        ({"department": ""}, "department"),
        ({"step": "D9"}, "step"),
        ({"notes": "n" * 5001}, "notes"),
    ],
)
def test_action_refusals(field: Engine, plan_id: int, values: dict[str, Any], column: str) -> None:
    with pytest.raises(InputError) as raised:
        add(field, plan_id, **values)
    assert raised.value.column == column
    assert outbox(field) == [] and len(trail(field, plan_id)) == 1


# --- who changes what -------------------------------------------------------------------


def test_an_owner_updates_only_the_progress_of_their_own_action(
    field: Engine, plan_id: int
) -> None:
    hers, his = add(field, plan_id, "olga"), add(field, plan_id, "omar")
    change(field, hers, "olga", status="in_progress", notes="ordered new cells",
           effective_date="2026-06-01")  # fmt: skip
    action = stored_action(field, hers)
    assert (action.status, action.notes, action.effective_date) == (
        ActionStatus.IN_PROGRESS, "ordered new cells", dt.date(2026, 6, 1))  # fmt: skip
    assert [e[:6] for e in trail(field, plan_id)[-3:]] == [
        ("olga", "action", hers, "status", "open", "in_progress"),
        ("olga", "action", hers, "notes", None, "ordered new cells"),
        ("olga", "action", hers, "effective_date", None, "2026-06-01"),
    ]
    refused: list[tuple[int, dict[str, Any], str]] = [
        (his, {"notes": "mine now"}, "not yours"),
        (his, {"status": "done"}, "not yours"),
        (hers, {"due_date": "2026-12-31"}, "not due_date"),
        (hers, {"title": "easier"}, "not title"),
        (hers, {"owner": "olga"}, "not owner"),
        (hers, {"notes": "x", "department": "qa"}, "not department"),
    ]  # fmt: skip
    for number, changes, reason in refused:
        with pytest.raises(Forbidden, match=reason):
            change(field, number, "olga", **changes)
    change(field, hers, "olga", status="done")
    for verdict in ("verified", "rejected"):
        with pytest.raises(Forbidden, match="only an engineer"):
            change(field, hers, "olga", status=verdict)
    with pytest.raises(Forbidden):
        change(field, hers, "vic", notes="a viewer")
    with pytest.raises(Forbidden):  # an owner by name who is not of the owner role
        change(field, add(field, plan_id, "eng"), "omar", notes="x")
    assert stored_action(field, hers).status is ActionStatus.DONE
    assert stored_action(field, his).notes is None
    change(field, hers, "eng", status="verified")
    change(field, his, "boss", title="New title", due_date=TODAY + DAY, department="qa")
    assert stored_action(field, hers).status is ActionStatus.VERIFIED
    assert stored_action(field, his).department == "qa"


def test_who_sees_an_action(field: Engine, plan_id: int) -> None:
    hers, his = add(field, plan_id, "olga"), add(field, plan_id, "omar")
    with session_scope(field) as session:
        olga, eng = person(session, "olga"), person(session, "eng")
        assert actions.visible_action(session, hers, olga).id == hers
        assert actions.visible_action(session, his, eng).id == his
        with pytest.raises(Forbidden):
            actions.visible_action(session, his, olga)
        with pytest.raises(NotFound, match="no action 999"):
            actions.visible_action(session, 999, eng)
    with pytest.raises(NotFound):
        change(field, 999, "eng", notes="x")


#: the workflow, written out by hand: from -> the states an engineer may set
ALLOWED = {
    "open": {"in_progress", "done"},
    "in_progress": {"open", "done"},
    "done": {"verified", "rejected", "in_progress"},
    "rejected": {"in_progress", "done"},
    "verified": {"in_progress"},
}


def set_status(session: Session, action_id: int, user: User, new: ActionStatus) -> Action:
    return actions.update_action(session, action_id=action_id, changes={"status": new.value},
                                 user=user)  # fmt: skip


def test_every_status_transition(field: Engine, plan_id: int) -> None:
    number = add(field, plan_id)
    owner_states = {"open", "in_progress", "done"}
    with session_scope(field) as session:
        eng, olga = person(session, "eng"), person(session, "olga")
        for old in ActionStatus:
            for new in ActionStatus:
                force_status(session, number, old)
                if new is old or new.value in ALLOWED[old.value]:
                    assert set_status(session, number, eng, new).status is new, (old, new)
                else:
                    with pytest.raises(InvalidTransition, match=f"not {new.value}"):
                        set_status(session, number, eng, new)
                force_status(session, number, old)
                verified = old is ActionStatus.VERIFIED  # only an engineer reopens it
                if new is old or (new.value in ALLOWED[old.value] and new.value in owner_states
                                  and not verified):  # fmt: skip
                    assert set_status(session, number, olga, new).status is new, (old, new)
                elif new.value not in owner_states or verified:
                    with pytest.raises(Forbidden, match="only an engineer"):
                        set_status(session, number, olga, new)
                else:
                    with pytest.raises(InvalidTransition):
                        set_status(session, number, olga, new)
        with pytest.raises(InputError, match="not one of") as raised:
            actions.update_action(session, action_id=number, changes={"status": "closed"},
                                  user=eng)  # fmt: skip
        assert raised.value.column == "status"


def test_same_values_are_not_audited(field: Engine, plan_id: int) -> None:
    number = add(field, plan_id, notes="n")
    before = len(trail(field, plan_id))
    change(field, number, "eng", status="open", notes=" n ", owner="olga", due_date=TODAY,
           step="D5", department="rd", title="Fix for olga")  # fmt: skip
    assert len(trail(field, plan_id)) == before
    refused: list[tuple[dict[str, Any], str]] = [
        ({"owner": "vic"}, "owner"), ({"due_date": ""}, "due_date"),
        ({"title": ""}, "title"), ({"step": "X"}, "step"), ({"plan_id": 2}, "plan_id"),
    ]  # fmt: skip
    for changes, column in refused:
        with pytest.raises(InputError) as raised:
            change(field, number, "eng", **changes)
        assert raised.value.column == column


# --- overdue ----------------------------------------------------------------------------


def test_overdue_at_the_day_boundary(field: Engine, plan_id: int) -> None:
    other = open_plan(field, failure_mode="rattle", product="P2")
    rows = [  # due, status, plan, owner; overdue on TODAY?
        (TODAY, ActionStatus.OPEN, plan_id, "olga", False),  # due today: not yet
        (TODAY - DAY, ActionStatus.OPEN, plan_id, "olga", True),  # due yesterday
        (TODAY - DAY, ActionStatus.IN_PROGRESS, plan_id, "omar", True),
        (TODAY - DAY, ActionStatus.REJECTED, plan_id, "olga", True),
        (TODAY - DAY, ActionStatus.DONE, plan_id, "olga", False),
        (TODAY - DAY, ActionStatus.VERIFIED, plan_id, "olga", False),
        (TODAY + DAY, ActionStatus.OPEN, plan_id, "olga", False),
        (TODAY - 30 * DAY, ActionStatus.OPEN, other, "omar", True),
    ]
    made = []
    for due, status, plan, owner, _late in rows:
        number = add(field, plan, owner, due_date=due)
        with session_scope(field) as session:
            force_status(session, number, status)
        made.append(number)
    late = [made[k] for k, row in enumerate(rows) if row[4]]
    with session_scope(field) as session:
        found = {a.id: a for a in actions.list_actions(session)}
        assert [actions.is_overdue(found[n], TODAY) for n in made] == [r[4] for r in rows]
        by_due = [a.id for a in actions.overdue_actions(session, today=TODAY)]
        assert by_due == [late[-1], *late[:-1]]  # by due date, then id
        assert [a.id for a in actions.list_actions(session, overdue_on=TODAY)] == by_due
        tomorrow = [a.id for a in actions.list_actions(session, overdue_on=TODAY + DAY)]
        assert tomorrow == [*by_due, made[0]]  # tomorrow, today's action is late too
        assert actions.list_actions(session, overdue_on=TODAY - 30 * DAY) == []
        mine = actions.list_actions(session, owner="omar", overdue_on=TODAY)
        assert [a.id for a in mine] == [made[7], made[2]]
        assert [a.id for a in actions.list_actions(session, plan_id=other)] == [made[7]]
        assert len(actions.list_actions(session, plan_id=plan_id, owner="olga")) == 6
        with pytest.raises(NotFound):
            actions.list_actions(session, plan_id=999)


# --- notifications ----------------------------------------------------------------------


def test_one_assignment_mail_per_action_and_owner(field: Engine, plan_id: int) -> None:
    number = add(field, plan_id, "olga")
    change(field, number, "olga", status="in_progress", notes="started")
    change(field, number, "eng", due_date=TODAY + 7 * DAY)
    assert outbox(field) == [("assigned", "olga", "olga@example.com", f"assigned:{number}:olga")]
    with session_scope(field) as session:  # the same assignment again: deduplicated
        action = actions.require_action(session, number)
        plan = plans.require_plan(session, plan_id)
        enqueue_assignment(session, action=action, plan=plan, by="eng")
    change(field, number, "eng", owner="omar")
    assert outbox(field) == [
        ("assigned", "olga", "olga@example.com", f"assigned:{number}:olga"),
        ("assigned", "omar", "omar@example.com", f"assigned:{number}:omar"),
    ]
    assert trail(field, plan_id)[-1][3:] == ("owner", "olga", "omar")
    with pytest.raises(InputError):  # a refused reassignment mails nobody
        change(field, number, "eng", owner="nobody")
    with pytest.raises(Forbidden):
        change(field, number, "omar", owner="olga")
    assert len(outbox(field)) == 2


# --- supplier claims --------------------------------------------------------------------


def claim(engine: Engine, plan: int, by: str = "eng", **values: Any) -> SupplierClaim:
    wanted = {"supplier": "Wuxi Cells", "affected_units": 100, "cost_per_unit": 12, **values}
    with session_scope(engine) as session:
        return claims.create_claim(session, plan_id=plan, values=wanted,
                                   user=person(session, by))  # fmt: skip


@pytest.mark.parametrize(
    ("units", "cost", "total"),
    [
        (100, "12", 1200.00),
        (3, "19.99", 59.97),
        (7, "1.15", 8.05),  # 7 x 1.15 is 8.049999... in binary floating point
        (100, "0.125", 12.50),  # a cost below a cent is kept, not rounded to 0.12 first
        (5, "0.101", 0.51),  # 0.505: half a cent rounds up
        (1000, "1,234.50", 1234500.00),
        (0, "99", 0.0),
        ("42", 2.5, 105.0),
    ],
)
def test_claim_total_is_units_times_cost(
    field: Engine, plan_id: int, units: Any, cost: Any, total: float
) -> None:
    made = claim(field, plan_id, affected_units=units, cost_per_unit=cost)
    assert made.total_claimed == total
    assert (made.status, made.currency, made.failures) == (ClaimStatus.DRAFT, "CNY", 0)


def test_a_given_total_wins_and_is_audited(field: Engine, plan_id: int) -> None:
    made = claim(field, plan_id, lot=" L7 ", failures="4", currency=" usd ",
                 total_claimed="1,000", note="negotiated")  # fmt: skip
    assert (made.lot, made.failures, made.currency, made.total_claimed) == (
        "L7", 4, "USD", 1000.0)  # fmt: skip
    assert trail(field, plan_id)[-1] == ("eng", "claim", made.id, "created", None,
                                         "Wuxi Cells L7: 1000.0 USD")  # fmt: skip
    assert claim(field, plan_id, total_claimed="").total_claimed == 1200.0


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"supplier": " "}, "supplier"),
        ({"affected_units": -1}, "affected_units"),
        ({"affected_units": "abc"}, "affected_units"),
        ({"affected_units": "1.5"}, "affected_units"),
        ({"affected_units": None}, "affected_units"),
        ({"affected_units": 2**31}, "affected_units"),
        ({"failures": "-2"}, "failures"),
        ({"cost_per_unit": "-0.01"}, "cost_per_unit"),
        ({"cost_per_unit": "twelve"}, "cost_per_unit"),
        ({"cost_per_unit": "nan"}, "cost_per_unit"),
        ({"cost_per_unit": "inf"}, "cost_per_unit"),
        ({"cost_per_unit": "1e13"}, "cost_per_unit"),
        ({"total_claimed": "-5"}, "total_claimed"),
        ({"currency": "US"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "€€€"}, "currency"),
        ({"currency": "U5D"}, "currency"),
    ],
)
def test_claim_refusals(field: Engine, plan_id: int, values: dict[str, Any], column: str) -> None:
    with pytest.raises(InputError) as raised:
        claim(field, plan_id, **values)
    assert raised.value.column == column
    with session_scope(field) as session:
        assert claims.list_claims(session, plan_id) == []


#: claims, by hand: from -> the states it may move to
CLAIM_NEXT = {
    "draft": {"submitted"},
    "submitted": {"accepted", "rejected"},
    "accepted": {"paid"},
    "rejected": {"submitted"},
    "paid": set(),
}


def update_claim(engine: Engine, claim_id: int, by: str, **changes: Any) -> SupplierClaim:
    with session_scope(engine) as session:
        return claims.update_claim(session, claim_id=claim_id, changes=changes,
                                   user=person(session, by))  # fmt: skip


def test_every_claim_transition(field: Engine, plan_id: int) -> None:
    number = claim(field, plan_id).id
    with session_scope(field) as session:
        eng = person(session, "eng")
        for old in ClaimStatus:
            for new in ClaimStatus:
                session.get_one(SupplierClaim, number).status = old
                session.flush()
                changes = {"status": f" {new.value} "}
                if new is old or new.value in CLAIM_NEXT[old.value]:
                    found = claims.update_claim(session, claim_id=number, changes=changes,
                                                user=eng)  # fmt: skip
                    assert found.status is new
                else:
                    with pytest.raises(InvalidTransition, match=f"cannot become {new.value}"):
                        claims.update_claim(session, claim_id=number, changes=changes, user=eng)


def test_claim_updates(field: Engine, plan_id: int) -> None:
    number = claim(field, plan_id).id
    with session_scope(field) as session:
        eng = person(session, "eng")
        updated = claims.update_claim(session, claim_id=number, user=eng,
                                      changes={"status": "submitted", "affected_units": "120",
                                               "note": "sent to Wuxi"})  # fmt: skip
        assert (updated.status, updated.affected_units, updated.note) == (
            ClaimStatus.SUBMITTED, 120, "sent to Wuxi")  # fmt: skip
    assert [e[3:] for e in trail(field, plan_id)[-4:]] == [
        ("status", "draft", "submitted"), ("affected_units", "100", "120"),
        ("note", None, "sent to Wuxi"), ("total_claimed", "1200.0", "1440.0")]  # fmt: skip
    with session_scope(field) as session:
        for who in ("olga", "vic"):
            with pytest.raises(Forbidden, match="engineer role"):
                claims.update_claim(session, claim_id=number, changes={"status": "accepted"},
                                    user=person(session, who))  # fmt: skip
            with pytest.raises(Forbidden):
                claims.create_claim(session, plan_id=plan_id, values={"supplier": "x"},
                                    user=person(session, who))  # fmt: skip
        with pytest.raises(NotFound):
            claims.update_claim(session, claim_id=999, changes={}, user=eng)
        refused: list[tuple[dict[str, Any], str]] = [
            ({"plan_id": 2}, "plan_id"), ({"status": "won"}, "status"),
            ({"supplier": ""}, "supplier"), ({"currency": "x"}, "currency"),
            ({"cost_per_unit": "-1"}, "cost_per_unit"),
        ]  # fmt: skip
        for changes, column in refused:
            with pytest.raises(InputError) as raised:
                claims.update_claim(session, claim_id=number, changes=changes, user=eng)
            assert raised.value.column == column


def cents(units: int, cost: str) -> float:
    """units x cost in decimal arithmetic, to the cent, half up: the claim's rule, apart."""
    exact = Decimal(units) * Decimal(cost)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_editing_units_or_cost_recomputes_the_total(field: Engine, plan_id: int) -> None:
    number = claim(field, plan_id).id  # 100 x 12 = 1200
    before = len(trail(field, plan_id))

    def edit(**changes: Any) -> float:
        return update_claim(field, number, "eng", **changes).total_claimed

    # 7 x 1.15 is 8.049999... in binary floating point, 8.05 in decimal
    assert edit(affected_units="7", cost_per_unit="1.15") == cents(7, "1.15") == 8.05
    assert edit(cost_per_unit="0.125") == cents(7, "0.125") == 0.88  # 0.875: half up
    assert edit(affected_units="7") == 0.88  # nothing changed: no entry
    assert edit(total_claimed="5") == 5.0  # negotiated
    assert edit(affected_units="8") == 5.0  # a negotiated total stays
    assert edit(total_claimed="") == cents(8, "0.125") == 1.0  # back to units x cost
    assert edit(affected_units="10", total_claimed="2") == 2.0  # given with the units: wins
    assert edit(total_claimed=None, cost_per_unit="19.99") == cents(10, "19.99") == 199.9
    assert [e[3:] for e in trail(field, plan_id)[before:]] == [
        ("affected_units", "100", "7"), ("cost_per_unit", "12.0", "1.15"),
        ("total_claimed", "1200.0", "8.05"),
        ("cost_per_unit", "1.15", "0.125"), ("total_claimed", "8.05", "0.88"),
        ("total_claimed", "0.88", "5.0"),
        ("affected_units", "7", "8"),
        ("total_claimed", "5.0", "1.0"),
        ("affected_units", "8", "10"), ("total_claimed", "1.0", "2.0"),
        ("cost_per_unit", "0.125", "19.99"), ("total_claimed", "2.0", "199.9"),
    ]  # fmt: skip
    with session_scope(field) as session:
        stored = session.get_one(SupplierClaim, number)
        assert (stored.affected_units, stored.cost_per_unit, stored.total_claimed) == (
            10, 19.99, 199.9)  # fmt: skip


# --- files ------------------------------------------------------------------------------


def attach(
    engine: Engine, plan: int, data: bytes, by: str = "eng", *, limit: int = 8,
    name: str = "photo.jpg", action_id: int | None = None, directory: Path | None = None,
) -> int:  # fmt: skip
    with session_scope(engine) as session:
        return files.attach_file(session, plan_id=plan, name=name, data=data,
                                 user=person(session, by), limit=limit, action_id=action_id,
                                 content_type="image/jpeg" if name.endswith("jpg") else None,
                                 directory=directory).id  # fmt: skip


def content(engine: Engine, file_id: int, by: str) -> bytes:
    with session_scope(engine) as session:
        return files.file_content(session, file_id=file_id, user=person(session, by))[1]


def test_the_size_limit_at_its_boundary(field: Engine, plan_id: int) -> None:
    at_limit = attach(field, plan_id, b"12345678", limit=8)
    assert content(field, at_limit, "eng") == b"12345678"
    with pytest.raises(InputError, match="9 bytes; at most 8") as raised:
        attach(field, plan_id, b"123456789", limit=8)
    assert raised.value.file == "photo.jpg"
    with pytest.raises(InputError, match="empty"):
        attach(field, plan_id, b"", limit=8)
    with session_scope(field) as session:
        kept = files.list_files(session, plan_id)
        assert [(f.id, f.name, f.size, f.content_type) for f in kept] == [
            (at_limit, "photo.jpg", 8, "image/jpeg")]  # fmt: skip
        assert kept[0].sha256 == hashlib.sha256(b"12345678").hexdigest()
    assert trail(field, plan_id)[-1] == ("eng", "file", at_limit, "attached", None,
                                         "photo.jpg (8 bytes)")  # fmt: skip


def test_an_owner_attaches_to_their_own_actions_only(field: Engine, plan_id: int) -> None:
    hers, his = add(field, plan_id, "olga"), add(field, plan_id, "omar")
    own = attach(field, plan_id, b"report", "olga", action_id=hers, name="../../etc/8d.pdf")
    with session_scope(field) as session:
        kept = files.list_files(session, plan_id)[0]
        assert (kept.name, kept.action_id, kept.uploaded_by, kept.content_type) == (
            "8d.pdf", hers, "olga", "application/octet-stream")  # fmt: skip
    assert trail(field, plan_id)[-1][5] == f"8d.pdf (6 bytes, action {hers})"
    with pytest.raises(Forbidden, match=f"action {his} is not yours"):
        attach(field, plan_id, b"x", "olga", action_id=his)
    with pytest.raises(Forbidden, match="engineer role"):
        attach(field, plan_id, b"x", "olga")  # to the plan itself
    with pytest.raises(Forbidden):
        attach(field, plan_id, b"x", "vic", action_id=hers)
    other = open_plan(field, failure_mode="rattle", product="P2")
    with pytest.raises(NotFound, match=f"not in plan {other}"):
        attach(field, other, b"x", "eng", action_id=hers)
    with pytest.raises(NotFound):
        attach(field, plan_id, b"x", "eng", action_id=999)
    general = attach(field, plan_id, b"plan-wide", "eng", name="", limit=100)
    # reading: the action's owner and engineers; a plan's own files, anyone
    assert content(field, own, "olga") == content(field, own, "boss") == b"report"
    with pytest.raises(Forbidden, match="someone else's action"):
        content(field, own, "omar")
    assert content(field, general, "omar") == b"plan-wide"
    with session_scope(field) as session:
        assert [f.name for f in files.list_files(session, plan_id)] == ["8d.pdf", "evidence"]
        with pytest.raises(NotFound):
            files.file_content(session, file_id=999, user=person(session, "eng"))
        with pytest.raises(NotFound):
            files.list_files(session, 999)


def test_files_kept_in_a_directory_by_their_hash(
    field: Engine, plan_id: int, tmp_path: Path
) -> None:
    directory = tmp_path / "evidence"
    data = b"\x00\xffphoto bytes"
    first = attach(field, plan_id, data, limit=100, directory=directory)
    second = attach(field, plan_id, data, limit=100, directory=directory, name="again.jpg")
    digest = hashlib.sha256(data).hexdigest()
    assert [p.name for p in directory.iterdir()] == [digest]  # the same bytes stored once
    assert content(field, first, "eng") == content(field, second, "eng") == data
    with field.connect() as connection:
        rows = connection.execute(text("SELECT data, stored_path FROM capa_files ORDER BY id"))
        assert [tuple(r) for r in rows] == [(None, str(directory / digest))] * 2
    (directory / digest).unlink()
    with pytest.raises(NotFound, match="missing"):
        content(field, first, "eng")


# --- a closed plan ----------------------------------------------------------------------


def test_a_closed_plan_refuses_actions_claims_and_files(field: Engine, plan_id: int) -> None:
    number = add(field, plan_id, "olga")
    made = claim(field, plan_id).id
    with session_scope(field) as session:
        plans.close_plan(session, plan_id=plan_id, user=person(session, "boss"),
                         closure="override", reason="discontinued")  # fmt: skip
    attempts: list[Callable[[], object]] = [
        lambda: add(field, plan_id, "omar"),
        lambda: change(field, number, "olga", status="done"),
        lambda: change(field, number, "eng", notes="late note"),
        lambda: claim(field, plan_id),
        lambda: update_claim(field, made, "eng", status="submitted"),
        lambda: attach(field, plan_id, b"x", "olga", action_id=number),
    ]  # fmt: skip
    before = len(trail(field, plan_id))
    for attempt in attempts:
        with pytest.raises(InvalidTransition, match="closed"):
            attempt()
    assert len(trail(field, plan_id)) == before and len(outbox(field)) == 1
    assert stored_action(field, number).status is ActionStatus.OPEN
