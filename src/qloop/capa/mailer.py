"""Delivering the notification outbox by e-mail, with retries that lose nothing.

:func:`deliver_pending` sends the notifications that are due, oldest first, over one SMTP
connection per batch, and flushes (the caller commits the batch). A failure (server down,
refused, timed out) counts an attempt, keeps the error and schedules the next attempt
after an exponential backoff: 1, 2, 4, ... minutes, at most 6 hours. After
``notify_max_attempts`` attempts a notification is given up: marked failed, kept in the
table, logged at ERROR on the ``qloop.notify`` logger (each failed attempt is logged there
at WARNING). A recipient without an e-mail address is given up at once, since no retry
can help until an address is set; ``qloop notify status`` lists it with the other failures.

Delivery is at least once: a message the server accepted is marked sent in the caller's
transaction, and if that commit fails it is sent again on the next run. On PostgreSQL the
batch's rows are locked (``SKIP LOCKED``), so two deliveries at once never send one twice;
SQLite has no row locks, and two deliveries started at the same moment may both send one.
The conversation with the server (message, connection, login) is
:mod:`qloop.capa.smtp_client`.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa.models import Notification
from qloop.capa.smtp_client import build_message, close, connect, describe
from qloop.core import clock
from qloop.core.db import session_scope
from qloop.core.settings import Settings

log = logging.getLogger("qloop.notify")

FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_RETRY = dt.timedelta(hours=6)


@dataclass
class DeliveryReport:
    """What one delivery run did; ``errors`` says which notification failed and why."""

    sent: int = 0
    retried: int = 0  # failed this time, tried again later
    failed: int = 0  # given up after the last attempt
    skipped_no_address: int = 0  # given up at once: the user has no e-mail address
    errors: list[str] = field(default_factory=list)
    #: False when no SMTP server is configured: nothing was tried, everything waits
    enabled: bool = True

    @property
    def processed(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped_no_address

    @property
    def any_failure(self) -> bool:
        return self.processed > self.sent

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.skipped_no_address += other.skipped_no_address
        self.errors.extend(other.errors)
        self.enabled = self.enabled and other.enabled


@dataclass(frozen=True)
class OutboxStatus:
    """The outbox at a glance: counts, and the latest failures with their errors."""

    server: str | None  # host:port, or None when e-mail is off
    pending: int
    retrying: int  # pending after at least one failed attempt
    sent: int
    failed: int
    recent_failures: list[Notification]


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, ... minutes, at most 6 h."""
    delay: dt.timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(delay, LONGEST_RETRY)


