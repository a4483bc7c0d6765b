"""``/api/v1/alerts``: the stored alerts, a check on demand, acknowledgements."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from qloop.alerts import service
from qloop.alerts.schemas import AlertRead, alert_json
from qloop.core.storable import StorableBody
from qloop.web.deps import Engineer, Reader, RecordId, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class CheckRead(BaseModel):
    raised: int
    updated: int
    alerts: list[AlertRead]


class Acknowledgement(StorableBody):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)


def _read(alert: Any, lang: str) -> AlertRead:
    return AlertRead.model_validate(alert_json(alert, lang))


Lang = Annotated[str, Query(pattern="^(en|zh)$")]
#: an id a database integer can hold (larger ones would overflow before the look-up)
AlertId = RecordId


@router.get("/alerts", response_model=list[AlertRead])
def get_alerts(
    session: SessionDep,
    _user: Reader,
    since: dt.date | None = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    lang: Lang = "en",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[AlertRead]:
    """Stored alerts, newest period first (``open=true``: not yet acknowledged)."""
    alerts = service.list_alerts(session, since=since, open_only=open_only, limit=limit)
    return [_read(alert, lang) for alert in alerts]


@router.post("/alerts/check", response_model=CheckRead)
def check_alerts(
    session: SessionDep,
    settings: SettingsDep,
    _user: Engineer,
    since: dt.date | None = None,
    as_of: dt.date | None = None,
    lang: Lang = "en",
) -> CheckRead:
    """Run the rules now (as ``qloop alerts``) and answer with the alerts since ``since``."""
    checked = service.check_alerts(session, settings, since=since, as_of=as_of)
    alerts = [_read(alert, lang) for alert in checked.alerts]
    return CheckRead(raised=checked.raised, updated=checked.updated, alerts=alerts)


@router.post("/alerts/{alert_id}/ack", response_model=AlertRead)
def acknowledge(
    alert_id: AlertId, body: Acknowledgement, session: SessionDep, user: Engineer
) -> AlertRead:
    """Acknowledge an alert: your name, the time and the comment are stored with it."""
    alert = service.acknowledge(
        session, alert_id=alert_id, user_name=user.name, comment=body.comment
    )
    return _read(alert, "en")
