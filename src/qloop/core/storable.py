"""Text no database can store: a NUL (PostgreSQL refuses it) or a lone surrogate.

Kept out of the web package so that schemas and services can check text
without loading the web framework.
"""

from __future__ import annotations

from typing import Any


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
