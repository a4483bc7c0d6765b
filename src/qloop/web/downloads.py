"""A file for the browser to save, never to show: user content and exports alike."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

OCTET_STREAM = "application/octet-stream"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The header naming a file ``name`` (any characters: sent as RFC 5987 UTF-8), to save
    or, ``inline``, to show."""
    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(name, safe='')}"


def attachment(data: bytes | str, name: str, media_type: str = OCTET_STREAM) -> Response:
    """``data`` as a download named ``name``."""
    headers = {"Content-Disposition": content_disposition(name),
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return Response(data, media_type=media_type, headers=headers)
