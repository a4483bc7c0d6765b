"""Values as JSON can carry them: analytics produce numpy scalars, NaN and infinity."""

from __future__ import annotations

import math
from typing import Any


def json_ready(value: Any) -> Any:
    """A numpy scalar as the Python number it holds; NaN and infinity (an undefined or
    unbounded figure, which JSON cannot write) as None; anything else unchanged."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
