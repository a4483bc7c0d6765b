"""The rejects file: every row that could not be stored, with its row number and reason.

Rows are written to a temporary file while the import runs. It takes its
final name just before the import's transaction commits, and is removed
again if the commit fails, so a failed import leaves neither half-stored rows
nor a misleading rejects file behind, and a stored import always has its
rejects file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from qloop.core.errors import InputError
from qloop.intake.convert import REJECTS_COLUMNS
from qloop.intake.parsing import cell_text


def default_rejects_path(source: Path) -> Path:
    return source.with_name(source.name + ".rejects.csv")


class RejectsFile:
    """Collects rejected rows; written as UTF-8 with BOM so Excel shows Chinese correctly.

    The original columns come first, as they were (a ``_row`` and ``_error``
    of an earlier rejects file are replaced), so the file can be fixed and
    imported again.
    """

    def __init__(self, path: Path, header: list[Any]) -> None:
        if path.is_dir():
            raise InputError("the rejects path is a folder; give a file name", file=str(path))
        self.path = path
        texts = ["" if h is None else cell_text(h) for h in header]
        self._kept_columns = [i for i, h in enumerate(texts) if h not in REJECTS_COLUMNS]
        self.header = [texts[i] for i in self._kept_columns]
        self.width = len(texts)
        self.count = 0
        self._temporary = path.with_name(path.name + ".partial")
        self._handle: Any = None
        self._writer: Any = None
        self._kept = False

    def add(self, row_number: int, cells: list[Any], error: str) -> None:
        if self._writer is None:
            self._temporary.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self._temporary.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow([*self.header, "_row", "_error"])
        values = ["" if c is None else cell_text(c) for c in cells]
        surplus = [v for v in values[self.width :] if v]
        if surplus:  # kept in the reason, so the columns stay under their headers
            error += " (extra values: " + ", ".join(f'"{v}"' for v in surplus) + ")"
        values += [""] * (self.width - len(values))
        self._writer.writerow([*(values[i] for i in self._kept_columns), row_number, error])
        self.count += 1

    def keep(self) -> Path | None:
        """Give the rejects their final name (before the commit); a stale file goes."""
        self._close()
        if self.count:
            self._temporary.replace(self.path)
            self._kept = True
            return self.path
        self.path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        """The import failed: no rejects file of it may remain."""
        self._close()
        self._temporary.unlink(missing_ok=True)
        if self._kept:
            self.path.unlink(missing_ok=True)

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
