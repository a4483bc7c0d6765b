"""Downloads of an investigation — the whole of it (HTML, PDF, XLSX) and its FMEA worksheet
in the classic spreadsheet layout — and the worksheet's import from such a spreadsheet."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qloop.accounts.models import Role
from qloop.core.errors import InputError, QloopError
from qloop.rca import fmea
from qloop.rca.dossier import build_dossier
from qloop.rca.fmea_xlsx import read_fmea_xlsx, write_fmea_xlsx
from qloop.rca.investigation_api import InvestigationId
from qloop.rca.investigations import require_investigation
from qloop.rca.report import locale_of, render_investigation_html, render_investigation_pdf
from qloop.rca.report_xlsx import render_investigation_xlsx
from qloop.web.csrf import check_session_form
from qloop.web.deps import PageUser, SessionDep, demand_role
from qloop.web.downloads import attachment

pages = APIRouter(include_in_schema=False)
Lang = Annotated[str, Query(pattern="^(en|zh|zh_CN)$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: a worksheet of 500 rows is well under a megabyte
MAX_FMEA_BYTES = 5 * 1024 * 1024


@pages.get("/investigations/{investigation_id}/export.html", response_class=HTMLResponse)
def export_html(
    investigation_id: InvestigationId, session: SessionDep, _user: PageUser, lang: Lang = "en"
) -> Response:
    dossier = build_dossier(session, investigation_id, locale_of(lang))
    html = render_investigation_html(dossier, lang)
    return attachment(html, f"investigation-{investigation_id}.html", "text/html; charset=utf-8")


@pages.get("/investigations/{investigation_id}/export.pdf")
def export_pdf(
    investigation_id: InvestigationId, session: SessionDep, _user: PageUser, lang: Lang = "en"
) -> Response:
    dossier = build_dossier(session, investigation_id, locale_of(lang))
    pdf = render_investigation_pdf(dossier, lang)
    return attachment(pdf, f"investigation-{investigation_id}.pdf", "application/pdf")


@pages.get("/investigations/{investigation_id}/export.xlsx")
def export_xlsx(
    investigation_id: InvestigationId, session: SessionDep, _user: PageUser, lang: Lang = "en"
) -> Response:
    dossier = build_dossier(session, investigation_id, locale_of(lang))
    data = render_investigation_xlsx(dossier, lang)
    return attachment(data, f"investigation-{investigation_id}.xlsx", XLSX)


@pages.get("/investigations/{investigation_id}/fmea.xlsx")
def export_fmea(
    investigation_id: InvestigationId, session: SessionDep, _user: PageUser, lang: Lang = "en"
) -> Response:
    """The FMEA worksheet in the classic layout (imports again as it is)."""
    found = require_investigation(session, investigation_id)
    revisions = fmea.revisions(session, investigation_id)
    data = write_fmea_xlsx(fmea.worksheet(session, investigation_id), title=found.title,
                           product=found.product,
                           revision=revisions[0].number if revisions else None,
                           lang="zh" if lang.startswith("zh") else "en")  # fmt: skip
    return attachment(data, f"fmea-{investigation_id}.xlsx", XLSX)


@pages.post("/investigations/{investigation_id}/fmea/import")
async def import_fmea(
    investigation_id: InvestigationId, request: Request, session: SessionDep, user: PageUser,
    file: UploadFile, csrf: Annotated[str | None, Form()] = None,
) -> Response:  # fmt: skip
    """Replace the worksheet's rows with a spreadsheet's (one revision); a bad row refuses
    the whole file, with its row and column said on the page."""
    check_session_form(request, csrf)
    demand_role(user, Role.ENGINEER)
    name = file.filename or "fmea.xlsx"
    target = f"/investigations/{investigation_id}"
    try:
        data = await file.read(MAX_FMEA_BYTES + 1)
        if len(data) > MAX_FMEA_BYTES:
            raise InputError(f"larger than {MAX_FMEA_BYTES:,} bytes", file=name)
        rows = read_fmea_xlsx(data, file_name=name)
        fmea.replace_rows(session, investigation_id=investigation_id, rows=rows,
                          user_name=user.name,
                          summary=f"imported from {name}: {len(rows)} rows")  # fmt: skip
    except QloopError as error:
        session.rollback()
        return RedirectResponse(f"{target}?error={quote(str(error))}#fmea", status_code=303)
    return RedirectResponse(f"{target}#fmea", status_code=303)
