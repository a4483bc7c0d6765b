"""Importing cases, repairs and surveys: vocabularies, codes, keys, updates and checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.intake.models import Case, Category, Repair, SetBy, Survey
from qloop.intake.service import import_file
from tests.files import read_rejects, write_csv

CASE_HEADER = [
    "工单号",
    "受理时间",
    "渠道",
    "序列号",
    "产品",
    "标题",
    "描述",
    "分类",
    "故障模式",
    "严重度",
    "drop_height_m",
]


def all_of(engine: Engine, model: type) -> list:
    with Session(engine) as session:
        return list(session.scalars(select(model)))


def cases(engine: Engine) -> dict[str, Case]:
    return {c.case_id: c for c in all_of(engine, Case)}


def test_cases_with_chinese_headers_and_vocabularies(engine: Engine, tmp_path: Path) -> None:
    rows = [
        [
            "C1",
            "2026-05-01 10:00",
            "客服热线",
            "SN1",
            "PX9",
            "电池鼓包",
            "手机电池鼓包，后盖顶起",
            "电气故障",
            "Battery Swelling",
            "紧急",
            "",
        ],
        [
            "C2",
            "2026/5/2 9:30",
            "ecommerce",
            "",
            "PX9",
            "Screen cracked",
            "Dropped it from the table, screen cracked",
            "mechanical",
            "screen_crack",
            "important",
            "0.8",
        ],
        [
            "C3",
            "2026年5月3日",
            "Email",
            "SN3",
            "",
            "",
            "门封漏水",
            "漏水问题",
            "door-seal leak",
            "",
            "",
        ],
        ["C4", "2026-05-04", "fax", "", "", "", "text", "", "", "", ""],
        ["C5", "2026-05-04", "app", "", "", "", "", "", "", "", ""],
        ["C6", "2026-05-04", "app", "", "", "", "text", "", "", "critical", ""],
    ]
    result = import_file(
        engine, table="cases", path=write_csv(tmp_path / "c.csv", CASE_HEADER, rows)
    )
    assert (result.inserted, result.rejected) == (3, 3)
    errors = [(r["_row"], r["_error"]) for r in read_rejects(Path(result.rejects_path or ""))]
    assert errors[0][0] == "5" and errors[0][1].startswith('渠道 (channel): "fax" is not a known')
    assert errors[1] == ("6", "描述 (description): is required but empty")
    assert errors[2][0] == "7" and errors[2][1].startswith('严重度 (severity): "critical"')
    stored = cases(engine)
    c1, c2, c3 = stored["C1"], stored["C2"], stored["C3"]
    assert (c1.channel, c2.channel, c3.channel) == ("hotline", "ecommerce", "email")
    assert c1.received_at == dt.datetime(2026, 5, 1, 10, 0)
    assert c2.received_at == dt.datetime(2026, 5, 2, 9, 30)
    assert c3.received_at == dt.datetime(2026, 5, 3)
    assert (c1.category, c1.failure_mode, c1.severity) == (
        "electrical",
        "battery_swelling",
        "urgent",
    )
    assert (c3.category, c3.failure_mode) == ("漏水问题", "door_seal_leak")
    assert c1.status == "new"
    assert (c1.category_set_by, c1.severity_set_by) == (SetBy.IMPORTED, SetBy.IMPORTED)
    # a row without a grade is graded by the classifier, and says so
    assert (c3.severity, c3.severity_set_by) == ("general", SetBy.AUTO)
    assert c2.attributes == {"drop_height_m": "0.8"} and c1.attributes == {}
    assert c2.serial is None
    categories = {c.code: (c.name_en, c.name_zh) for c in all_of(engine, Category)}
    assert categories["electrical"] == ("Electrical failure", "电气故障")
    assert categories["mechanical"] == ("Mechanical failure / wear", "机械故障/磨损")
    assert categories["漏水问题"] == (None, None)  # a new category is registered, not rejected


def test_reimport_keeps_a_persons_category_but_replaces_an_automatic_one(
    engine: Engine, tmp_path: Path
) -> None:
    header = ["case_id", "received_at", "channel", "description", "category", "severity"]
    source = write_csv(
        tmp_path / "c.csv",
        header,
        [
            ["C1", "2026-05-01", "hotline", "no power", "electrical", "important"],
            ["C2", "2026-05-01", "hotline", "no power", "electrical", "important"],
        ],
    )
    import_file(engine, table="cases", path=source)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Case)
            .where(Case.case_id == "C1")
            .values(category="software", category_set_by=SetBy.USER, category_set_by_user="li.wei")
        )
        session.execute(
            update(Case)
            .where(Case.case_id == "C2")
            .values(severity="urgent", severity_set_by=SetBy.AUTO)
        )
    result = import_file(engine, table="cases", path=source)
    assert (result.updated, result.unchanged) == (1, 1)
    stored = cases(engine)
    assert (stored["C1"].category, stored["C1"].category_set_by) == ("software", SetBy.USER)
    assert (stored["C2"].severity, stored["C2"].severity_set_by) == ("important", SetBy.IMPORTED)


def test_multiline_descriptions_keep_row_numbers_right(engine: Engine, tmp_path: Path) -> None:
    header = ["case_id", "received_at", "channel", "description"]
    source = write_csv(
        tmp_path / "c.csv",
        header,
        [
            ["C1", "2026-05-01", "hotline", "first line\nsecond line\nthird line"],
            ["C2", "2026-13-01", "hotline", "bad date"],
        ],
    )
    result = import_file(engine, table="cases", path=source)
    assert result.inserted == 1
    assert cases(engine)["C1"].description == "first line\nsecond line\nthird line"
    assert read_rejects(Path(result.rejects_path or ""))[0]["_row"] == "5"


def test_repairs_parts_flags_and_time_order(engine: Engine, tmp_path: Path) -> None:
    header = [
        "维修单号",
        "工单号",
        "序列号",
        "开单时间",
        "结单时间",
        "是否解决",
        "维修工程师",
        "维修措施",
        "更换部件",
    ]
    rows = [
        [
            "R1",
            "C1",
            "SN1",
            "2026-05-02 09:00",
            "2026-05-02 13:30",
            "是",
            "张伟",
            "换电池",
            "battery;back_cover",
        ],
        ["R2", "", "SN1", "2026-05-10 09:00", "", "", "", "", ""],
        ["R3", "C2", "SN2", "2026-05-02 09:00", "2026-05-01 09:00", "false", "", "", ""],
        ["R4", "C2", "", "2026-05-02 09:00", "", "", "", "", ""],
        ["R5", "C2", "SN2", "2026-05-02 09:00", "", "maybe", "", "", ""],
    ]
    result = import_file(engine, table="repairs", path=write_csv(tmp_path / "r.csv", header, rows))
    assert (result.inserted, result.rejected) == (2, 3)
    errors = [r["_error"] for r in read_rejects(Path(result.rejects_path or ""))]
    assert (
        errors[0]
        == "结单时间 (closed_at): 2026-05-01 09:00:00 is before opened_at 2026-05-02 09:00:00"
    )
    assert errors[1] == "序列号 (serial): is required but empty"
    assert errors[2].startswith('是否解决 (resolved): "maybe" is not yes/no')
    repairs = {r.repair_id: r for r in all_of(engine, Repair)}
    assert repairs["R1"].parts == ["battery", "back_cover"]
    assert repairs["R1"].resolved is True and repairs["R1"].technician == "张伟"
    assert repairs["R1"].closed_at - repairs["R1"].opened_at == dt.timedelta(hours=4.5)
    assert repairs["R2"].closed_at is None and repairs["R2"].resolved is None
    assert repairs["R2"].parts == [] and repairs["R2"].case_id is None


def test_surveys_scores_and_their_two_part_key(engine: Engine, tmp_path: Path) -> None:
    header = ["case_id", "score", "answered_at", "comment"]
    rows = [
        ["C1", "5", "2026-05-03 10:00", "很好"],
        ["C1", "4.0", "2026-06-03 10:00", ""],  # same case, another answer: a second survey
        ["C2", "6", "2026-05-03", ""],
        ["C3", "four", "2026-05-03", ""],
        ["C4", "3.5", "2026-05-03", ""],
        ["C1", "2", "2026-05-03 10:00", "again"],  # same case and time: a duplicate
    ]
    source = write_csv(tmp_path / "s.csv", header, rows)
    result = import_file(engine, table="surveys", path=source)
    assert (result.inserted, result.rejected) == (2, 4)
    assert [r["_error"] for r in read_rejects(Path(result.rejects_path or ""))] == [
        'score: "6" is outside 1..5',
        'score: "four" is not a number',
        'score: "3.5" is not a whole number from 1 to 5',
        "case_id + answered_at: duplicate of row 2 in this file",
    ]
    again = import_file(
        engine,
        table="surveys",
        path=write_csv(
            tmp_path / "s2.csv",
            header,
            [
                ["C1", "5", "2026-05-03 10:00", "很好"],
                ["C1", "3", "2026-06-03 10:00", "changed"],
            ],
        ),
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    scores = sorted((s.answered_at, s.score, s.comment) for s in all_of(engine, Survey))
    assert scores == [
        (dt.datetime(2026, 5, 3, 10), 5, "很好"),
        (dt.datetime(2026, 6, 3, 10), 3, "changed"),
    ]
