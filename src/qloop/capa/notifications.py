"""E-mails about actions, written to an outbox in the transaction of the change they report.

An assignment and a daily digest of overdue actions are notifications; each gets a dedupe
key (one per assignment, one digest per user and day), so running a step twice never
mails twice. :mod:`qloop.capa.mailer` delivers them after commit and retries failures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from qloop.accounts.models import User
from qloop.capa.models import Action, Notification, Plan
from qloop.core.clock import now


def enqueue(
    session: Session, *, kind: str, recipient: str, subject: str, body: str, dedupe_key: str
) -> Notification | None:
    """Add a notification unless one with the same key exists; the one added, or None."""
    known = session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if known is not None:
        return None
    address = session.scalar(select(User.email).where(User.name == recipient))
    stamp = now()
    notification = Notification(kind=kind, recipient=recipient, address=address,
                                subject=subject[:300], body=body, dedupe_key=dedupe_key,
                                created_at=stamp, attempts=0, next_attempt_at=stamp)  # fmt: skip
    session.add(notification)
    session.flush()
    return notification


def enqueue_assignment(session: Session, *, action: Action, plan: Plan, by: str) -> None:
    body = (
        f"{by} assigned you an action of corrective action plan #{plan.id} ({plan.title}):\n\n"
        f"  {action.title}\n  department: {action.department}\n  due: {action.due_date}\n"
        f"  8D step: {action.step}\n\n"
        f"{by} 给您分配了纠正措施计划 #{plan.id} 的一项措施，截止日期 {action.due_date}。\n"
    )
    enqueue(session, kind="assigned", recipient=action.owner,
            subject=f"[qloop] Action #{action.id} for you / 新措施: {action.title}", body=body,
            dedupe_key=f"assigned:{action.id}:{action.owner}")  # fmt: skip


def enqueue_overdue_digests(session: Session, *, today: dt.date) -> list[Notification]:
    """One digest per owner with overdue actions (due before ``today``, not done), once a day."""
    from qloop.capa.actions import overdue_actions

    by_owner: dict[str, list[Action]] = defaultdict(list)
    for action in overdue_actions(session, today=today):
        by_owner[action.owner].append(action)
    made = []
    for owner, actions in sorted(by_owner.items()):
        lines = [f"  #{a.id} {a.title} — due {a.due_date} ({(today - a.due_date).days} days "
                 f"late), plan #{a.plan_id}" for a in actions]  # fmt: skip
        count = len(actions)
        body = f"{count} of your actions are overdue / 您有 {count} 项措施已逾期:\n\n"
        body += "\n".join(lines) + "\n"
        found = enqueue(session, kind="digest", recipient=owner,
                        subject=f"[qloop] {len(actions)} overdue actions / 逾期措施 {today}",
                        body=body, dedupe_key=f"digest:{owner}:{today.isoformat()}")  # fmt: skip
        if found is not None:
            made.append(found)
    return made
