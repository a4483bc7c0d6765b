"""FMEA worksheet: rows parsed like a spreadsheet's, RPN and AP, numbered revisions with the
whole worksheet; the occurrence suggested from field data (AIAG table per 1000 items)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.core.errors import InputError, NotFound
from qloop.intake.models import Case, Channel
from qloop.rca import fmea
from qloop.rca.fmea_fields import RATINGS, FmeaInput
from qloop.rca.investigations import create_investigation, history_of
from qloop.rca.models import FmeaRow
from qloop.rca.occurrence import occurrence_rating, suggest_occurrence

# (label, S, O, D, AP looked up by hand in the AIAG & VDA table, RPN = S*O*D)
PICKED = [
    ("A", 9, 4, 7, "H", 252),  # S 9-10, O 4-5, D 7-10
    ("B", 9, 2, 5, "M", 90),  # S 9-10, O 2-3, D 5-6
    ("C", 7, 2, 2, "L", 28),  # S 7-8, O 2-3, D 2-4
    ("D", 5, 8, 7, "H", 280),  # S 4-6, O 8-10, D 7-10
    ("E", 5, 6, 1, "L", 30),  # S 4-6, O 6-7, D 1
    ("F", 6, 6, 6, "M", 216),  # S 4-6, O 6-7, D 5-6: the higher RPN ...
    ("G", 9, 3, 7, "H", 189),  # S 9-10, O 2-3, D 7-10: ... and the lower priority
]


def values(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"item": "Battery pack", "failure_mode": "swelling", "severity": 8,
                            "occurrence": 4, "detection": 5}  # fmt: skip
    return {**base, **overrides}


def row_input(**overrides: Any) -> FmeaInput:
    return FmeaInput.parse(values(**overrides))


def opened(session: Session, title: str = "Swelling") -> int:
    return create_investigation(session, title=title, user_name="li").id


def add(session: Session, number: int, user: str = "li", **overrides: Any) -> FmeaRow:
    values = row_input(**overrides)
    return fmea.add_row(session, investigation_id=number, values=values, user_name=user)


def update(session: Session, number: int, row_id: int, **overrides: Any) -> FmeaRow:
    return fmea.update_row(session, investigation_id=number, row_id=row_id, user_name="wang",
                           values=row_input(**overrides))  # fmt: skip


# --- FmeaInput.parse ---------------------------------------------------------------------


def test_parse_reads_every_column() -> None:
    parsed = FmeaInput.parse({
        "item": " Battery pack ", "function": "4 h of power", "failure_mode": "swelling",
        "effect": "case deforms", "severity": "9", "cause": "separator lot", "occurrence": 3.0,
        "controls": "incoming sampling", "detection": "7.0", "recommended_action": "new supplier",
        "owner": "wang", "due_date": "2026-03-01",
    })  # fmt: skip
    assert parsed == FmeaInput("Battery pack", "4 h of power", "swelling", "case deforms", 9,
                               "separator lot", 3, "incoming sampling", 7, "new supplier",
                               "wang", dt.date(2026, 3, 1))  # fmt: skip
    assert parsed.as_json()["due_date"] == "2026-03-01"
    assert FmeaInput.parse(values(due_date=dt.datetime(2026, 3, 1, 12))).due_date == dt.date(
        2026, 3, 1
    )
    assert FmeaInput.parse(values(due_date="2026-03-01T08:00:00")).due_date == dt.date(2026, 3, 1)
    assert FmeaInput.parse(values(function="", due_date=" ")).function is None


@pytest.mark.parametrize("column", ["item", "failure_mode", "severity", "occurrence", "detection"])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_required_columns(column: str, empty: str | None) -> None:
    with pytest.raises(InputError, match=f"{column} is required") as raised:
        FmeaInput.parse(values(**{column: empty}), file="fmea.xlsx", row=7)
    assert (raised.value.file, raised.value.row, raised.value.column) == ("fmea.xlsx", 7, column)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("01/03/2026", "YYYY-MM-DD"), ("2026-02-30", "YYYY-MM-DD"), ("1899-12-31", "1900..2199"),
     ("2200-01-01", "1900..2199"), (45000, "YYYY-MM-DD")],
)  # fmt: skip
def test_bad_dates_are_refused(raw: Any, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as raised:
        FmeaInput.parse(values(due_date=raw))
    assert raised.value.column == "due_date"


def test_long_text_and_nul_are_refused_by_column() -> None:
    for column, limit in [("item", 300), ("effect", 2000), ("owner", 100)]:
        with pytest.raises(InputError, match=f"at most {limit} characters") as raised:
            FmeaInput.parse(values(**{column: "x" * (limit + 1)}))
        assert raised.value.column == column
        assert FmeaInput.parse(values(**{column: "x" * limit})).columns()[column] == "x" * limit
    with pytest.raises(InputError) as raised:
        FmeaInput.parse(values(cause="a\x00b"))
    assert raised.value.column == "cause"


def whole_number_forms(n: int) -> st.SearchStrategy[Any]:
    return st.sampled_from([n, float(n), str(n), f"{n}.0", f" {n} ", f"{n}.00"])


@given(
    st.sampled_from(RATINGS),
    st.integers(1, 10).flatmap(lambda n: st.tuples(st.just(n), whole_number_forms(n))),
)
def test_any_rating_1_to_10_is_accepted_in_its_common_forms(
    column: str, drawn: tuple[int, Any]
) -> None:
    number, raw = drawn
    assert FmeaInput.parse(values(**{column: raw})).columns()[column] == number


def not_a_rating(value: Any) -> bool:
    """What must be refused, stated with Python's own number parsing: anything that is not
    a whole number 1..10 (empty text is a missing value, tested above)."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return bool(value.strip())
        return not (number.is_integer() and 1 <= number <= 10)
    if isinstance(value, float):
        return not (value.is_integer() and 1 <= value <= 10)
    return isinstance(value, bool) or not (isinstance(value, int) and 1 <= value <= 10)


