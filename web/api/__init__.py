"""The JSON API: version 1 at /api/v1, and at /api for RealWorld clients (the same
operations, web.api.operations.MOUNTS), sharing every rule with the pages."""

from flask import Flask, request
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_wtf import CSRFProtect
from werkzeug.wrappers import Response

# Importing the endpoint modules declares their operations on the blueprint.
from web.api import articles, comments, moderation, openapi, profiles, users  # noqa: F401
from web.api.operations import MOUNTS, bp

jwt = JWTManager()
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match"]
EXPOSED_HEADERS = [
    "ETag", "Link", "Location", "Retry-After", "X-Request-ID",
    "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
]  # fmt: skip


def init_app(app: Flask, csrf: CSRFProtect) -> None:
    jwt.init_app(app)
    csrf.exempt(bp)  # the API is token-authenticated
    # Browser clients on other origins: no cookies (the API never reads them), every
    # header a client needs to send (conditional requests) and to read (validators,
    # links, limits), preflights cached for the two hours browsers allow.
    CORS(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        max_age=7200,
        supports_credentials=False,
    )
    for name, prefix in MOUNTS.items():
        app.register_blueprint(bp, name=name, url_prefix=prefix)
    app.after_request(_vary_by_origin)


def _vary_by_origin(response: Response) -> Response:
    """Every API answer may differ by Origin (its CORS headers): caches must know."""
    if request.path == "/api" or request.path.startswith("/api/"):
        response.vary.add("Origin")
    return response
