"""A request id for every request, one clock and one log line per request.

The id comes from X-Request-ID (set by nginx) or is made here; it is returned in
X-Request-ID. Production logs one JSON object per line (gunicorn's own access log is
off, so each request is logged once); development a readable line, and a
Server-Timing header with the number of SQL queries, their time and the total time.
"""

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request
from werkzeug.wrappers import Response

from web.db import sql_stats
from web.infra import logs, metrics

log = logging.getLogger("conduit.access")
VALID_ID = re.compile(r"^[\w.-]{1,128}$")
EXTENSION = "conduit.access-log"  # how lines are written: "json" or "text"


def init_app(app: Flask) -> None:
    production = app.config["CONDUIT_ENV"] == "production"
    if production:  # the JSON every line of the app has (web.infra.logs)
        log.handlers = [logs.json_handler()]
    elif not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    app.extensions[EXTENSION] = "json" if production else "text"

    @app.before_request
    def start() -> None:
        g.request_id = request_id(request.headers.get("X-Request-ID", ""))
        g.request_start = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        known_as = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = known_as
        if app.config.get("INSTANCE_NAME"):
            response.headers["X-Served-By"] = app.config["INSTANCE_NAME"]
        duration_ms = (time.perf_counter() - g.get("request_start", time.perf_counter())) * 1000
        rule = request.url_rule
        metrics.request_done(rule.endpoint if rule else "none", request.method,
                             response.status_code, duration_ms / 1000)  # fmt: skip
        stats = sql_stats()
        metrics.QUERIES.observe(stats.count)
        if app.config["SERVER_TIMING"]:
            response.headers["Server-Timing"] = (
                f'db;dur={stats.seconds * 1000:.1f};desc="{stats.count} queries", '
                f"total;dur={duration_ms:.1f}"
            )
        record(
            app, request.method, request.path, request.query_string.decode(errors="replace"),
            response.status_code,
            duration_ms, known_as, logs.known_member_id(), request.remote_addr,
        )  # fmt: skip
        return response


def request_id(given: str) -> str:
    """The id a request is known by: the proxy's, when it is one, or a new one."""
    return given if VALID_ID.match(given) else uuid.uuid4().hex


def record(
    app: Flask, method: str, path: str, query: str, status: int, duration_ms: float,
    request_id: str, user_id: int | None, remote_addr: str | None,
) -> None:  # fmt: skip
    """The request's one log line (web.caching.replay logs the answers it gives the same way)."""
    if app.testing and not app.config.get("ACCESS_LOG"):
        return
    if app.extensions[EXTENSION] == "json":
        facts = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 1),
            "request_id": request_id,
            "user_id": user_id,
            "remote_addr": remote_addr,
        }
        log.info("%s %s %s", method, path, status, extra=facts)
    else:
        log.info(
            "%s %s %s %.1fms id=%s user=%s",
            method, f"{path}?{query}" if query else path, status, duration_ms, request_id,
            user_id or "-",
        )  # fmt: skip
