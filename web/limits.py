"""Rate limits on sign-in and sign-up, per client IP and per account (Flask-Limiter).

Counters live in memory by default and in Redis when REDIS_URL is set, so every app
server shares them.
"""

import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)

View = Callable[..., Any]


def init_app(app: Flask) -> None:
    limiter.init_app(app)


def retry_after_seconds(limit: RequestLimit | None = None) -> int | None:
    """Seconds until the breached limit of this request lets the client try again."""
    limit = limit or limiter.current_limit
    if limit is None:
        return None
    return max(1, math.ceil(limit.reset_at - time.time()))


def _per_ip() -> str:
    return current_app.config["SIGNIN_LIMIT_PER_IP"]


def _per_account() -> str:
    return current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"]


def _account() -> str:
    """The email tried: a form field, or the API's {"user": {"email": ...}}."""
    email = request.form.get("email")
    if email is None:
        data = request.get_json(silent=True)
        user = data.get("user") if isinstance(data, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
    return "account:" + (email if isinstance(email, str) else "").strip().lower()


def limit_attempts(
    on_breach: Callable[[RequestLimit], Response | None] | None = None,
) -> Callable[[View], View]:
    """Limit POSTs to a view per client IP and per email address tried.

    The counters are shared by every view so decorated (sign-in and sign-up).
    `on_breach` may answer a breach itself (e.g. the form again, with the message).
    """

    def decorate(view: View) -> View:
        view = limiter.shared_limit(
            _per_ip, scope="signin-ip", methods=["POST"], on_breach=on_breach
        )(view)
        return limiter.shared_limit(
            _per_account,
            scope="signin-account",
            key_func=_account,
            methods=["POST"],
            on_breach=on_breach,
        )(view)

    return decorate
