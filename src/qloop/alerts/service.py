"""Check the alert rules against the database, store what they find, acknowledge alerts.

Only complete periods are judged: a month (or ISO week) counts once its last day is on
or before ``as_of`` (default: the last day with data), so a half-finished month cannot
look like a drop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qloop.alerts.analysis import (
    EmergingRule,
    TrendRule,
    emerging_findings,
    target_findings,
    trend_findings,
)
from qloop.alerts.findings import Finding
from qloop.alerts.models import Alert
from qloop.core.clock import now
from qloop.core.errors import InputError, NotFound
from qloop.core.settings import Settings
from qloop.core.storable import has_nul
from qloop.intake.models import Case, Unit
from qloop.kpi import service as kpi_service
from qloop.kpi import targets as kpi_targets
from qloop.kpi.analysis import NO_GROUP, units_shipped_by
from qloop.kpi.definitions import GroupBy
from qloop.kpi.periods import (
    PeriodKind,
    assign_periods,
    period_end,
    period_key,
    period_start,
    period_starts,
)

DEFAULT_LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class Checked:
    """What a check did: alerts newly raised, updated (a trend grew) and all in the window."""

    raised: int
    updated: int
    alerts: list[Alert]


def last_complete_day(as_of: dt.date, kind: PeriodKind) -> dt.date:
    """Last day of the latest period that has ended by ``as_of``."""
    return period_start(as_of + dt.timedelta(days=1), kind) - dt.timedelta(days=1)


def check_alerts(
    session: Session,
    settings: Settings,
    *,
    since: dt.date | None = None,
    as_of: dt.date | None = None,
) -> Checked:
    """Run every rule over complete periods ending on or after ``since``; store the findings."""
    kpi_service.check_dates(since, as_of)
    span = kpi_service.data_span(session)
    if span is None:
        return Checked(0, 0, [])
    # a mistyped future date in the data must not move "now" years ahead
    as_of = as_of or min(span[1], dt.date.today())
    since = since or as_of - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)
    findings = _kpi_findings(session, settings, span[0], as_of, since)
    findings += _emerging(session, settings, span[0], as_of, since)
    raised, updated = _store(session, findings)
    return Checked(raised, updated, list_alerts(session, since=since, limit=None))


def _kpi_findings(
    session: Session, settings: Settings, first: dt.date, as_of: dt.date, since: dt.date
) -> list[Finding]:
    last = last_complete_day(as_of, PeriodKind.MONTH)
    if last < first:
        return []
    rule = TrendRule(settings.trend_periods, settings.alert_min_count, settings.trend_significance)
    in_force = kpi_targets.effective_targets(session, settings.kpi_targets)

    def target_of(metric: str, product: str | None) -> float | None:
        found = kpi_targets.target_for(in_force, metric, product)
        return None if found is None else found.value

    starts = period_starts(first, last, PeriodKind.MONTH)
    ends = {period_key(s, PeriodKind.MONTH): period_end(s, PeriodKind.MONTH) for s in starts}
    findings: list[Finding] = []
    for by, scope_key in ((None, None), (GroupBy.PRODUCT, "product"), (GroupBy.REGION, "region")):
        frame = kpi_service.kpi_table(
            session, by=by, first=starts[0], last=last, repeat_days=settings.repeat_days
        ).frame
        findings += trend_findings(
            frame, scope_key=scope_key, kind=PeriodKind.MONTH, period_ends=ends, rule=rule,
            since=since,
        )  # fmt: skip
        if scope_key != "region":
            findings += target_findings(
                frame, scope_key=scope_key, target_of=target_of, period_ends=ends,
                min_count=settings.alert_min_count, since=since,
            )  # fmt: skip
    return findings


def _emerging(
    session: Session, settings: Settings, first: dt.date, as_of: dt.date, since: dt.date
) -> list[Finding]:
    last = last_complete_day(as_of, PeriodKind.WEEK)
    starts = period_starts(first, last, PeriodKind.WEEK)
    if not starts:
        return []
    unit = aliased(Unit)
    product = func.coalesce(Case.product, unit.product)
    rows = session.execute(
        select(Case.received_at, product, Case.failure_mode)
        .outerjoin(unit, unit.serial == Case.serial)
        .where(Case.failure_mode.is_not(None), Case.received_at >= starts[0])
    ).all()
    if not rows:
        return []
    cases = pd.DataFrame.from_records(rows, columns=["received_at", "product", "failure_mode"])
    stop = last + dt.timedelta(days=1)
    cases["week"] = assign_periods(cases["received_at"], starts, stop)
    cases = cases[cases["week"] >= 0]
    exposure = _weekly_exposure(session, starts)
    rule = EmergingRule(
        alpha=settings.emerging_alpha,
        history_weeks=settings.emerging_history_weeks,
        new_cases=settings.emerging_new_cases,
    )
    keys = [period_key(s, PeriodKind.WEEK) for s in starts]
    ends = [period_end(s, PeriodKind.WEEK) for s in starts]
    findings: list[Finding] = []
    grouped = cases.groupby(["product", "failure_mode"], dropna=False)["week"]
    for (code, mode), weeks in grouped:
        counts = np.bincount(weeks.to_numpy(dtype=np.int64), minlength=len(starts))
        known = None if pd.isna(code) else str(code)
        scope = {"failure_mode": str(mode)} | ({"product": known} if known else {})
        findings += emerging_findings(
            counts, exposure.get(known) if known else None, weeks=keys, week_ends=ends,
            scope=scope, rule=rule, since=since,
        )  # fmt: skip
    return findings


def _weekly_exposure(session: Session, starts: list[dt.date]) -> dict[str, np.ndarray]:
    """Units in service at each week's end, per product."""
    shipped = kpi_service.shipped_per_day(session, GroupBy.PRODUCT, None)
    ends = [period_end(s, PeriodKind.WEEK) for s in starts]
    return {
        str(code): units_shipped_by(frame, ends)
        for code, frame in shipped.groupby("group")
        if code != NO_GROUP
    }


