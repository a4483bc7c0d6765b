"""Writing the default taxonomy into a database that has none, from a migration.

It uses table definitions of its own holding only the columns revision 0004
created, not the ORM models: a model that gains a column later must not make
this old step fail on a database still being upgraded.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from qloop.taxonomy.schemas import default_taxonomy

_categories = sa.table(
    "categories",
    sa.column("code"),
    sa.column("name_en"),
    sa.column("name_zh"),
    sa.column("position"),
    sa.column("keywords", sa.JSON),
    sa.column("parts", sa.JSON),
    sa.column("causes", sa.JSON),
    sa.column("functions", sa.JSON),
)
_modes = sa.table(
    "failure_modes",
    sa.column("code"),
    sa.column("category"),
    sa.column("name_en"),
    sa.column("name_zh"),
    sa.column("position"),
    sa.column("keywords", sa.JSON),
    sa.column("functions", sa.JSON),
)
_ignored = sa.table("ignored_phrases", sa.column("phrase"))
_revision = sa.table("taxonomy_revision", sa.column("id"), sa.column("token"))
DEFAULT_TOKEN = "default"


def seed_default_taxonomy(connection: Connection) -> None:
    """Add the default categories, failure modes and phrases; keep what is already there.

    A category an import registered earlier (same code) gets the default names and
    words where it has none.
    """
    spec = default_taxonomy()
    stored = {row.code: row for row in connection.execute(sa.select(_categories))}
    for position, category in enumerate(spec.categories, start=1):
        values = {
            "name_en": category.name_en,
            "name_zh": category.name_zh,
            "position": position * 10,
            "keywords": category.keywords,
            "parts": category.parts,
            "causes": category.causes,
            "functions": category.functions,
        }
        if category.code in stored:
            old = stored[category.code]
            values["name_en"] = old.name_en or category.name_en
            values["name_zh"] = old.name_zh or category.name_zh
            connection.execute(
                _categories.update().where(_categories.c.code == category.code).values(values)
            )
        else:
            connection.execute(_categories.insert().values(code=category.code, **values))
        for mode_position, mode in enumerate(category.failure_modes, start=1):
            connection.execute(
                _modes.insert().values(
                    code=mode.code,
                    category=category.code,
                    name_en=mode.name_en,
                    name_zh=mode.name_zh,
                    position=mode_position * 10,
                    keywords=mode.keywords,
                    functions=mode.functions,
                )
            )
    for phrase in spec.ignore:
        connection.execute(_ignored.insert().values(phrase=phrase))
    connection.execute(_revision.delete())
    connection.execute(_revision.insert().values(id=1, token=DEFAULT_TOKEN))
