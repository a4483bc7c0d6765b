"""Text no database can store: a NUL (PostgreSQL refuses it) or a lone surrogate.

Kept out of the web package so that schemas and services can check text
without loading the web framework.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


def unstorable(text: str) -> bool:
    """A NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8 at all) in the text."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def has_nul(value: Any) -> bool:
    """Whether a value, or any string inside it, holds text no database can store."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class StorableBody(BaseModel):
    """A request body no database will refuse: every text in it, nested ones too, is
    checked for what neither back end can store (a NUL), and refused with 422."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _storable(self) -> StorableBody:
        for name in type(self).model_fields:
            if has_nul(getattr(self, name)):
                raise ValueError(f"{name}: text with a NUL character cannot be stored")
        return self
