"""Users, login with lockout, login sessions and API tokens.

Service functions flush, never commit. ``authenticate`` reports a refused
login as a value, not an exception, so that the edge commits the failed-login
count (an exception would roll it back and defeat the lockout).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from qloop.accounts.models import ApiToken, AppSecret, LoginSession, Role, User
from qloop.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from qloop.core.clock import now
from qloop.core.errors import InputError, InvalidTransition, NotFound

LOCKOUT_AFTER = 10
LOCKOUT_FOR = dt.timedelta(minutes=15)
TOKEN_PREFIX = "qlp_"
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
_NOT_IN_NAMES = set(" /\\?#%&")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, *, name: str, password: str, role: Role) -> User:
    name = name.strip()
    if not name or len(name) > 100 or any(c in _NOT_IN_NAMES or not c.isprintable() for c in name):
        raise InputError(
            "a user name has 1 to 100 characters, without spaces or / \\ ? # % &",
            column="name",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters", column="password"
        )
    if get_user(session, name) is not None:
        raise InputError(f'user "{name}" exists already', column="name")
    user = User(
        name=name,
        password_hash=hash_password(password),
        role=role,
        active=True,
        failed_logins=0,
        created_at=now(),
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, name: str, password: str) -> User:
    """Give a user a new password; it also lifts a lock."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters", column="password"
        )
    user = require_user(session, name)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
    return user


def set_email(session: Session, *, name: str, email: str) -> User:
    """Set the address a user's notifications go to; an empty one clears it (no e-mail)."""
    user = require_user(session, name)
    address = email.strip()
    if address and (
        len(address) > MAX_EMAIL_LENGTH
        or address.count("@") != 1
        or address.startswith("@")
        or address.endswith("@")
        or any(c.isspace() or not c.isprintable() for c in address)
    ):
        raise InputError(
            f"{email!r} is not an e-mail address: one @ with text on both sides, no spaces, "
            f"at most {MAX_EMAIL_LENGTH} characters (an empty address removes it)",
            column="email",
        )
    user.email = address or None
    session.flush()
    return user


def get_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def require_user(session: Session, name: str) -> User:
    user = get_user(session, name)
    if user is None:
        raise NotFound(f'no user "{name}"')
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def disable_user(session: Session, *, name: str) -> User:
    """Disable a user: no login, no token, no session works for them any more."""
    user = require_user(session, name)
    if not user.active:
        raise InvalidTransition(f'user "{name}" is disabled already')
    user.active = False
    session.flush()
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    refused: str | None = None  # why, in words safe to show (never "no such user")


def authenticate(
    session: Session, *, name: str, password: str, at: dt.datetime | None = None
) -> LoginOutcome:
    """Check a password; ten failures in a row lock the account for fifteen minutes."""
    at = at or now()
    user = get_user(session, name.strip()) if "\x00" not in name else None
    if user is None:
        verify_password(_dummy_hash(), password)  # as much work as for a real user: no hint
        return LoginOutcome(None, "wrong user name or password")
    correct = verify_password(user.password_hash, password)  # the same work in every case
    if user.locked_until is not None and user.locked_until > at:
        return LoginOutcome(None, "this account is locked for a while after too many failures")
    if not correct:
        # one atomic UPDATE: parallel guesses cannot overwrite each other's count
        failures = session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
        ).scalar_one()
        if failures >= LOCKOUT_AFTER:
            session.execute(
                update(User)
                .where(User.id == user.id)
                .values(locked_until=at + LOCKOUT_FOR, failed_logins=0)
            )
        session.expire(user)
        return LoginOutcome(None, "wrong user name or password")
    if not user.active:  # said like a wrong password: a login form confirms no account
        return LoginOutcome(None, "wrong user name or password")
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return LoginOutcome(user)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(12))


def start_session(
    session: Session, *, user: User, lifetime: dt.timedelta, at: dt.datetime | None = None
) -> tuple[LoginSession, str]:
    """A new login session; returns it and the token for the cookie (stored only hashed).

    Sessions past their expiry (anybody's) are deleted here: nothing else ends a session
    its user never logs out of, and a login is rare enough to pay for the sweep."""
    at = at or now()
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= at))
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        user_id=user.id,
        token_hash=digest(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=at,
        expires_at=at + lifetime,
    )
    session.add(login)
    session.flush()
    return login, token


def session_user(
    session: Session, token: str, at: dt.datetime | None = None
) -> tuple[User, LoginSession] | None:
    """The active user and session behind a session cookie, if it is still valid."""
    found = session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == digest(token))
    ).first()
    if found is None:
        return None
    user, login = found
    if not user.active or login.expires_at <= (at or now()):
        return None
    return user, login


def end_session(session: Session, token: str) -> None:
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == digest(token)))
    if login is not None:
        session.delete(login)
        session.flush()


def create_token(
    session: Session, *, user_name: str, label: str | None = None
) -> tuple[ApiToken, str]:
    """A new API token for the user; the token itself is returned once and never stored."""
    user = require_user(session, user_name)
    if not user.active:
        raise InvalidTransition(f'user "{user_name}" is disabled')
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, label=label, token_hash=digest(token), created_at=now())
    session.add(record)
    session.flush()
    return record, token


def list_tokens(session: Session) -> list[tuple[ApiToken, str]]:
    rows = session.execute(
        select(ApiToken, User.name).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    )
    return [(token, name) for token, name in rows]


def revoke_token(session: Session, *, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is not None:
        raise InvalidTransition(f"token {token_id} is revoked already")
    token.revoked_at = now()
    session.flush()
    return token


def token_user(session: Session, token: str) -> User | None:
    """The active user a bearer token belongs to, unless it was revoked."""
    return session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None), User.active)
    )


def app_secret(session: Session, name: str) -> str:
    """A secret qloop generates on first use and keeps in the database."""
    secret = session.get(AppSecret, name)
    if secret is None:
        secret = AppSecret(name=name, value=secrets.token_urlsafe(48))
        session.add(secret)
        session.flush()
    return secret.value
