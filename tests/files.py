"""Write small import files for tests, in the shapes users send them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    title_rows: Sequence[Sequence[Any]] = (),
    number_formats: dict[int, str] | None = None,
) -> Path:
    """An XLSX workbook; ``number_formats`` maps a 0-based column to an Excel format."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in [*title_rows, header, *rows]:
        worksheet.append(list(row))
    for column, number_format in (number_formats or {}).items():
        for cells in worksheet.iter_rows(
            min_row=len(title_rows) + 2, min_col=column + 1, max_col=column + 1
        ):
            cells[0].number_format = number_format
    workbook.save(path)
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
