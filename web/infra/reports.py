"""Error reports: unhandled exceptions sent to Sentry (sentry-sdk) when SENTRY_DSN is set.

A report carries the exception, its stack (without local variables), the request's
method, its route (`/password/reset/<token>`, never the token itself), a few harmless
headers, its request id as a tag and the member's id. Never in it: request bodies
(passwords, articles), query strings, cookies, Authorization or any other header, mail
text, or the development outbox's lines (which hold reset links).
"""

from typing import Any

import sentry_sdk
from flask import Flask, g, has_request_context, request
from sentry_sdk.integrations.flask import FlaskIntegration

from web.infra.logs import known_member_id

# The request headers a report may show; every other one is left out.
SHOWN_HEADERS = frozenset(
    {"accept", "accept-language", "content-type", "hx-request", "hx-target", "user-agent"}
)
QUIET_LOGGERS = frozenset({"conduit.mail", "conduit.access"})  # not a report's breadcrumbs


def init_app(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config["CONDUIT_ENV"],
        server_name=app.config.get("INSTANCE_NAME") or None,
        # No user details, request bodies or stack variables are collected at all; what
        # is collected is scrubbed once more before it is sent (_scrubbed).
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
        traces_sample_rate=None,  # errors only: traces go to OpenTelemetry's exporter
        before_send=_scrubbed,
        before_breadcrumb=_breadcrumb,
        shutdown_timeout=2,
    )


def report(error: BaseException) -> None:
    """Send an exception the app handled itself (its 500 page) as a report."""
    if sentry_sdk.get_client().is_active():
        sentry_sdk.capture_exception(error)


def _scrubbed(event: Any, _hint: Any) -> Any:
    shown = event.get("request")
    if shown is not None:
        for private in ("cookies", "data", "query_string", "env"):
            shown.pop(private, None)
        shown["headers"] = {
            name: value
            for name, value in (shown.get("headers") or {}).items()
            if name.lower() in SHOWN_HEADERS
        }
        if has_request_context():
            rule = request.url_rule
            shown["url"] = rule.rule if rule is not None else "(no route)"
    if has_request_context():
        event.setdefault("tags", {})["request_id"] = g.get("request_id")
        member_id = known_member_id()
        event["user"] = {"id": str(member_id)} if member_id else {}
    return event


def _breadcrumb(crumb: Any, _hint: Any) -> Any:
    return None if crumb.get("category") in QUIET_LOGGERS else crumb
