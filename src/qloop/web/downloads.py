"""A file for the browser to save, never to show: user content and exports alike."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

OCTET_STREAM = "application/octet-stream"


def attachment(data: bytes | str, name: str, media_type: str = OCTET_STREAM) -> Response:
    """``data`` as a download named ``name`` (any characters: sent as RFC 5987 UTF-8)."""
    disposition = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)
