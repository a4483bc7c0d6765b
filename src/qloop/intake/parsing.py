"""Parsers for the cell values found in after-sales files.

Each parser takes the stripped, non-empty text of a cell (or the typed value
an XLSX cell holds) and returns the value, or raises :class:`ValueError` whose
message is the reason shown to the user (the caller adds file, row, column).
The accepted formats are exactly the documented ones: anything else is an
error, never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from qloop.intake.models import CaseStatus, Channel, Severity

# 2026/5/1, 2026/05/01 10:00, 2026-5-1 10:00:30, 2026年5月1日, 2026年5月1日 10:00
_LOOSE_DATETIME = re.compile(
    r"(?P<y>[0-9]{4})(?:(?P<sep>[/-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"|年(?P<m2>[0-9]{1,2})月(?P<d2>[0-9]{1,2})日)"
    r"(?:[ T]+(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?"
)
# 2026-05-01, 2026-05-01 10:00, 2026-05-01T10:00:00.123, ...+08:00, ...Z: what ISO 8601
# exports write. ``fromisoformat`` alone also takes 20260501, week dates, "2026-05-01 10"
# and any character between date and time; qloop documents none of those.
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?"
)
EXCEL_1900 = dt.datetime(1899, 12, 30)  # day 0 of Excel's default date system


def _not_a(kind: str, value: object) -> ValueError:
    return ValueError(f'"{value}" is not a {kind}')


def parse_datetime(value: Any, *, excel_epoch: dt.datetime = EXCEL_1900) -> dt.datetime:
    """A naive datetime from ISO text, ``2026/5/1 10:00``, ``2026年5月1日`` or an XLSX cell.

    ISO text may carry a UTC offset (``Z``, ``+08:00``): the wall-clock time as
    written is kept and the offset dropped, because qloop stores local times.
    A number is an Excel day serial counted from ``excel_epoch`` (the
    workbook's date system).
    """
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_excel_serial(value, excel_epoch)
    text = str(value).strip()
    if _ISO_DATETIME.fullmatch(text) is None:
        return _parse_loose(text, "date and time")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as error:  # the shape is right, the calendar is not (2026-02-30)
        raise _not_a("date and time", text) from error
    return parsed.replace(tzinfo=None)


def parse_date(value: Any, *, excel_epoch: dt.datetime = EXCEL_1900) -> dt.date:
    """A date from the same formats as :func:`parse_datetime`; a time part is dropped."""
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:  # fast path for ISO dates
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return parse_datetime(value, excel_epoch=excel_epoch).date()
    except ValueError as error:
        raise _not_a("date", value) from error


def parse_iso_date_column(values: Sequence[str]) -> list[dt.date]:
    """Every value as a date, when all are plain ``YYYY-MM-DD``; else ValueError.

    A whole column at C speed: ``fromisoformat`` parses, and the round trip
    through ``isoformat`` proves each text was exactly ``YYYY-MM-DD`` (it also
    accepts ``20260501`` and week dates, which qloop does not). On ValueError
    the caller parses cell by cell with :func:`parse_date`, which gives the
    same values and the reasons.
    """
    dates = list(map(dt.date.fromisoformat, values))
    if list(map(dt.date.isoformat, dates)) != list(values):
        raise ValueError("not every value is a plain ISO date")
    return dates


def _parse_loose(text: str, kind: str) -> dt.datetime:
    match = _LOOSE_DATETIME.fullmatch(text)
    if match is None:
        raise _not_a(kind, text)
    parts = match.groupdict()
    try:
        return dt.datetime(
            int(parts["y"]),
            int(parts["m"] or parts["m2"]),
            int(parts["d"] or parts["d2"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            int((parts["f"] or "0").ljust(6, "0")),
        )
    except ValueError as error:
        raise _not_a(kind, text) from error


def _from_excel_serial(value: float, epoch: dt.datetime) -> dt.datetime:
    """The time an Excel day serial stands for, to the nearest second.

    Excel stores times as binary fractions of a day (10:00 is 0.41666...), so
    truncating would turn 23:58 into 23:57:59. Serial 60 in the 1900 system
    is Excel's phantom 1900-02-29; dates before March 1900 are not
    after-sales data, so serials below 61 are refused.
    """
    if not 61 <= value < 2958466:
        raise ValueError(f"{value} is not an Excel date serial")
    return epoch + dt.timedelta(seconds=round(float(value) * 86400))


_TRUE = {"true", "yes", "y", "1", "t", "是", "已解决", "解决", "是的", "resolved", "fixed"}
_FALSE = {"false", "no", "n", "0", "f", "否", "未解决", "没有", "unresolved", "not fixed"}


def parse_bool(value: Any) -> bool:
    """true/false, yes/no, 1/0, 是/否, 已解决/未解决."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f'"{value}" is not yes/no (true, false, 是, 否)')


def parse_score(value: Any) -> int:
    """A whole satisfaction score from 1 to 5 (``4`` or ``4.0``, as Excel writes it)."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError as error:
        raise ValueError(f'"{text}" is not a number') from error
    if not number.is_integer():
        raise ValueError(f'"{text}" is not a whole number from 1 to 5')
    if not 1 <= number <= 5:
        raise ValueError(f'"{text}" is outside 1..5')
    return int(number)


def parse_parts(value: Any) -> list[str]:
    """A ``;``-separated list of parts (the Chinese ``；`` too); empty items are dropped."""
    text = str(value).replace("；", ";")
    return [part.strip() for part in text.split(";") if part.strip()]


def _vocabulary(canonical: dict[str, list[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, synonyms in canonical.items():
        for word in [code, *synonyms]:
            lookup[word.casefold()] = code
    return lookup


CHANNEL_NAMES: dict[str, list[str]] = {
    Channel.HOTLINE: ["客服热线", "热线", "call center", "phone"],
    Channel.ECOMMERCE: ["电商评价", "电商", "e-commerce", "online review"],
    Channel.REPAIR: ["维修记录", "维修"],
    Channel.SURVEY: ["用户问卷", "问卷"],
    Channel.APP: ["应用", "app反馈"],
    Channel.EMAIL: ["邮件", "e-mail", "mail"],
    Channel.IOT: ["物联网", "设备告警"],
    Channel.OTHER: ["其他"],
}
SEVERITY_NAMES: dict[str, list[str]] = {
    Severity.URGENT: ["紧急"],
    Severity.IMPORTANT: ["重要"],
    Severity.GENERAL: ["一般"],
}
STATUS_NAMES: dict[str, list[str]] = {
    CaseStatus.NEW: ["新建", "待处理", "open"],
    CaseStatus.IN_PROGRESS: ["处理中", "in progress"],
    CaseStatus.RESOLVED: ["已解决"],
    CaseStatus.CLOSED: ["已关闭", "关闭"],
}
_CHANNELS = _vocabulary(CHANNEL_NAMES)
_SEVERITIES = _vocabulary(SEVERITY_NAMES)
_STATUSES = _vocabulary(STATUS_NAMES)


def _from_vocabulary(value: Any, lookup: dict[str, str], kind: str) -> str:
    text = str(value).strip()
    code = lookup.get(text.casefold())
    if code is None:
        allowed = ", ".join(sorted(set(lookup.values())))
        raise ValueError(f'"{text}" is not a known {kind} (one of {allowed})')
    return code


def parse_channel(value: Any) -> str:
    """A channel code from its code or its English / Chinese name."""
    return _from_vocabulary(value, _CHANNELS, "channel")


def parse_severity(value: Any) -> str:
    """urgent / important / general, or 紧急 / 重要 / 一般."""
    return _from_vocabulary(value, _SEVERITIES, "severity")


def parse_status(value: Any) -> str:
    """A case status code from its code or its Chinese name."""
    return _from_vocabulary(value, _STATUSES, "status")


def normalise_code(value: Any) -> str:
    """A taxonomy code as stored: trimmed, lower case, inner spaces and hyphens as ``_``.

    So ``Battery Swelling``, ``battery-swelling`` and ``battery_swelling`` are one
    failure mode; Chinese text is kept as written.
    """
    text = re.sub(r"[\s\-]+", "_", str(value).strip())
    return text.casefold()


def cell_text(value: Any) -> str:
    """The text of a cell as a CSV export would show it (used for attributes).

    XLSX gives typed cells; attributes are stored as text so that a value reads
    the same whether it came from a CSV or an XLSX file (``0.7``, ``12``,
    ``2026-05-01``).
    """
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
