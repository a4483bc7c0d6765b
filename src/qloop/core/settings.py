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
    #: rows per chunk: small chunks keep the working set in the CPU cache (measured)
    import_chunk_rows: int = Field(default=500, ge=1, le=10_000)


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
