"""Prometheus metrics: what the app serves and what it knows, at /metrics.

Every answer is counted by endpoint (never by path: label values stay few), method and
status, with its time, including the answers the replay layer gives before Flask runs
(endpoint "replay"). Beside them: the SQL statements per request, cache hits and misses
by layer, failed calls to the database and Redis, 503s, rate-limit refusals, live
streams and events, mails, sign-ins and sign-ups.

Under gunicorn the workers share their figures through files in
PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py makes one per server and forgets a worker's
live figures when it exits); a scrape of any worker reads them all. /metrics answers
only the addresses in METRICS_ALLOW_IPS (the scraper's), 404 to anyone else: nginx never
passes it on either.
"""

import os
from collections.abc import Iterable, Iterator
from ipaddress import ip_address, ip_network
from typing import Any

from flask import Blueprint, Flask, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from werkzeug.wrappers import Response

bp = Blueprint("metrics", __name__)
EXTRA = "conduit.metrics.extra"

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: a cached answer takes a fraction of a millisecond, a page a few, a stall 2.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUESTS = Counter("conduit_http_requests", "Answers given", ("endpoint", "method", "status"))
LATENCY = Histogram(
    "conduit_http_request_duration_seconds", "Time to answer", ("endpoint", "method"),
    buckets=BUCKETS,
)  # fmt: skip
QUERIES = Histogram(
    "conduit_sql_queries_per_request", "SQL statements a request ran",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34),
)  # fmt: skip
CACHE = Counter("conduit_cache", "Cache lookups by layer", ("layer", "result"))
SERVER_FAILURES = Counter(
    "conduit_server_failures", "Calls to a server that failed or stalled", ("server",)
)
UNAVAILABLE = Counter("conduit_unavailable_answers", "Answers of 503 (a server away)")
RATE_LIMITED = Counter("conduit_rate_limited", "Requests refused with 429")
LIVE_STREAMS = Gauge(
    "conduit_live_streams", "Open live-update streams", multiprocess_mode="livesum"
)
LIVE_EVENTS = Counter("conduit_live_events_published", "Live-update events published")
MAILS = Counter("conduit_mails", "Mails by outcome", ("result",))
SIGNINS = Counter("conduit_signins", "Sign-ins by outcome", ("result",))
SIGNUPS = Counter("conduit_signups", "Accounts made")

# Bound once: the hot paths only add.
FRAGMENT_HIT, FRAGMENT_MISS = CACHE.labels("fragment", "hit"), CACHE.labels("fragment", "miss")
PAGE_HIT, PAGE_MISS = CACHE.labels("page", "hit"), CACHE.labels("page", "miss")
REPLAY_HIT, REPLAY_MISS = CACHE.labels("replay", "hit"), CACHE.labels("replay", "miss")


# Each (endpoint, method, status)'s counter and histogram, bound once: an answer costs
# one dictionary lookup, not two label lookups under the library's lock.
_bound: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def request_done(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answer (the app's or the replay layer's)."""
    key = (endpoint, method if method in METHODS else "other", status)  # all bounded
    found = _bound.get(key)
    if found is None:
        found = _bound[key] = (
            REQUESTS.labels(key[0], key[1], str(status)),
            LATENCY.labels(key[0], key[1]),
        )
    found[0].inc()
    found[1].observe(seconds)
    if status == 429:
        RATE_LIMITED.inc()
    elif status == 503:
        UNAVAILABLE.inc()


def collect_also(app: Flask, collector: Any) -> None:
    """Add figures read at each scrape (an object with `collect()`, e.g. a queue's length)."""
    app.extensions.setdefault(EXTRA, []).append(collector)


class _Together:
    """The process's figures (or every worker's) and the app's figures read at scrape."""

    def __init__(self, *collectors: Any) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Any]:
        for collector in self.collectors:
            yield from collector.collect()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    allowed = app.config["METRICS_ALLOW_IPS"]
    app.extensions["conduit.metrics"] = [
        ip_network(spec.strip(), strict=False) for spec in allowed.split(",") if spec.strip()
    ]


def _allowed(address: str | None, networks: Iterable[Any]) -> bool:
    try:
        peer = ip_address(address or "")
    except ValueError:
        return False
    return any(peer in network for network in networks)


@bp.get("/metrics")
def scrape() -> Response:
    """The figures, in Prometheus's text format, for the scraper alone."""
    if not _allowed(request.remote_addr, current_app.extensions["conduit.metrics"]):
        abort(404)
    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # every worker's figures, summed
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    together = _Together(registry, *current_app.extensions.get(EXTRA, ()))
    response = Response(generate_latest(together), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
