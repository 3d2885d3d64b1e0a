"""Email: multipart messages (plain text and HTML) made from templates, with the site's
absolute links, sent over SMTP with Flask-Mailman.

`MAIL_URL` names the server (`smtp://`, `smtp+starttls://` or `smtps://`, with optional
`user:password@`). Without it, as under `make run`, each message is written to the
instance folder's `outbox/` as an `.eml` file and its subject and links are logged, so
every flow works out of the box. Sending waits at most `MAIL_TIMEOUT` seconds; a server
that cannot be reached raises `NotSent`, which the pages turn into "try again".

With Redis, a message is rendered in the request and queued (web.infra.mail_queue): the
worker sends it, trying again later while the server is away, so no reader waits on
SMTP and a mail is not lost when it is down.
"""

import logging
import re
import secrets
import smtplib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template
from flask_mailman import EmailMultiAlternatives, Mail
from flask_mailman.backends.base import BaseEmailBackend

from web.infra import mail_queue
from web.infra.metrics import MAILS

mail = Mail()
log = logging.getLogger("conduit.mail")  # what the outbox received, for the developer
LINK = re.compile(r"https?://\S+")
SCHEMES = {"smtp": (False, False), "smtp+starttls": (True, False), "smtps": (False, True)}


class NotSent(Exception):
    """The mail server could not take the message (down, refused, too slow)."""


class OutboxBackend(BaseEmailBackend):
    """Writes each message to `<instance>/outbox/<time>-<random>.eml` (no mail server)."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        outbox = outbox_path()
        outbox.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.eml"
            (outbox / name).write_bytes(message.message().as_bytes())
            links = " ".join(LINK.findall(message.body))
            log.info("Mail to %s: %s %s (%s)", ", ".join(message.to), message.subject, links,
                     outbox / name)  # fmt: skip
        return len(email_messages)


def outbox_path() -> Path:
    return Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")


def init_app(app: Flask) -> None:
    if not log.handlers:
        log.addHandler(logging.StreamHandler(sys.stderr))
        log.setLevel(logging.INFO)
        log.propagate = False
    url = app.config.get("MAIL_URL")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(f"MAIL_URL must start with one of {', '.join(SCHEMES)}")
        tls, ssl = SCHEMES[parts.scheme]
        app.config.update(
            MAIL_BACKEND="smtp",
            MAIL_SERVER=parts.hostname or "localhost",
            MAIL_PORT=parts.port or (465 if ssl else 587 if tls else 25),
            MAIL_USERNAME=unquote(parts.username) if parts.username else None,
            MAIL_PASSWORD=unquote(parts.password) if parts.password else None,
            MAIL_USE_TLS=tls,
            MAIL_USE_SSL=ssl,
        )
    else:
        app.config["MAIL_BACKEND"] = OutboxBackend
    mail.init_app(app)


def send(to: str, subject: str, template: str, **context: Any) -> None:
    """Send `mail/<template>.txt` and `.html` (rendered with `context`) to `to`: through
    the queue when there is one (the worker delivers it), else now. Raises NotSent when
    it can be neither queued nor sent."""
    text = render_template(f"mail/{template}.txt", **context)
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    if mail_queue.enqueue(deliver, to, subject, text, html):
        MAILS.labels("queued").inc()
        return
    try:
        _send_now(to, subject, text, html)
    except NotSent:
        MAILS.labels("failed").inc()
        raise


def deliver(to: str, subject: str, text: str, html: str) -> None:
    """The worker's job for one queued mail. A failure raises, and the queue tries again
    later (web.infra.mail_queue) until its tries are spent."""
    try:
        _send_now(to, subject, text, html)
    except NotSent:
        last = mail_queue.last_try()
        MAILS.labels("failed" if last else "retried").inc()
        if last:
            log.warning("Mail to %s failed for good; `flask mail retry` sends it again", to)
        raise


def _send_now(to: str, subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Mail to %s not sent: %s", to, error)
        raise NotSent(str(error)) from error
    MAILS.labels("sent").inc()
