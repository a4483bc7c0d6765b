"""What a plan runs from its steps: the containment list of D3 (counted, kept on the plan,
and attached as the XLSX the service network works from) and the verification of D6 (the
change's effect on the plan's failure mode and product, kept on the plan)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa.containment import find_affected_units, iter_affected_units
from qloop.capa.containment_export import write_containment_xlsx
from qloop.capa.files import attach_file
from qloop.capa.models import Plan
from qloop.capa.plans import _open_plan, record_containment, record_verification
from qloop.capa.verification import Verification, verify_change
from qloop.core.errors import Forbidden, InputError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def contain_for_plan(
    session: Session,
    *,
    plan_id: int,
    product: str,
    conditions: Sequence[tuple[str, str]],
    user: User,
    limit: int,
    as_of: dt.date | None = None,
    lang: str = "en",
    directory: Path | None = None,
) -> Plan:
    """Find the affected units, keep the counts on the plan and attach the list (XLSX)."""
    _demand_engineer(user)
    plan = _open_plan(session, plan_id)
    found = find_affected_units(session, product=product, conditions=conditions, as_of=as_of,
                                failure_mode=plan.failure_mode, limit=0)  # fmt: skip
    buffer = io.BytesIO()
    write_containment_xlsx(found, iter_affected_units(session, found.filter), buffer, lang=lang)
    data = buffer.getvalue()
    shown = "-".join(f"{a}={v}" for a, v in conditions)[:120] or product
    attach_file(session, plan_id=plan.id, name=f"containment {product} {shown}.xlsx",
                data=data, user=user, limit=max(limit, len(data)), directory=directory,
                content_type=XLSX)  # fmt: skip
    return record_containment(session, plan_id=plan.id, summary=found.summary_json(),
                              user_name=user.name)  # fmt: skip


def verify_for_plan(
    session: Session,
    *,
    plan_id: int,
    user: User,
    window_days: int = 90,
    cohort: str = "production",
    as_of: dt.date | None = None,
    confidence: float = 0.95,
) -> Verification:
    """Verify the plan's change (failure mode, product, change date) and keep the figures."""
    _demand_engineer(user)
    plan = _open_plan(session, plan_id)
    missing = [name for name in ("failure_mode", "product", "change_date")
               if getattr(plan, name) is None]  # fmt: skip
    if missing:
        raise InputError(f"set the plan's {', '.join(missing)} first (the change to verify)",
                         column=missing[0])  # fmt: skip
    assert plan.failure_mode and plan.product and plan.change_date
    result = verify_change(session, failure_mode=plan.failure_mode, product=plan.product,
                           change_date=plan.change_date, window_days=window_days,
                           cohort=cohort, as_of=as_of, confidence=confidence)  # fmt: skip
    record_verification(session, plan_id=plan.id, result=result.as_json(), user_name=user.name)
    return result


def _demand_engineer(user: User) -> None:
    from qloop.capa.actions import _is_engineer

    if not _is_engineer(user):
        raise Forbidden("this needs the engineer role")
