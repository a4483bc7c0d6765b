"""E-mail notifications against a real SMTP server (aiosmtpd) on a free local port."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from qloop.accounts import service as accounts
from qloop.accounts.models import Role, User
from qloop.capa import mailer
from qloop.capa.actions import add_action, update_action
from qloop.capa.models import Action, Notification
from qloop.capa.notifications import enqueue_overdue_digests
from qloop.capa.plans import create_plan
from qloop.cli import app
from qloop.core.clock import now
from qloop.core.db import session_scope
from qloop.core.errors import InputError, NotFound
from qloop.core.settings import Settings
from qloop.rca.investigations import create_investigation

runner = CliRunner()
TODAY = dt.date(2026, 6, 15)


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what it receives; refuses the addresses in ``refuse``."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    hang_up_after: int | None = None  # answer 421 (closing) to the DATA after this many

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hang_up_after is not None and len(self.received) >= self.hang_up_after:
            return "421 4.3.2 shutting down"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    """A local SMTP server that can be stopped and started again on the same port."""

    def __init__(self, port: int, **options: Any) -> None:
        self.port = port
        self.inbox = Inbox()
        self.options = options
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                      **self.options)  # fmt: skip
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


def mail_settings(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port}
    values |= {"smtp_from": "qloop@factory.example", "smtp_timeout_seconds": 5}
    return Settings(**{**values, **overrides})


def make_user(engine: Engine, name: str, role: Role, address: str | None) -> None:
    with session_scope(engine) as session:
        accounts.create_user(session, name=name, password="correct horse", role=role)
        if address is not None:
            accounts.set_email(session, name=name, email=address)


def assign(engine: Engine, owner: str, title: str, due: dt.date) -> int:
    """An action for ``owner`` on a new plan, assigned by the engineer zhang.wei."""
    with session_scope(engine) as session:
        if accounts.get_user(session, "zhang.wei") is None:
            accounts.create_user(session, name="zhang.wei", password="correct horse",
                                 role=Role.ENGINEER)  # fmt: skip
        engineer = accounts.require_user(session, "zhang.wei")
        investigation = create_investigation(session, title="电池鼓包", user_name=engineer.name)
        plan = create_plan(session, investigation_id=investigation.id, title="电芯批次更换",
                           user_name=engineer.name)  # fmt: skip
        values = {"title": title, "department": "purchasing", "owner": owner, "due_date": due}
        return add_action(session, plan_id=plan.id, values=values, user=engineer).id


def outbox(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def later(minutes: float) -> dt.datetime:
    return now() + dt.timedelta(minutes=minutes)


def test_retry_delay_doubles_up_to_six_hours() -> None:
    minutes = [mailer.retry_delay(n) / dt.timedelta(minutes=1) for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert mailer.retry_delay(10_000) == dt.timedelta(hours=6)


def test_an_assignment_arrives_in_utf8(engine: Engine, smtp: SmtpServer) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    action_id = assign(engine, "li.na", "更换供应商 B 的电芯", TODAY)

    report = mailer.deliver_all(engine, mail_settings(smtp.port))

    assert (report.sent, report.retried, report.failed, report.errors) == (1, 0, 0, [])
    [(sender, recipients, message)] = smtp.inbox.received
    assert sender == "qloop@factory.example" and recipients == ["li.na@factory.example"]
    assert message["To"] == "li.na@factory.example"
    assert (
        message["Subject"] == f"[qloop] Action #{action_id} for you / 新措施: 更换供应商 B 的电芯"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "zhang.wei 给您分配了纠正措施计划" in body and "更换供应商 B 的电芯" in body
    assert f"due: {TODAY}" in body
    [notification] = outbox(engine)
    assert notification.sent_at is not None and notification.attempts == 0
    assert notification.last_error is None
    # sent once: a second run finds nothing due
    assert mailer.deliver_all(engine, mail_settings(smtp.port)).processed == 0
    assert len(smtp.inbox.received) == 1


def test_server_down_is_retried_later_and_nothing_is_lost(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qloop.notify")
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    make_user(engine, "wang.fang", Role.OWNER, "wang.fang@factory.example")
    assign(engine, "li.na", "复核来料检验", TODAY)
    assign(engine, "wang.fang", "更新 FMEA", TODAY)
    server = SmtpServer(free_port())  # nothing listens there yet
    settings = mail_settings(server.port)
    before = now()

    report = mailer.deliver_all(engine, settings)

    assert (report.sent, report.retried, report.failed) == (0, 2, 0) and report.any_failure
    for notification in outbox(engine):  # the whole batch counted an attempt
        assert notification.attempts == 1 and notification.sent_at is None
        assert notification.failed_at is None
        assert notification.last_error == (
            f"SMTP server 127.0.0.1:{server.port}: ConnectionRefusedError: "
            "[Errno 111] Connection refused"
        )
        assert notification.next_attempt_at >= before + dt.timedelta(minutes=1)
    warnings = [r for r in caplog.records if r.name == "qloop.notify" and r.levelname == "WARNING"]
    assert len(warnings) == 2 and "attempt 1 of 8" in warnings[0].getMessage()
    # not due again before its backoff has passed
    assert mailer.deliver_all(engine, settings).processed == 0

    server.start()
    try:
        retried = mailer.deliver_all(engine, settings, now=later(2))
    finally:
        server.stop()
    assert (retried.sent, retried.retried) == (2, 0)
    assert sorted(r[1][0] for r in server.inbox.received) == [
        "li.na@factory.example",
        "wang.fang@factory.example",
    ]
    assert all(n.sent_at is not None and n.attempts == 1 for n in outbox(engine))


def test_given_up_after_the_last_attempt_and_kept(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    assign(engine, "li.na", "复核来料检验", TODAY)
    settings = mail_settings(free_port(), notify_max_attempts=3)
    at = now()
    results = []
    for _ in range(3):
        results.append(mailer.deliver_all(engine, settings, now=at))
        at = outbox(engine)[0].next_attempt_at  # exactly when the backoff ends
    assert [(r.retried, r.failed) for r in results] == [(1, 0), (1, 0), (0, 1)]

    [notification] = outbox(engine)
    assert notification.attempts == 3 and notification.failed_at is not None
    assert notification.sent_at is None and "Connection refused" in (notification.last_error or "")
    errors = [r for r in caplog.records if r.name == "qloop.notify" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "given up after 3 attempts" in errors[0].getMessage()
    # given up means given up: later runs leave it alone, and it stays visible
    assert mailer.deliver_all(engine, settings, now=later(60 * 24)).processed == 0
    with session_scope(engine) as session:
        status = mailer.outbox_status(session, settings)
        assert (status.pending, status.sent, status.failed) == (0, 0, 1)
        assert [n.id for n in status.recent_failures] == [notification.id]


def test_a_refused_recipient_fails_alone(engine: Engine, smtp: SmtpServer) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    make_user(engine, "wang.fang", Role.OWNER, "wang.fang@factory.example")
    assign(engine, "li.na", "复核来料检验", TODAY)
    assign(engine, "wang.fang", "更新 FMEA", TODAY)
    smtp.inbox.refuse.add("li.na@factory.example")

    report = mailer.deliver_all(engine, mail_settings(smtp.port))

    assert (report.sent, report.retried) == (1, 1)
    refused, sent = outbox(engine)
    assert refused.attempts == 1 and refused.sent_at is None
    assert refused.last_error == "li.na@factory.example refused: 550 5.1.1 mailbox unavailable"
    assert sent.sent_at is not None
    assert [r[1] for r in smtp.inbox.received] == [["wang.fang@factory.example"]]


def test_a_connection_lost_counts_an_attempt_for_the_rest_of_the_batch(
    engine: Engine, smtp: SmtpServer
) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    for n in range(4):
        assign(engine, "li.na", f"措施 {n}", TODAY)
    smtp.inbox.hang_up_after = 1

    report = mailer.deliver_all(engine, mail_settings(smtp.port))

    assert (report.sent, report.retried) == (1, 3) and len(smtp.inbox.received) == 1
    first, hung_up, *rest = outbox(engine)
    assert first.sent_at is not None
    assert hung_up.last_error == "421 4.3.2 shutting down" and hung_up.attempts == 1
    for notification in rest:  # never tried on the closed connection, but not lost either
        assert notification.attempts == 1 and notification.sent_at is None
        assert (notification.last_error or "").startswith("connection lost: ")
    smtp.inbox.hang_up_after = None
    assert mailer.deliver_all(engine, mail_settings(smtp.port), now=later(2)).sent == 3


def test_no_address_fails_at_once_and_shows_in_status(
    engine: Engine, db_url: str, smtp: SmtpServer, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    make_user(engine, "li.na", Role.OWNER, None)
    assign(engine, "li.na", "复核来料检验", TODAY)

    report = mailer.deliver_all(engine, mail_settings(smtp.port))

    assert (report.sent, report.retried, report.failed, report.skipped_no_address) == (0, 0, 0, 1)
    assert report.any_failure and smtp.inbox.received == []
    [notification] = outbox(engine)
    assert notification.failed_at is not None and notification.attempts == 0
    assert notification.last_error == "user li.na has no e-mail address"
    assert any(r.levelname == "ERROR" and "no e-mail address" in r.getMessage()
               for r in caplog.records if r.name == "qloop.notify")  # fmt: skip

    monkeypatch.setenv("QLOOP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QLOOP_SMTP_PORT", str(smtp.port))
    shown = runner.invoke(app, ["--db", db_url, "notify", "status", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    status = json.loads(shown.stdout)
    assert (status["email"], status["pending"], status["sent"], status["failed"]) == ("on", 0, 0, 1)
    [failure] = status["recent_failures"]
    assert failure["recipient"] == "li.na" and failure["address"] is None
    assert failure["error"] == "user li.na has no e-mail address"
    text = runner.invoke(app, ["--db", db_url, "notify", "status"])
    assert "pending 0 (retrying 0), sent 0, failed 1" in text.stdout
    assert (f"#{notification.id} assigned to li.na <no address>, 0 attempts, failed "
            in text.stdout)  # fmt: skip
    assert text.stdout.rstrip().endswith(": user li.na has no e-mail address")


def test_an_address_set_after_the_assignment_is_used(engine: Engine, smtp: SmtpServer) -> None:
    make_user(engine, "li.na", Role.OWNER, None)
    assign(engine, "li.na", "复核来料检验", TODAY)
    with session_scope(engine) as session:
        accounts.set_email(session, name="li.na", email="li.na@factory.example")

    assert mailer.deliver_all(engine, mail_settings(smtp.port)).sent == 1
    assert smtp.inbox.received[0][1] == ["li.na@factory.example"]
    assert outbox(engine)[0].address == "li.na@factory.example"


def test_the_digest_is_sent_once_a_day_with_only_overdue_actions(
    engine: Engine, db_url: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    make_user(engine, "wang.fang", Role.OWNER, "wang.fang@factory.example")
    late = assign(engine, "li.na", "复核来料检验", TODAY - dt.timedelta(days=3))
    assign(engine, "li.na", "明天到期的措施", TODAY + dt.timedelta(days=1))
    assign(engine, "li.na", "今天到期的措施", TODAY)  # due today: not overdue yet
    finished = assign(engine, "li.na", "已完成的措施", TODAY - dt.timedelta(days=5))
    assign(engine, "wang.fang", "更新 FMEA", TODAY - dt.timedelta(days=1))
    with session_scope(engine) as session:
        engineer = accounts.require_user(session, "zhang.wei")
        update_action(session, action_id=finished, changes={"status": "done"}, user=engineer)
    monkeypatch.setenv("QLOOP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QLOOP_SMTP_PORT", str(smtp.port))
    assert runner.invoke(app, ["--db", db_url, "notify", "send"]).exit_code == 0
    smtp.inbox.received.clear()  # the five assignments

    first = runner.invoke(app, ["--db", db_url, "notify", "digest", "--date", str(TODAY)])
    again = runner.invoke(app, ["--db", db_url, "notify", "digest", "--date", str(TODAY)])

    assert first.exit_code == 0 and "2 overdue digests queued for 2026-06-15" in first.stdout
    assert "sent 2" in first.stdout
    assert again.exit_code == 0 and "0 overdue digests queued" in again.stdout
    assert "sent 0" in again.stdout
    digests = {r[1][0]: r[2] for r in smtp.inbox.received}
    assert sorted(digests) == ["li.na@factory.example", "wang.fang@factory.example"]
    body = digests["li.na@factory.example"].get_content()
    assert f"#{late} 复核来料检验" in body and "3 days late" in body
    assert "1 of your actions are overdue / 您有 1 项措施已逾期" in body
    for not_overdue in ("明天到期的措施", "今天到期的措施", "已完成的措施"):
        assert not_overdue not in body
    assert (
        digests["li.na@factory.example"]["Subject"]
        == "[qloop] 1 overdue actions / 逾期措施 2026-06-15"
    )
    # the next day is another digest
    with session_scope(engine) as session:
        made = enqueue_overdue_digests(session, today=TODAY + dt.timedelta(days=1))
        assert sorted(n.recipient for n in made) == ["li.na", "wang.fang"]


def test_with_smtp_off_everything_waits(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    make_user(engine, "wang.fang", Role.OWNER, None)
    assign(engine, "li.na", "复核来料检验", TODAY)
    assign(engine, "wang.fang", "更新 FMEA", TODAY)

    report = mailer.deliver_all(engine, Settings(smtp_host=None))
    assert not report.enabled and report.processed == 0 and not report.any_failure
    with session_scope(engine) as session:
        assert mailer.deliver_pending(session, Settings()).processed == 0
    assert all(n.sent_at is None and n.failed_at is None and n.attempts == 0
               for n in outbox(engine))  # fmt: skip

    monkeypatch.delenv("QLOOP_SMTP_HOST", raising=False)
    sent = runner.invoke(app, ["--db", db_url, "notify", "send"])
    assert sent.exit_code == 0 and "e-mail is off" in sent.output
    status = runner.invoke(app, ["--db", db_url, "notify", "status"])
    assert "e-mail is off (QLOOP_SMTP_HOST is not set)" in status.stdout
    assert "pending 2 (retrying 0), sent 0, failed 0" in status.stdout
    shown = json.loads(runner.invoke(app, ["--db", db_url, "notify", "status", "--format",
                                           "json"]).stdout)  # fmt: skip
    assert (shown["email"], shown["server"], shown["pending"]) == ("off", None, 2)


def test_cli_send_exits_1_when_a_notification_failed(
    engine: Engine, db_url: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    assign(engine, "li.na", "复核来料检验", TODAY)
    monkeypatch.setenv("QLOOP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QLOOP_SMTP_PORT", str(free_port()))  # nothing listening

    down = runner.invoke(app, ["--db", db_url, "notify", "send"])
    assert down.exit_code == 1
    assert "sent 0, to retry 1, given up 0, no e-mail address 0" in down.stdout
    assert "SMTP server 127.0.0.1" in down.stderr and "Connection refused" in down.stderr
    status = json.loads(runner.invoke(app, ["--db", db_url, "notify", "status", "--format",
                                            "json"]).stdout)  # fmt: skip
    assert (status["pending"], status["retrying"], status["failed"]) == (1, 1, 0)

    with session_scope(engine) as session:  # due again now
        session.execute(Notification.__table__.update().values(next_attempt_at=now()))
    monkeypatch.setenv("QLOOP_SMTP_PORT", str(smtp.port))
    up = runner.invoke(app, ["--db", db_url, "notify", "send"])
    assert up.exit_code == 0 and "sent 1, to retry 0" in up.stdout
    assert len(smtp.inbox.received) == 1


def test_cli_send_delivers_more_than_one_batch(engine: Engine, smtp: SmtpServer) -> None:
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    for n in range(5):
        assign(engine, "li.na", f"措施 {n}", TODAY)
    report = mailer.deliver_all(engine, mail_settings(smtp.port), limit=2)
    assert report.sent == 5 and len(smtp.inbox.received) == 5
    subjects = [r[2]["Subject"] for r in smtp.inbox.received]
    assert [s.rsplit(" ", 1)[1] for s in subjects] == ["0", "1", "2", "3", "4"]  # oldest first


def test_background_delivery_after_commit(
    engine: Engine, smtp: SmtpServer, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    assign(engine, "li.na", "复核来料检验", TODAY)

    report = mailer.deliver_in_background(engine, mail_settings(smtp.port))

    assert report.sent == 1 and len(smtp.inbox.received) == 1
    assert outbox(engine)[0].sent_at is not None

    def broken(*args: object, **kwargs: object) -> mailer.DeliveryReport:
        raise RuntimeError("database went away")

    monkeypatch.setattr(mailer, "deliver_all", broken)
    failed = mailer.deliver_in_background(engine, mail_settings(smtp.port))
    assert failed.errors == ["delivery stopped: database went away"]
    assert any(r.levelname == "ERROR" and "database went away" in r.getMessage()
               for r in caplog.records if r.name == "qloop.notify")  # fmt: skip


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_when_a_user_is_set(engine: Engine) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      data: LoginPassword) -> AuthResult:  # fmt: skip
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == "秘密 pass".encode(), handled=False)

    server = SmtpServer(free_port(), authenticator=authenticator, auth_require_tls=False,
                        auth_required=True)  # fmt: skip
    make_user(engine, "li.na", Role.OWNER, "li.na@factory.example")
    assign(engine, "li.na", "复核来料检验", TODAY)
    server.start()
    try:
        wrong = mail_settings(server.port, smtp_user="qloop", smtp_password="wrong")
        refused = mailer.deliver_all(engine, wrong)
        right = mail_settings(server.port, smtp_user="qloop", smtp_password="秘密 pass")
        accepted = mailer.deliver_all(engine, right, now=later(2))
    finally:
        server.stop()
    assert refused.retried == 1
    assert refused.errors[0].endswith(": 535 5.7.8 Authentication credentials invalid")
    assert "wrong" not in refused.errors[0]
    assert accepted.sent == 1 and len(server.inbox.received) == 1
    assert logins[-1] == (b"qloop", "秘密 pass".encode())  # in UTF-8, which smtplib cannot
    assert set(logins[:-1]) == {(b"qloop", b"wrong")}  # smtplib tries PLAIN, then LOGIN


def test_settings_that_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        Settings(smtp_host="x", smtp_ssl=True, smtp_starttls=True)
    assert "hunter2" not in repr(Settings(smtp_password="hunter2"))  # type: ignore[arg-type]


def test_set_email(engine: Engine, db_url: str) -> None:
    make_user(engine, "li.na", Role.OWNER, None)
    with session_scope(engine) as session:
        user = accounts.set_email(session, name="li.na", email="  li.na@factory.example ")
        assert user.email == "li.na@factory.example"
        local = "x" * 240
        for bad in ("li.na", "a@b@c", "li na@factory.example", "@factory.example", "li.na@",
                    f"{local}@factory.example", "li\x00@x"):  # fmt: skip
            with pytest.raises(InputError) as refused:
                accounts.set_email(session, name="li.na", email=bad)
            assert refused.value.column == "email"
        with pytest.raises(NotFound):
            accounts.set_email(session, name="nobody", email="a@b")
        assert accounts.set_email(session, name="li.na", email="").email is None

    done = runner.invoke(app, ["--db", db_url, "user", "email", "li.na", "李娜@工厂.中国"])
    assert done.exit_code == 0 and "li.na: 李娜@工厂.中国" in done.stdout
    listed = runner.invoke(app, ["--db", db_url, "user", "list"])
    assert "李娜@工厂.中国" in listed.stdout
    bad = runner.invoke(app, ["--db", db_url, "user", "email", "li.na", "not an address"])
    assert bad.exit_code == 2 and "is not an e-mail address" in bad.output
    cleared = runner.invoke(app, ["--db", db_url, "user", "email", "li.na", ""])
    assert cleared.exit_code == 0 and "no e-mail address" in cleared.stdout
    with session_scope(engine) as session:
        assert session.scalar(select(User.email).where(User.name == "li.na")) is None
        assert session.scalar(select(func.count()).select_from(Action)) == 0
