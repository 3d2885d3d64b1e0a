"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic
models, and the browsable reference at /api/docs (Swagger UI from static/vendor)."""

import re
from typing import Any

from flask import current_app, jsonify, render_template, url_for
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.wrappers import Response

from web.api import schemas
from web.api.operations import MOUNTS, OPERATIONS, Operation, bp
from web.bounds import ID_MAX
from web.http.site import absolute
from web.markdown import render_markdown

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    401: "Missing, malformed, invalid or expired token",
    403: "Not allowed: only the author may do this (or, for moderation, a moderator or admin)",
    404: "No such resource",
    409: "Already decided by another moderator: the error says what they did",
    412: "If-Match did not match: the resource changed since the client read it",
    413: "Body too large",
    415: "The body is not sent as JSON (`Content-Type: application/json`)",
    422: "Invalid input (fields, types, limit/offset, JSON), or a rule refused it",
    429: "Too many requests: retry after the Retry-After header's seconds",
    503: "The database is unavailable for a moment: retry after Retry-After's seconds",
}
SUCCESS_TEXT = {200: "OK", 201: "Created", 204: "Done, nothing to return"}
MOUNT_TEXT = {
    "api": "Version 1, the canonical address",
    "realworld": "The RealWorld-compatible alias of version 1 (same operations)",
}


def _header(description: str, schema_type: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": schema_type}}


HEADERS = {
    "ETag": _header(
        "Strong entity tag of this exact answer: send it back in If-None-Match (reads) "
        "or If-Match (updates, deletes)."
    ),
    "Cache-Control": _header(
        "`private, no-cache` when the answer depends on the token, else `no-cache`: "
        "revalidate with the ETag before reuse."
    ),
    "Link": _header(
        "RFC 8288 links to the `first`, `prev`, `next` and `last` pages (and `self`), "
        "the same as the body's `links`."
    ),
    "Location": _header("Where the created resource lives."),
    "RateLimit-Limit": _header("Requests allowed in the current window.", "integer"),
    "RateLimit-Remaining": _header("Requests left in the current window.", "integer"),
    "RateLimit-Reset": _header("Seconds until the window starts again.", "integer"),
    "Retry-After": _header("Seconds to wait before trying again.", "integer"),
}
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
# Parameters every read or conditional write may send (components.parameters).
PARAMETERS = {
    "IfNoneMatch": {
        "name": "If-None-Match", "in": "header", "required": False,
        "description": "An ETag from an earlier answer: 304 with no body if still current.",
        "schema": {"type": "string"},
    },
    "IfMatch": {
        "name": "If-Match", "in": "header", "required": False,
        "description": "The ETag the client last read: 412 if the resource changed since.",
        "schema": {"type": "string"},
    },
}  # fmt: skip
# Links a client (or Schemathesis' stateful phase) follows from one answer to the next.
LINKS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "create_article": {
        name: (name, {"slug": "$response.body#/article/slug"})
        for name in ("get_article", "update_article", "delete_article", "list_comments",
                     "add_comment", "favorite", "unfavorite")
    },
    "get_article": {
        name: (name, {"slug": "$response.body#/article/slug"})
        for name in ("list_comments", "add_comment", "favorite")
    },
    "add_comment": {
        name: (name, {"slug": "$request.path.slug", "comment_id": "$response.body#/comment/id"})
        for name in ("get_comment", "delete_comment")
    },
    "register": {
        name: (name, {"username": "$response.body#/user/username"})
        for name in ("get_profile", "list_profile_articles", "list_favorites")
    },
    "get_profile": {
        name: (name, {"username": "$response.body#/profile/username"})
        for name in ("follow", "unfollow", "list_profile_articles", "list_favorites")
    },
}  # fmt: skip


def _path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_schema(kind: str) -> dict[str, Any]:
    if kind == "id":  # web.http.boundary's ids: 1 to ID_MAX
        return {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    return {"type": "integer"} if kind == "int" else {"type": "string"}


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _error_codes(op: Operation) -> list[int]:
    codes = set(op.errors)
    if op.auth != "none":
        codes.add(401)  # a bad token is refused even where a token is optional
    if "<" in op.rule:
        codes.add(404)
    if op.body is not None:
        codes |= {413, 415, 422}
    if op.query is not None:
        codes.add(422)
    if _rate_limited(op):
        codes.add(429)
    if op.conditional:
        codes.add(412)
    codes.add(503)  # any operation, while the database cannot be reached
    return sorted(codes)


def _rate_limited(op: Operation) -> bool:
    return op.method != "GET" and op.auth == "required"  # web.http.limits.limit_writes


def _operation(op: Operation, query_schemas: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": _path_schema(kind)}
        for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", op.rule)
    ]  # fmt: skip
    if op.query is not None:
        schema = query_schemas[op.query.__name__]
        for name, prop in schema["properties"].items():
            parameters.append({"name": name, "in": "query", "required": False, "schema": prop})
    if op.method == "GET":
        parameters.append({"$ref": "#/components/parameters/IfNoneMatch"})
    if op.conditional:
        parameters.append({"$ref": "#/components/parameters/IfMatch"})
    limits = RATE_HEADERS if _rate_limited(op) else ()
    responses: dict[str, Any] = {}
    for code, model in op.responses.items():
        answer: dict[str, Any] = {"description": SUCCESS_TEXT.get(code, "OK")}
        names: list[str] = list(limits)
        if model is not None:
            answer["content"] = {"application/json": {"schema": _ref(model)}}
            names += ["ETag", "Cache-Control"]
            if "links" in model.model_fields and "articlesCount" in model.model_fields:
                names.append("Link")
        if code == 201:
            names.append("Location")
        if names:
            answer["headers"] = {name: _header_ref(name) for name in names}
        if op.name in LINKS and code in (200, 201):
            answer["links"] = {
                target: {"operationId": target, "parameters": values}
                for target, (_, values) in LINKS[op.name].items()
            }
        responses[str(code)] = answer
    if op.method == "GET":
        responses["304"] = {
            "description": "Not modified: the client's copy (If-None-Match) is current",
            "headers": {name: _header_ref(name) for name in ("ETag", "Cache-Control")},
        }
    for code in _error_codes(op):
        responses[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": _ref(schemas.GenericErrors)}},
        }
        if code == 429:
            responses["429"]["headers"] = {
                name: _header_ref(name) for name in ("Retry-After", *RATE_HEADERS)
            }
        if code == 503:
            responses["503"]["headers"] = {"Retry-After": _header_ref("Retry-After")}
    spec: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if op.description:
        spec["description"] = op.description
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    if op.auth == "required":
        spec["security"] = [{"Token": []}]
    elif op.auth == "optional":
        spec["security"] = [{"Token": []}, {}]
    else:  # public: no token is read
        spec["security"] = []
    return spec


# What a client written against the upstream RealWorld document should know, and why.
DEPARTURES = (
    ("`bio` and `image` may be `null`",
     "a member who never set them has none; an empty string in `PUT /user` clears them."),
    ("Errors name the field",
     'bodies are `{"errors": {"<field>": ["message"]}}` (RealWorld\'s own shape, keyed by '
     "the field or subject at fault) rather than one `body` list, so a form can show each "
     "message by its field."),
    ("`201 Created` for a new comment",
     "as for users and articles, with the comment's address in `Location` (upstream says "
     "200)."),
    ("More statuses",
     "`304` (If-None-Match), `412` (If-Match), `413` (body too large), `415` (not JSON), "
     "`429` (rate limits) and `503` (database unavailable, with Retry-After) besides "
     "upstream's 200/201/401/403/404/422."),
    ("Extra fields",
     "every object has `links`, articles have `draft`; clients that ignore unknown "
     "fields need nothing more."),
    ("The password in `PUT /user`",
     "the current password sent again changes nothing; a new one keeps the token that "
     "made the change working and ends the account's other tokens and sessions."),
)  # fmt: skip

DEPARTURES_TEXT = "\n".join(f"* **{title}**: {why}" for title, why in DEPARTURES) + "\n"

DESCRIPTION = (
    """The RealWorld Conduit API, version 1.

