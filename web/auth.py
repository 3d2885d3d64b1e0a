"""Who is signed in (Flask-Login, cookie session) and where they may be sent back to."""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, request
from flask_login import LoginManager, current_user, login_required
from sqlmodel import select

from web.db import get_session
from web.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "basic"


class Member:
    """The signed-in user as Flask-Login sees it.

    The session id includes a piece of the password hash, so changing the password
    signs out every other session and remember-me cookie.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}.{self.user.password_hash[-12:]}"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.jinja_env.globals["current_member"] = current_member


@login_manager.user_loader
def _load(session_id: str) -> Member | None:
    user_id, _, stamp = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = get_session().exec(select(User).where(User.id == int(user_id))).first()
    if user is None or user.password_hash[-12:] != stamp:
        return None
    return Member(user)


V = TypeVar("V", bound=Callable[..., Any])


def members_only(view: V) -> V:
    """Only for signed-in members: visitors are asked to sign in and come back.

    The mark lets a failed CSRF check on such a view (a session that ended) be
    answered the same way.
    """
    guarded = login_required(view)
    guarded.members_only = True  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def current_member() -> User | None:
    """The signed-in user, or None for a visitor."""
    return current_user.user if current_user.is_authenticated else None


def signed_in_member() -> User:
    """The signed-in user, in a view that is behind login_required."""
    user = current_member()
    if user is None:
        raise RuntimeError("this view needs @login_required")
    return user


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t"):
        return default
    return target


def next_from_request(default: str = "/") -> str:
    return safe_next(request.values.get("next"), default)
