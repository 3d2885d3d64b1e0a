"""Error pages: a friendly page in the layout, or a small fragment for htmx requests."""

from flask import Flask, Response, current_app, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from web.rendering import render, wants_fragment

# What a reader is told, by status; anything else falls back to werkzeug's short text.
MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please check it and try again."),
    403: ("Not allowed", "You do not have permission to do that."),
    404: ("Page not found", "There is nothing here. It may have moved or never existed."),
    405: ("Not allowed", "That action is not available on this page."),
    413: ("Too large", "What you sent is larger than we accept."),
    422: ("That cannot be done", "The request was understood but cannot be carried out."),
    429: ("Too many requests", "Please wait a moment and try again."),
    500: ("Something went wrong", "An unexpected error happened on our side. Please try again."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)


# The subject an API error is reported under, when the view gave none.
API_SUBJECTS = {
    400: "body", 401: "authorization", 403: "permission", 404: "resource", 405: "method",
    413: "body", 415: "body", 422: "body", 429: "requests", 500: "server",
}  # fmt: skip


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def api_error(error: HTTPException) -> Response:
    """{"errors": {subject: [message]}}, with werkzeug's headers (Allow, Retry-After)."""
    code = error.code or 500
    errors = getattr(error, "errors", None) or {
        API_SUBJECTS.get(code, "request"): [
            MESSAGES.get(code, (error.name, error.description or ""))[1]
        ]
    }
    response = jsonify({"errors": errors})
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_http_error(error: HTTPException) -> Response:
    if is_api_request():
        return api_error(error)
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, error.description or ""))
    if error.description and error.description != type(error).description:
        message = error.description  # a specific reason given with abort(code, reason)
    response = render(
        "errors/error.html",
        fragment="error",
        status=code,
        code=code,
        title=title,
        message=message,
        partial=wants_fragment(),
    )
    if error.response is None:
        # Keep headers werkzeug sets for some errors (Allow on 405, Retry-After on 429).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return response


def handle_csrf_error(_error: CSRFError) -> Response:
    # Usually a form left open too long or a session that ended: say so plainly.
    return handle_http_error(
        BadRequest(
            "This form has expired or did not come from this site. "
            "Please reload the page and try again."
        )
    )


def handle_unexpected_error(error: Exception) -> Response:
    current_app.logger.exception("Unhandled error", exc_info=error)
    return handle_http_error(InternalServerError(original_exception=error))
