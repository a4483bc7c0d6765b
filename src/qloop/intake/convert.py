"""Turning rows of cells into typed records, one chunk of rows at a time.

Two paths give the same result. :meth:`RowConverter.convert` is the
reference: one row, every rule, and the exact reason when a cell is wrong.
:meth:`RowConverter.convert_chunk` first works column by column over a chunk
of text rows (CSV), where checks such as ``"" in column`` and ``map(parse,
column)`` run at C speed; any row it cannot prove valid that way is handed
to the reference path. So the fast path only ever speeds up rows the
reference path would accept with the same values (a property test holds the
two together), and the import of a million-row file stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from typing import Any

from sqlalchemy import String

from qloop.core.errors import InputError
from qloop.intake.headers import alias_lookup, header_key
from qloop.intake.parsing import EXCEL_1900, cell_text, parse_date, parse_datetime
from qloop.intake.records import RowError, TableSpec

Row = tuple[int, list[Any]]
#: columns qloop's rejects files add; ignored when such a file is imported again
REJECTS_COLUMNS = ("_row", "_error")


@dataclass
class Chunk:
    """Valid rows of a chunk, column by column (``columns[name][i]``), in file order."""

    row_numbers: list[int]
    cells: list[list[Any]]
    columns: dict[str, list[Any]]
    rejected: list[tuple[int, list[Any], str]] = field(default_factory=list)
    read: int = 0  # data rows of the file this chunk accounts for, rejected ones included
    progress: int = 0  # how far into the file reading was, in the reader's unit

    def __len__(self) -> int:
        return len(self.row_numbers)

    def record(self, index: int) -> dict[str, Any]:
        return {name: values[index] for name, values in self.columns.items()}

    def without(self, positions: set[int]) -> Chunk:
        keep = [i for i in range(len(self)) if i not in positions]
        return Chunk(
            [self.row_numbers[i] for i in keep],
            [self.cells[i] for i in keep] if self.cells else [],
            {name: [values[i] for i in keep] for name, values in self.columns.items()},
            self.rejected,
            self.read,
            self.progress,
        )


def header_test(spec: TableSpec) -> Callable[[Sequence[Any]], bool]:
    """Whether a row is the header: it names every required field of the table."""
    lookup = alias_lookup([f.name for f in spec.fields])
    required = set(spec.required)

    def is_header(cells: Sequence[Any]) -> bool:
        named = {lookup.get(header_key(c)) for c in cells if isinstance(c, str)}
        return required <= named

    return is_header


def _label(header: str, field_name: str) -> str:
    """How an error names a column: as written in the file, with the field when they differ."""
    return header if header_key(header) == field_name else f"{header} ({field_name})"


class RowConverter:
    """Binds a table spec to one file's header and converts its rows."""

    def __init__(
        self,
        spec: TableSpec,
        header: Sequence[Any],
        *,
        file: str,
        excel_epoch: dt.datetime = EXCEL_1900,
    ) -> None:
        self.spec = spec
        self.header = [cell_text(h) if h is not None else "" for h in header]
        by_field = self._map_header(file)
        self.present = [f.name for f in spec.fields if f.name in by_field]
        self.labels = {name: _label(self.header[i], name) for name, i in by_field.items()}
        self._plan = [
            (
                f.name,
                by_field[f.name],
                _in_date_system(f.parse, excel_epoch),
                f.required,
                self.labels[f.name],
                _max_length(spec, f.name),
            )
            for f in spec.fields
            if f.name in by_field
        ]
        self._checks = [c for c in spec.row_checks if set(c.fields) <= set(self.present)]
        self._column_parsers = [f.parse_column for f in spec.fields if f.name in by_field]

    def _map_header(self, file: str) -> dict[str, int]:
        """Fields by column index; other columns become attributes (a repeated name gets _2).

        Columns without a header must stay empty (see :meth:`convert`); ``_row``
        and ``_error``, which qloop's own rejects files add, are ignored so a
        fixed rejects file can be imported as it is.
        """
        lookup = alias_lookup([f.name for f in self.spec.fields])
        by_field: dict[str, int] = {}
        self.attribute_columns: list[tuple[int, str]] = []
        self.unnamed_columns = [i for i, text in enumerate(self.header) if not text]
        names_taken: set[str] = set()
        for index, text in enumerate(self.header):
            if not text or text in REJECTS_COLUMNS:
                continue
            name = lookup.get(header_key(text))
            if name is None:
                attribute, copy = text, 1
                while attribute in names_taken:
                    copy += 1
                    attribute = f"{text}_{copy}"
                names_taken.add(attribute)
                self.attribute_columns.append((index, attribute))
            elif name in by_field:
                first = self.header[by_field[name]]
                raise InputError(f'columns "{first}" and "{text}" both mean {name}', file=file)
            else:
                by_field[name] = index
        missing = [name for name in self.spec.required if name not in by_field]
        if missing:
            raise InputError(
                f"missing required column(s) for {self.spec.name}: {', '.join(missing)}"
                " (see the accepted column names in the README)",
                file=file,
            )
        return by_field

    def convert(self, cells: Sequence[Any]) -> dict[str, Any]:
        """The record of one row; raises :class:`RowError` for the first bad cell."""
        width = len(self.header)
        if len(cells) > width and any(c not in ("", None) for c in cells[width:]):
            raise RowError(None, f"{len(cells)} values but the header has {width} columns")
        for index in self.unnamed_columns:
            if index < len(cells) and cells[index] not in ("", None):
                raise RowError(
                    None,
                    f'value "{cell_text(cells[index])}" in column {index + 1}, which has no header',
                )
        for index, cell in enumerate(cells):
            if type(cell) is str and "\x00" in cell:
                column = self.header[index] if index < width else f"column {index + 1}"
                raise RowError(column, "contains a NUL character (a damaged export?)")
        present = len(cells)
        record: dict[str, Any] = {}
        for name, index, parse, required, column, max_length in self._plan:
            raw = cells[index] if index < present else None
            if raw is None or raw == "":
                if required:
                    raise RowError(column, "is required but empty")
                record[name] = None
                continue
            if parse is None:
                value = raw if type(raw) is str else cell_text(raw)
            else:
                try:
                    value = parse(raw)
                except ValueError as error:
                    raise RowError(column, str(error)) from None
            if max_length is not None and type(value) is str and len(value) > max_length:
                raise RowError(column, f"is longer than {max_length} characters")
            record[name] = value
        record["attributes"] = {
            header: (raw if type(raw) is str else cell_text(raw))
            for index, header in self.attribute_columns
            if index < present and (raw := cells[index]) is not None and raw != ""
        }
        for check in self._checks:
            reason = check.check(*(record[f] for f in check.fields))
            if reason is not None:
                raise RowError(self.labels[check.column], reason)
        return record

    def convert_chunk(
        self, rows: list[Row], *, text_only: bool, may_hold_nul: bool = False
    ) -> Chunk:
        """Convert many rows; ``text_only`` (every cell a ``str``) enables the column path.

        ``may_hold_nul``: the file had a NUL character somewhere; rows holding
        one take the reference path, which rejects them.
        """
        numbers = [number for number, _ in rows]
        cells = [row for _, row in rows]
        names = [*self.present, "attributes"]
        if not text_only or not rows:
            columns: dict[str, list[Any]] = {name: [None] * len(rows) for name in names}
            return self._finish(Chunk(numbers, cells, columns), set(range(len(rows))))
        width = len(self.header)
        lengths = set(map(len, cells))
        slow: set[int] = set()
        if lengths != {width}:
            slow = {i for i, c in enumerate(cells) if len(c) > width}
            cells_at_width = [c if len(c) == width else _fit(c, width) for c in cells]
        else:
            cells_at_width = cells
        by_column = list(zip(*cells_at_width, strict=True))
        for index in self.unnamed_columns:
            if any(by_column[index]):
                slow.update(i for i, value in enumerate(by_column[index]) if value)
        if may_hold_nul:
            slow.update(i for i, c in enumerate(cells) if any("\x00" in value for value in c))
        columns = {}
        for (name, index, parse, required, _column, max_length), parse_column in zip(
            self._plan, self._column_parsers, strict=True
        ):
            columns[name] = _convert_column(
                by_column[index], parse, parse_column, required, max_length, slow
            )
        columns["attributes"] = self._attributes(by_column)
        for check in self._checks:
            for i, values in enumerate(zip(*(columns[f] for f in check.fields), strict=True)):
                if check.check(*values) is not None:
                    slow.add(i)
        return self._finish(Chunk(numbers, cells, columns), slow)

    def _attributes(self, by_column: list[tuple[str, ...]]) -> list[Any]:
        """One dict per row of the non-empty extra columns (built by C loops where possible)."""
        if not self.attribute_columns:
            return [{} for _ in by_column[0]]
        names = [name for _, name in self.attribute_columns]
        columns = [by_column[i] for i, _ in self.attribute_columns]
        rows = zip(*columns, strict=True)
        result: list[Any] = list(map(dict, map(zip, repeat(names), rows)))
        if any("" in column for column in columns):
            for i, attributes in enumerate(result):
                if "" in attributes.values():
                    result[i] = {k: v for k, v in attributes.items() if v != ""}
        return result

    def _finish(self, chunk: Chunk, slow: set[int]) -> Chunk:
        """Run the reference path on the rows the column path could not vouch for."""
        rejected: set[int] = set()
        for i in sorted(slow):
            try:
                record = self.convert(chunk.cells[i])
            except RowError as error:
                chunk.rejected.append((chunk.row_numbers[i], chunk.cells[i], str(error)))
                rejected.add(i)
                continue
            for name, value in record.items():
                chunk.columns[name][i] = value
        return chunk.without(rejected) if rejected else chunk

    def key(self, chunk: Chunk) -> list[Any]:
        """The natural key of every row of the chunk (a tuple for composite keys)."""
        key = self.spec.key
        if len(key) == 1:
            return chunk.columns[key[0]]
        return list(zip(*(chunk.columns[k] for k in key), strict=True))


