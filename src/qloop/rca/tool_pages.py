"""The forms of an investigation's page: 5-Why steps, fishbone causes, FMEA rows and the
FMEA spreadsheet. Each form posts here, changes one thing in one transaction and returns to
its section; a refused change comes back as a message on the page, nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response

from qloop.accounts.models import User
from qloop.core.errors import InputError, QloopError
from qloop.rca import fishbone, five_why, fmea
from qloop.rca.fmea_fields import COLUMNS, FmeaInput
from qloop.rca.investigation_api import InvestigationId
from qloop.web.deps import PageUser, SessionDep
from qloop.web.downloads import attachment
from qloop.web.form_changes import form_change

pages = APIRouter(include_in_schema=False)
ItemId = InvestigationId
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=2000)]
Csrf = Annotated[str | None, Form()]
BASE = "/investigations/{investigation_id}"


def _change(
    request: Request, session: Any, user: User, csrf: str | None, investigation_id: int,
    section: str, change: Callable[[], object],
) -> Response:  # fmt: skip
    """:func:`form_change` back to a section of the investigation's page."""
    target = f"/investigations/{investigation_id}#{section}"
    return form_change(request, session, user, csrf, target, change)


async def _file(upload: UploadFile | None, limit: int) -> tuple[str | None, bytes | None]:
    if upload is None or not upload.filename:
        return None, None
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"the file is larger than {limit:,} bytes", file=upload.filename)
    return upload.filename, data


@pages.post(BASE + "/five-why")
async def add_step(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    why: Long = "", because: Long = "", case_id: Short = "", suspect: Short = "",
    note: Long = "", file: UploadFile | None = None, csrf: Csrf = None,
) -> Response:  # fmt: skip
    name, data = await _file(file, five_why.MAX_EVIDENCE_BYTES)
    evidence = five_why.Evidence(case_id, suspect, note, name, data)
    return _change(request, session, user, csrf, investigation_id, "five-why", lambda: (
        five_why.add_step(session, investigation_id=investigation_id, why=why, because=because,
                          user_name=user.name, evidence=evidence)))  # fmt: skip


@pages.post(BASE + "/five-why/{step_id}")
async def update_step(
    investigation_id: InvestigationId, step_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, why: Long = "", because: Long = "", case_id: Short = "",
    suspect: Short = "", note: Long = "", file: UploadFile | None = None, csrf: Csrf = None,
) -> Response:  # fmt: skip
    name, data = await _file(file, five_why.MAX_EVIDENCE_BYTES)
    evidence = five_why.Evidence(case_id, suspect, note, name, data)
    return _change(request, session, user, csrf, investigation_id, "five-why", lambda: (
        five_why.update_step(session, investigation_id=investigation_id, step_id=step_id,
                             changes={"why": why, "because": because}, user_name=user.name,
                             evidence=evidence)))  # fmt: skip


@pages.post(BASE + "/five-why/{step_id}/delete")
def remove_step(
    investigation_id: InvestigationId, step_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, csrf: Csrf = None,
) -> Response:  # fmt: skip
    return _change(request, session, user, csrf, investigation_id, "five-why", lambda: (
        five_why.remove_step(session, investigation_id=investigation_id, step_id=step_id,
                             user_name=user.name)))  # fmt: skip


@pages.post(BASE + "/five-why/{step_id}/move")
def move_step(
    investigation_id: InvestigationId, step_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, position: Annotated[int, Form(ge=1, le=1000)], csrf: Csrf = None,
) -> Response:  # fmt: skip
    return _change(request, session, user, csrf, investigation_id, "five-why", lambda: (
        five_why.move_step(session, investigation_id=investigation_id, step_id=step_id,
                           position=position, user_name=user.name)))  # fmt: skip


@pages.get(BASE + "/five-why/{step_id}/file")
def evidence_file(
    investigation_id: InvestigationId, step_id: ItemId, session: SessionDep, _user: PageUser
) -> Response:
    """The evidence file, as an attachment (never rendered inline: it is user content)."""
    name, data = five_why.evidence_file(session, investigation_id=investigation_id,
                                        step_id=step_id)  # fmt: skip
    return attachment(data, name)


