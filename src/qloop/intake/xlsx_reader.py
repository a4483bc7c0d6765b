"""XLSX worksheets as blocks of numbered rows, with typed cells (numbers, dates, text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qloop.core.errors import InputError
from qloop.intake.csv_reader import Blocks, Row, in_blocks


class XlsxSource:
    """An open worksheet (the first, or ``sheet``), read in streaming mode."""

    def __init__(self, path: Path, *, sheet: str | None, name: str) -> None:
        from openpyxl import load_workbook  # imported here: openpyxl is slow to import

        self.name = name
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a damaged file
            raise InputError(f"not a readable XLSX workbook ({error})", file=name) from None
        self._workbook = workbook
        if sheet is None:
            self._sheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            self._sheet = workbook[sheet]
        else:
            workbook.close()
            raise InputError(
                f'no sheet "{sheet}" (sheets: {", ".join(workbook.sheetnames)})', file=name
            )
        self.total = self._sheet.max_row or 0
        # The stored <dimension> can be wrong (files written by other programs); without
        # this, rows and columns beyond it would be silently left out.
        self._sheet.reset_dimensions()
        #: the day numbers in this workbook count from here (1900 or 1904 date system)
        self.epoch: dt.datetime = workbook.epoch
        self._done = 0
        self.blocks = self._blocks()

    def position(self) -> int:
        return self._done

    def _rows(self) -> Iterator[Row]:
        for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
            self._done = number
            cells: list[Any] = [v.strip() if isinstance(v, str) else v for v in values]
            if any(v is not None and v != "" for v in cells):
                yield number, cells

    def _blocks(self) -> Blocks:
        try:
            yield from in_blocks(self._rows())
        except InputError:
            raise
        except Exception as error:  # a damaged sheet: openpyxl raises XML and value errors
            raise InputError(
                f"not a readable XLSX sheet after row {self._done} ({error})", file=self.name
            ) from None
        finally:
            self._workbook.close()
