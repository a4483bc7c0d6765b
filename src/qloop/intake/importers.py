"""The import pipeline: read a file row by row, validate, store in chunks, reject with reasons.

Every data row ends up either stored (inserted, updated or unchanged) or in
the rejects file with its row number and reason. The caller owns the
transaction: this module writes through the session and never commits, so
a failure that is not a row error leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qloop.core.errors import InputError
from qloop.intake.convert import RowConverter, header_test
from qloop.intake.readers import TableFile
from qloop.intake.records import SPECS, TableSpec
from qloop.intake.rejects import RejectsFile
from qloop.intake.stream import converted_chunks, cyclic_gc_paused
from qloop.intake.unit_tally import UnitTally
from qloop.intake.upsert import ChunkOutcome, ChunkWriter

ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportResult:
    """What one import did; ``read`` = inserted + updated + unchanged + rejected."""

    table: str
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    #: cases given a category or grade automatically, of them below the review threshold,
    #: raised by escalation, and flagged as possible duplicates (cases only)
    classified: int = 0
    to_review: int = 0
    escalated: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def table_spec(table: str) -> TableSpec:
    try:
        return SPECS[table]
    except KeyError:
        raise InputError(f'unknown table "{table}" (one of {", ".join(SPECS)})') from None


def open_import_file(spec: TableSpec, path: Path, *, sheet: str | None = None) -> TableFile:
    return TableFile(path, sheet=sheet, is_header=header_test(spec))


def import_rows(
    session: Session,
    *,
    spec: TableSpec,
    source: TableFile,
    rejects: RejectsFile,
    chunk_rows: int,
    on_progress: ProgressCallback | None = None,
) -> ImportResult:
    """Validate and store every data row of ``source``; rejected rows go to ``rejects``."""
    converter = RowConverter(spec, source.header, file=source.name, excel_epoch=source.excel_epoch)
    # the import's updates keep the stored units per value right (qloop.intake.unit_counts)
    tally = UnitTally.start(session) if spec.name == "units" else None
    writer = ChunkWriter(session, spec, converter.present, converter.labels, tally)
    result = ImportResult(table=spec.name, file=source.name)
    with cyclic_gc_paused():
        for chunk in converted_chunks(source, converter, chunk_rows=chunk_rows):
            result.read += chunk.read
            outcome = writer.write(chunk) if len(chunk) else ChunkOutcome()
            result.inserted += outcome.inserted
            result.updated += outcome.updated
            result.unchanged += outcome.unchanged
            for number, cells, reason in sorted(
                [*chunk.rejected, *outcome.rejected], key=lambda r: r[0]
            ):
                rejects.add(number, cells, reason)
            if on_progress is not None:
                on_progress(chunk.progress, source.total)
    if tally is not None:
        tally.finish(session)
    result.rejected = rejects.count
    return result
