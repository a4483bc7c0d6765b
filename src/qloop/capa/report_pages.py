"""Downloads of a corrective action plan's 8D report: PDF, XLSX and DOCX, in English or
Chinese, for any signed-in user (``/plans/{id}/report.pdf?lang=zh``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from qloop.capa.report import render_8d_pdf
from qloop.capa.report_docx import render_8d_docx
from qloop.capa.report_xlsx import render_8d_xlsx
from qloop.web.deps import PageUser, SessionDep
from qloop.web.downloads import attachment

pages = APIRouter(include_in_schema=False)
Lang = Annotated[str, Query(pattern="^(en|zh|zh_CN)$")]
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pages.get("/plans/{plan_id}/report.pdf")
def report_pdf(plan_id: int, session: SessionDep, _user: PageUser, lang: Lang = "en") -> Response:
    return attachment(render_8d_pdf(session, plan_id, lang), f"8d-{plan_id}.pdf", PDF)


@pages.get("/plans/{plan_id}/report.xlsx")
def report_xlsx(plan_id: int, session: SessionDep, _user: PageUser, lang: Lang = "en") -> Response:
    return attachment(render_8d_xlsx(session, plan_id, lang), f"8d-{plan_id}.xlsx", XLSX)


@pages.get("/plans/{plan_id}/report.docx")
def report_docx(plan_id: int, session: SessionDep, _user: PageUser, lang: Lang = "en") -> Response:
    return attachment(render_8d_docx(session, plan_id, lang), f"8d-{plan_id}.docx", DOCX)
