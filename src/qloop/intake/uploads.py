"""Imports through the web: an uploaded file goes through the same import as the CLI.

The size is checked from the request's Content-Length before the body is
read, and again while the file is copied, so an over-large upload is refused
without being stored; the type is checked from the file name. The run, with
its rejects file as text, is kept in ``import_runs`` for download later.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.core.clock import now
from qloop.intake import service
from qloop.intake.models import ImportRun
from qloop.intake.records import SPECS

ACCEPTED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
_COPY_BLOCK = 1 << 20


def check_request_size(request: Request) -> None:
    """Refuse a body larger than the upload limit before reading it."""
    limit: int = request.app.state.settings.upload_limit_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the upload is larger than the limit of {limit:,} bytes")


def run_upload(
    request: Request, session: Session, *, table: str, upload: UploadFile, user: User
) -> ImportRun:
    """Import the uploaded file into ``table`` and record the run."""
    if table not in SPECS:
        raise HTTPException(404, f"no table {table}; there are {', '.join(SPECS)}")
    name = _display_name(upload.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise HTTPException(415, f"{name}: use a .csv or .xlsx file")
    limit: int = request.app.state.settings.upload_limit_bytes
    with tempfile.TemporaryDirectory(prefix="qloop-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        _copy_limited(upload, path, limit)
        rejects_path = Path(folder) / "rejects.csv"
        result = service.import_file(
            request.app.state.engine,
            table=table,
            path=path,
            rejects_path=rejects_path,
            settings=request.app.state.settings,
        )
        rejects = rejects_path.read_text(encoding="utf-8-sig") if result.rejects_path else None
    run = ImportRun(
        table_name=table,
        file_name=name,
        user_name=user.name,
        imported_at=now(),
        read=result.read,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        rejects_csv=rejects,
    )
    session.add(run)
    session.flush()
    return run


def _copy_limited(upload: UploadFile, target: Path, limit: int) -> None:
    copied = 0
    with target.open("wb") as out:
        while block := upload.file.read(_COPY_BLOCK):
            copied += len(block)
            if copied > limit:
                raise HTTPException(413, f"the upload is larger than the limit of {limit:,} bytes")
            out.write(block)
    if copied == 0:
        raise HTTPException(422, "the uploaded file is empty")


def require_run(session: Session, run_id: int) -> ImportRun:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise HTTPException(404, f"no import {run_id}")
    return run


def _display_name(filename: str | None) -> str:
    """The uploaded file's name as kept with the run: no folders, no control characters,
    no broken text, at most 200 characters (checked before anything is imported)."""
    name = Path((filename or "upload").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).encode("utf-8", "ignore").decode()
    if len(name) > 200:
        suffix = Path(name).suffix[:10]
        name = name[: 200 - len(suffix)] + suffix
    return name or "upload"
