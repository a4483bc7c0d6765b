"""Evidence files of plans and actions: upload (multipart) and download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, UploadFile
from fastapi.responses import Response

from qloop.capa.api import Id
from qloop.capa.files import attach_file, file_content
from qloop.capa.schemas import FileRead
from qloop.web.deps import OwnerRole, Reader, SessionDep, SettingsDep
from qloop.web.downloads import attachment
from qloop.web.uploads import read_limited

router = APIRouter(prefix="/api/v1", tags=["corrective actions"])


@router.post("/plans/{plan_id}/files", response_model=FileRead, status_code=201)
async def upload(
    plan_id: Id, file: UploadFile, session: SessionDep, settings: SettingsDep, user: OwnerRole,
    action_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> FileRead:  # fmt: skip
    """Attach a file to the plan, or to one of its actions (owners: their own actions)."""
    data = await read_limited(file, settings.evidence_limit_bytes)
    found = attach_file(
        session,
        plan_id=plan_id,
        name=file.filename or "evidence",
        data=data,
        user=user,
        limit=settings.evidence_limit_bytes,
        action_id=action_id,
        content_type=file.content_type,
        directory=settings.evidence_dir,
    )
    return FileRead.of(found)


@router.get("/files/{file_id}")
def download(file_id: Id, session: SessionDep, user: Reader) -> Response:
    """The file as an attachment (never shown inline: it is user content). A plan's files
    are for everyone who reads the plan; an action's for its owner and engineers."""
    found, data = file_content(session, file_id=file_id, user=user)
    return attachment(data, found.name)
