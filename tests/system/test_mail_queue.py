"""The mail queue (RQ on Redis): a reader never waits on SMTP, a mail queued while the
server is down is delivered once it is back, and one that keeps failing waits in the
failed list, seen by the operator and sent again on request. Needs Redis (CI's
PostgreSQL pass sets REDIS_URL); without it mail is sent in the request (tests/pages)."""

import os
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from tests.conftest import AuthActions, csrf_token, free_port, make_test_app
from tests.mailbox import Inbox
from web.db import dispose
from web.infra.mail_queue import queue_of

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's PostgreSQL pass sets it)"
)


class Smtp:
    """The test's own SMTP server, which can be stopped and started again on its port."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.server: Controller | None = None

    def start(self) -> None:
        self.server = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    yield server
    server.stop()


@pytest.fixture
def queued(db_url: str, smtp: Smtp) -> Iterator[Flask]:
    app = make_test_app(db_url, MAIL_QUEUE=True, MAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
                        MAIL_TIMEOUT=2, MAIL_RETRY_SECONDS="1,1")  # fmt: skip
    yield app
    queue = queue_of(app)
    assert queue is not None
    queue.delete(delete_jobs=True)
    for registry in (queue.failed_job_registry, queue.scheduled_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    dispose(app)


def work(app: Flask) -> None:
    """The worker, once: sends what is due (scheduled tries included), then stops."""
    result = app.test_cli_runner().invoke(args=["mail", "worker", "--burst"])
    assert result.exit_code == 0, result.output


def ask_for_reset(app: Flask, address: str) -> None:
    client = app.test_client()
    token = csrf_token(client, "/password/forgot")
    answer = client.post("/password/forgot", data={"email": address, "csrf_token": token})
    assert answer.status_code == 200
    assert "Check your inbox" in answer.text


def test_a_reset_is_queued_and_the_worker_sends_it(queued, smtp):
    smtp.start()
    AuthActions(queued.test_client()).register("queued")
    work(queued)  # the sign-up's confirmation
    before = len(smtp.inbox.messages)
    ask_for_reset(queued, "queued@example.com")
    assert len(smtp.inbox.messages) == before  # nothing sent in the request
    work(queued)
    assert len(smtp.inbox.messages) == before + 1
    assert "password/reset/" in smtp.inbox.last_to("queued@example.com").as_string()


def test_a_mail_queued_while_the_server_is_down_arrives_once_it_is_back(queued, smtp):
    AuthActions(queued.test_client()).register("patient")  # the server is down: queued
    ask_for_reset(queued, "patient@example.com")
    work(queued)  # both tries fail: each scheduled to be tried again
    queue = queue_of(queued)
    assert queue is not None
    assert queue.scheduled_job_registry.count == 2
    smtp.start()
    time.sleep(1.2)  # the next try is due
    work(queued)
    subjects = sorted(message["Subject"] for message in smtp.inbox.messages)
    assert len(subjects) == 2, subjects  # each delivered once
    assert queue.scheduled_job_registry.count == 0
    assert queue.failed_job_registry.count == 0


def test_a_mail_that_keeps_failing_waits_for_the_operator(queued, smtp, capsys):
    ask_for_reset(queued, "nobody-yet@example.com")  # "no account" mail, server down
    queue = queue_of(queued)
    assert queue is not None
    for _ in range(3):  # the first try and both retries
        work(queued)
        time.sleep(1.2)
    assert queue.failed_job_registry.count == 1
    scraped = queued.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert 'conduit_mail_queue_jobs{state="failed"} 1.0' in scraped.text
    listed = queued.test_cli_runner().invoke(args=["mail", "failed"])
    assert "to nobody-yet@example.com" in listed.output
    assert "1 failed mail(s)." in listed.output
    smtp.start()
    again = queued.test_cli_runner().invoke(args=["mail", "retry"])
    assert "1 mail(s) queued again." in again.output
    work(queued)
    assert [message["To"] for message in smtp.inbox.messages] == ["nobody-yet@example.com"]
    assert queue.failed_job_registry.count == 0


def test_without_a_working_redis_mail_is_sent_in_the_request(db_url, smtp):
    smtp.start()
    app = make_test_app(db_url, MAIL_QUEUE=True, MAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
                        REDIS_URL="redis://127.0.0.1:1/0")  # fmt: skip
    try:
        ask_for_reset(app, "direct@example.com")
    finally:
        dispose(app)
    assert [message["To"] for message in smtp.inbox.messages] == ["direct@example.com"]


def test_the_worker_serves_its_own_figures(queued, smtp):
    """The worker is no web server: `--metrics-port` serves what it counted (mails sent,
    retried, failed) for Prometheus, on the loopback unless told otherwise."""
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    smtp.start()
    ask_for_reset(queued, "counted@example.com")
    port = free_port()
    result = queued.test_cli_runner().invoke(
        args=["mail", "worker", "--burst", "--metrics-port", str(port)]
    )
    assert result.exit_code == 0, result.output
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    sent = [sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == "conduit_mails_total"
            and sample.labels == {"result": "sent"}]  # fmt: skip
    assert sent
    assert sent[0] >= 1
