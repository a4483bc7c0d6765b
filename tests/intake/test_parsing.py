"""Cell parsers: the documented formats are read exactly, everything else is an error."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qloop.intake.parsing import (
    cell_text,
    normalise_code,
    parse_bool,
    parse_channel,
    parse_date,
    parse_datetime,
    parse_iso_date_column,
    parse_parts,
    parse_score,
    parse_severity,
    parse_status,
)

datetimes = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31))
minutes = datetimes.map(lambda d: d.replace(second=0, microsecond=0))


@given(minutes)
def test_every_documented_datetime_format_reads_back(value: dt.datetime) -> None:
    y, m, d, hh, mm = value.year, value.month, value.day, value.hour, value.minute
    for text in (
        value.isoformat(sep=" ", timespec="minutes"),
        value.isoformat(timespec="seconds"),
        f"{y}/{m}/{d} {hh}:{mm:02d}",
        f"{y}/{m:02d}/{d:02d} {hh:02d}:{mm:02d}:00",
        f"{y}-{m}-{d} {hh}:{mm:02d}",
        f"{y}年{m}月{d}日 {hh}:{mm:02d}",
    ):
        assert parse_datetime(text) == value, text


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_documented_date_format_reads_back(value: dt.date) -> None:
    for text in (
        value.isoformat(),
        f"{value.year}/{value.month}/{value.day}",
        f"{value.year}年{value.month}月{value.day}日",
        f"{value.isoformat()} 00:00",
    ):
        assert parse_date(text) == value, text


@given(st.text(max_size=30))
def test_any_text_is_a_datetime_or_a_value_error(text: str) -> None:
    try:
        parsed = parse_datetime(text)
    except ValueError as error:
        assert str(error)  # a reason to show
    else:
        assert isinstance(parsed, dt.datetime) and parsed.tzinfo is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-45",
        "2026-02-30",
        "5/3/2026",
        "03.05.2026",
        "20260501",
        "2026-W18-1",
        "yesterday",
        "2026/5/1 25:00",
        "2026年13月1日",
        "2026-05-01x",
    ],
)
def test_undocumented_or_impossible_dates_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


def test_offsets_are_dropped_and_excel_serials_read() -> None:
    assert parse_datetime("2026-05-01T10:00:00+08:00") == dt.datetime(2026, 5, 1, 10)
    assert parse_datetime("2026-05-01T10:00:00Z") == dt.datetime(2026, 5, 1, 10)
    assert parse_date(45778) == dt.date(2025, 5, 1)  # Excel's serial for 2025-05-01
    assert parse_datetime(45778.5) == dt.datetime(2025, 5, 1, 12)
    with pytest.raises(ValueError):
        parse_date(-3)


@given(st.integers(min_value=1, max_value=5))
def test_scores_one_to_five_in_any_excel_spelling(score: int) -> None:
    assert parse_score(str(score)) == parse_score(f"{score}.0") == parse_score(score) == score


@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=8)))
def test_any_other_score_is_refused(value: object) -> None:
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    valid = number is not None and number.is_integer() and 1 <= number <= 5
    if valid:
        assert parse_score(value) == int(number)
    else:
        with pytest.raises(ValueError):
            parse_score(value)


def test_vocabularies_in_english_and_chinese() -> None:
    assert [
        parse_channel(c) for c in ("客服热线", "电商评价", "维修记录", "用户问卷", "应用", "邮件")
    ] == ["hotline", "ecommerce", "repair", "survey", "app", "email"]
    assert parse_channel(" IoT ") == "iot" and parse_channel("E-Commerce") == "ecommerce"
    assert [parse_severity(s) for s in ("紧急", "重要", "一般", "URGENT")] == [
        "urgent",
        "important",
        "general",
        "urgent",
    ]
    assert parse_status("处理中") == "in_progress" and parse_status("closed") == "closed"
    for parse, text in ((parse_channel, "fax"), (parse_severity, "high"), (parse_status, "x")):
        with pytest.raises(ValueError, match="is not a known"):
            parse(text)


def test_flags_parts_codes_and_cell_text() -> None:
    assert [parse_bool(v) for v in ("true", "是", "已解决", "1", "no", "否", "False")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    with pytest.raises(ValueError):
        parse_bool("maybe")
    assert parse_parts("battery; back cover ；screen;;") == ["battery", "back cover", "screen"]
    assert (
        normalise_code(" Battery Swelling ")
        == normalise_code("battery-swelling")
        == ("battery_swelling")
    )
    assert normalise_code("电池鼓包") == "电池鼓包"
    assert [cell_text(v) for v in (0.7, 12.0, 3, dt.datetime(2026, 5, 1), True, " x ")] == [
        "0.7",
        "12",
        "3",
        "2026-05-01",
        "true",
        "x",
    ]


@given(st.lists(st.dates(min_value=dt.date(1000, 1, 1)), min_size=1, max_size=20))
def test_iso_date_column_parses_like_parse_date(values: list[dt.date]) -> None:
    texts = [v.isoformat() for v in values]
    assert parse_iso_date_column(texts) == [parse_date(t) for t in texts] == values


@pytest.mark.parametrize("odd", ["20260501", "2026-W18-1", "2026-5-1", "2026-13-45", ""])
def test_iso_date_column_refuses_anything_but_plain_iso(odd: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_date_column(["2026-05-01", odd])
