"""How an alert looks in answers: the CLI's JSON and the API share it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from qloop.alerts.models import Alert


class AlertRead(BaseModel):
    id: int
    kind: str
    metric: str
    scope: dict[str, str]
    periods: list[str]
    values: list[float]
    message: str
    raised_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    comment: str | None


def alert_json(alert: Alert, language: str = "en") -> dict[str, Any]:
    """The alert as ``qloop alerts --format json`` and the API give it."""
    return {
        "id": alert.id,
        "kind": alert.kind.value,
        "metric": alert.metric,
        "scope": alert.scope,
        "periods": alert.periods,
        "values": alert.values,
        "message": alert.message_zh if language == "zh" else alert.message_en,
        "raised_at": alert.raised_at.isoformat(timespec="seconds"),
        "acknowledged_at": (
            alert.acknowledged_at.isoformat(timespec="seconds") if alert.acknowledged_at else None
        ),
        "acknowledged_by": alert.acknowledged_by,
        "comment": alert.ack_comment,
    }
