"""Password reset: a signed link that expires, works once, and dies with the password.

The token names the member and a stamp of their current password hash (a digest, so
the hash itself never travels): setting any new password, through the link or in
settings, changes the stamp and so kills every link sent before. The link also
expires after RESET_SECONDS.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from web.models import User
from web.users import update_account

RESET_SECONDS = 60 * 60
SALT = "conduit.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _stamp(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def reset_token(user: User) -> str:
    return _serializer().dumps({"id": user.id, "stamp": _stamp(user)})


def member_for(*, session: Session, token: str) -> User | None:
    """The member a reset link is for, or None when it is forged, expired or used (the
    password changed since it was made)."""
    try:
        data = _serializer().loads(token, max_age=RESET_SECONDS)
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = session.get(User, data["id"])
    if user is None or data.get("stamp") != _stamp(user):
        return None
    return user


def reset_password(*, session: Session, user: User, password: str) -> None:
    """Set the new password: every reset link sent before dies with the old one (the
    page then ends the member's other sign-ins and API tokens: web.http.auth)."""
    update_account(session=session, user=user, password=password)
