"""Reading and changing the taxonomy stored in the database.

The database is the taxonomy in use: the default is written there by the
migration, users change it by importing a file or on the admin page, and the
classifier reads it from there. A category that cases still point to is never
deleted; an import that leaves it out only empties its words and says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qloop.core.errors import InputError, NotFound
from qloop.intake.models import Case, Category
from qloop.taxonomy.models import FailureMode, IgnoredPhrase, TaxonomyRevision
from qloop.taxonomy.schemas import CategorySpec, FailureModeSpec, TaxonomySpec


@dataclass
class TaxonomyImport:
    """What an import changed."""

    categories: int = 0
    failure_modes: int = 0
    removed_categories: list[str] = field(default_factory=list)
    kept_categories: list[str] = field(default_factory=list)  # left out of the file but in use


def taxonomy_token(session: Session) -> str:
    """What identifies the stored taxonomy's content (it changes with every change)."""
    return session.scalar(select(TaxonomyRevision.token).where(TaxonomyRevision.id == 1)) or ""


def _changed(session: Session) -> None:
    revision = session.get(TaxonomyRevision, 1)
    if revision is None:
        session.add(TaxonomyRevision(id=1, token=uuid.uuid4().hex))
    else:
        revision.token = uuid.uuid4().hex


def load_taxonomy(session: Session) -> TaxonomySpec:
    """The taxonomy in use, in its order."""
    categories = session.scalars(select(Category).order_by(Category.position, Category.code))
    modes: dict[str, list[FailureModeSpec]] = {}
    for mode in session.scalars(
        select(FailureMode).order_by(FailureMode.position, FailureMode.code)
    ):
        modes.setdefault(mode.category, []).append(
            FailureModeSpec(
                code=mode.code,
                name_en=mode.name_en,
                name_zh=mode.name_zh,
                keywords=list(mode.keywords or []),
                functions=list(mode.functions or []),
            )
        )
    specs = [
        CategorySpec(
            code=category.code,
            name_en=category.name_en,
            name_zh=category.name_zh,
            keywords=list(category.keywords or []),
            parts=list(category.parts or []),
            causes=list(category.causes or []),
            functions=list(category.functions or []),
            failure_modes=modes.get(category.code, []),
        )
        for category in categories
    ]
    if not specs:
        raise NotFound("the taxonomy is empty: run `qloop db upgrade` or import a taxonomy")
    ignore = list(session.scalars(select(IgnoredPhrase.phrase).order_by(IgnoredPhrase.phrase)))
    return TaxonomySpec(categories=specs, ignore=ignore)


def import_taxonomy(session: Session, spec: TaxonomySpec) -> TaxonomyImport:
    """Make the stored taxonomy the file's: same categories, modes, words and order."""
    outcome = TaxonomyImport()
    wanted = {category.code for category in spec.categories}
    in_use = set(
        session.scalars(select(Case.category).where(Case.category.is_not(None)).distinct())
    )
    session.execute(delete(FailureMode))
    for stored in session.scalars(select(Category).where(Category.code.not_in(wanted))):
        if stored.code in in_use:
            stored.keywords, stored.parts, stored.functions, stored.causes = [], [], [], []
            stored.position = 10_000
            outcome.kept_categories.append(stored.code)
        else:
            session.delete(stored)
            outcome.removed_categories.append(stored.code)
    session.flush()
    for position, category in enumerate(spec.categories, start=1):
        save_category(session, category, position=position * 10)
        outcome.categories += 1
        outcome.failure_modes += len(category.failure_modes)
    session.execute(delete(IgnoredPhrase))
    session.add_all(IgnoredPhrase(phrase=phrase) for phrase in spec.ignore)
    _changed(session)
    session.flush()
    return outcome


def save_category(
    session: Session,
    spec: CategorySpec,
    *,
    position: int | None = None,
    replace_modes: bool = True,
) -> Category:
    """Create or change one category; with ``replace_modes`` its failure modes become
    ``spec``'s (the admin page edits a category's words and its modes separately)."""
    category = session.get(Category, spec.code)
    if category is None:
        category = Category(code=spec.code)
        if position is None:
            highest = session.scalar(select(func.max(Category.position))) or 0
            position = highest + 10
        session.add(category)
    category.name_en, category.name_zh = spec.name_en, spec.name_zh
    category.keywords, category.parts = list(spec.keywords), list(spec.parts)
    category.causes = list(spec.causes)
    category.functions = list(spec.functions)
    if position is not None:
        category.position = position
    _changed(session)
    session.flush()
    if replace_modes:
        session.execute(delete(FailureMode).where(FailureMode.category == spec.code))
        for mode_position, mode in enumerate(spec.failure_modes, start=1):
            save_failure_mode(session, category=spec.code, spec=mode, position=mode_position * 10)
    session.flush()
    return category


def save_failure_mode(
    session: Session, *, category: str, spec: FailureModeSpec, position: int | None = None
) -> FailureMode:
    """Create or change a failure mode under ``category`` (a code belongs to one category)."""
    if session.get(Category, category) is None:
        raise NotFound(f'no category "{category}"')
    mode = session.get(FailureMode, spec.code)
    if mode is not None and mode.category != category:
        raise InputError(
            f'failure mode "{spec.code}" already belongs to category "{mode.category}"',
            column="code",
        )
    if mode is None:
        if position is None:
            highest = session.scalar(
                select(func.max(FailureMode.position)).where(FailureMode.category == category)
            )
            position = (highest or 0) + 10
        mode = FailureMode(code=spec.code, category=category)
        session.add(mode)
    mode.name_en, mode.name_zh = spec.name_en, spec.name_zh
    mode.keywords, mode.functions = list(spec.keywords), list(spec.functions)
    if position is not None:
        mode.position = position
    _changed(session)
    session.flush()
    return mode


def delete_failure_mode(session: Session, *, code: str) -> None:
    """Remove a failure mode from the taxonomy (cases keep the code they were given)."""
    mode = session.get(FailureMode, code)
    if mode is None:
        raise NotFound(f'no failure mode "{code}"')
    session.delete(mode)
    _changed(session)
    session.flush()


def category_labels(session: Session) -> dict[str, tuple[str | None, str | None]]:
    """English and Chinese names of every category and failure mode, by code."""
    labels = {
        code: (en, zh)
        for code, en, zh in session.execute(
            select(Category.code, Category.name_en, Category.name_zh)
        )
    }
    for code, en, zh in session.execute(
        select(FailureMode.code, FailureMode.name_en, FailureMode.name_zh)
    ):
        labels.setdefault(code, (en, zh))
    return labels
