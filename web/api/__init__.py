"""The JSON API: version 1 at /api/v1, and at /api for RealWorld clients (the same
operations, web.api.operations.MOUNTS), sharing every rule with the pages."""

from flask import Flask
from flask_cors import CORS
from flask_jwt_extended import JWTManager

# Importing the endpoint modules declares their operations on the blueprint.
from web.api import articles, comments, openapi, profiles, users  # noqa: F401
from web.api.operations import MOUNTS, bp

jwt = JWTManager()


def init_app(app: Flask, csrf: object) -> None:
    jwt.init_app(app)
    csrf.exempt(bp)  # type: ignore[attr-defined] - the API is token-authenticated
    CORS(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        allow_headers=["Authorization", "Content-Type"],
        methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        max_age=600,
    )
    for name, prefix in MOUNTS.items():
        app.register_blueprint(bp, name=name, url_prefix=prefix)
