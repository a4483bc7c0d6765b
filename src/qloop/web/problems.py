"""Errors as ``application/problem+json`` (RFC 9457), from one place for the whole app.

Services raise ``core.errors`` exceptions; this module maps them to status
codes, so no endpoint repeats a 404 block.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from qloop.core.errors import Forbidden, InputError, InvalidTransition, NotFound

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not logged in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    411: "Length required",
    413: "Too large",
    415: "Unsupported file type",
    422: "Invalid input",
}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _printable(text: str) -> str:
    """Text safe to put in a JSON body, even when the input held a lone surrogate."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem responses."""

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _printable(".".join(str(p) for p in item["loc"] if p != "body")),
                "reason": _printable(str(item["msg"])),
            }
            for item in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem(422, detail, errors=errors)

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, error: NotFound) -> JSONResponse:
        return problem(404, str(error))

    @app.exception_handler(InputError)
    async def input_error(_request: Request, error: InputError) -> JSONResponse:
        extra = (
            {"errors": [{"field": error.column, "reason": error.reason}]} if error.column else {}
        )
        return problem(422, str(error), **extra)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, error: Forbidden) -> JSONResponse:
        return problem(403, str(error))

    @app.exception_handler(InvalidTransition)
    async def conflict(_request: Request, error: InvalidTransition) -> JSONResponse:
        return problem(409, str(error))

    @app.exception_handler(IntegrityError)
    async def collision(request: Request, error: IntegrityError) -> JSONResponse:
        """Services check uniqueness before they write, so a constraint that still refuses
        a row means another request stored the same thing in between (two clients creating
        one case id at once): the loser is told to reload, not given a 500."""
        log.warning("%s %s refused by the database: %s", request.method, request.url.path,
                    str(error.orig).splitlines()[0] if error.orig else error)  # fmt: skip
        return problem(409, "another change stored the same record at the same time; "
                            "nothing was saved: reload and try again")  # fmt: skip
