"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a schema of their own for the session
(``QLOOP_TEST_POSTGRES_URL`` overrides the server). In CI (``CI`` set) an
unreachable server fails the run; on a developer machine those tests are
skipped with the reason shown.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

from qloop.core import migrate
from qloop.core.db import make_engine

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("QLOOP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL schema, migrated to head, dropped after the session."""
    base = postgres_base_url()
    admin = make_engine(base)
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL not reachable at {base}: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"qloop_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    engine = make_engine(url_text)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url_text
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_all_tables(engine: Engine) -> None:
    """Back to a freshly migrated database: no data, the default taxonomy."""
    from qloop.taxonomy.seed import seed_default_taxonomy

    names = ", ".join(f'"{t.name}"' for t in migrate.target_metadata().sorted_tables)
    with engine.begin() as connection:
        # TRUNCATE, not DELETE: the audit trail refuses DELETE (append-only trigger)
        connection.execute(text(f"TRUNCATE {names}"))
        seed_default_taxonomy(connection)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend; its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'qloop-test.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = make_engine(url)
    _empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """A TestClient on a fresh app over the test database."""
    from fastapi.testclient import TestClient

    from qloop.core.settings import Settings
    from qloop.web.app import create_app

    app = create_app(Settings(database_url=db_url))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    """A user for every role and an API token for each: {role: token}."""
    from qloop.accounts import service as accounts
    from qloop.accounts.models import Role
    from qloop.core.db import session_scope

    made = {}
    with session_scope(engine) as session:
        for role in Role:
            accounts.create_user(session, name=f"{role}-user", password="correct horse", role=role)
            made[role.value] = accounts.create_token(session, user_name=f"{role}-user")[1]
    return made
