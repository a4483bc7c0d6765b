"""The terms of an effectiveness verification that commands declare as options: kept apart
from :mod:`qloop.capa.analysis` so that declaring them does not load SciPy (every ``qloop``
command would pay a second for it)."""

from __future__ import annotations

from enum import StrEnum

#: the reduction ``needed`` assumes when the data show none to extrapolate
DEFAULT_TARGET_REDUCTION = 0.5
#: the longest time in service a verification compares (ten years)
MAX_WINDOW_DAYS = 3650


class Cohort(StrEnum):
    """Which date puts a unit before or after the change."""

    PRODUCTION = "production"
    SHIP = "ship"
