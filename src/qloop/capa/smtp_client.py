"""The SMTP side of e-mail delivery: the message, the connection and login, and an SMTP
error in one readable line. :mod:`qloop.capa.mailer` decides what to send and what a
failure means for the outbox; this module only talks to the server.

Connections use SSL or STARTTLS as configured, with the system's default certificate
checks; a user name or password that is not ASCII logs in with AUTH PLAIN in UTF-8
(RFC 4616), which smtplib's ``login`` cannot send.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from qloop.capa.models import Notification
from qloop.core.settings import Settings


def build_message(notification: Notification, *, address: str, sender: str) -> EmailMessage:
    """The e-mail: UTF-8 subject and body (Chinese included), marked as automatic."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = " ".join(notification.subject.split())  # one line, always
    message["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"qloop.{notification.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message["X-Qloop-Notification"] = f"{notification.kind} {notification.id}"
    message.set_content(notification.body)
    return message


def connect(settings: Settings) -> smtplib.SMTP:
    """A connection, encrypted and logged in as configured; closed again when STARTTLS
    or the login fails, so a refused batch leaves no socket open."""
    host, port, timeout = (
        settings.smtp_host or "",
        settings.smtp_port,
        settings.smtp_timeout_seconds,
    )
    smtp: smtplib.SMTP
    if settings.smtp_ssl:
        context = ssl.create_default_context()
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            _login(smtp, settings.smtp_user, password)
    except BaseException:
        close(smtp)
        raise
    return smtp


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; smtplib encodes credentials as ASCII, so others go as AUTH PLAIN in UTF-8."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")  # RFC 4616: PLAIN is UTF-8
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def close(smtp: smtplib.SMTP) -> None:
    """QUIT, or just drop the socket when the server is already gone."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def describe(error: BaseException) -> str:
    """An SMTP or socket error in one readable line."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address} refused: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
