"""The rejects file: every row that could not be stored, with its row number and reason.

Rows are written to a temporary file while the import runs; it takes its
final name only when the import's transaction commits, so a failed import
leaves neither half-stored rows nor a misleading rejects file behind.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from qloop.intake.parsing import cell_text


def default_rejects_path(source: Path) -> Path:
    return source.with_name(source.name + ".rejects.csv")


class RejectsFile:
    """Collects rejected rows; written as UTF-8 with BOM so Excel shows Chinese correctly."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self.header = header
        self.count = 0
        self._temporary = path.with_name(path.name + ".partial")
        self._handle: Any = None
        self._writer: Any = None

    def add(self, row_number: int, cells: list[Any], error: str) -> None:
        if self._writer is None:
            self._temporary.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self._temporary.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow([*self.header, "_row", "_error"])
        width = len(self.header)
        values = ["" if c is None else cell_text(c) for c in cells]
        surplus = [v for v in values[width:] if v]
        if surplus:  # kept in the reason, so the columns stay under their headers
            error += " (extra values: " + ", ".join(f'"{v}"' for v in surplus) + ")"
        values = values[:width] + [""] * (width - len(values))
        self._writer.writerow([*values, row_number, error])
        self.count += 1

    def keep(self) -> Path | None:
        """Give the rejects their final name; a stale file from an earlier run goes."""
        self._close()
        if self.count:
            self._temporary.replace(self.path)
            return self.path
        self.path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        self._close()
        self._temporary.unlink(missing_ok=True)

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
