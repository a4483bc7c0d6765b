"""Users, passwords, lockout, sessions and tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.accounts import service
from qloop.accounts.models import ApiToken, LoginSession, Role, User
from qloop.core.db import session_scope
from qloop.core.errors import InputError, InvalidTransition, NotFound

T0 = dt.datetime(2026, 5, 1, 9, 0)


def add(engine: Engine, name: str = "li.wei", role: Role = Role.ENGINEER) -> None:
    with session_scope(engine) as session:
        service.create_user(session, name=name, password="correct horse", role=role)


def login(engine: Engine, password: str, at: dt.datetime, name: str = "li.wei") -> str | None:
    with session_scope(engine) as session:
        outcome = service.authenticate(session, name=name, password=password, at=at)
        return outcome.refused


def test_passwords_are_stored_as_argon2_hashes(engine: Engine) -> None:
    add(engine)
    with Session(engine) as session:
        user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
    assert login(engine, "correct horse", T0) is None
    assert login(engine, "wrong", T0) == "wrong user name or password"
    assert login(engine, "correct horse", T0, name="nobody") == "wrong user name or password"


def test_user_rules(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session:
        with pytest.raises(InputError, match="exists already"):
            service.create_user(session, name="li.wei", password="12345678", role=Role.VIEWER)
        with pytest.raises(InputError, match="at least 8 characters"):
            service.create_user(session, name="wang", password="short", role=Role.VIEWER)
        with pytest.raises(NotFound):
            service.disable_user(session, name="nobody")


def test_ten_failures_lock_the_account_for_fifteen_minutes(engine: Engine) -> None:
    add(engine)
    for minute in range(9):
        assert login(engine, "wrong", T0 + dt.timedelta(minutes=minute)) is not None
    assert login(engine, "correct horse", T0 + dt.timedelta(minutes=9)) is None  # resets the count
    for _ in range(10):
        login(engine, "wrong", T0 + dt.timedelta(minutes=10))
    locked = "this account is locked for a while after too many failures"
    assert login(engine, "correct horse", T0 + dt.timedelta(minutes=11)) == locked
    assert login(engine, "correct horse", T0 + dt.timedelta(minutes=24, seconds=59)) == locked
    assert login(engine, "correct horse", T0 + dt.timedelta(minutes=25, seconds=1)) is None


def test_sessions_expire_and_end(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session:
        user = service.require_user(session, "li.wei")
        login_session, token = service.start_session(
            session, user=user, lifetime=dt.timedelta(hours=8), at=T0
        )
        assert len(login_session.csrf_token) >= 32
    with session_scope(engine) as session:
        found = service.session_user(session, token, at=T0 + dt.timedelta(hours=7))
        assert found is not None and found[0].name == "li.wei"
        assert service.session_user(session, token, at=T0 + dt.timedelta(hours=8)) is None
        assert service.session_user(session, "forged", at=T0) is None
        service.end_session(session, token)
    with session_scope(engine) as session:
        assert service.session_user(session, token, at=T0) is None


def test_a_login_sweeps_away_expired_sessions(engine: Engine) -> None:
    add(engine)
    hour = dt.timedelta(hours=1)
    with session_scope(engine) as session:
        user = service.require_user(session, "li.wei")
        _, old = service.start_session(session, user=user, lifetime=hour, at=T0)
        _, alive = service.start_session(session, user=user, lifetime=10 * hour, at=T0)
    with session_scope(engine) as session:
        user = service.require_user(session, "li.wei")
        service.start_session(session, user=user, lifetime=hour, at=T0 + hour)  # old expires now
    with Session(engine) as session:
        kept = set(session.scalars(select(LoginSession.token_hash)))
    assert service.digest(old) not in kept and service.digest(alive) in kept and len(kept) == 2


def test_tokens_are_hashed_and_revocable(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session:
        record, token = service.create_token(session, user_name="li.wei", label="ERP sync")
        token_id = record.id
    assert token.startswith("qlp_") and len(token) > 40
    with Session(engine) as session:
        assert session.scalars(select(ApiToken.token_hash)).one() == service.digest(token)
    with session_scope(engine) as session:
        user = service.token_user(session, token)
        assert user is not None and user.name == "li.wei"
        assert service.token_user(session, token + "x") is None
        service.revoke_token(session, token_id=token_id)
        with pytest.raises(InvalidTransition):
            service.revoke_token(session, token_id=token_id)
    with session_scope(engine) as session:
        assert service.token_user(session, token) is None


def test_disabled_users_lose_login_and_tokens(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session:
        _, token = service.create_token(session, user_name="li.wei")
        service.disable_user(session, name="li.wei")
    assert login(engine, "correct horse", T0) == "wrong user name or password"  # no hint
    with session_scope(engine) as session:
        assert service.token_user(session, token) is None
        with pytest.raises(InvalidTransition):
            service.create_token(session, user_name="li.wei")


def test_app_secret_is_made_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = service.app_secret(session, "form_key")
    with session_scope(engine) as session:
        assert service.app_secret(session, "form_key") == first and len(first) >= 48


def test_parallel_wrong_passwords_still_lock_the_account(engine: Engine) -> None:
    """Each failure is one atomic increment: concurrent guesses cannot lose counts."""
    from concurrent.futures import ThreadPoolExecutor

    add(engine)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: login(engine, "wrong", T0), range(24)))
    assert login(engine, "correct horse", T0 + dt.timedelta(minutes=1)) == (
        "this account is locked for a while after too many failures"
    )


def test_a_new_password_ends_the_sessions(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session:
        user = service.require_user(session, "li.wei")
        _, token = service.start_session(session, user=user, lifetime=dt.timedelta(hours=1))
    with session_scope(engine) as session:
        service.set_password(session, name="li.wei", password="another horse")
    with session_scope(engine) as session:
        assert service.session_user(session, token) is None
