"""Supplier claims: what the supplier of a bad lot is asked to pay back.

The total is affected units x cost per unit unless a total is given (a negotiated sum).
An edit of the units or the cost recomputes a total that was their product, with its own
audit entry, so the claim never asks for a sum its own figures contradict; a negotiated
total (one that differs from the product) stays, and an edit that gives a total keeps
that one. An empty total in an edit goes back to units x cost. The status moves draft ->
submitted -> accepted | rejected, accepted -> paid."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa.audit import audit
from qloop.capa.models import ClaimStatus, SupplierClaim
from qloop.capa.plans import _open_plan
from qloop.core.clock import now
from qloop.core.errors import Forbidden, InputError, InvalidTransition, NotFound
from qloop.rca.investigations import clean_text

NEXT: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.DRAFT: frozenset({ClaimStatus.SUBMITTED}),
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.ACCEPTED, ClaimStatus.REJECTED}),
    ClaimStatus.ACCEPTED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.REJECTED: frozenset({ClaimStatus.SUBMITTED}),
    ClaimStatus.PAID: frozenset(),
}
#: decimals kept of a cost per unit (a screw costs 0.125): the total is rounded to the cent
COST_PLACES = 6
FIELDS = ("supplier", "lot", "affected_units", "failures", "cost_per_unit", "currency",
          "total_claimed", "status", "note")  # fmt: skip


def create_claim(
    session: Session, *, plan_id: int, values: Mapping[str, Any], user: User
) -> SupplierClaim:
    _demand_engineer(user)
    plan = _open_plan(session, plan_id)
    supplier = clean_text(values.get("supplier"), "supplier", 200)
    if supplier is None:
        raise InputError("a claim names its supplier", column="supplier")
    units = _count(values.get("affected_units"), "affected_units")
    cost = _money(values.get("cost_per_unit"), "cost_per_unit", places=COST_PLACES)
    given = values.get("total_claimed")
    total = _money(given, "total_claimed") if given not in (None, "") else _total(units, cost)
    claim = SupplierClaim(plan_id=plan.id, supplier=supplier,
                          lot=clean_text(values.get("lot"), "lot", 200), affected_units=units,
                          failures=_count(values.get("failures") or 0, "failures"),
                          cost_per_unit=cost, currency=_currency(values.get("currency")),
                          total_claimed=total, status=ClaimStatus.DRAFT,
                          note=clean_text(values.get("note"), "note", 5000), created_at=now(),
                          created_by=user.name)  # fmt: skip
    session.add(claim)
    session.flush()
    audit(session, plan_id=plan.id, user_name=user.name, entity="claim", entity_id=claim.id,
          field="created", old=None,
          new=f"{supplier} {claim.lot or ''}: {total} {claim.currency}")  # fmt: skip
    return claim


def update_claim(
    session: Session, *, claim_id: int, changes: Mapping[str, Any], user: User
) -> SupplierClaim:
    _demand_engineer(user)
    claim = session.get(SupplierClaim, claim_id)
    if claim is None:
        raise NotFound(f"no supplier claim {claim_id}")
    _open_plan(session, claim.plan_id)
    derived = claim.total_claimed == _total(claim.affected_units, claim.cost_per_unit)
    recompute = derived
    for field, raw in changes.items():
        if field not in FIELDS:
            raise InputError(f"{field} cannot be changed", column=field)
        if field == "total_claimed":
            recompute = raw in (None, "")  # given: it wins; emptied: units x cost again
            if recompute:
                continue
        _change(session, claim, field, _parsed(claim, field, raw), user)
    if recompute:
        _change(session, claim, "total_claimed",
                _total(claim.affected_units, claim.cost_per_unit), user)  # fmt: skip
    session.flush()
    return claim


def _change(session: Session, claim: SupplierClaim, field: str, new: Any, user: User) -> None:
    """Set one field and audit it, when it really changes."""
    old = getattr(claim, field)
    if new != old:
        setattr(claim, field, new)
        audit(session, plan_id=claim.plan_id, user_name=user.name, entity="claim",
              entity_id=claim.id, field=field, old=old, new=new)  # fmt: skip


def list_claims(session: Session, plan_id: int) -> list[SupplierClaim]:
    query = select(SupplierClaim).where(SupplierClaim.plan_id == plan_id)
    return list(session.scalars(query.order_by(SupplierClaim.id)))


def _parsed(claim: SupplierClaim, field: str, raw: Any) -> Any:
    if field == "status":
        try:
            new = ClaimStatus(str(raw).strip())
        except ValueError:
            allowed = ", ".join(s.value for s in ClaimStatus)
            raise InputError(f"status {raw!r} is not one of {allowed}", column="status") from None
        if new != claim.status and new not in NEXT[claim.status]:
            raise InvalidTransition(f"a claim {claim.status.value} cannot become {new.value}")
        return new
    if field in ("affected_units", "failures"):
        return _count(raw, field)
    if field in ("cost_per_unit", "total_claimed"):
        return _money(raw, field, places=COST_PLACES if field == "cost_per_unit" else 2)
    if field == "currency":
        return _currency(raw)
    if field == "supplier":
        value = clean_text(raw, field, 200)
        if value is None:
            raise InputError("a claim names its supplier", column=field)
        return value
    return clean_text(raw, field, 5000 if field == "note" else 200)


def _count(raw: Any, field: str) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InputError(f"{field} is a whole number, not {raw!r}", column=field) from None
    if not 0 <= value <= 2**31 - 1:
        raise InputError(f"{field} is 0 or more", column=field)
    return value


def _money(raw: Any, field: str, *, places: int = 2) -> float:
    """An amount, rounded half up to ``places`` decimals (a unit cost may be below a cent)."""
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise InputError(f"{field} is an amount, not {raw!r}", column=field) from None
    if not value.is_finite() or value < 0 or value > Decimal("1e12"):
        raise InputError(f"{field} is an amount from 0 to 10^12", column=field)
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _total(units: int, cost: float) -> float:
    """units x cost to the cent, half up, computed in decimal (7 x 1.15 is 8.05)."""
    exact = units * Decimal(str(cost))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _currency(raw: Any) -> str:
    code = str(raw or "CNY").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise InputError(f"currency is a 3-letter code (CNY, USD, EUR), not {raw!r}",
                         column="currency")  # fmt: skip
    return code


def _demand_engineer(user: User) -> None:
    from qloop.capa.actions import _is_engineer

    if not _is_engineer(user):
        raise Forbidden("supplier claims need the engineer role")
