"""API sign-in: JWTs sent as `Authorization: Token <jwt>` (or `Bearer <jwt>`).

The API reads only this header, never the session cookie, so it needs no CSRF token.
A token carries the account's token epoch: a new password moves the epoch on, which
revokes every token issued before, except the one token that made the change through
the API (its id is kept on the account), so the client that changed it stays signed in.
"""

from typing import Any

from flask import g, request
from flask_jwt_extended import create_access_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlmodel import select

from web.api.errors import ApiError
from web.db import get_session
from web.models import User
from web.moderation import is_suspended

SCHEMES = ("token", "bearer")


def issue_token(user: User) -> str:
    return create_access_token(identity=str(user.id), additional_claims={"epoch": user.token_epoch})


def _current(claims: dict[str, Any], user: User) -> bool:
    """Whether a token is still good for this account (not revoked by a new password)."""
    epoch = claims.get("epoch")
    if epoch is None:  # issued before epochs (they expire within JWT_EXPIRES_HOURS):
        return claims.get("pwd") == user.password_hash[-12:]  # good until a new password
    kept = user.kept_token is not None and claims.get("jti") == user.kept_token
    return epoch == user.token_epoch or kept


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
    if user is None or not _current(claims, user) or is_suspended(user):
        raise ApiError(401, {"token": ["is invalid or expired"]})
    g.api_user_id = user.id
    g.api_token_id = claims.get("jti")
    return user


def token_id() -> str | None:
    """The id of the token this request was made with (None without one)."""
    return g.get("api_token_id")
