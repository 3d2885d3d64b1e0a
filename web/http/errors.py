"""Every error, answered once and in the shape the request can use.

- `/api/...`: RealWorld JSON, `{"errors": {subject: [message]}}`.
- A page (plain request, boosted navigation, history restore): the error page in the
  layout, with the status code.
- An htmx request for part of a page never gets a whole page. A GET that swaps a region
  (a feed page, search results) gets a small error block in that region, its heading
  focused; an inline field check gets the message in the field's message area; an
  action (favorite, comment, ...) leaves the page as it is (`HX-Reswap: none`) and the
  message is announced in the status region while focus stays on the control.
- An action that needs an account, asked by a visitor (a session that ended in another
  tab), sends them to sign in and back to the page they were on: `HX-Redirect` for
  htmx, a 303 otherwise.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import cast

from flask import Flask, current_app, flash, g, jsonify, redirect, request, url_for
from flask_babel import format_timedelta, gettext
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from web.db import rollback_quietly
from web.http.auth import current_member, login_manager, safe_next
from web.http.boundary import names_nothing
from web.http.limits import retry_after_seconds
from web.http.rendering import (
    announce,
    component,
    current_url,
    here,
    local_part,
    render,
    respond,
    target,
    wants_fragment,
)
from web.http.resume import keep_intent, sent_by_member
from web.infra import reports
from web.languages import N_
from web.problems import Moved, Problem

# What a reader is told, by status (in their language on pages, in English in the API);
# anything else falls back to werkzeug's short text.
MESSAGES = {
    400: (
        N_("Bad request"),
        N_("The request could not be understood. Please check it and try again."),
    ),
    403: (N_("Not allowed"), N_("You do not have permission to do that.")),
    404: (N_("Page not found"), N_("There is nothing here. It may have moved or never existed.")),
    405: (N_("Not allowed"), N_("That action is not available on this page.")),
    413: (N_("Too large"), N_("What you sent is larger than we accept.")),
    422: (N_("That cannot be done"), N_("The request was understood but cannot be carried out.")),
    429: (N_("Too many requests"), N_("Please wait a moment and try again.")),
    500: (N_("Something went wrong"), N_("Something went wrong on our side. Please try again.")),
}  # fmt: skip
EXPIRED_FORM = N_(
    "This page has been open too long or did not come from this site. "
    "Please reload the page and try again."
)
SIGN_IN_FIRST = N_("Please sign in to continue.")

# The subject an API error is reported under, when the view gave none.
API_SUBJECTS = {
    400: "body", 401: "authorization", 403: "permission", 404: "resource", 405: "method",
    412: "resource", 413: "body", 415: "body", 422: "body", 429: "requests", 500: "server",
}  # fmt: skip


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(Problem, handle_problem)
    for lost in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.register_error_handler(lost, handle_database_unavailable)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
    login_manager.unauthorized_handler(sign_in_required)


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(
    code: int, errors: dict[str, list[str]], headers: Iterable[tuple[str, str]] = ()
) -> Response:
    response = jsonify({"errors": errors})
    response.status_code = code
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def api_error(error: HTTPException) -> Response:
    """{"errors": {subject: [message]}}, with werkzeug's headers (Allow, Retry-After)."""
    code = error.code or 500
    message = MESSAGES.get(code, (error.name, error.description or ""))[1]
    if error.description and error.description != type(error).description:
        message = error.description  # a specific reason given with abort(code, reason)
    errors = getattr(error, "errors", None) or {API_SUBJECTS.get(code, "request"): [message]}
    return json_error(code, errors, error.get_headers())


def error_page(
    code: int, title: str, message: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    """The error as a page, or as a fragment made for where an htmx request lands."""
    where = target()
    if where is None:  # a whole page: plain request, boosted navigation, history restore
        response = render("errors/error.html", status=code, code=code, title=title,
                          message=message, partial=False, sent=[])  # fmt: skip
    elif where.endswith("-error"):  # an inline field check: the field's message area
        response = respond(component("field_messages", [message]), status=code)
    elif request.method == "GET":  # a region (feed, results): a small error block there
        announce(message, error=True)
        block = render_error_block(code=code, title=title, message=message)
        response = respond(block, status=code)
        response.headers["HX-Push-Url"] = "false"  # keep the address of what is shown
    else:  # an action: the page stays as it was, the message is announced
        announce(message, error=True)
        response = respond(status=code, reswap="none")
    for name, value in headers or ():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def render_error_block(*, code: int, title: str, message: str) -> Markup:
    return Markup(
        render_block(
            "errors/error.html",
            "error",
            code=code,
            title=title,
            message=message,
            partial=True,
            sent=[],
        )
    )


def handle_problem(problem: Problem) -> Response:
    if is_api_request():
        return json_error(problem.status, problem.errors())
    if isinstance(problem, Moved):
        return moved(problem.slug)
    title = gettext(problem.title)
    return error_page(problem.status, title, gettext(problem.sentence, **problem.params))


def moved(slug: str) -> Response:
    """A former slug: the same address with the article's current slug, for good.

    301 for reads; 308 keeps the method and form of an action (a favorite, a comment).
    """
    url = url_for(
        request.endpoint or "articles.show", **{**(request.view_args or {}), "slug": slug}
    )
    query = request.query_string.decode()
    return redirect(url + (f"?{query}" if query else ""), 301 if request.method == "GET" else 308)


def handle_http_error(error: HTTPException) -> Response:
    if isinstance(error, MethodNotAllowed) and names_nothing(error):
        error = NotFound()
    if is_api_request():
        return api_error(error)
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, error.description or ""))
    if error.description and error.description != type(error).description:
        message = error.description  # a specific reason given with abort(code, reason)
    if error.response is not None:  # an answer prepared where the error was raised
        return cast(Response, error.response)
    if code == 429:
        return error_page(code, gettext(title), retry_message(), error.get_headers())
    # Keep headers werkzeug sets for some errors (Allow on 405). An abort's own reason
    # is said in the reader's language when the catalogs have it.
    return error_page(code, gettext(title), gettext(message), error.get_headers())