@given(
    st.sampled_from(RATINGS),
    st.one_of(
        st.integers().filter(lambda n: not 1 <= n <= 10),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.booleans(),
        st.sampled_from(
            [
                "7.5",
                "10.5",
                "0",
                "11",
                "-1",
                "1e2",
                "nan",
                "inf",
                "-inf",
                "seven",
                "7/10",
                "VII",
                "0x7",
                "7 7",
                "\x007",
            ]
        ),
    ).filter(not_a_rating),
)
def test_anything_else_is_refused_naming_the_column(column: str, raw: Any) -> None:
    with pytest.raises(InputError, match="whole number 1..10") as raised:
        FmeaInput.parse(values(**{column: raw}), row=3)
    assert (raised.value.column, raised.value.row) == (column, 3)


def test_true_is_not_a_rating_of_one() -> None:
    for column in RATINGS:
        with pytest.raises(InputError, match="not True"):
            FmeaInput.parse(values(**{column: True}))


# --- worksheet, revisions ----------------------------------------------------------------


def picked_worksheet(session: Session) -> int:
    number = opened(session)
    for label, s, o, d, _ap, _rpn in PICKED:
        add(session, number, item=label, severity=s, occurrence=o, detection=d)
    return number


def shown(lines: list[fmea.FmeaLine]) -> list[str]:
    return [line.row.item for line in lines]


def test_rpn_and_action_priority_from_the_published_table(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = picked_worksheet(session)
        lines = fmea.worksheet(session, number)
        assert [(ln.row.item, ln.priority.value, ln.rpn) for ln in lines] == [
            (label, ap, rpn) for label, _s, _o, _d, ap, rpn in PICKED
        ]
        assert [ln.row.position for ln in lines] == list(range(1, 8))
        assert lines[0].as_json() == {
            "id": lines[0].row.id,
            "position": 1,
            "item": "A",
            "function": None,
            "failure_mode": "swelling",
            "effect": None,
            "severity": 9,
            "cause": None,
            "occurrence": 4,
            "controls": None,
            "detection": 7,
            "recommended_action": None,
            "owner": None,
            "due_date": None,
            "rpn": 252,
            "action_priority": "H",
        }


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("position", "ABCDEFG"),
        # H by RPN (D 280, A 252, G 189), then M (F 216, B 90), then L (E 30, C 28)
        ("priority", "DAGFBEC"),
        ("rpn", "DAFGBEC"),
        # S 9: A 252, G 189, B 90; S 7: C; S 6: F; S 5: D 280, E 30
        ("severity", "AGBCFDE"),
    ],
)
def test_worksheet_sorts(engine: Engine, sort: str, expected: str) -> None:
    with session_scope(engine) as session:
        number = picked_worksheet(session)
        assert "".join(shown(fmea.worksheet(session, number, sort=sort))) == expected