* **Addresses**: `/api/v1/...` is canonical; `/api/...` is the same version under the
  address RealWorld clients expect. Links in answers stay on the prefix you called.
* **Errors** are always JSON: `{"errors": {"<field or subject>": ["message"]}}`.
* **Links**: every resource has `links` (`self`, and where to go next); lists also send
  them as an RFC 8288 `Link` header (`first`, `prev`, `next`, `last`).
* **Caching**: answers carry a strong `ETag`; send it as `If-None-Match` to get `304`.
  Send it as `If-Match` when updating or deleting an article or a comment: `412` means
  someone changed it since you read it.
* **Rate limits**: writes with a token are limited per member; answers say where you
  stand in `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds), and
  a `429` says when to retry in `Retry-After`.
* **Browsers on other origins** may call it (CORS, no cookies: the token is all it
  reads); the headers above are exposed to them, and `If-Match`/`If-None-Match` allowed.
* **Trailing slashes** are optional: `/articles/` is `/articles`, with no redirect.

## Where this API departs from the RealWorld specification

"""
    + DEPARTURES_TEXT
)


TAGS = {
    "User and Authentication": "Sign up, sign in (a token), the current member.",
    "Profile": "Members as others see them, their lists, following.",
    "Articles": "Reading, searching, writing and favoriting articles.",
    "Comments": "An article's comments.",
    "Tags": "The tags in use.",
    "Moderation": "Reports from members; the moderators' queue, decisions, roles and log.",
}


def document() -> dict[str, Any]:
    inputs = {m for op in OPERATIONS for m in (op.body,) if m is not None}
    outputs = {m for op in OPERATIONS for m in op.responses.values() if m is not None}
    outputs.add(schemas.GenericErrors)
    queries = {op.query for op in OPERATIONS if op.query is not None}
    _, defs = models_json_schema(
        [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs],
        ref_template=REF,
    )
    query_schemas = {q.__name__: q.model_json_schema(ref_template=REF) for q in queries}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op, query_schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Conduit API",
            "version": "1.0.0",
            "description": DESCRIPTION,
            "contact": {"name": "Conduit", "url": absolute(url_for("api.docs"))},
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "servers": [
            {"url": prefix, "description": MOUNT_TEXT[name]} for name, prefix in MOUNTS.items()
        ],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "headers": HEADERS,
            "parameters": PARAMETERS,
            "securitySchemes": {
                "Token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <jwt>` (or `Bearer <jwt>`), from register or login.",
                }
            },
        },
    }


@bp.get("/openapi.json", strict_slashes=False)
def openapi_json() -> Response:
    cached = current_app.extensions.get("conduit.openapi")
    if cached is None:
        cached = current_app.extensions["conduit.openapi"] = document()
    return jsonify(cached)


@bp.get("/docs", strict_slashes=False)
def docs() -> str:
    return render_template("api/docs.html", departures=render_markdown(DEPARTURES_TEXT))
