"""Who is signed in (Flask-Login, cookie session) and where they may be sent back to."""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, url_for
from flask import session as flask_session
from flask_babel import gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from web import moderation, reading_list, signins, users
from web.db import get_session
from web.http import i18n
from web.infra import mail
from web.languages import LANGUAGES
from web.models import User, id_of, id_or_none

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "basic"


class Member:
    """The signed-in user as Flask-Login sees it: the session holds only the key of
    this browser's sign-in (web.signins), never the user id itself."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User, key: str) -> None:
        self.user = user
        self.key = key

    def get_id(self) -> str:
        return self.key


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.jinja_env.globals["current_member"] = current_member


@login_manager.user_loader
def _load(key: str) -> Member | None:
    if g.get("database_unavailable"):  # answering that very problem: a visitor
        return None
    user = signins.member(session=get_session(), key=key)
    if user is None or moderation.is_suspended(user):
        return None
    return Member(user, key)


def sign_in(user: User, *, remember: bool = False) -> None:
    """Sign this browser in as `user`, under a new session id (no fixation). Raises
    Suspended while the account is suspended."""
    moderation.check_not_suspended(user)
    key = signins.start(session=get_session(), user_id=id_of(user))
    # What the visitor saved to read later joins the account's reading list.
    saved = flask_session.pop(reading_list.SESSION_KEY, None)
    if saved:
        reading_list.merge(session=get_session(), user_id=id_of(user), article_ids=saved)
    # A language and a theme chosen before signing in become the account's, if it had none.
    language = flask_session.get(i18n.SESSION_KEY)
    if user.language is None and language in LANGUAGES:
        users.set_language(session=get_session(), user=user, language=language)
    theme = flask_session.get(users.THEME_KEY)
    if user.theme is None and theme in users.THEMES:
        users.set_theme(session=get_session(), user=user, theme=theme)
    login_user(Member(user, key), remember=remember)
    _renew_session_id()


def sign_out() -> None:
    """End this browser's sign-in for good: the session and remember-me cookie die."""
    if current_user.is_authenticated:
        signins.end(session=get_session(), key=current_user.key)
    logout_user()
    _renew_session_id()


def password_changed(user: User, *, api_token: str | None = None) -> None:
    """After a new password: the member's sign-ins and API tokens end, but the one that
    made the change (this browser's sign-in, or the API token whose id is `api_token`),
    and the member is told by mail."""
    browser = api_token is None and current_user.is_authenticated
    keep = current_user.key if browser else None
    signins.end_others(session=get_session(), user_id=id_of(user), keep=keep)
    users.revoke_tokens(session=get_session(), user=user, keep=api_token)
    link = url_for("auth.forgot_password", _external=True)
    try:
        mail.send(user.email, gettext("Your Conduit password was changed"), "password_changed",
                  member=user, link=link)  # fmt: skip
    except mail.NotSent:  # the change stands; the notice is what is lost (and logged)
        current_app.logger.warning("The password-change notice to member %s was not sent",
                                   user.id)  # fmt: skip


def _renew_session_id() -> None:
    # Server-side sessions (Redis) get a new id; signed cookies change with their content.
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None and flask_session:
        regenerate(flask_session)


V = TypeVar("V", bound=Callable[..., Any])


def members_only(view: V) -> V:
    """Only for signed-in members: visitors are asked to sign in and come back.

    The mark lets a failed CSRF check on such a view (a session that ended) be
    answered the same way.
    """
    guarded = login_required(view)
    guarded.members_only = True
    return guarded


def current_member() -> User | None:
    """The signed-in user, or None for a visitor."""
    user = current_user._get_current_object()  # one lookup: pages ask many times
    return user.user if user.is_authenticated else None


def member_language() -> str | None:
    """The language the signed-in member chose (None: none, or a visitor)."""
    user = current_member()
    return user.language if user is not None else None


def current_member_id() -> int | None:
    """The signed-in member's id, or None for a visitor."""
    return id_or_none(current_member())


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
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or any(ord(c) < 32 or c == "\x7f" for c in target):
        return default
    return target


def next_from_request(default: str = "/") -> str:
    return safe_next(request.values.get("next"), default)
