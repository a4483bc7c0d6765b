"""5-Why: an ordered chain (1..n, no gaps), evidence checked, every change in the history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.core.errors import InputError, NotFound
from qloop.rca import five_why
from qloop.rca.five_why import Evidence
from qloop.rca.investigations import create_investigation, history_of
from qloop.rca.models import FiveWhyStep

Change = tuple[str, str | None, str | None]


def opened(session: Session, title: str = "Swelling") -> int:
    return create_investigation(session, title=title, user_name="li").id


def add(
    session: Session, number: int, why: str = "w", because: str = "b", **kw: Any
) -> FiveWhyStep:
    kw.setdefault("user_name", "li")
    return five_why.add_step(session, investigation_id=number, why=why, because=because, **kw)


def update(session: Session, number: int, step_id: int, **kw: Any) -> FiveWhyStep:
    kw.setdefault("changes", {})
    return five_why.update_step(
        session, investigation_id=number, step_id=step_id, user_name="wang", **kw
    )


def chain(session: Session, investigation_id: int) -> list[tuple[int, str]]:
    return [(s.position, s.why) for s in five_why.list_steps(session, investigation_id)]


def five_steps(session: Session, number: int) -> list[int]:
    return [add(session, number, f"w{n}", f"b{n}").id for n in range(1, 6)]


def changes_of(session: Session, investigation_id: int) -> list[Change]:
    """History after the 'created' entry: (field, old, new)."""
    history = history_of(session, investigation_id)
    assert history[0].field == "created"
    return [(c.field, c.old_value, c.new_value) for c in history[1:]]


def test_steps_are_numbered_in_order_with_their_evidence(field: Engine) -> None:
    xray = Evidence("C0", "lot = A (4 of 5 failed)", "teardown", "xray.png", b"\x89PNG data")
    with session_scope(field) as session:
        number = opened(session)
        first = add(session, number, "  Why does the pack swell? ", "Gas", evidence=xray)
        second = add(session, number, "Why gas?", "Separator defect", user_name="wang")
        assert (first.position, second.position) == (1, 2)
        assert first.why == "Why does the pack swell?"  # stripped
        assert (first.evidence_case_id, first.evidence_suspect, first.evidence_note) == (
            "C0", "lot = A (4 of 5 failed)", "teardown")  # fmt: skip
        assert second.evidence_case_id is None and second.evidence_file_name is None
        step_ids = (first.id, second.id)
        history = [(c.user_name, c.field, c.old_value, c.new_value)
                   for c in history_of(session, number)[1:]]  # fmt: skip
    with session_scope(field) as session:  # a fresh session: read back from the database
        assert chain(session, number) == [(1, "Why does the pack swell?"), (2, "Why gas?")]
        found = five_why.evidence_file(session, investigation_id=number, step_id=step_ids[0])
        assert found == ("xray.png", b"\x89PNG data")
        with pytest.raises(NotFound, match="no evidence file"):
            five_why.evidence_file(session, investigation_id=number, step_id=step_ids[1])
    assert history == [
        ("li", "5-why 1", None, "Why does the pack swell? -> Gas; case: C0; "
         "suspect: lot = A (4 of 5 failed); note: teardown; file: xray.png"),
        ("wang", "5-why 2", None, "Why gas? -> Separator defect"),
    ]  # fmt: skip


def test_a_file_without_a_name_is_called_evidence(field: Engine) -> None:
    with session_scope(field) as session:
        number = opened(session)
        assert add(session, number, evidence=Evidence(file=b"x")).evidence_file_name == "evidence"
        empty = add(session, number, evidence=Evidence(file_name="a.png", file=b""))
        assert empty.evidence_file_name is None and empty.evidence_file is None


@pytest.mark.parametrize(
    ("why", "because", "column"),
    [("", "b", "why"), ("w", "   ", "because"), ("w" * 2001, "b", "why"),
     ("w", "b\x00", "because")],
)  # fmt: skip
def test_why_and_because_are_required_and_checked(
    engine: Engine, why: str, because: str, column: str
) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        with pytest.raises(InputError) as raised:
            add(session, number, why, because)
        assert raised.value.column == column


def test_evidence_case_must_exist_and_a_file_is_size_limited(
    field: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(field) as session:
        number = opened(session)
        with pytest.raises(InputError, match="no such case: NOPE") as raised:
            add(session, number, evidence=Evidence(case_id="NOPE"))
        assert raised.value.column == "evidence_case_id"
        assert five_why.MAX_EVIDENCE_BYTES == 5 * 1024 * 1024
        too_big = Evidence(file_name="film.mp4", file=b"\0" * (5 * 1024 * 1024 + 1))
        with pytest.raises(InputError, match="5,242,881 bytes") as raised:
            add(session, number, evidence=too_big)
        assert (raised.value.column, raised.value.file) == ("evidence_file", "film.mp4")
        monkeypatch.setattr(five_why, "MAX_EVIDENCE_BYTES", 8)
        exactly = add(session, number, evidence=Evidence(file_name="f", file=b"12345678"))
        assert exactly.evidence_file == b"12345678"
        with pytest.raises(InputError, match="9 bytes"):
            add(session, number, evidence=Evidence(file_name="f", file=b"123456789"))
        assert chain(session, number) == [(1, "w")]


def test_a_chain_holds_at_most_max_steps(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        for n in range(five_why.MAX_STEPS):
            add(session, number, f"w{n}")
        with pytest.raises(InputError, match=f"at most {five_why.MAX_STEPS} steps"):
            add(session, number, "one more")


def test_remove_renumbers_the_rest_without_gaps(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        ids = five_steps(session, number)
        five_why.remove_step(session, investigation_id=number, step_id=ids[1], user_name="li")
        assert chain(session, number) == [(1, "w1"), (2, "w3"), (3, "w4"), (4, "w5")]
        five_why.remove_step(session, investigation_id=number, step_id=ids[0], user_name="li")
        five_why.remove_step(session, investigation_id=number, step_id=ids[4], user_name="li")
        assert chain(session, number) == [(1, "w3"), (2, "w4")]
        removals = [c for c in changes_of(session, number) if c[2] is None]
    with session_scope(engine) as session:
        assert chain(session, number) == [(1, "w3"), (2, "w4")]
        assert add(session, number, "w6").position == 3
    # the history names the step by its position when it was removed
    assert removals == [("5-why 2", "w2 -> b2", None), ("5-why 1", "w1 -> b1", None),
                        ("5-why 3", "w5 -> b5", None)]  # fmt: skip


@pytest.mark.parametrize(
    ("step", "position", "expected", "recorded"),
    [
        (4, 2, ["w1", "w4", "w2", "w3", "w5"], ("4", "2")),
        (1, 5, ["w2", "w3", "w4", "w5", "w1"], ("1", "5")),
        (2, 99, ["w1", "w3", "w4", "w5", "w2"], ("2", "5")),  # clamped to the end
        (5, 0, ["w5", "w1", "w2", "w3", "w4"], ("5", "1")),  # clamped to the start
        (5, -3, ["w5", "w1", "w2", "w3", "w4"], ("5", "1")),
        (3, 3, ["w1", "w2", "w3", "w4", "w5"], None),  # no move, no history
        (5, 6, ["w1", "w2", "w3", "w4", "w5"], None),  # clamped onto its own place
    ],
)
def test_move_shifts_the_others_and_clamps(
    engine: Engine, step: int, position: int, expected: list[str], recorded: tuple[str, str] | None
) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        ids = five_steps(session, number)
        returned = five_why.move_step(session, investigation_id=number, step_id=ids[step - 1],
                                      position=position, user_name="zhao")  # fmt: skip
        assert [(s.position, s.why) for s in returned] == list(enumerate(expected, start=1))
        moves = [c for c in changes_of(session, number) if c[0] == "5-why order"]
    with session_scope(engine) as session:
        assert chain(session, number) == list(enumerate(expected, start=1))
    assert moves == ([("5-why order", *recorded)] if recorded else [])


def test_update_changes_texts_and_evidence_and_records_both_sides(field: Engine) -> None:
    with session_scope(field) as session:
        number = opened(session)
        step = add(session, number, evidence=Evidence(case_id="C0", file_name="a.png", file=b"A"))
        update(session, number, step.id, changes={"because": "b2"})
        # evidence given without a file: case, suspect and note are replaced, the file kept
        update(session, number, step.id, evidence=Evidence(note="seen on site"))
        assert (step.evidence_case_id, step.evidence_note) == (None, "seen on site")
        assert step.evidence_file_name == "a.png"
        update(session, number, step.id, changes={"why": " w "})  # the same: no history
        # an empty file removes the file
        update(session, number, step.id, evidence=Evidence(note="seen on site", file=b""))
        assert step.evidence_file_name is None and step.evidence_file is None
        for bad, column in [({"position": "1"}, "position"), ({"why": None}, "why")]:
            with pytest.raises(InputError) as raised:
                update(session, number, step.id, changes=bad)
            assert raised.value.column == column
        with pytest.raises(InputError, match="no such case"):
            update(session, number, step.id, evidence=Evidence(case_id="NOPE"))
        history = changes_of(session, number)
    assert history == [
        ("5-why 1", None, "w -> b; case: C0; file: a.png"),
        ("5-why 1", "w -> b; case: C0; file: a.png", "w -> b2; case: C0; file: a.png"),
        ("5-why 1", "w -> b2; case: C0; file: a.png", "w -> b2; note: seen on site; file: a.png"),
        ("5-why 1", "w -> b2; note: seen on site; file: a.png", "w -> b2; note: seen on site"),
    ]


def test_single_evidence_fields_change_alone(field: Engine) -> None:
    with session_scope(field) as session:
        number = opened(session)
        step = add(session, number, evidence=Evidence("C0", "lot = A", "n", "f", b"F"))
        update(session, number, step.id, changes={"evidence_note": "teardown", "because": "b2"})
        assert (step.because, step.evidence_case_id, step.evidence_suspect, step.evidence_note,
                step.evidence_file_name) == ("b2", "C0", "lot = A", "teardown", "f")  # fmt: skip
        update(session, number, step.id, changes={"evidence_case_id": None,
                                                  "evidence_suspect": " "})  # fmt: skip
        assert (step.evidence_case_id, step.evidence_suspect) == (None, None)
        assert step.evidence_note == "teardown"
        with pytest.raises(InputError, match="no such case: C99") as raised:
            update(session, number, step.id, changes={"evidence_case_id": "C99"})
        assert raised.value.column == "evidence_case_id"
        assert changes_of(session, number)[-1] == (
            "5-why 1", "w -> b2; case: C0; suspect: lot = A; note: teardown; file: f",
            "w -> b2; note: teardown; file: f")  # fmt: skip


def test_a_step_of_another_investigation_is_not_found(engine: Engine) -> None:
    with session_scope(engine) as session:
        mine, other = opened(session, "mine"), opened(session, "other")
        theirs = add(session, other).id
        calls: list[Callable[[], object]] = [
            lambda: update(session, mine, theirs, changes={"why": "x"}),
            lambda: five_why.remove_step(session, investigation_id=mine, step_id=theirs,
                                         user_name="li"),
            lambda: five_why.move_step(session, investigation_id=mine, step_id=theirs,
                                       position=1, user_name="li"),
            lambda: five_why.evidence_file(session, investigation_id=mine, step_id=theirs),
            lambda: five_why.remove_step(session, investigation_id=other, step_id=theirs + 99,
                                         user_name="li"),
        ]  # fmt: skip
        for call in calls:
            with pytest.raises(NotFound, match=r"no 5-Why step \d+ in investigation \d+$"):
                call()
        with pytest.raises(NotFound, match="no investigation 999999"):
            five_why.list_steps(session, 999999)
        with pytest.raises(NotFound, match="no investigation 999999"):
            add(session, 999999)
        assert chain(session, other) == [(1, "w")] and chain(session, mine) == []
