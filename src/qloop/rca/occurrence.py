"""Occurrence (O) suggested from field data: the failure mode's rate per 1000 units.

The rating follows the occurrence table by incidents per 1000 items of the AIAG FMEA
reference manual (4th edition, 2008), which the AIAG & VDA handbook (2019) keeps as an
alternative DFMEA occurrence table: >= 100 per 1000 -> 10, >= 50 -> 9, >= 20 -> 8,
>= 10 -> 7, >= 2 -> 6, >= 0.5 -> 5, >= 0.1 -> 4, >= 0.01 -> 3, lower -> 2. Rating 1 means
"failure eliminated through prevention", which field data cannot show, so it is never
suggested. Rate = distinct units with a case of the mode / units of the product(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qloop.intake.models import Case, Unit

#: (lowest incidents per 1000 units, rating), highest first
OCCURRENCE_SCALE: tuple[tuple[float, int], ...] = (
    (100.0, 10), (50.0, 9), (20.0, 8), (10.0, 7), (2.0, 6),
    (0.5, 5), (0.1, 4), (0.01, 3),
)  # fmt: skip


def occurrence_rating(per_1000: float) -> int:
    """The rating of a rate given as incidents per 1000 units (2 below the table)."""
    if per_1000 < 0:
        raise ValueError(f"a rate is not negative: {per_1000}")
    return next((rating for lowest, rating in OCCURRENCE_SCALE if per_1000 >= lowest), 2)


@dataclass(frozen=True)
class OccurrenceSuggestion:
    failure_mode: str
    products: tuple[str, ...]
    units: int
    failures: int
    per_1000: float | None
    rating: int | None

    def as_json(self) -> dict[str, Any]:
        return {"failure_mode": self.failure_mode, "products": list(self.products),
                "units": self.units, "failures": self.failures, "per_1000": self.per_1000,
                "rating": self.rating}  # fmt: skip


def suggest_occurrence(
    session: Session, *, failure_mode: str, product: str | None = None
) -> OccurrenceSuggestion:
    """O from the field: units of ``product`` (else of every product with such a case)."""
    unit = aliased(Unit)
    if product:
        products: tuple[str, ...] = (product,)
    else:
        owner = func.coalesce(Case.product, unit.product)
        query = (select(owner).distinct().outerjoin(unit, unit.serial == Case.serial)
                 .where(Case.failure_mode == failure_mode, owner.is_not(None)))  # fmt: skip
        products = tuple(sorted(session.scalars(query)))
    units = session.scalar(select(func.count()).where(Unit.product.in_(products))) or 0
    failed = (
        select(func.count(func.distinct(Case.serial)))
        .join(Unit, Unit.serial == Case.serial)
        .where(Case.failure_mode == failure_mode, Unit.product.in_(products))
    )
    failures = session.scalar(failed) or 0
    if units == 0:
        return OccurrenceSuggestion(failure_mode, products, 0, failures, None, None)
    per_1000 = 1000.0 * failures / units
    return OccurrenceSuggestion(failure_mode, products, units, failures, per_1000,
                                occurrence_rating(per_1000))  # fmt: skip
