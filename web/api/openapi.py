"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic
models, and the browsable reference at /api/docs (Swagger UI from static/vendor)."""

import re
from typing import Any

from flask import Response, current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from web.api import schemas
from web.api.operations import OPERATIONS, Operation, bp
from web.bounds import ID_MAX

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    401: "Missing, malformed, invalid or expired token",
    403: "Not allowed: only the author may do this",
    404: "No such resource",
    413: "Body too large",
    422: "Invalid input (fields, types, limit/offset, JSON)",
    429: "Too many attempts: retry after the Retry-After header's seconds",
}
SUCCESS_TEXT = {200: "OK", 201: "Created", 204: "Done, nothing to return"}


def _path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_schema(kind: str) -> dict[str, Any]:
    if kind == "id":  # web.boundary's ids: 1 to ID_MAX
        return {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    return {"type": "integer"} if kind == "int" else {"type": "string"}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _error_codes(op: Operation) -> list[int]:
    codes = set(op.errors)
    if op.auth != "none":
        codes.add(401)  # a bad token is refused even where a token is optional
    if "<" in op.rule:
        codes.add(404)
    if op.body is not None:
        codes |= {413, 422}
    if op.query is not None:
        codes.add(422)
    return sorted(codes)


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
    responses: dict[str, Any] = {}
    for code, model in op.responses.items():
        responses[str(code)] = {"description": SUCCESS_TEXT.get(code, "OK")}
        if model is not None:
            responses[str(code)]["content"] = {"application/json": {"schema": _ref(model)}}
    for code in _error_codes(op):
        responses[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": _ref(schemas.GenericErrors)}},
        }
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
    return spec


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
        paths.setdefault("/api" + _path(op.rule), {})[op.method.lower()] = _operation(
            op, query_schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Conduit API",
            "version": "1.0.0",
            "description": (
                "The RealWorld Conduit API. Errors are always JSON: "
                '`{"errors": {"<field or subject>": ["message"]}}`.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
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


@bp.get("/openapi.json")
def openapi_json() -> Response:
    cached = current_app.extensions.get("conduit.openapi")
    if cached is None:
        cached = current_app.extensions["conduit.openapi"] = document()
    return jsonify(cached)


@bp.get("/docs")
def docs() -> str:
    return render_template("api/docs.html")
