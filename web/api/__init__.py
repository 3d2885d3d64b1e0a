"""The JSON API under /api (RealWorld), sharing every rule with the pages."""

from flask import Flask
from flask_cors import CORS
from flask_jwt_extended import JWTManager

# Importing the endpoint modules declares their operations on the blueprint.
from web.api import articles, comments, openapi, profiles, users  # noqa: F401
from web.api.operations import bp

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
    app.register_blueprint(bp)