@pages.post(BASE + "/fishbone")
def add_cause(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    category: Short = "", text: Short = "", state: Short = "suspected", note: Long = "",
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    return _change(request, session, user, csrf, investigation_id, "fishbone", lambda: (
        fishbone.add_cause(session, investigation_id=investigation_id, category=category,
                           text=text, state=state, note=note, user_name=user.name)))  # fmt: skip


@pages.post(BASE + "/fishbone/from-suspect")
def add_suspect_cause(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    attribute: Short = "", value: Short = "", figures: Long = "", csrf: Csrf = None,
) -> Response:  # fmt: skip
    """One click on a suspect row: it becomes a suspected cause on the fishbone."""
    return _change(request, session, user, csrf, investigation_id, "fishbone", lambda: (
        fishbone.add_suspect_cause(session, investigation_id=investigation_id,
                                   attribute=attribute, value=value, figures=figures,
                                   user_name=user.name)))  # fmt: skip


@pages.post(BASE + "/fishbone/{cause_id}")
def update_cause(
    investigation_id: InvestigationId, cause_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, category: Short = "", state: Short = "", note: Long = "",
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    changes = {"category": category, "state": state, "note": note}
    return _change(request, session, user, csrf, investigation_id, "fishbone", lambda: (
        fishbone.update_cause(session, investigation_id=investigation_id, cause_id=cause_id,
                              changes=changes, user_name=user.name)))  # fmt: skip


@pages.post(BASE + "/fishbone/{cause_id}/delete")
def remove_cause(
    investigation_id: InvestigationId, cause_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, csrf: Csrf = None,
) -> Response:  # fmt: skip
    return _change(request, session, user, csrf, investigation_id, "fishbone", lambda: (
        fishbone.remove_cause(session, investigation_id=investigation_id, cause_id=cause_id,
                              user_name=user.name)))  # fmt: skip


async def _fmea_values(request: Request) -> FmeaInput:
    form = await request.form()
    values = {name: form.get(name) for name, *_ in COLUMNS}
    if any(isinstance(v, str) and len(v) > 2000 for v in values.values()):
        raise InputError("a field holds at most 2000 characters", column="fmea")
    return FmeaInput.parse(values)


@pages.post(BASE + "/fmea")
async def add_row(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    csrf: Csrf = None,
) -> Response:  # fmt: skip
    async def values() -> FmeaInput:
        return await _fmea_values(request)

    try:
        parsed = await values()
    except InputError as error:
        return _change(request, session, user, csrf, investigation_id, "fmea", _raise(error))
    return _change(request, session, user, csrf, investigation_id, "fmea", lambda: (
        fmea.add_row(session, investigation_id=investigation_id, values=parsed,
                     user_name=user.name)))  # fmt: skip


@pages.post(BASE + "/fmea/{row_id}")
async def update_row(
    investigation_id: InvestigationId, row_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, csrf: Csrf = None,
) -> Response:  # fmt: skip
    try:
        parsed = await _fmea_values(request)
    except InputError as error:
        return _change(request, session, user, csrf, investigation_id, "fmea", _raise(error))
    return _change(request, session, user, csrf, investigation_id, "fmea", lambda: (
        fmea.update_row(session, investigation_id=investigation_id, row_id=row_id,
                        values=parsed, user_name=user.name)))  # fmt: skip


@pages.post(BASE + "/fmea/{row_id}/delete")
def remove_row(
    investigation_id: InvestigationId, row_id: ItemId, request: Request, session: SessionDep,
    user: PageUser, csrf: Csrf = None,
) -> Response:  # fmt: skip
    return _change(request, session, user, csrf, investigation_id, "fmea", lambda: (
        fmea.remove_row(session, investigation_id=investigation_id, row_id=row_id,
                        user_name=user.name)))  # fmt: skip


def _raise(error: QloopError) -> Callable[[], object]:
    def fail() -> object:
        raise error

    return fail