def _in_date_system(parse: Any, excel_epoch: dt.datetime) -> Any:
    """The date parsers, counting Excel serials from the workbook's epoch (1900 or 1904)."""
    if excel_epoch == EXCEL_1900 or parse not in (parse_date, parse_datetime):
        return parse
    return partial(parse, excel_epoch=excel_epoch)


def _fit(cells: list[Any], width: int) -> list[Any]:
    return cells[:width] if len(cells) > width else [*cells, *[""] * (width - len(cells))]


def _convert_column(
    column: tuple[str, ...],
    parse: Any,
    parse_column: Any,
    required: bool,
    max_length: int | None,
    slow: set[int],
) -> list[Any]:
    """Values of one text column; rows that need a closer look are added to ``slow``."""
    has_empty = "" in column
    if has_empty and required:
        slow.update(i for i, v in enumerate(column) if v == "")
    if parse is None:
        values: list[Any] = [v or None for v in column] if has_empty else list(column)
    elif not has_empty:
        try:
            values = (parse_column or _map(parse))(column)
        except ValueError:
            values = _parse_each(column, parse, slow)
    else:
        values = _parse_each(column, parse, slow)
    if max_length is not None and (parse is not None or max(map(len, column)) > max_length):
        slow.update(
            i for i, value in enumerate(values) if type(value) is str and len(value) > max_length
        )
    return values


def _map(parse: Any) -> Any:
    return lambda column: list(map(parse, column))


def _parse_each(column: tuple[str, ...], parse: Any, slow: set[int]) -> list[Any]:
    values: list[Any] = [None] * len(column)
    for i, text in enumerate(column):
        if text == "":
            continue
        try:
            values[i] = parse(text)
        except ValueError:
            slow.add(i)
    return values


def _max_length(spec: TableSpec, name: str) -> int | None:
    column_type = spec.table.c[name].type
    return column_type.length if isinstance(column_type, String) else None
