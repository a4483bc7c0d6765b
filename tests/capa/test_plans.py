"""Corrective action plans, services: opening one from an investigation (the product guessed
only when one product has cases of the mode), editing it and its 8D steps, the closing
guard (effective needs an effective verification, an override needs an admin and a
reason), reopening, a closed plan refusing every change, and the audit trail: one entry
per change with old and new values, refused UPDATE and DELETE by the database itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.capa import plans
from qloop.capa.audit import audit_trail
from qloop.capa.models import AuditEntry, Closure, Plan, PlanStatus
from qloop.capa.steps import FIELD_LIMIT, STEPS
from qloop.core.clock import now
from qloop.core.db import session_scope
from qloop.core.errors import InputError, InvalidTransition, NotFound
from qloop.intake.models import Case, Channel, Product, Unit
from qloop.rca.investigations import CaseFilter, create_investigation

#: who the service tests act as: name -> (role, active)
PEOPLE = {
    "eng": (Role.ENGINEER, True),
    "boss": (Role.ADMIN, True),
    "olga": (Role.OWNER, True),
    "omar": (Role.OWNER, True),
    "vic": (Role.VIEWER, True),
    "gone": (Role.OWNER, False),
}
EFFECTIVE = {"verdict": "effective", "rate_ratio": 0.25, "ci_low": 0.1, "ci_high": 0.6}


def build_field(engine: Engine) -> Engine:
    """P1: S0..S9, swelling on S0-S2; rattle on S5 (P1) and T1 (P2); the people above."""
    with session_scope(engine) as session:
        session.add_all([Product(code="P1"), Product(code="P2")])
        session.flush()
        session.add_all([Unit(serial=f"S{n}", product="P1", attributes={"lot": "A"})
                         for n in range(10)])  # fmt: skip
        session.add(Unit(serial="T1", product="P2", attributes={"lot": "A"}))
        cases = [("C0", "S0", "swelling"), ("C1", "S1", "swelling"), ("C2", "S2", "swelling"),
                 ("R1", "S5", "rattle"), ("R2", "T1", "rattle")]  # fmt: skip
        for number, (case_id, serial, mode) in enumerate(cases):
            session.add(Case(case_id=case_id, received_at=dt.datetime(2026, 5, 1 + number),
                             channel=Channel.HOTLINE, serial=serial, failure_mode=mode,
                             description=mode, attributes={}))  # fmt: skip
        for name, (role, active) in PEOPLE.items():
            session.add(User(name=name, password_hash="-", role=role, active=active,
                             failed_logins=0, email=f"{name}@example.com",
                             created_at=now()))  # fmt: skip
    return engine


@pytest.fixture
def field(engine: Engine) -> Engine:
    return build_field(engine)


def person(session: Session, name: str) -> User:
    found = session.scalar(select(User).where(User.name == name))
    assert found is not None
    return found


def open_investigation(
    engine: Engine, *, failure_mode: str | None = "swelling", product: str | None = "P1"
) -> int:
    with session_scope(engine) as session:
        made = create_investigation(
            session, title=f"{failure_mode} {product}", user_name="eng",
            case_filter=CaseFilter(failure_mode=failure_mode, product=product),
        )  # fmt: skip
        return made.id


def open_plan(engine: Engine, **investigation: Any) -> int:
    number = open_investigation(engine, **investigation)
    with session_scope(engine) as session:
        return plans.create_plan(session, investigation_id=number, title="Swelling fix",
                                 user_name="eng").id  # fmt: skip


@pytest.fixture
def plan_id(field: Engine) -> int:
    return open_plan(field)


def trail(engine: Engine, plan: int) -> list[tuple[str, str, int | None, str, Any, Any]]:
    """(user, entity, entity id, field, old, new) of each audit entry, oldest first."""
    with session_scope(engine) as session:
        return [(e.user_name, e.entity, e.entity_id, e.field, e.old_value, e.new_value)
                for e in audit_trail(session, plan)]  # fmt: skip


def stored(engine: Engine, plan: int) -> Plan:
    with session_scope(engine) as session:
        return plans.require_plan(session, plan)


@pytest.fixture
def scope(field: Engine) -> Iterator[Session]:
    with session_scope(field) as session:
        yield session


# --- opening a plan ---------------------------------------------------------------------


def test_a_plan_starts_from_its_investigation(field: Engine) -> None:
    number = open_investigation(field)
    before = now()
    with session_scope(field) as session:
        plan = plans.create_plan(session, investigation_id=number, title=None,
                                 user_name="eng")  # fmt: skip
        made = plan.id
    after = now()
    plan = stored(field, made)
    assert (plan.investigation_id, plan.title, plan.owner, plan.status) == (
        number, "swelling P1", "eng", PlanStatus.OPEN)  # fmt: skip
    assert (plan.failure_mode, plan.product, plan.change_date) == ("swelling", "P1", None)
    assert plan.steps == {} and plan.verification is None and plan.closure is None
    assert plan.created_by == "eng" and before <= plan.created_at <= after
    assert trail(field, made) == [("eng", "plan", made, "created", None, "swelling P1")]
    with session_scope(field) as session:
        second = plans.create_plan(session, investigation_id=number, title="  Own title ",
                                   owner=" olga ", user_name="eng")  # fmt: skip
        assert (second.title, second.owner) == ("Own title", "olga")
        listed = plans.list_plans(session, investigation_id=number)
        assert [p.id for p in listed] == [second.id, made]  # newest first
        assert plans.list_plans(session, status=PlanStatus.CLOSED) == []


@pytest.mark.parametrize(
    ("failure_mode", "product", "expected"),
    [
        ("swelling", None, "P1"),  # only P1 units have swelling cases
        ("rattle", None, None),  # P1 and P2 have rattle cases: no guess
        ("rattle", "P2", "P2"),  # the investigation's own product wins
        ("leak", None, None),  # no case of the mode at all
        (None, None, None),
    ],
)
def test_the_product_is_guessed_only_when_one_product_has_the_mode(
    field: Engine, failure_mode: str | None, product: str | None, expected: str | None
) -> None:
    made = open_plan(field, failure_mode=failure_mode, product=product)
    plan = stored(field, made)
    assert (plan.failure_mode, plan.product) == (failure_mode, expected)


def test_opening_refusals(field: Engine) -> None:
    with pytest.raises(NotFound), session_scope(field) as session:
        plans.create_plan(session, investigation_id=999, title="x", user_name="eng")
    number = open_investigation(field)
    with pytest.raises(InputError) as raised, session_scope(field) as session:
        plans.create_plan(session, investigation_id=number, title="t" * 301, user_name="eng")
    assert raised.value.column == "title"
    with session_scope(field) as session:
        assert plans.list_plans(session) == []
        with pytest.raises(NotFound, match="no corrective action plan 5"):
            plans.require_plan(session, 5)


# --- editing ----------------------------------------------------------------------------


def test_update_plan_audits_each_changed_field(field: Engine, plan_id: int) -> None:
    changes = {"title": "Swelling fix v2", "owner": "olga", "product": "P1",
               "change_date": "2026-03-01"}  # fmt: skip
    with session_scope(field) as session:
        plan = plans.update_plan(session, plan_id=plan_id, changes=changes, user_name="boss")
        assert plan.change_date == dt.date(2026, 3, 1)
    again = {"change_date": dt.date(2026, 3, 1), "failure_mode": " "}  # a date, as the API sends
    with session_scope(field) as session:
        plans.update_plan(session, plan_id=plan_id, changes=again, user_name="eng")
    plan = stored(field, plan_id)
    assert (plan.title, plan.owner, plan.product, plan.failure_mode) == (
        "Swelling fix v2", "olga", "P1", None)  # fmt: skip
    assert trail(field, plan_id)[1:] == [
        ("boss", "plan", plan_id, "title", "Swelling fix", "Swelling fix v2"),
        ("boss", "plan", plan_id, "owner", "eng", "olga"),
        ("boss", "plan", plan_id, "change_date", None, "2026-03-01"),
        ("eng", "plan", plan_id, "failure_mode", "swelling", None),
    ]  # product unchanged (P1 already): not audited


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"status": "closed"}, "status"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"owner": "o" * 101}, "owner"),
        ({"change_date": "01/03/2026"}, "change_date"),
        ({"change_date": "1899-12-31"}, "change_date"),
        ({"change_date": "2200-01-01"}, "change_date"),
    ],
)
def test_update_plan_refusals(
    field: Engine, plan_id: int, changes: dict[str, Any], column: str
) -> None:
    with pytest.raises(InputError) as raised, session_scope(field) as session:
        plans.update_plan(session, plan_id=plan_id, changes={"owner": "olga", **changes},
                          user_name="eng")  # fmt: skip
    assert raised.value.column == column
    assert stored(field, plan_id).owner == "eng" and len(trail(field, plan_id)) == 1


def test_change_dates_at_the_bounds_of_the_range(field: Engine, plan_id: int) -> None:
    for day in ("1900-01-01", "2199-12-31", ""):
        with session_scope(field) as session:
            plans.update_plan(session, plan_id=plan_id, changes={"change_date": day},
                              user_name="eng")  # fmt: skip
    assert stored(field, plan_id).change_date is None
    assert [(e[4], e[5]) for e in trail(field, plan_id)[1:]] == [
        (None, "1900-01-01"), ("1900-01-01", "2199-12-31"), ("2199-12-31", None)]  # fmt: skip


def test_steps_are_written_one_field_at_a_time(field: Engine, plan_id: int) -> None:
    writes = [("D2", "what", "Packs swell"), ("D2", "what", "Packs swell"),  # same: no entry
              ("D2", "where", "North"), ("D2", "what", " Packs swell after 90 days "),
              ("D1", "members", "Li — R&D\nWang — QA"), ("D2", "where", "")]  # fmt: skip
    for step, key, value in writes:
        with session_scope(field) as session:
            plans.set_step_field(session, plan_id=plan_id, step=step, field=key, value=value,
                                 user_name="eng")  # fmt: skip
    assert stored(field, plan_id).steps == {
        "D1": {"members": "Li — R&D\nWang — QA"},
        "D2": {"what": "Packs swell after 90 days", "where": None},
    }
    assert [(e[3], e[4], e[5]) for e in trail(field, plan_id)[1:]] == [
        ("D2.what", None, "Packs swell"),
        ("D2.where", None, "North"),
        ("D2.what", "Packs swell", "Packs swell after 90 days"),
        ("D1.members", None, "Li — R&D\nWang — QA"),
        ("D2.where", "North", None),
    ]


def test_every_defined_step_field_can_be_written(field: Engine, plan_id: int) -> None:
    with session_scope(field) as session:
        for step in STEPS:
            for definition in step.fields:
                plans.set_step_field(session, plan_id=plan_id, step=step.code,
                                     field=definition.key, value=f"{step.code} {definition.key}",
                                     user_name="eng")  # fmt: skip
    steps = stored(field, plan_id).steps
    assert sorted(steps) == [f"D{n}" for n in range(9)]
    assert steps["D4"] == {"root_cause": "D4 root_cause", "escape_point": "D4 escape_point"}
    assert len(trail(field, plan_id)) == 1 + sum(len(s.fields) for s in STEPS)


@pytest.mark.parametrize(
    ("step", "key", "value", "column"),
    [
        ("D9", "what", "x", "D9.what"),
        ("D2", "root_cause", "x", "D2.root_cause"),  # a field of another step
        ("d2", "what", "x", "d2.what"),
        ("D2", "", "x", "D2."),
        ("D2", "what", "x" * (FIELD_LIMIT + 1), "D2.what"),
        ("D2", "what", "nul \x00 inside", "D2.what"),
    ],
)
def test_unknown_steps_fields_and_long_texts_are_refused(
    field: Engine, plan_id: int, step: str, key: str, value: str, column: str
) -> None:
    with pytest.raises(InputError) as raised, session_scope(field) as session:
        plans.set_step_field(session, plan_id=plan_id, step=step, field=key, value=value,
                             user_name="eng")  # fmt: skip
    assert raised.value.column == column
    assert stored(field, plan_id).steps == {} and len(trail(field, plan_id)) == 1


def test_a_step_text_at_the_limit_is_kept(field: Engine, plan_id: int) -> None:
    with session_scope(field) as session:
        plans.set_step_field(session, plan_id=plan_id, step="D4", field="root_cause",
                             value="r" * FIELD_LIMIT, user_name="eng")  # fmt: skip
    assert stored(field, plan_id).steps["D4"]["root_cause"] == "r" * FIELD_LIMIT


def test_verification_and_containment_are_kept_and_audited(field: Engine, plan_id: int) -> None:
    weak = {"verdict": "not_yet_significant", "rate_ratio": 0.8, "ci_low": None,
            "ci_high": None}  # fmt: skip
    summary = {"units": 120, "shipped": 100, "not_shipped": 20, "with_cases": 3,
               "filter": {"product": "P1"}}  # fmt: skip
    with session_scope(field) as session:
        plans.record_verification(session, plan_id=plan_id, result=weak, user_name="eng")
        plans.record_containment(session, plan_id=plan_id, summary=summary, user_name="eng")
        plan = plans.record_verification(session, plan_id=plan_id, result=EFFECTIVE,
                                         user_name="boss")  # fmt: skip
        assert plan.verified_at is not None
    plan = stored(field, plan_id)
    assert plan.verification == EFFECTIVE and plan.containment == summary
    assert [(e[0], e[3], e[4], e[5]) for e in trail(field, plan_id)[1:]] == [
        ("eng", "verification", None, "not_yet_significant"),
        ("eng", "containment", None, "units 120, shipped 100, not_shipped 20, with_cases 3"),
        ("boss", "verification", "not_yet_significant", "effective RR 0.25 [0.1, 0.6]"),
    ]


# --- closing ----------------------------------------------------------------------------


def close(engine: Engine, plan: int, who: str, closure: str, reason: str | None = None) -> Plan:
    with session_scope(engine) as session:
        return plans.close_plan(session, plan_id=plan, user=person(session, who),
                                closure=closure, reason=reason)  # fmt: skip


def verify(engine: Engine, plan: int, result: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        plans.record_verification(session, plan_id=plan, result=result, user_name="eng")


def test_closing_effective_needs_an_effective_verification(field: Engine, plan_id: int) -> None:
    with pytest.raises(InvalidTransition, match="says none recorded"):
        close(field, plan_id, "eng", "effective")
    for verdict in ("not_yet_significant", "not_effective"):
        verify(field, plan_id, {"verdict": verdict})
        with pytest.raises(InvalidTransition, match=f"says {verdict}"):
            close(field, plan_id, "boss", "effective")  # not even an admin
        assert stored(field, plan_id).status is PlanStatus.OPEN
    verify(field, plan_id, EFFECTIVE)
    before = now()
    close(field, plan_id, "eng", "effective")
    plan = stored(field, plan_id)
    assert (plan.status, plan.closure, plan.closure_reason, plan.closed_by) == (
        PlanStatus.CLOSED, Closure.EFFECTIVE, None, "eng")  # fmt: skip
    assert plan.closed_at is not None and before <= plan.closed_at <= now()
    assert trail(field, plan_id)[-1] == ("eng", "plan", plan_id, "closed", "open", "effective")


def test_only_an_admin_overrides_and_only_with_a_reason(field: Engine, plan_id: int) -> None:
    with pytest.raises(InvalidTransition, match="only an admin"):
        close(field, plan_id, "eng", "override", "the supplier changed the cell")
    for reason in (None, "", "   "):
        with pytest.raises(InputError) as raised:
            close(field, plan_id, "boss", "override", reason)
        assert raised.value.column == "reason"
    assert stored(field, plan_id).status is PlanStatus.OPEN
    assert [e[3] for e in trail(field, plan_id)] == ["created"]
    close(field, plan_id, "boss", "override", " The product was discontinued ")
    plan = stored(field, plan_id)
    assert (plan.status, plan.closure, plan.closure_reason, plan.closed_by) == (
        PlanStatus.CLOSED, Closure.OVERRIDE, "The product was discontinued", "boss")  # fmt: skip
    assert trail(field, plan_id)[-1] == ("boss", "plan", plan_id, "closed", "open",
                                         "override: The product was discontinued")  # fmt: skip


def test_not_effective_needs_a_reason_and_closures_are_named(field: Engine, plan_id: int) -> None:
    with pytest.raises(InputError, match="not effective") as raised:
        close(field, plan_id, "eng", "not_effective")
    assert raised.value.column == "reason"
    for wrong in ("closed", "Effective", ""):
        with pytest.raises(InputError) as raised:
            close(field, plan_id, "boss", wrong, "because")
        assert raised.value.column == "closure"
    close(field, plan_id, "eng", "not_effective", "failures went on after the change")
    plan = stored(field, plan_id)
    assert (plan.closure, plan.closure_reason) == (
        Closure.NOT_EFFECTIVE, "failures went on after the change")  # fmt: skip
    assert trail(field, plan_id)[-1][5] == "not_effective: failures went on after the change"


def test_a_closed_plan_refuses_changes_until_reopened(field: Engine, plan_id: int) -> None:
    close(field, plan_id, "boss", "override", "discontinued")
    changes: list[Callable[[Session], object]] = [
        lambda s: plans.update_plan(s, plan_id=plan_id, changes={"title": "x"}, user_name="eng"),
        lambda s: plans.set_step_field(s, plan_id=plan_id, step="D2", field="what", value="x",
                                       user_name="eng"),
        lambda s: plans.record_verification(s, plan_id=plan_id, result=EFFECTIVE,
                                            user_name="eng"),
        lambda s: plans.record_containment(s, plan_id=plan_id, summary={"units": 1},
                                           user_name="eng"),
        lambda s: plans.close_plan(s, plan_id=plan_id, user=person(s, "boss"),
                                   closure="override", reason="again"),
    ]  # fmt: skip
    for change in changes:
        with pytest.raises(InvalidTransition, match="closed"), session_scope(field) as session:
            change(session)
    assert len(trail(field, plan_id)) == 2
    with session_scope(field) as session:
        plans.reopen_plan(session, plan_id=plan_id, user_name="eng")
    plan = stored(field, plan_id)
    assert (plan.status, plan.closure, plan.closure_reason) == (PlanStatus.OPEN, None, None)
    assert (plan.closed_at, plan.closed_by) == (None, None)
    assert trail(field, plan_id)[-1] == ("eng", "plan", plan_id, "reopened", "override", "open")
    with session_scope(field) as session:
        for change in changes[:4]:
            change(session)
        plans.reopen_plan(session, plan_id=plan_id, user_name="eng")  # open already: nothing
    assert stored(field, plan_id).title == "x"
    assert [e[3] for e in trail(field, plan_id)[-4:]] == [
        "title", "D2.what", "verification", "containment"]  # fmt: skip
    with pytest.raises(NotFound), session_scope(field) as session:
        plans.reopen_plan(session, plan_id=999, user_name="eng")


# --- the audit trail --------------------------------------------------------------------


def audit_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        query = text("SELECT id, plan_id, field, old_value, new_value, user_name, changed_at "
                     "FROM capa_audit ORDER BY id")  # fmt: skip
        return [tuple(row) for row in connection.execute(query)]


def test_audit_entries_say_who_when_and_what(field: Engine, plan_id: int) -> None:
    before = now()
    with session_scope(field) as session:
        plans.set_step_field(session, plan_id=plan_id, step="D4", field="root_cause",
                             value="Lot A separator", user_name="olga")  # fmt: skip
        plans.update_plan(session, plan_id=plan_id, changes={"owner": "olga"}, user_name="boss")
    after = now()
    with session_scope(field) as session:
        entries = audit_trail(session, plan_id)[1:]
        assert all(before <= e.changed_at <= after for e in entries)
        assert [(e.user_name, e.entity, e.field, e.old_value, e.new_value) for e in entries] == [
            ("olga", "plan", "D4.root_cause", None, "Lot A separator"),
            ("boss", "plan", "owner", "eng", "olga"),
        ]
        other = open_plan_in(session)
        assert [e.field for e in audit_trail(session, other)] == ["created"]


def open_plan_in(session: Session) -> int:
    number = create_investigation(session, title="Rattle", user_name="eng").id
    return plans.create_plan(session, investigation_id=number, title=None, user_name="eng").id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE capa_audit SET new_value = 'forged'",
        "UPDATE capa_audit SET user_name = 'nobody' WHERE id = :first",
        "DELETE FROM capa_audit WHERE id = :first",
        "DELETE FROM capa_audit",
    ],
)
def test_the_database_refuses_to_change_the_audit_trail(
    field: Engine, plan_id: int, statement: str
) -> None:
    with session_scope(field) as session:
        plans.set_step_field(session, plan_id=plan_id, step="D2", field="what", value="swell",
                             user_name="eng")  # fmt: skip
    before = audit_rows(field)
    assert len(before) == 2
    with field.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement), {"first": before[0][0]})
        connection.commit()
    assert audit_rows(field) == before
    with session_scope(field) as session:  # appending still works
        plans.update_plan(session, plan_id=plan_id, changes={"owner": "olga"}, user_name="eng")
    assert audit_rows(field)[:2] == before and len(audit_rows(field)) == 3


def test_the_orm_cannot_change_the_audit_trail_either(field: Engine, plan_id: int) -> None:
    before = audit_rows(field)
    with pytest.raises(DBAPIError, match="append-only"), session_scope(field) as session:
        entry = session.scalars(select(AuditEntry)).one()
        entry.new_value = "forged"
    with pytest.raises(DBAPIError, match="append-only"), session_scope(field) as session:
        session.delete(session.scalars(select(AuditEntry)).one())
    assert audit_rows(field) == before
