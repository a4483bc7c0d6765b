"""Downloads of a corrective action plan's 8D report: PDF, XLSX and DOCX, in English or
Chinese, for any signed-in user (``/plans/{id}/report.pdf?lang=zh``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from qloop.capa.report import render_8d_pdf
from qloop.capa.report_docx import render_8d_docx
from qloop.capa.report_xlsx import render_8d_xlsx
from qloop.web.deps import PageUser, SessionDep

pages = APIRouter(include_in_schema=False)
Lang = Annotated[str, Query(pattern="^(en|zh|zh_CN)$")]
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(data: bytes, media_type: str, name: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


@pages.get("/plans/{plan_id}/report.pdf")
def report_pdf(plan_id: int, session: SessionDep, _user: PageUser, lang: Lang = "en") -> Response:
    return _download(render_8d_pdf(session, plan_id, lang), PDF, f"8d-{plan_id}.pdf")


@pages.get("/plans/{plan_id}/report.xlsx")
def report_xlsx(plan_id: int, session: SessionDep, _user: PageUser, lang: Lang = "en") -> Response:
    return _download(render_8d_xlsx(session, plan_id, lang), XLSX, f"8d-{plan_id}.xlsx")


@pages.get("/plans/{plan_id}/report.docx")
def report_docx(plan_id: int, session: SessionDep, _user: PageUser, lang: Lang = "en") -> Response:
    return _download(render_8d_docx(session, plan_id, lang), DOCX, f"8d-{plan_id}.docx")
