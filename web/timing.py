"""Server-Timing in development: SQL count and time, and the whole request's time."""

import time

from flask import Flask, Response, g

from web.db import sql_stats


def init_app(app: Flask) -> None:
    if not app.config["SERVER_TIMING"]:
        return
    app.before_request(_start)
    app.after_request(_add_header)


def _start() -> None:
    g.request_started = time.perf_counter()


def _add_header(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    stats = sql_stats()
    total_ms = (time.perf_counter() - started) * 1000
    response.headers["Server-Timing"] = (
        f'db;dur={stats.seconds * 1000:.1f};desc="{stats.count} queries", total;dur={total_ms:.1f}'
    )
    return response
