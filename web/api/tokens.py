"""API sign-in: JWTs sent as `Authorization: Token <jwt>` (or `Bearer <jwt>`).

The API reads only this header, never the session cookie, so it needs no CSRF token.
A token carries a stamp of the password: changing the password revokes old tokens.
"""

from flask import g, request
from flask_jwt_extended import create_access_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlmodel import select

from web.api.operations import ApiError
from web.db import get_session
from web.models import User

SCHEMES = ("token", "bearer")


def _stamp(user: User) -> str:
    return user.password_hash[-12:]


def issue_token(user: User) -> str:
    return create_access_token(identity=str(user.id), additional_claims={"pwd": _stamp(user)})


def authenticate(*, required: bool) -> User | None:
    """The user named by the request's token; None without one (when not required)."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        if required:
            raise ApiError(401, {"authorization": ["is missing: send 'Token <jwt>'"]})
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in SCHEMES or not token.strip():
        raise ApiError(401, {"authorization": ["must be 'Token <jwt>' or 'Bearer <jwt>'"]})
    try:
        claims = decode_token(token.strip())
    except (JWTExtendedException, PyJWTError):
        raise ApiError(401, {"token": ["is invalid or expired"]}) from None
    subject = str(claims.get("sub", ""))
    user = (
        get_session().exec(select(User).where(User.id == int(subject))).first()
        if subject.isdigit()
        else None
    )
    if user is None or claims.get("pwd") != _stamp(user):
        raise ApiError(401, {"token": ["is invalid or expired"]})
    g.api_user_id = user.id
    return user