def due_notifications(session: Session, *, now: dt.datetime, limit: int) -> list[Notification]:
    """Neither sent nor given up, due by ``now``; oldest first."""
    query = (
        select(Notification)
        .where(
            Notification.sent_at.is_(None),
            Notification.failed_at.is_(None),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks
    )
    return list(session.scalars(query))


def deliver_pending(
    session: Session, settings: Settings, *, now: dt.datetime | None = None, limit: int = 100
) -> DeliveryReport:
    """Send up to ``limit`` due notifications over one connection; flushes, never commits."""
    if not settings.smtp_host:
        return DeliveryReport(enabled=False)
    at = now or clock.now()
    report = DeliveryReport()
    due = due_notifications(session, now=at, limit=limit)
    if not due:
        return report
    # the recipients' addresses now (set or changed since the notification was written),
    # read before anything changes: nothing is written while the server is talked to, so
    # on SQLite no write lock is held during the SMTP session
    recipients = select(User.name, User.email).where(User.name.in_({n.recipient for n in due}))
    known: dict[str, str | None] = dict(session.execute(recipients).all())
    batch: list[tuple[Notification, str]] = []
    for notification in due:
        address = known.get(notification.recipient) or notification.address
        if address is None:
            _give_up_without_address(notification, at, report)
        else:
            notification.address = address
            batch.append((notification, address))
    if batch:
        _send_batch(batch, settings, at, report)
    session.flush()
    return report


def deliver_all(
    engine: Engine, settings: Settings, *, now: dt.datetime | None = None, limit: int = 100
) -> DeliveryReport:
    """Deliver every due notification, one transaction (and connection) per batch."""
    at = now or clock.now()
    total = DeliveryReport(enabled=bool(settings.smtp_host))
    while total.enabled:
        with session_scope(engine) as session:
            report = deliver_pending(session, settings, now=at, limit=limit)
        total.add(report)
        if report.processed < limit:  # each processed one left the due set: this ends
            break
    return total


def deliver_in_background(engine: Engine, settings: Settings) -> DeliveryReport:
    """Deliver after a request committed (a FastAPI background task); never raises.

    Whatever goes wrong here, the notifications stay in the outbox for the next run."""
    try:
        return deliver_all(engine, settings)
    except Exception as error:  # a background task has no one to raise to
        log.exception("notification delivery stopped: %s", error)
        return DeliveryReport(errors=[f"delivery stopped: {error}"])


def outbox_status(session: Session, settings: Settings, *, failures: int = 10) -> OutboxStatus:
    pending = (Notification.sent_at.is_(None), Notification.failed_at.is_(None))

    def count(*where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0

    latest = select(Notification).where(Notification.failed_at.is_not(None))
    latest = latest.order_by(Notification.failed_at.desc(), Notification.id.desc())
    host = settings.smtp_host
    return OutboxStatus(
        server=f"{host}:{settings.smtp_port}" if host else None,
        pending=count(*pending),
        retrying=count(*pending, Notification.attempts > 0),
        sent=count(Notification.sent_at.is_not(None)),
        failed=count(Notification.failed_at.is_not(None)),
        recent_failures=list(session.scalars(latest.limit(failures))),
    )


def _send_batch(
    batch: list[tuple[Notification, str]],
    settings: Settings,
    at: dt.datetime,
    report: DeliveryReport,
) -> None:
    try:
        smtp = connect(settings)
    except (OSError, ValueError) as error:  # smtplib's errors and ssl's are OSErrors
        reason = f"SMTP server {settings.smtp_host}:{settings.smtp_port}: {describe(error)}"
        for notification, _ in batch:
            _attempt_failed(notification, reason, at, settings, report)
        return
    try:
        for index, (notification, address) in enumerate(batch):
            try:
                message = build_message(notification, address=address, sender=settings.smtp_from)
                smtp.send_message(message)
            except (smtplib.SMTPServerDisconnected, TimeoutError, ConnectionError) as error:
                reason = f"connection lost: {describe(error)}"
                for rest, _ in batch[index:]:  # the rest of the batch: attempts, not lost
                    _attempt_failed(rest, reason, at, settings, report)
                return
            except (OSError, ValueError) as error:  # refused by the server, or unsendable
                _attempt_failed(notification, describe(error), at, settings, report)
                continue
            notification.sent_at = at
            notification.last_error = None
            report.sent += 1
            log.info("notification %d (%s) sent to %s <%s>", notification.id,
                     notification.kind, notification.recipient, address)  # fmt: skip
    finally:
        close(smtp)


def _attempt_failed(
    notification: Notification,
    reason: str,
    at: dt.datetime,
    settings: Settings,
    report: DeliveryReport,
) -> None:
    notification.attempts += 1
    notification.last_error = reason[:2000]
    who = f"notification {notification.id} ({notification.kind}) to {notification.recipient}"
    report.errors.append(f"{who}: {reason}")
    if notification.attempts >= settings.notify_max_attempts:
        notification.failed_at = at
        report.failed += 1
        log.error("%s given up after %d attempts: %s", who, notification.attempts, reason)
        return
    notification.next_attempt_at = at + retry_delay(notification.attempts)
    report.retried += 1
    log.warning("%s not sent (attempt %d of %d): %s; next attempt at %s UTC", who,
                notification.attempts, settings.notify_max_attempts, reason,
                notification.next_attempt_at.isoformat(" ", "seconds"))  # fmt: skip


def _give_up_without_address(
    notification: Notification, at: dt.datetime, report: DeliveryReport
) -> None:
    reason = f"user {notification.recipient} has no e-mail address"
    notification.last_error = reason
    notification.failed_at = at
    report.skipped_no_address += 1
    report.errors.append(f"notification {notification.id} ({notification.kind}): {reason}")
    log.error("notification %d (%s) not sent: %s (set one with `qloop user email`)",
              notification.id, notification.kind, reason)  # fmt: skip
