"""Typed settings read from ``QLOOP_*`` environment variables.

Nothing is read at import time: call :func:`get_settings` so tests can build
fresh settings without patching the environment of the whole process.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///qloop.db"


class Settings(BaseSettings):
    """Process-wide configuration; every field can be set as ``QLOOP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="QLOOP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    #: signs forms; when empty, qloop generates one on first run and keeps it in the database
    secret_key: str | None = None
    upload_limit_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    session_hours: float = Field(default=12.0, gt=0)
    #: rows per chunk: small chunks keep the working set in the CPU cache (measured)
    import_chunk_rows: int = Field(default=500, ge=1, le=10_000)


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
