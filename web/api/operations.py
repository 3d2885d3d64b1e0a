"""How an API endpoint is declared: one decorator that routes, authenticates, limits
writes, validates input with pydantic models, answers with validators (ETag), and
records what the OpenAPI document says about it.

The blueprint is mounted twice (MOUNTS): `/api/v1` is the canonical address and `/api`
the RealWorld-compatible alias of the same version. Links in answers stay on the mount
the client called (`url_for(".endpoint")`).
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import Blueprint, current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from web.api.conditions import representation, with_validators
from web.api.errors import ApiError
from web.api.tokens import authenticate
from web.caching.answers import served_again
from web.http.boundary import CONTROL_RULE, NESTED_TOO_DEEPLY, control_fields
from web.http.limits import limit_writes

bp = Blueprint("api", __name__)
# Registered name -> URL prefix. A v2 would be a second blueprint mounted at /api/v2.
MOUNTS = {"api": "/api/v1", "realworld": "/api"}
CANONICAL = MOUNTS["api"]

Auth = Literal["required", "optional", "none"]


@dataclass
class Operation:
    method: str
    rule: str
    name: str
    summary: str
    tag: str
    auth: Auth
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | None]
    errors: set[int] = field(default_factory=set)
    description: str = ""
    conditional: bool = False  # honours If-Match


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    responses: dict[int, type[BaseModel] | None],
    auth: Auth = "none",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: set[int] | None = None,
    description: str = "",
    conditional: bool = False,
    limited: Callable[[Callable[..., Response]], Callable[..., Response]] | None = None,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Declare an endpoint. The view gets its path arguments, plus `viewer` (when `auth`
    is not "none"), `body` and `query` (validated models) when declared. Writes that
    need a token are rate-limited per member; `conditional` says the view honours
    If-Match (web.api.conditions.require_current); `limited` adds a limit of its own
    (e.g. web.http.limits.limit_reports)."""

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        OPERATIONS.append(
            Operation(
                method=method,
                rule=rule,
                name=view.__name__,
                summary=summary,
                tag=tag,
                auth=auth,
                body=body,
                query=query,
                responses=responses,
                errors=set(errors or ()),
                description=description or inspect.cleandoc(view.__doc__ or ""),
                conditional=conditional,
            )
        )

        @wraps(view)
        def endpoint(**path: Any) -> Response:
            kwargs: dict[str, Any] = dict(path)
            if auth != "none":
                kwargs["viewer"] = authenticate(required=auth == "required")
            if body is not None:
                kwargs["body"] = validate(body, _json_object())
            if query is not None:
                kwargs["query"] = validate(query, request.args.to_dict())
            return with_validators(view(**kwargs))

        view_func = limit_writes(endpoint) if method != "GET" and auth == "required" else endpoint
        if limited is not None:
            view_func = limited(view_func)
        if method == "GET" and auth != "required":  # no token: the same for every visitor
            view_func = served_again(view_func)
        # A trailing slash names the same resource (clients add one): the same answer,
        # no redirect (browsers do not follow one on a preflighted request).
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view_func, methods=[method],
                        strict_slashes=False)  # fmt: skip
        return view_func

    return decorator


def _json_object() -> dict[str, Any]:
    request.get_data(cache=True)  # a body over MAX_CONTENT_LENGTH is a 413 here, not a 422
    try:
        data = request.get_json()
    except BadRequest as error:
        causes = [error, error.__cause__, error.__context__]
        deep = any(NESTED_TOO_DEEPLY in str(getattr(c, "description", c)) for c in causes)
        raise ApiError(
            422, {"body": ["is nested too deeply" if deep else "must be a JSON object"]}
        ) from None
    if not isinstance(data, dict):
        raise ApiError(422, {"body": ["must be a JSON object"]})
    return data


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Validate input; failures become 422 with one message list per field. Text with
    control characters (web.http.boundary) is refused before anything else."""
    dirty = {path[-1] if path else "body": [CONTROL_RULE] for path in control_fields(data)}
    if dirty:
        raise ApiError(422, dirty)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, field_errors(error)) from None


# RealWorld-style wording for pydantic's error types; {name} is filled from the context.
MESSAGES = {
    "missing": "can't be blank",
    "string_too_short": "is too short (minimum is {min_length} characters)",
    "string_too_long": "is too long (maximum is {max_length} characters)",
    "string_pattern_mismatch": "is invalid",
    "value_error": "is invalid",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "too_long": "has too many items (at most {max_length})",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


# What a field's pattern means, said where it is not met (else: "is invalid").
PATTERN_RULES = {
    "image": "must be an https:// address (or empty, to remove the picture)",
    "username": "may hold only letters, digits, dots, dashes and underscores, not dots alone",
}


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in error.errors(include_url=False):
        names = [str(part) for part in problem["loc"] if not isinstance(part, int)]
        subject = names[-1] if names else "body"
        kind = problem["type"]
        context = problem.get("ctx", {})
        if kind == "string_too_short" and context.get("min_length") == 1:
            kind = "missing"  # an empty or blank string
        if kind == "string_pattern_mismatch" and subject in PATTERN_RULES:
            out.setdefault(subject, []).append(PATTERN_RULES[subject])
            continue
        template = MESSAGES.get(kind)
        message = template.format(**context) if template else problem["msg"]
        out.setdefault(subject, []).append(message)
    return out


def respond(model: BaseModel | None, status: int = 200, location: str | None = None) -> Response:
    """The model as JSON; a list's `links` also go out as an RFC 8288 Link header, so
    header and body always agree. `location` names what a 201 created."""
    if model is None:
        return current_app.response_class(status=status)
    response = representation(model)
    response.status_code = status
    links = getattr(model, "links", None)
    if links is not None and getattr(links, "first", None) is not None:
        response.headers["Link"] = ", ".join(
            f'<{url}>; rel="{rel}"' for rel, url in links.model_dump().items() if url
        )
    if location is not None:
        response.headers["Location"] = location
    return response
