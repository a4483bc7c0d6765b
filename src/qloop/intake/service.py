"""Intake services: importing files and describing what the database holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, null, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.core.db import session_scope
from qloop.core.settings import Settings, get_settings
from qloop.intake.importers import (
    ImportResult,
    ProgressCallback,
    import_rows,
    open_import_file,
    table_spec,
)
from qloop.intake.models import Case, Category, Product, Repair, SetBy, Survey, Unit
from qloop.intake.rejects import RejectsFile, default_rejects_path

COUNTED_TABLES = {
    "units": Unit,
    "cases": Case,
    "repairs": Repair,
    "surveys": Survey,
    "products": Product,
    "categories": Category,
}


def import_file(
    engine: Engine,
    *,
    table: str,
    path: Path,
    sheet: str | None = None,
    rejects_path: Path | None = None,
    dry_run: bool = False,
    chunk_rows: int | None = None,
    on_progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> ImportResult:
    """Import one file in one transaction: all rows stored or rejected, or nothing at all.

    This is a command-level service: it owns the transaction because the
    rejects file must take its name only once the rows are committed (and
    vanish when they are not). ``dry_run`` validates and counts, then rolls back.
    """
    settings = settings or get_settings()
    spec = table_spec(table)
    with open_import_file(spec, path, sheet=sheet) as source:
        rejects = RejectsFile(rejects_path or default_rejects_path(path), source.header)
        try:
            with session_scope(engine) as session:
                after_id = grading_start(session) if table == "cases" else None
                result = import_rows(
                    session,
                    spec=spec,
                    source=source,
                    rejects=rejects,
                    chunk_rows=chunk_rows or settings.import_chunk_rows,
                    on_progress=on_progress,
                )
                if after_id is not None:
                    grade_imported_cases(session, result, after_id=after_id, settings=settings)
                if dry_run:
                    session.rollback()
                kept = rejects.keep()  # before the commit: a stored import has its rejects
        except BaseException:
            rejects.discard()
            raise
    result.rejects_path = str(kept) if kept else None
    return result


def grading_start(session: Session) -> int:
    """The highest case key before an import: cases above it are the import's new ones."""
    return session.scalar(select(func.max(Case.id))) or 0


def grade_imported_cases(
    session: Session, result: ImportResult, *, after_id: int, settings: Settings
) -> None:
    """Classify and grade the cases an import left without labels."""
    from qloop.classify.service import grade_new_cases  # classify builds on intake

    # a grade or category the file set replaces an automatic one: its reasons go with it
    session.execute(
        update(Case)
        .where(Case.severity_set_by == SetBy.IMPORTED, Case.severity_reasons.is_not(None))
        .values(severity_reasons=null())
    )
    session.execute(
        update(Case)
        .where(Case.category_set_by == SetBy.IMPORTED, Case.category_confidence.is_not(None))
        .values(category_confidence=None)
    )
    outcome = grade_new_cases(session, after_id=after_id, settings=settings)
    result.classified, result.to_review = outcome.classified, outcome.to_review
    result.escalated, result.duplicates = outcome.escalated, outcome.duplicates


@dataclass(frozen=True)
class DatabaseStatus:
    counts: dict[str, int] = field(default_factory=dict)
    first_case_at: dt.datetime | None = None
    last_case_at: dt.datetime | None = None


def database_status(session: Session) -> DatabaseStatus:
    """Row counts per table and the date range of the cases."""
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in COUNTED_TABLES.items()
    }
    first, last = session.execute(
        select(func.min(Case.received_at), func.max(Case.received_at))
    ).one()
    return DatabaseStatus(counts=counts, first_case_at=first, last_case_at=last)
