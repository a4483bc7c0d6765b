"""Fishbone causes: 6M categories, suspected/confirmed/ruled out, a suspect row in one click."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.core.errors import InputError, NotFound
from qloop.rca import fishbone
from qloop.rca.fishbone import category_for_attribute, parse_category, parse_state
from qloop.rca.investigations import create_investigation, history_of
from qloop.rca.models import CauseCategory, CauseState, FishboneCause


def opened(session: Session, title: str = "Swelling") -> int:
    return create_investigation(session, title=title, user_name="li").id


def add(session: Session, number: int, category: str, text: str, **kw: Any) -> FishboneCause:
    kw.setdefault("user_name", "li")
    return fishbone.add_cause(session, investigation_id=number, category=category, text=text, **kw)


def update(session: Session, number: int, cause_id: int, **changes: str | None) -> FishboneCause:
    return fishbone.update_cause(session, investigation_id=number, cause_id=cause_id,
                                 changes=changes, user_name="wang")  # fmt: skip


def changes(session: Session, investigation_id: int) -> list[tuple[str, str | None, str | None]]:
    history = history_of(session, investigation_id)
    assert history[0].field == "created"
    return [(c.field, c.old_value, c.new_value) for c in history[1:]]


@pytest.mark.parametrize(
    ("attribute", "category"),
    [
        ("bearing_supplier", CauseCategory.MATERIAL),
        ("battery_lot", CauseCategory.MATERIAL),
        ("batch", CauseCategory.MATERIAL),
        ("glass_thickness_mm", CauseCategory.MATERIAL),
        ("firmware", CauseCategory.METHOD),
        ("controller_fw", CauseCategory.METHOD),  # the demo's CNC500 firmware
        ("fw", CauseCategory.METHOD),
        ("Process-Recipe", CauseCategory.METHOD),
        ("assembly_line", CauseCategory.MACHINE),
        ("mould.cavity", CauseCategory.MACHINE),
        # a test station is part of the measurement system: measurement is checked first
        ("test_station", CauseCategory.MEASUREMENT),
        ("gauge_id", CauseCategory.MEASUREMENT),
        ("operator", CauseCategory.MAN),
        ("night_shift", CauseCategory.MAN),
        ("region", CauseCategory.ENVIRONMENT),
        ("Usage-Hours", CauseCategory.ENVIRONMENT),
        ("装配产线", CauseCategory.MACHINE),
        ("固件版本", CauseCategory.METHOD),
        ("检验员", CauseCategory.MEASUREMENT),
        ("供应商", CauseCategory.MATERIAL),
    ],
)
def test_category_is_guessed_from_the_attribute_name(
    attribute: str, category: CauseCategory
) -> None:
    assert category_for_attribute(attribute) is category


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("man", CauseCategory.MAN),
        (" Machine ", CauseCategory.MACHINE),
        ("ENVIRONMENT", CauseCategory.ENVIRONMENT),
    ],
)
def test_parse_category_ignores_case_and_spaces(raw: str, expected: CauseCategory) -> None:
    assert parse_category(raw) is expected


@pytest.mark.parametrize("raw", ["", None, "money", "人", "men"])
def test_an_unknown_category_is_refused_with_the_allowed_ones(raw: str | None) -> None:
    with pytest.raises(InputError, match="man, machine, material, method, measurement, env") as e:
        parse_category(raw)
    assert e.value.column == "category"


def test_parse_state() -> None:
    assert parse_state(" Ruled_Out") is CauseState.RULED_OUT
    assert parse_state("confirmed") is CauseState.CONFIRMED
    with pytest.raises(InputError, match="suspected, confirmed, ruled_out") as raised:
        parse_state("ruled out")
    assert raised.value.column == "state"


def test_causes_are_added_listed_by_category_and_recorded(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        first = add(session, number, "method", "Formation recipe changed")
        add(session, number, "material", "Separator lot A", state="confirmed", note="CT scan")
        add(session, number, "machine", "Winding tension", state="ruled_out")
        add(session, number, "material", "Electrolyte")
        assert first.state is CauseState.SUSPECTED and first.created_by == "li"
        assert first.created_at is not None
        history = changes(session, number)
    with session_scope(engine) as session:
        listed = [(c.category.value, c.text, c.state.value, c.note)
                  for c in fishbone.list_causes(session, number)]  # fmt: skip
    assert listed == [  # by category (as stored, alphabetically), then in order added
        ("machine", "Winding tension", "ruled_out", None),
        ("material", "Separator lot A", "confirmed", "CT scan"),
        ("material", "Electrolyte", "suspected", None),
        ("method", "Formation recipe changed", "suspected", None),
    ]
    assert history == [
        ("fishbone", None, "[method] Formation recipe changed: suspected"),
        ("fishbone", None, "[material] Separator lot A: confirmed (CT scan)"),
        ("fishbone", None, "[machine] Winding tension: ruled_out"),
        ("fishbone", None, "[material] Electrolyte: suspected"),
    ]


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"category": "money"}, "category"),
        ({"state": "maybe"}, "state"),
        ({"text": "  "}, "text"),
        ({"text": "x" * 301}, "text"),
        ({"note": "n" * 2001}, "note"),
        ({"text": "nul\x00"}, "text"),
    ],
)
def test_bad_cause_input_names_the_column(
    engine: Engine, values: dict[str, str], column: str
) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        with pytest.raises(InputError) as raised:
            fishbone.add_cause(session, investigation_id=number, user_name="li",
                               **{"category": "man", "text": "t", **values})  # fmt: skip
        assert raised.value.column == column
        assert fishbone.list_causes(session, number) == []


def test_a_suspect_row_becomes_a_suspected_cause(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        cause = fishbone.add_suspect_cause(
            session, investigation_id=number, attribute=" assembly_line ", value="L3",
            figures="12 of 40 failed (30 %), others 2 %", user_name="wang",
        )  # fmt: skip
        assert (cause.category, cause.text, cause.state) == (
            CauseCategory.MACHINE, "assembly_line = L3", CauseState.SUSPECTED)  # fmt: skip
        assert (cause.suspect_attribute, cause.suspect_value) == ("assembly_line", "L3")
        assert cause.note == "12 of 40 failed (30 %), others 2 %"
        lot = fishbone.add_suspect_cause(session, investigation_id=number, user_name="li",
                                         attribute="battery_lot", value="A-17")  # fmt: skip
        assert (lot.category, lot.note) == (CauseCategory.MATERIAL, None)
        with pytest.raises(InputError, match="attribute and value"):
            fishbone.add_suspect_cause(session, investigation_id=number, attribute="lot",
                                       value=" ", user_name="wang")  # fmt: skip
        update(session, number, cause.id, category="man")  # the guess is only a start
        assert changes(session, number)[-1] == (
            "fishbone",
            "[machine] assembly_line = L3: suspected (12 of 40 failed (30 %), others 2 %)",
            "[man] assembly_line = L3: suspected (12 of 40 failed (30 %), others 2 %)",
        )


def test_update_changes_fields_and_records_old_and_new(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        cause = add(session, number, "material", "Separator lot A")
        update(session, number, cause.id, state="confirmed", note="CT scan")
        update(session, number, cause.id, text="Separator lot A-17", note="")
        update(session, number, cause.id, state="CONFIRMED", category="material")  # no change
        bad: list[tuple[dict[str, str | None], str]] = [
            ({"created_by": "x"}, "created_by"), ({"state": "maybe"}, "state"),
            ({"text": None}, "text")]  # fmt: skip
        for values, column in bad:
            with pytest.raises(InputError) as raised:
                update(session, number, cause.id, **values)
            assert raised.value.column == column
        history = changes(session, number)
    with session_scope(engine) as session:
        (stored,) = fishbone.list_causes(session, number)
        assert (stored.text, stored.state, stored.note) == (
            "Separator lot A-17", CauseState.CONFIRMED, None)  # fmt: skip
    assert history == [
        ("fishbone", None, "[material] Separator lot A: suspected"),
        ("fishbone", "[material] Separator lot A: suspected",
         "[material] Separator lot A: confirmed (CT scan)"),
        ("fishbone", "[material] Separator lot A: confirmed (CT scan)",
         "[material] Separator lot A-17: confirmed"),
    ]  # fmt: skip


def test_remove_records_the_cause(engine: Engine) -> None:
    with session_scope(engine) as session:
        number = opened(session)
        keep = add(session, number, "man", "New operator")
        gone = add(session, number, "environment", "Summer heat")
        fishbone.remove_cause(session, investigation_id=number, cause_id=gone.id, user_name="zhao")
        assert [c.id for c in fishbone.list_causes(session, number)] == [keep.id]
        assert changes(session, number)[-1] == (
            "fishbone", "[environment] Summer heat: suspected", None)  # fmt: skip


def test_a_fishbone_holds_at_most_max_causes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fishbone, "MAX_CAUSES", 3)
    with session_scope(engine) as session:
        number = opened(session)
        for n in range(3):
            add(session, number, "man", f"c{n}")
        with pytest.raises(InputError, match="at most 3 causes"):
            add(session, number, "man", "c3")


def test_a_cause_of_another_investigation_is_not_found(engine: Engine) -> None:
    with session_scope(engine) as session:
        mine, other = opened(session, "mine"), opened(session, "other")
        theirs = add(session, other, "man", "t").id
        with pytest.raises(NotFound, match=f"no fishbone cause {theirs} in investigation {mine}"):
            update(session, mine, theirs, state="confirmed")
        with pytest.raises(NotFound, match=f"no fishbone cause {theirs} in investigation {mine}"):
            fishbone.remove_cause(session, investigation_id=mine, cause_id=theirs, user_name="li")
        with pytest.raises(NotFound, match="no fishbone cause 999999"):
            fishbone.remove_cause(session, investigation_id=other, cause_id=999999,
                                  user_name="li")  # fmt: skip
        with pytest.raises(NotFound, match="no investigation 999999"):
            add(session, 999999, "man", "t")
        with pytest.raises(NotFound, match="no investigation 999999"):
            fishbone.list_causes(session, 999999)
        assert [c.state for c in fishbone.list_causes(session, other)] == [CauseState.SUSPECTED]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("online_shop", "material"),  # "line" is a whole word only
        ("processor_model", "material"),  # "process" too
        ("latest_flag", "material"),  # "test*" starts a word, not inside one
        ("test_fixture_supplier", "material"),  # a purchased part: suppliers come first
        ("operatorShift", "man"),  # camelCase splits into words
        ("sw_version", "method"),
        ("装配产线", "machine"),  # Chinese hints match anywhere
    ],
)
def test_category_hints_match_words_not_fragments(name: str, expected: str) -> None:
    assert category_for_attribute(name).value == expected
