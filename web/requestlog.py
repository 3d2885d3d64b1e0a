"""A request id for every request, one clock and one log line per request.

The id comes from X-Request-ID (set by nginx) or is made here; it is returned in
X-Request-ID. Production logs one JSON object per line (gunicorn's own access log is
off, so each request is logged once); development a readable line, and a
Server-Timing header with the number of SQL queries, their time and the total time.
"""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request

from web.db import sql_stats

log = logging.getLogger("conduit.access")
VALID_ID = re.compile(r"^[\w.-]{1,128}$")


def init_app(app: Flask) -> None:
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    as_json = app.config["CONDUIT_ENV"] == "production"

    @app.before_request
    def start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if VALID_ID.match(given) else uuid.uuid4().hex
        g.request_start = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        if app.config.get("INSTANCE_NAME"):
            response.headers["X-Served-By"] = app.config["INSTANCE_NAME"]
        duration_ms = (time.perf_counter() - g.get("request_start", time.perf_counter())) * 1000
        if app.config["SERVER_TIMING"]:
            stats = sql_stats()
            response.headers["Server-Timing"] = (
                f'db;dur={stats.seconds * 1000:.1f};desc="{stats.count} queries", '
                f"total;dur={duration_ms:.1f}"
            )
        if app.testing and not app.config.get("ACCESS_LOG"):
            return response
        user_id = _user_id()
        if as_json:
            log.info(
                json.dumps(
                    {
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(duration_ms, 1),
                        "request_id": request_id,
                        "user_id": user_id,
                        "remote_addr": request.remote_addr,
                    }
                )
            )
        else:
            log.info(
                "%s %s %s %.1fms id=%s user=%s",
                request.method, request.full_path.rstrip("?"), response.status_code,
                duration_ms, request_id, user_id or "-",
            )  # fmt: skip
        return response


def _user_id() -> int | None:
    """Who made the request, if this request already knew (never loads a user for it)."""
    member = g.get("_login_user")  # set by Flask-Login when a page looked at the session
    if member is not None and member.is_authenticated:
        return member.user.id
    return g.get("api_user_id")
