"""Rate limits on sign-in and sign-up, per client IP and per account (Flask-Limiter).

Counters live in memory by default and in Redis when REDIS_URL is set, so every app
server shares them.
"""

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    limiter.init_app(app)


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


def limit_attempts(view):  # type: ignore[no-untyped-def]
    """Limit POSTs to `view` per client IP and per email address tried.

    The counters are shared by every view so decorated (sign-in and sign-up).
    """
    view = limiter.shared_limit(_per_ip, scope="signin-ip", methods=["POST"])(view)
    return limiter.shared_limit(
        _per_account, scope="signin-account", key_func=_account, methods=["POST"]
    )(view)
