"""Profile of a numeric attribute over a failure mode's cases: "91 % of screen cracks came
from drops under 1.0 m".

The value is the case's own attribute (``drop_height_m`` told by the customer), else its
unit's (``glass_thickness_mm``). Numbers may be stored as JSON numbers or as text ("1.0",
"1,5"); anything else is counted as not numeric, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from qloop.core.errors import InputError
from qloop.intake.models import Case, Unit

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_BINS = 20


@dataclass(frozen=True)
class Profile:
    failure_mode: str
    attribute: str
    values: np.ndarray
    missing: int
    not_numeric: int
    thresholds: tuple[float, ...]

    def as_json(self) -> dict[str, Any]:
        values = self.values
        answer: dict[str, Any] = {
            "failure_mode": self.failure_mode,
            "attribute": self.attribute,
            "count": int(values.size),
            "missing": self.missing,
            "not_numeric": self.not_numeric,
        }
        if values.size == 0:
            return answer | {"quantiles": {}, "histogram": [], "below": []}
        edges = np.histogram_bin_edges(values, bins="auto")
        if len(edges) - 1 > MAX_BINS:
            edges = np.histogram_bin_edges(values, bins=MAX_BINS)
        counts, edges = np.histogram(values, bins=edges)
        answer |= {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean()),
            "quantiles": {
                f"p{round(q * 100):02d}": float(np.quantile(values, q)) for q in QUANTILES
            },
            "histogram": [
                {"from": float(low), "to": float(high), "count": int(n)}
                for low, high, n in zip(edges[:-1], edges[1:], counts, strict=True)
            ],
            "below": [self._below(t) for t in self.thresholds],
        }
        return answer

    def _below(self, threshold: float) -> dict[str, Any]:
        count = int((self.values < threshold).sum())
        share = count / self.values.size
        return {
            "threshold": threshold,
            "count": count,
            "share": share,
            "message": f"{share:.0%} of {self.failure_mode} cases at {self.attribute} "
            f"under {threshold}",
        }


def number(value: Any) -> float | None:
    """A stored value as a finite number, or None (text such as "1.0" and "1,5" counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        found = float(value)
    elif isinstance(value, str):
        try:
            found = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return found if math.isfinite(found) else None


def profile_attribute(
    session: Session, *, failure_mode: str, attribute: str, below: Sequence[float] = ()
) -> Profile:
    """The attribute's distribution over the cases of ``failure_mode``."""
    if not attribute.strip():
        raise InputError("name an attribute", column="attribute")
    if not all(math.isfinite(t) for t in below):
        raise InputError("thresholds must be finite numbers", column="below")
    unit = aliased(Unit)
    query = (
        select(Case.attributes, unit.attributes)
        .outerjoin(unit, unit.serial == Case.serial)
        .where(Case.failure_mode == failure_mode)
    )
    values: list[float] = []
    missing = not_numeric = 0
    for own, of_unit in session.execute(query):
        raw = (own or {}).get(attribute)
        if raw is None or raw == "":
            raw = (of_unit or {}).get(attribute)
        if raw is None or raw == "":
            missing += 1
            continue
        found = number(raw)
        if found is None:
            not_numeric += 1
        else:
            values.append(found)
    return Profile(failure_mode, attribute, np.asarray(values, dtype=float), missing,
                   not_numeric, tuple(below))  # fmt: skip
