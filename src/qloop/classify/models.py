"""Tables of the classify domain: trained category models, one row per version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qloop.core.db import Base, JsonDocument


class ClassifierModel(Base):
    """A category model trained on cases a person labelled; the newest version is used.

    ``document`` is the model itself in the documented JSON format
    (``qloop-text-model``), never a pickle: loading it cannot run code.
    """

    __tablename__ = "classifier_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    trained_at: Mapped[dt.datetime] = mapped_column(DateTime)
    trained_by: Mapped[str] = mapped_column(String(100))
    samples: Mapped[int] = mapped_column(Integer)
    folds: Mapped[int] = mapped_column(Integer)
    cv_accuracy: Mapped[float] = mapped_column(Float)
    cv_macro_f1: Mapped[float] = mapped_column(Float)
    #: share of the model in a blended prediction, chosen by cross-validation
    blend_weight: Mapped[float] = mapped_column(Float)
    #: cross-validated accuracy of the rules blended with the model, and of the rules alone
    cv_blended_accuracy: Mapped[float] = mapped_column(Float)
    rules_accuracy: Mapped[float] = mapped_column(Float)
    labels: Mapped[list[str]] = mapped_column(JsonDocument)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
