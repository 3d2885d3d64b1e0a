"""Health checks for load balancers and orchestrators (JSON, never cached).

/healthz: the process answers (it asks no server anything). /readyz: the database
answers within a second and its schema is current, and Redis answers when it is
configured; 503 otherwise.
"""

from typing import Any

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from web.db import engine
from web.infra.migrate import is_current
from web.infra.redis_clients import client as redis_client
from web.infra.waits import answer_within

bp = Blueprint("health", __name__)
READY_SECONDS = 1.0  # a stalled database makes /readyz say so well within 2 s


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return _answer({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    checks: dict[str, str] = {}
    try:
        with answer_within(READY_SECONDS):
            checks["database"] = "ok" if is_current(engine()) else "migrations pending"
    except SQLAlchemyError as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _redis_state(redis_url)
    ready = all(state == "ok" for state in checks.values())
    return _answer(
        {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )


def _redis_state(url: str) -> str:
    try:
        redis_client(url).ping()
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"
