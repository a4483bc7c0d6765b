"""CSV cells a spreadsheet opens as data, never as formulas: the CSV twin of
:func:`qloop.reports.xlsx.put_cell`.

A spreadsheet opening a CSV runs a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a
formula, and some strip a leading tab or carriage return first ("CSV injection": a serial
or an attribute value like ``=HYPERLINK(...)`` or ``-2+3+cmd|' /C calc'!A0`` typed into a
ticket then runs on the engineer's machine). Following OWASP's CSV injection advice, such a
text cell gets a leading single quote: Excel and LibreOffice then show it as text, the
quote visible, and a reader of the file recovers the value by dropping that one quote.

Only text is guarded. Numbers (``int``, ``float``, ``Decimal``) are written as the csv
module writes them: ``-3`` stays a number. Text that is a plain negative number (``-3``,
``-20.5``: a minus sign, ASCII digits, at most one decimal point) is left alone too: every
spreadsheet reads it as that number and none can run it, while a quote would turn a
temperature such as ``-20`` into text a filter or a sum skips. Anything else starting with
a trigger is quoted, ``+`` included: no number is written with a plus sign here, so
``+8613800000000`` is a phone-style serial, which a spreadsheet would otherwise turn into
``8.6138E+12``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: what makes a spreadsheet read a cell as a formula (OWASP: = + - @ tab CR)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would run gets a leading ``'``."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and _NEGATIVE_NUMBER.fullmatch(value) is None
    ):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer.writerow``: None as an empty cell, each value as
    :func:`csv_cell` writes it."""
    return ["" if value is None else csv_cell(value) for value in values]
