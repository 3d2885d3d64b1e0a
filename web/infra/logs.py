"""Logs: in production every line is one JSON object (python-json-logger).

Each line has its time, level, logger and message, and inside a request the request's
id, its trace's id (when traced) and the member's id when known; a traceback is a field
of its line, not lines of its own. The app's loggers and gunicorn's (gunicorn.conf.py
names `GunicornLogger`) write through the same formatter. Development keeps readable
lines.
"""

import logging
import sys
from typing import Any

from flask import Flask, g, has_request_context
from flask.logging import default_handler
from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

from web.infra.traces import trace_id

FIELDS = "{asctime}{levelname}{name}{message}"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def known_member_id() -> int | None:
    """Who made the request, if it already knew (a page looked at the session, or the
    API read a token): never loads a member for a log line or a report."""
    member = g.get("_login_user")  # set by Flask-Login when a page looked at the session
    if member is not None and member.is_authenticated:
        return int(member.user.id)
    return g.get("api_user_id")


class RequestFacts(logging.Filter):
    """Adds the request's id, its trace id and the member's id to a line written during
    a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.member_id = known_member_id()
            record.trace_id = trace_id()
        return True


class Stderr(logging.StreamHandler):
    """Writes to sys.stderr as it is when a line is written (a worker's, a test's)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def formatter() -> JsonFormatter:
    return JsonFormatter(FIELDS, style="{", rename_fields=RENAMED, json_ensure_ascii=False)


def json_handler() -> logging.Handler:
    handler = Stderr()
    handler.setFormatter(formatter())
    handler.addFilter(RequestFacts())
    return handler


def init_app(app: Flask) -> None:
    """Production: one JSON handler on the root logger, which every logger reaches (the
    app's, the libraries', Flask's own) instead of Flask's text handler."""
    if app.config["CONDUIT_ENV"] != "production":
        return
    # The lines name no caller, thread or process: not looked up for each of them (the
    # logging HOWTO's "Optimization"; a quarter of an access line's cost).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    if not any(getattr(h, "conduit_json", False) for h in root.handlers):
        handler = json_handler()
        handler.conduit_json = True  # type: ignore[attr-defined]  # marks the app's own
        root.addHandler(handler)
        if root.level == logging.WARNING or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)


class GunicornLogger(glogging.Logger):
    """gunicorn's own lines (its events and errors) in the same JSON, and no access lines:
    the app writes one per request (gunicorn would format a second one for every answer
    if its logging were configured another way, at a quarter of the throughput)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter())
