"""Cases arriving without labels are classified and graded; labels of files and people stay."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts import service as accounts
from qloop.accounts.models import Role
from qloop.classify import review
from qloop.classify.training import training_data
from qloop.core.db import session_scope
from qloop.intake.models import Case, CaseChange, SetBy
from qloop.intake.service import import_file
from tests.files import write_csv

HEADER = [
    "case_id",
    "received_at",
    "channel",
    "serial",
    "product",
    "customer",
    "description",
    "category",
    "failure_mode",
    "severity",
]


def load(engine: Engine, tmp_path: Path, rows: list[list[str]], name: str = "c.csv") -> None:
    result = import_file(engine, table="cases", path=write_csv(tmp_path / name, HEADER, rows))
    assert result.rejected == 0


def stored(engine: Engine) -> dict[str, Case]:
    with Session(engine) as session:
        return {c.case_id: c for c in session.scalars(select(Case))}


def row(case_id: str, when: str, text: str, **fields: str) -> list[str]:
    values = {
        "serial": "",
        "product": "",
        "customer": "",
        "category": "",
        "failure_mode": "",
        "severity": "",
        **fields,
    }
    return [
        case_id,
        when,
        "hotline",
        values["serial"],
        values["product"],
        values["customer"],
        text,
        values["category"],
        values["failure_mode"],
        values["severity"],
    ]


def test_import_classifies_unlabelled_cases_and_keeps_given_labels(
    engine: Engine, tmp_path: Path
) -> None:
    load(
        engine,
        tmp_path,
        [
            row("C1", "2026-05-01", "充电时电池鼓包，还冒烟了"),
            row("C2", "2026-05-01", "screen cracked", category="software", severity="general"),
            row("C3", "2026-05-01", "the washer leaks", severity="important"),
        ],
    )
    cases = stored(engine)
    c1, c2, c3 = cases["C1"], cases["C2"], cases["C3"]
    assert (c1.category, c1.failure_mode, c1.severity) == (
        "electrical",
        "battery_swelling",
        "urgent",
    )
    assert (c1.category_set_by, c1.severity_set_by) == (SetBy.AUTO, SetBy.AUTO)
    assert c1.category_confidence is not None and 0 < c1.category_confidence <= 1
    assert c1.severity_reasons and c1.severity_reasons[0]["rule"] == "safety_hazard"
    assert {"鼓包", "冒烟"} <= set(c1.severity_reasons[0]["evidence"])
    # the file's labels are kept, even when the classifier would say otherwise
    assert (c2.category, c2.severity, c2.category_set_by) == ("software", "general", SetBy.IMPORTED)
    assert c2.severity_reasons is None and c2.category_confidence is None
    assert (c3.category, c3.category_set_by) == ("mechanical", SetBy.AUTO)
    assert (c3.severity, c3.severity_set_by) == ("important", SetBy.IMPORTED)


def test_reimport_and_later_imports_never_overwrite_a_persons_label(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [row("C1", "2026-05-01", "the app crashes"), row("C2", "2026-05-02", "no power")]
    load(engine, tmp_path, rows)
    with session_scope(engine) as session:
        session.execute(
            update(Case)
            .where(Case.case_id == "C1")
            .values(
                category="usability",
                category_set_by=SetBy.USER,
                severity="urgent",
                severity_set_by=SetBy.USER,
            )
        )
    load(engine, tmp_path, rows, name="again.csv")
    load(engine, tmp_path, [row("C3", "2026-05-03", "the app crashes again")], name="new.csv")
    c1 = stored(engine)["C1"]
    assert (c1.category, c1.category_set_by, c1.severity, c1.severity_set_by) == (
        "usability",
        SetBy.USER,
        "urgent",
        SetBy.USER,
    )


def test_a_dry_run_classifies_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", HEADER, [row("C1", "2026-05-01", "冒烟了")])
    result = import_file(engine, table="cases", path=path, dry_run=True)
    assert (result.inserted, result.classified) == (1, 1)
    assert stored(engine) == {}


def test_repair_history_makes_a_case_important(engine: Engine, tmp_path: Path) -> None:
    repairs = write_csv(
        tmp_path / "r.csv",
        ["repair_id", "serial", "opened_at", "closed_at", "resolved"],
        [["R1", "SN1", "2026-04-01", "2026-04-20", "yes"]],
    )
    import_file(engine, table="repairs", path=repairs)
    load(
        engine,
        tmp_path,
        [
            row("C1", "2026-05-01", "the colour looks a bit off", serial="SN1"),
            row("C2", "2026-05-01", "the colour looks a bit off", serial="SN2"),
        ],
    )
    cases = stored(engine)
    assert cases["C2"].severity == "general"
    assert cases["C1"].severity == "important"
    rules = [r["rule"] for r in cases["C1"].severity_reasons or []]
    assert rules == ["soon_after_repair", "repeat_repair"]  # "default" gave way to the facts


def test_escalation_raises_the_fifth_case_within_seven_days(engine: Engine, tmp_path: Path) -> None:
    rows = [
        row(f"C{i}", f"2026-05-0{i}", "a small scratch on the cover", product="PX9")
        for i in range(1, 7)
    ] + [row("C9", "2026-05-09", "a small scratch on the cover", product="OTHER")]
    load(engine, tmp_path, rows)
    cases = stored(engine)
    assert all(cases[f"C{i}"].failure_mode == "scratch" for i in range(1, 7))
    grades = {case_id: cases[case_id].severity for case_id in cases}
    assert grades == {
        "C1": "general",
        "C2": "general",
        "C3": "general",
        "C4": "general",
        "C5": "important",
        "C6": "important",
        "C9": "general",
    }
    reason = (cases["C5"].severity_reasons or [])[0]
    assert reason["rule"] == "escalation"
    assert reason["evidence"] == ["5 cases of scratch on PX9 within 7 days"]


def test_possible_duplicates_are_linked(engine: Engine, tmp_path: Path) -> None:
    load(
        engine,
        tmp_path,
        [
            row("C1", "2026-05-01", "screen cracked after a drop", serial="SN1"),
            row("C2", "2026-05-10", "cracked screen, please help", serial="SN1"),  # 9 days
            row("C3", "2026-06-10", "screen cracked again", serial="SN1"),  # 31 days: not
            row("C4", "2026-05-02", "我的洗衣机一直漏水，请尽快上门！", customer="王女士"),
            row("C5", "2026-05-03", "我的洗衣机一直漏水 请尽快上门", customer="王女士"),
            row("C6", "2026-05-03", "我的洗衣机一直漏水 请尽快上门", customer="李先生"),
        ],
    )
    cases = stored(engine)
    assert cases["C2"].duplicate_of == "C1"
    assert "same serial and failure mode screen_crack" in (cases["C2"].duplicate_reason or "")
    assert cases["C3"].duplicate_of is None and cases["C1"].duplicate_of is None
    assert cases["C5"].duplicate_of == "C4"
    assert "same customer" in (cases["C5"].duplicate_reason or "")
    assert cases["C6"].duplicate_of is None  # same words, another customer


def test_review_queue_confirm_and_correct(engine: Engine, tmp_path: Path) -> None:
    load(
        engine,
        tmp_path,
        [
            row("C1", "2026-05-01", "please call me back"),  # nothing to go on: 0 confidence
            row("C2", "2026-05-02", "hmm, see attached"),
            row("C3", "2026-05-03", "充电器冒烟了，有焦味，电池也鼓包了"),  # confident
        ],
    )
    with session_scope(engine) as session:
        user = accounts.create_user(
            session, name="eng", password="correct horse", role=Role.ENGINEER
        )
        queue, total = review.review_queue(session, threshold=0.6)
        assert total == 2 and {c.case_id for c in queue} == {"C1", "C2"}
        assert training_data(session, include_imported=False) == ([], [])
        review.review_case(session, case_id="C1", category="other", user=user)
        review.review_case(
            session, case_id="C2", category="service", severity="important", user=user
        )
        queue, total = review.review_queue(session, threshold=0.6)
        assert total == 0
        texts, labels = training_data(session, include_imported=False)
        assert sorted(labels) == ["other", "service"]
        history = session.execute(
            select(CaseChange.field, CaseChange.old_value, CaseChange.new_value).order_by(
                CaseChange.id
            )
        ).all()
        assert [tuple(h) for h in history] == [
            ("category", "other (auto)", "other"),
            ("category", "other", "service"),
            ("severity", "general", "important"),
        ]
    c2 = stored(engine)["C2"]
    assert (c2.category_set_by, c2.category_set_by_user, c2.severity_set_by) == (
        SetBy.USER,
        "eng",
        SetBy.USER,
    )
