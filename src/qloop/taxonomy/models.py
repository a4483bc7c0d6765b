"""Tables of the taxonomy: failure modes under categories, and phrases to ignore.

Categories themselves live in ``intake`` (``categories``), because every case
points at one; this domain adds the second level and the words.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qloop.core.db import Base, JsonDocument


class FailureMode(Base):
    """A failure mode (second level) under a category, e.g. battery_swelling."""

    __tablename__ = "failure_modes"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    category: Mapped[str] = mapped_column(
        ForeignKey("categories.code", ondelete="CASCADE"), index=True
    )
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=1000)
    keywords: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    functions: Mapped[list[str]] = mapped_column(JsonDocument, default=list)


class TaxonomyRevision(Base):
    """One row: a token that changes with every change of the taxonomy.

    The classifier compiles the taxonomy's words once and keeps them; this token
    is how it learns, with one small query, that they must be compiled again.
    """

    __tablename__ = "taxonomy_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40))


class IgnoredPhrase(Base):
    """A phrase that contains a symptom word but means nothing ("works fine", "怎么回事")."""

    __tablename__ = "ignored_phrases"

    phrase: Mapped[str] = mapped_column(String(200), primary_key=True)
