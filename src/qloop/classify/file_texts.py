"""Texts from a user's CSV or XLSX file, for ``qloop classify --file``.

The file is read by the import's own readers (encodings, title rows, Excel
dates), and the columns are found by name or by the import's aliases, so a
file with a ``问题描述`` column works with the default ``--text-column
description``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qloop.core.errors import InputError
from qloop.intake.headers import FIELD_ALIASES, alias_lookup, header_key
from qloop.intake.parsing import cell_text
from qloop.intake.readers import TableFile

BATCH = 2000


_ALIASES = alias_lookup(list(FIELD_ALIASES))


def _position(header: list[Any], column: str) -> int | None:
    """Where ``column`` is: by its own name, or by any alias of the import field it names,
    compared as the import compares headers (case and separators do not matter)."""
    wanted = header_key(column)
    field = _ALIASES.get(wanted)
    for i, cell in enumerate(header):
        key = header_key(str(cell))
        if key == wanted or (field is not None and _ALIASES.get(key) == field):
            return i
    return None


@contextmanager
def read_texts(
    path: Path, *, text_column: str, id_column: str, sheet: str | None = None
) -> Iterator[Iterator[list[tuple[str | None, str]]]]:
    """Batches of (row id, text) in file order; the id is the row number without an id column."""
    if not path.is_file():
        raise InputError("no such file", file=str(path))

    def is_header(cells: Any) -> bool:
        return _position(list(cells), text_column) is not None

    with TableFile(path, sheet=sheet, is_header=is_header) as source:
        text_at = _position(source.header, text_column)
        if text_at is None:
            found = ", ".join(str(c) for c in source.header if str(c).strip()) or "none"
            raise InputError(
                f'no column "{text_column}" (columns: {found})',
                file=str(path),
                row=source.header_row,
                column=text_column,
            )
        id_at = _position(source.header, id_column)

        def batches() -> Iterator[list[tuple[str | None, str]]]:
            for rows in source.batches(BATCH):
                yield [
                    (
                        _cell(cells, id_at) or str(number) if id_at is not None else str(number),
                        _cell(cells, text_at) or "",
                    )
                    for number, cells in rows
                ]

        yield batches()


def _cell(cells: list[Any], position: int | None) -> str | None:
    if position is None or position >= len(cells):
        return None
    value = cells[position]
    if value is None or value == "":
        return None
    return cell_text(value)