@pytest.mark.parametrize(
    ("priority", "sort", "expected"),
    [
        ("H", "position", "ADG"),
        ("h", "rpn", "DAG"),
        (" M ", "position", "BF"),
        ("L", "severity", "CE"),
        ("", "position", "ABCDEFG"),
        (None, "rpn", "DAFGBEC"),
    ],
)
def test_worksheet_filters_by_action_priority(
    engine: Engine, priority: str | None, sort: str, expected: str
) -> None:
    with session_scope(engine) as session:
        number = picked_worksheet(session)
        found = fmea.worksheet(session, number, priority=priority, sort=sort)
        assert "".join(shown(found)) == expected


def test_worksheet_refuses_an_unknown_priority_or_sort(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        with pytest.raises(InputError, match="not H, M or L") as raised:
            fmea.worksheet(session, number, priority="X")
        assert raised.value.column == "priority"
        with pytest.raises(InputError, match="position, priority, rpn, severity") as raised:
            fmea.worksheet(session, number, sort="ap")
        assert raised.value.column == "sort"
        with pytest.raises(NotFound):
            fmea.worksheet(session, 999999)


def test_every_change_is_a_numbered_revision_with_the_whole_worksheet(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        first = add(session, number, item="Pack", severity=7)
        second = add(session, number, item="Cell", failure_mode="leak")
        update(session, number, first.id, item="Pack", severity="9", owner="wang",
               due_date="2026-06-30")  # fmt: skip
        # the same values again: no revision
        update(session, number, first.id, item="Pack", severity=9.0, owner="wang",
               due_date=dt.date(2026, 6, 30))  # fmt: skip
        fmea.remove_row(session, investigation_id=number, row_id=first.id, user_name="zhao")
        assert [(ln.row.position, ln.row.item) for ln in fmea.worksheet(session, number)] == [
            (1, "Cell")]  # fmt: skip
        assert second.position == 1
        history = [(c.field, c.new_value) for c in history_of(session, number)[1:]]
    with session_scope(engine) as session:
        found = fmea.revisions(session, number)
        summaries = [(r.number, r.created_by, r.summary) for r in found]
        snapshots = {r.number: r.rows for r in found}
        third = fmea.require_revision(session, number, 3)
        assert (third.number, third.created_by) == (3, "wang")
        with pytest.raises(NotFound, match="no FMEA revision 5"):
            fmea.require_revision(session, number, 5)
    assert summaries == [  # newest first
        (4, "zhao", "row 1 removed: Pack / swelling"),
        (
            3,
            "wang",
            "row 1 (Pack / swelling): severity 7 -> 9; owner - -> wang; due_date - -> 2026-06-30",
        ),  # fmt: skip
        (2, "li", "row 2 added: Cell / leak"),
        (1, "li", "row 1 added: Pack / swelling"),
    ]
    pack = row_input(item="Pack", severity=7).as_json()
    cell = row_input(item="Cell", failure_mode="leak").as_json()
    pack_after = row_input(item="Pack", severity=9, owner="wang", due_date="2026-06-30").as_json()
    assert snapshots == {1: [pack], 2: [pack, cell], 3: [pack_after, cell], 4: [cell]}
    assert pack_after["due_date"] == "2026-06-30" and "rpn" not in pack_after
    assert history == [("fmea", f"revision {n}: {summary}") for n, _u, summary in summaries[::-1]]


def test_replace_rows_is_one_revision(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        add(session, number)
        rows = [row_input(item=f"I{n}", severity=n) for n in (3, 5, 8)]
        stored = fmea.replace_rows(session, investigation_id=number, rows=rows, user_name="li",
                                   summary="imported fmea.xlsx (3 rows)")  # fmt: skip
        assert [(r.position, r.item) for r in stored] == [(1, "I3"), (2, "I5"), (3, "I8")]
        latest = fmea.revisions(session, number)[0]
        assert (latest.number, latest.summary) == (2, "imported fmea.xlsx (3 rows)")
        assert latest.rows == [r.as_json() for r in rows]
        assert shown(fmea.worksheet(session, number)) == ["I3", "I5", "I8"]


def test_row_limits_and_rows_of_another_investigation(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fmea, "MAX_ROWS", 2)
    with session_scope(engine) as session:
        mine, other = opened(session, "mine"), opened(session, "other")
        theirs = add(session, other).id
        add(session, other)
        with pytest.raises(InputError, match="at most 2 rows"):
            add(session, other)
        with pytest.raises(InputError, match="at most 2 rows"):
            fmea.replace_rows(session, investigation_id=mine, rows=[row_input()] * 3,
                              user_name="li", summary="import")  # fmt: skip
        message = f"no FMEA row {theirs} in investigation {mine}"
        with pytest.raises(NotFound, match=message):
            update(session, mine, theirs, severity=1)
        with pytest.raises(NotFound, match=message):
            fmea.remove_row(session, investigation_id=mine, row_id=theirs, user_name="li")
        with pytest.raises(NotFound, match=f"no FMEA revision 1 in investigation {mine}"):
            fmea.require_revision(session, mine, 1)
        assert fmea.revisions(session, mine) == []
        assert [r.number for r in fmea.revisions(session, other)] == [2, 1]
        assert fmea.require_row(session, other, theirs).severity == 8


# --- occurrence from field data ----------------------------------------------------------


@pytest.mark.parametrize(
    ("per_1000", "rating"),
    [
        (1000.0, 10), (100.0, 10), (99.99, 9), (50.0, 9), (49.99, 8), (20.0, 8), (19.99, 7),
        (10.0, 7), (9.99, 6), (2.0, 6), (1.99, 5), (0.5, 5), (0.4999, 4), (0.1, 4),
        (0.0999, 3), (0.01, 3), (0.0099, 2), (0.001, 2), (0.0, 2),
    ],
)  # fmt: skip
def test_occurrence_rating_at_the_table_boundaries(per_1000: float, rating: int) -> None:
    assert occurrence_rating(per_1000) == rating


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="not negative"):
        occurrence_rating(-0.001)


def test_occurrence_suggested_from_the_field(field: Engine) -> None:
    with session_scope(field) as session:
        swelling = suggest_occurrence(session, failure_mode="swelling")
        # P1: S0, S1, S2, S3, S7 have a swelling case (S0 twice) among 20 units
        assert (swelling.products, swelling.units, swelling.failures) == (("P1",), 20, 5)
        assert swelling.per_1000 == pytest.approx(1000 * 5 / 20, rel=1e-12)  # 250 -> 10
        assert swelling.rating == 10
        assert suggest_occurrence(session, failure_mode="swelling", product="P1") == swelling
        crack = suggest_occurrence(session, failure_mode="crack")  # S10: 1 of 20 -> 50 -> 9
        assert (crack.units, crack.failures, crack.per_1000, crack.rating) == (20, 1, 50.0, 9)
        spared = suggest_occurrence(session, failure_mode="swelling", product="P2")
        assert (spared.units, spared.failures, spared.per_1000, spared.rating) == (1, 0, 0.0, 2)
        assert spared.as_json() == {"failure_mode": "swelling", "products": ["P2"], "units": 1,
                                    "failures": 0, "per_1000": 0.0, "rating": 2}  # fmt: skip
        for unknown in (
            suggest_occurrence(session, failure_mode="leak"),
            suggest_occurrence(session, failure_mode="swelling", product="P9"),
        ):
            assert (unknown.units, unknown.per_1000, unknown.rating) == (0, None, None)
        # a case that names its product (no unit) brings P2's units in: 1 failure, 21 units
        session.add(Case(case_id="E1", received_at=dt.datetime(2026, 5, 9), product="P2",
                         channel=Channel.HOTLINE, failure_mode="crack", description="x",
                         attributes={}))  # fmt: skip
        session.flush()
        both = suggest_occurrence(session, failure_mode="crack")
        assert (both.products, both.units, both.failures) == (("P1", "P2"), 21, 1)
        assert both.per_1000 == pytest.approx(1000 / 21, rel=1e-12)  # 47.6 -> 8
        assert both.rating == 8
