"""Exceptions raised by services; edges (CLI, web) turn them into exit codes or HTTP codes."""

from __future__ import annotations


class QloopError(Exception):
    """Base class of every error qloop reports to a user."""


class NotFound(QloopError):
    """A record asked for by its key does not exist."""


class InvalidTransition(QloopError):
    """A workflow step that the record's current state does not allow."""


class Forbidden(QloopError):
    """The user may not do this to this record (an owner editing someone else's action)."""


class InputError(QloopError):
    """Bad input that the user can fix: says which file, row and column, and why.

    ``row`` is the 1-based line (CSV) or sheet row (XLSX); ``None`` when the
    problem concerns the whole file (unreadable, missing column, ...).
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def __reduce__(self) -> tuple[object, ...]:
        # keeps file, row and column when the error crosses a process boundary
        return (_rebuild_input_error, (self.reason, self.file, self.row, self.column))

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


def _rebuild_input_error(
    reason: str, file: str | None, row: int | None, column: str | None
) -> InputError:
    return InputError(reason, file=file, row=row, column=column)
