"""The taxonomy page: everyone with access reads it, admins edit it; the severity rules shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from qloop.accounts.models import Role, User
from qloop.classify.service import severity_rules
from qloop.core.errors import InputError, NotFound
from qloop.core.settings import Settings
from qloop.taxonomy import service
from qloop.taxonomy.schemas import (
    CategorySpec,
    FailureModeSpec,
    dump_taxonomy,
    parse_taxonomy,
)
from qloop.web.csrf import check_session_form
from qloop.web.deps import (
    PageUser,
    SessionDep,
    SettingsDep,
    demand_role,
    has_role,
    page_context,
    render,
)
from qloop.web.downloads import attachment

pages = APIRouter(include_in_schema=False)
TAXONOMY_FILE_LIMIT = 2 * 1024 * 1024
Text = Annotated[str, Form()]


def _terms(text: str) -> list[str]:
    """Terms typed one per line or separated by commas (、 and ， too)."""
    return [t.strip() for t in re.split(r"[\n,，、;；]+", text) if t.strip()]


@pages.get("/taxonomy", response_class=HTMLResponse)
def taxonomy_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> HTMLResponse:
    """Categories, failure modes and their words; the severity rules in use."""
    return _taxonomy_page(request, session, settings, user)


def _taxonomy_page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    try:
        _, rules_text, rules_source = severity_rules(settings)
    except InputError as problem:
        rules_text, rules_source = "", f"error: {problem}"
    context = page_context(
        request,
        user,
        taxonomy=service.load_taxonomy(session),
        editable=has_role(user, Role.ADMIN),
        rules_text=rules_text,
        rules_source=rules_source,
        error=error,
    )
    return render(request, "taxonomy/taxonomy.html", context, status)


@pages.get("/taxonomy.yaml", response_class=PlainTextResponse)
def taxonomy_file(session: SessionDep, user: PageUser) -> Response:
    text = dump_taxonomy(service.load_taxonomy(session))
    return attachment(text, "taxonomy.yaml", "application/yaml; charset=utf-8")


def _saved(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: User,
    save: Callable[[], object],
) -> Response:
    """Run one change; show the page again with the reason when it is refused."""
    try:
        save()
    except (InputError, NotFound) as problem:
        session.rollback()
        return _taxonomy_page(request, session, settings, user, str(problem), 422)
    except ValidationError as problem:
        first = problem.errors()[0]
        where = first["loc"][-1] if first["loc"] else "taxonomy"
        session.rollback()
        return _taxonomy_page(request, session, settings, user, f"{where}: {first['msg']}", 422)
    return RedirectResponse("/taxonomy", status_code=303)


@pages.post("/taxonomy/categories")
def save_category(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    code: Text,
    name_en: Text = "",
    name_zh: Text = "",
    keywords: Text = "",
    parts: Text = "",
    causes: Text = "",
    functions: Text = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a category or change one (its failure modes are edited on their own)."""
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)

    def save() -> None:
        spec = CategorySpec(
            code=code,
            name_en=name_en or None,
            name_zh=name_zh or None,
            keywords=_terms(keywords),
            parts=_terms(parts),
            causes=_terms(causes),
            functions=_terms(functions),
        )
        service.save_category(session, spec, replace_modes=False)

    return _saved(request, session, settings, user, save)


@pages.post("/taxonomy/modes")
def save_mode(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    category: Text,
    code: Text,
    name_en: Text = "",
    name_zh: Text = "",
    keywords: Text = "",
    functions: Text = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a failure mode under a category, or change one."""
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)

    def save() -> None:
        spec = FailureModeSpec(
            code=code,
            name_en=name_en or None,
            name_zh=name_zh or None,
            keywords=_terms(keywords),
            functions=_terms(functions),
        )
        service.save_failure_mode(session, category=category, spec=spec)

    return _saved(request, session, settings, user, save)


@pages.post("/taxonomy/modes/{code}/delete")
def delete_mode(
    code: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)
    return _saved(
        request, session, settings, user, lambda: service.delete_failure_mode(session, code=code)
    )


@pages.post("/taxonomy/import")
def import_taxonomy_file(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    file: UploadFile,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Replace the taxonomy with an uploaded YAML file (as ``qloop taxonomy import``)."""
    check_session_form(request, csrf)
    demand_role(user, Role.ADMIN)
    raw = file.file.read(TAXONOMY_FILE_LIMIT + 1)  # the gate refused larger bodies already
    name = file.filename or "taxonomy.yaml"

    def save() -> None:
        if len(raw) > TAXONOMY_FILE_LIMIT:
            raise InputError("is larger than 2 MB", file=name)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("is not UTF-8 text", file=name) from None
        service.import_taxonomy(session, parse_taxonomy(text, source=name))

    return _saved(request, session, settings, user, save)
