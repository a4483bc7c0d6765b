"""Import files, CSV or XLSX, as a header and a stream of numbered data rows.

A reader yields rows as ``(row_number, cells)`` in blocks, so memory stays
flat however long the file. Cells are trimmed; rows with no value at all are
skipped. The header is the first row (of the first 20 that hold anything)
that names every required column of the table, so title rows above it are
skipped. The formats themselves live in ``csv_reader`` and ``xlsx_reader``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qloop.core.errors import InputError
from qloop.intake.csv_reader import CsvSource, HeaderTest, Row
from qloop.intake.xlsx_reader import XlsxSource

HEADER_SEARCH_ROWS = 20
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class TableFile:
    """An open CSV or XLSX file: its header and a stream of data rows."""

    def __init__(self, path: Path, *, sheet: str | None, is_header: HeaderTest) -> None:
        self.path = path
        self.name = str(path)
        if not path.is_file():
            raise InputError("file not found", file=self.name)
        self.size = path.stat().st_size
        suffix = path.suffix.lower()
        source: CsvSource | XlsxSource
        if suffix in {".xlsx", ".xlsm"}:
            source = XlsxSource(path, sheet=sheet, name=self.name)
            self.total = source.total
            self.excel_epoch = source.epoch
        elif suffix in {".csv", ".txt", ".tsv"}:
            if sheet is not None:
                raise InputError("--sheet applies to XLSX files only", file=self.name)
            source = CsvSource(path, is_header=is_header, name=self.name)
            self.total = source.size
            self.excel_epoch = EXCEL_EPOCH
        else:
            raise InputError(
                f'unsupported file type "{suffix or path.name}" (use .csv or .xlsx)', file=self.name
            )
        self._source = source
        self._blocks = source.blocks
        #: every cell is a str (CSV); XLSX cells are typed (numbers, dates)
        self.text_only = isinstance(source, CsvSource)
        self._pending: list[Row] = []
        self.header, self.header_row = self._find_header(is_header)

    @property
    def may_hold_nul(self) -> bool:
        """Whether a NUL character was met (a broken export); rows with one are rejected."""
        return isinstance(self._source, CsvSource) and self._source.saw_nul

    def _find_header(self, is_header: HeaderTest) -> tuple[list[Any], int]:
        """The first row that names the required columns (title rows above it are skipped)."""
        searched = 0
        first: Row | None = None
        while searched < HEADER_SEARCH_ROWS and self._fill_pending():
            number, cells = self._pending.pop(0)
            first = first or (number, cells)
            if is_header(cells):
                return cells, number
            searched += 1
        if first is None:
            raise InputError("the file has no header row", file=self.name)
        # No row names all required columns: the first row is taken as the header so
        # that the error about it lists which columns are missing.
        return first[1], first[0]

    def _fill_pending(self) -> bool:
        with self._translated_errors():
            while not self._pending:
                block = next(self._blocks, None)
                if block is None:
                    return False
                self._pending = block
        return True

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as error:
            raise InputError(
                f"not valid text in the detected encoding ({error.reason})", file=self.name
            ) from None
        except csv.Error as error:
            raise InputError(f"malformed CSV: {error}", file=self.name) from None

    def batches(self, size: int) -> Iterator[list[Row]]:
        """The data rows after the header in lists of at most ``size``, in file order."""
        pending = self._pending
        self._pending = []
        with self._translated_errors():
            while True:
                while len(pending) >= size:
                    yield pending[:size]
                    del pending[:size]
                block = next(self._blocks, None)
                if block is None:
                    break
                pending.extend(block)
        if pending:
            yield pending

    def close(self) -> None:
        """Release the file handle (or workbook) even when reading stopped halfway."""
        self._blocks.close()

    def __enter__(self) -> TableFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def progress(self) -> int:
        """How far reading has got, in the unit of :attr:`total` (bytes or rows)."""
        return self._source.position()
