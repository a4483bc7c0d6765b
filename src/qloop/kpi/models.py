"""KPI targets: a floor or ceiling per KPI, for all products or for one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qloop.core.db import Base


class KpiTarget(Base):
    """A target for one KPI; ``product`` empty means every product (and the overall figure).

    Whether the value is a floor or a ceiling follows from the KPI (higher or lower is better).
    One target per KPI and product: the service updates instead of adding a second.
    """

    __tablename__ = "kpi_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(30))
    product: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime)
