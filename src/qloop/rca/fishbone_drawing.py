"""An investigation's fishbone as SVG in a language: its causes from the database, the
category and state names from the catalog, the investigation's title as the problem."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qloop.core.i18n import label_for
from qloop.rca.fishbone import list_causes
from qloop.rca.fishbone_svg import CATEGORIES, STATES, FishboneCause, fishbone_svg
from qloop.rca.investigations import require_investigation


def fishbone_labels(locale: str) -> dict[str, str]:
    """Category and state codes as words in ``locale`` (人、机、料、法、测、环 in Chinese)."""
    label = label_for(locale)
    return {code: label(code) for code in (*CATEGORIES, *STATES)}


def investigation_fishbone_svg(session: Session, investigation_id: int, locale: str) -> str:
    investigation = require_investigation(session, investigation_id)
    causes = [
        FishboneCause(cause.category.value, cause.text, cause.state.value)
        for cause in list_causes(session, investigation_id)
    ]
    return fishbone_svg(investigation.title, causes, fishbone_labels(locale))
