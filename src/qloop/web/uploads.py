"""Reading an uploaded file without holding more of it than will be kept."""

from __future__ import annotations

from fastapi import UploadFile

from qloop.core.errors import InputError


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing (without reading on) past ``limit``."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"larger than the limit of {limit:,} bytes", file=upload.filename)
    return data
