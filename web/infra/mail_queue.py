"""The mail queue: RQ on Redis, so no reader waits on SMTP and no mail is lost to it.

With REDIS_URL (and MAIL_QUEUE on, the default) a mail is rendered in the request and
queued; the worker (`flask --app web mail worker`, the Procfile's `worker:`) sends it.
A send that fails is tried again after each of MAIL_RETRY_SECONDS (30 s, 2 min, 10 min,
30 min, an hour); once they are spent the job waits in RQ's failed registry, where an
operator sees it (`flask mail failed`, the `conduit_mail_queue_jobs{state="failed"}`
figure, a warning in the log) and sends it again (`flask mail retry`). Without Redis, or
when Redis cannot take the job, the mail is sent in the request as before.
"""

import logging
from collections.abc import Callable, Iterator
from typing import Any

import click
import redis
from flask import Flask, current_app
from flask.cli import AppGroup
from prometheus_client import start_http_server
from prometheus_client.core import GaugeMetricFamily
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from web.infra import metrics
from web.infra.breakers import Open
from web.infra.redis_clients import client as redis_client

log = logging.getLogger("conduit.mail")
EXTENSION = "conduit.mail-queue"
KEPT_FAILED_SECONDS = 30 * 24 * 3600  # a failed mail waits a month for `flask mail retry`
SEND_SECONDS = 60  # one try's bound in the worker (the SMTP timeout is far shorter)

mail_command = AppGroup("mail", help="The mail queue: its worker, its failed mails.")


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if not url or not app.config.get("MAIL_QUEUE", True):
        return
    queue = Queue(app.config.get("MAIL_QUEUE_NAME") or "conduit-mail", connection=redis_client(url))
    app.extensions[EXTENSION] = queue
    metrics.collect_also(app, QueueFigures(queue))


def queue_of(app: Flask) -> Queue | None:
    return app.extensions.get(EXTENSION)


def enqueue(job: Callable[..., Any], *args: Any) -> bool:
    """Queue `job(*args)` for the worker: False when there is no queue or Redis cannot
    take it now (the caller sends the mail itself)."""
    queue = queue_of(current_app)
    if queue is None:
        return False
    waits = [int(seconds) for seconds in current_app.config["MAIL_RETRY_SECONDS"].split(",")]
    try:
        queue.enqueue(job, *args, retry=Retry(max=len(waits), interval=waits),
                      job_timeout=SEND_SECONDS, failure_ttl=KEPT_FAILED_SECONDS,
                      result_ttl=0)  # fmt: skip
    except (redis.RedisError, OSError, Open) as error:
        log.warning("Mail queue unavailable (%s): sending now", error)
        return False
    return True


def last_try() -> bool:
    """Whether the job running now has no try left after this one."""
    job = get_current_job()
    return job is None or not job.retries_left


class QueueFigures:
    """The queue's state at each scrape: waiting, scheduled to try again, failed."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = GaugeMetricFamily(
            "conduit_mail_queue_jobs", "Mails in the queue", labels=["state"]
        )
        try:
            counts = {
                "queued": self.queue.count,
                "scheduled": ScheduledJobRegistry(queue=self.queue).count,
                "failed": FailedJobRegistry(queue=self.queue).count,
            }
        except (redis.RedisError, OSError, Open):
            return  # Redis away: no figure rather than a wrong one
        for state, count in counts.items():
            figures.add_metric([state], count)
        yield figures


def _queue() -> Queue:
    queue = queue_of(current_app)
    if queue is None:
        raise click.ClickException("No mail queue: set REDIS_URL (mail is sent in the request).")
    return queue


@mail_command.command("worker")
@click.option("--burst", is_flag=True, help="Send what is due, then stop.")
@click.option("--metrics-port", type=int, help="Serve this worker's figures (mails sent, "
              "retried, failed) for Prometheus on this port.")  # fmt: skip
@click.option("--metrics-address", default="127.0.0.1", show_default=True,
              help="The address the figures are served on (the scraper's side).")  # fmt: skip
def worker(burst: bool, metrics_port: int | None, metrics_address: str) -> None:
    """Send queued mails, trying failed ones again when due (the Procfile's `worker`)."""
    queue = _queue()
    if metrics_port:
        start_http_server(metrics_port, addr=metrics_address)
    # Its own connection: RQ sets a read timeout just above its blocking wait.
    connection = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2)
    listening = Queue(queue.name, connection=connection)
    SimpleWorker([listening], connection=connection).work(burst=burst, with_scheduler=True)


def _failed(queue: Queue) -> tuple[FailedJobRegistry, list[Any]]:
    """The failed list, and its jobs (those still kept)."""
    registry = FailedJobRegistry(queue=queue)
    found = queue.job_class.fetch_many(registry.get_job_ids(), connection=queue.connection)
    return registry, [job for job in found if job is not None]


@mail_command.command("failed")
def failed() -> None:
    """List the mails whose tries are spent."""
    _registry, jobs = _failed(_queue())
    for job in jobs:
        to, subject = job.args[0], job.args[1]
        click.echo(f"{job.id}  {job.ended_at or '-'}  to {to}: {subject}")
    click.echo(f"{len(jobs)} failed mail(s).")


@mail_command.command("retry")
def retry() -> None:
    """Queue every failed mail again (with its tries anew)."""
    registry, jobs = _failed(_queue())
    for job in jobs:
        job.retries_left = len(job.retry_intervals or [0])  # its tries anew
        job.save()
        registry.requeue(job)
    click.echo(f"{len(jobs)} mail(s) queued again.")