def retry_message() -> str:
    """Say in words when to try again: "Please wait 45 seconds and try again."."""
    seconds = retry_after_seconds()
    if seconds is None:
        return gettext(MESSAGES[429][1])
    return gettext("Too many attempts. Please wait %(wait)s and try again.", wait=in_words(seconds))


def in_words(seconds: int) -> str:
    """A wait said the way people say it, in their language: "45 seconds", "3 minutes"
    (seconds up to two minutes)."""
    return format_timedelta(timedelta(seconds=seconds), threshold=2)


def handle_csrf_error(_error: CSRFError) -> Response:
    # A session that ended (e.g. signed out in another tab) on an action for members is
    # best answered by asking to sign in; otherwise the page is simply too old.
    view = current_app.view_functions.get(request.endpoint or "")
    if (current_member() is None and getattr(view, "members_only", False)) or sent_by_member():
        return sign_in_required()
    return error_page(400, gettext("This page has expired"), gettext(EXPIRED_FORM))


def sign_in_required() -> Response:
    """Send a visitor to sign in, then back to the page they were on, with what they
    pressed done there (web.http.resume)."""
    if is_api_request():  # the API authenticates with tokens; never a redirect
        return json_error(401, {"authorization": ["is missing: send 'Token <jwt>'"]})
    keep_intent()
    destination = url_for("auth.login", next=_origin_page())
    flash(gettext(SIGN_IN_FIRST))
    if wants_fragment():
        response = current_app.response_class(status=401)
        response.vary.add("HX-Request")
        response.headers["HX-Redirect"] = destination
        return response
    return redirect(destination, 303)


def _origin_page() -> str:
    """Where the reader was: this page for a GET, else the page that sent the form."""
    if request.method == "GET":
        return here()
    candidates = [current_url(), request.form.get("next"), local_part(request.referrer)]
    return next((safe_next(c) for c in candidates if c and safe_next(c, "") != ""), "/")


# How long to wait before trying again while the database cannot be reached.
RETRY_SECONDS = 15
UNAVAILABLE = (
    N_("We'll be right back"),
    N_(
        "Conduit cannot reach its database just now. Nothing you sent was saved: "
        "please try again in a moment."
    ),
)
# Fields never shown back: tokens and passwords.
NOT_SHOWN = ("csrf_token", "once", "password", "current_password", "new_password", "next")


def handle_database_unavailable(error: Exception) -> Response:
    """The database is down or busy: 503 with Retry-After, never a 500. The answer
    needs no database (the reader is shown as a visitor if not known yet), and what a
    form sent is shown back so nothing typed is lost."""
    current_app.logger.warning("Database unavailable: %s", error)
    rollback_quietly()
    g.database_unavailable = True
    headers = [("Retry-After", str(RETRY_SECONDS))]
    if is_api_request():
        return json_error(503, {"server": ["is temporarily unavailable: retry later"]}, headers)
    title, message = (gettext(text) for text in UNAVAILABLE)
    if target() is None and request.method == "POST":
        sent = [(name, value) for name, value in request.form.items(multi=True)
                if name not in NOT_SHOWN and value.strip()]  # fmt: skip
        response = render("errors/error.html", status=503, code=503, title=title,
                          message=message, partial=False, sent=sent)  # fmt: skip
        response.headers.extend(headers)
        return response
    return error_page(503, title, message, headers)


def handle_unexpected_error(error: Exception) -> Response:
    current_app.logger.exception("Unhandled error", exc_info=error)
    reports.report(error)
    rollback_quietly()  # a failed statement must not break the error page too
    return handle_http_error(InternalServerError(original_exception=error))
