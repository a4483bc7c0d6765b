"""The one clock qloop stamps its own records with."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """Naive UTC, as every time qloop keeps for itself is stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