def _store(session: Session, findings: list[Finding]) -> tuple[int, int]:
    """Insert new findings, update the figures of known ones; acknowledgements are kept."""
    if not findings:
        return 0, 0
    keys = [f.key for f in findings]
    known = {
        alert.key: alert for alert in session.scalars(select(Alert).where(Alert.key.in_(keys)))
    }
    raised = updated = 0
    stamp = now()
    for finding in findings:
        alert = known.get(finding.key)
        if alert is not None and alert.period_end > finding.period_end:
            continue  # judged from an earlier vantage point (a report on a past month)
        if alert is None:
            alert = Alert(key=finding.key, raised_at=stamp)
            session.add(alert)
            known[finding.key] = alert
            raised += 1
        elif alert.periods == finding.periods and alert.values == finding.values:
            continue
        else:
            updated += 1
        alert.kind = finding.kind
        alert.metric = finding.metric
        alert.scope = finding.scope
        alert.periods = finding.periods
        alert.values = [round(v, 6) for v in finding.values]
        alert.period_end = finding.period_end
        alert.message_en = finding.message_en
        alert.message_zh = finding.message_zh
        alert.updated_at = stamp
    session.flush()
    return raised, updated


def list_alerts(
    session: Session,
    *,
    since: dt.date | None = None,
    open_only: bool = False,
    limit: int | None = 500,
) -> list[Alert]:
    """Stored alerts, newest period first (then trends, emerging issues, targets)."""
    query = select(Alert).order_by(Alert.period_end.desc(), Alert.kind.desc(), Alert.id)
    if since is not None:
        query = query.where(Alert.period_end >= since)
    if open_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def acknowledge(session: Session, *, alert_id: int, user_name: str, comment: str) -> Alert:
    """Record who acknowledged an alert, when, and what they said."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if alert.acknowledged_at is not None:
        when = alert.acknowledged_at.isoformat(sep=" ", timespec="minutes")
        raise InputError(
            f"alert {alert_id} was already acknowledged by {alert.acknowledged_by} at {when}",
            column="alert",
        )
    if has_nul(comment):
        raise InputError("the comment holds a NUL character", column="comment")
    alert.acknowledged_at = now()
    alert.acknowledged_by = user_name
    alert.ack_comment = comment.strip() or None
    session.flush()
    return alert
