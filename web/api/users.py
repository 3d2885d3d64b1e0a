"""API: registration, sign-in and the current user."""

from flask import url_for
from werkzeug.wrappers import Response

from web.api import representations as show
from web.api import schemas
from web.api.errors import ApiError
from web.api.operations import operation, respond
from web.api.tokens import issue_token, token_id
from web.db import get_session
from web.http.auth import password_changed
from web.http.limits import failed_sign_in, limit_attempts
from web.infra.metrics import SIGNINS, SIGNUPS
from web.models import User
from web.moderation import check_not_suspended
from web.users import authenticate, create_user, update_account

TAG = "User and Authentication"


@operation(
    "POST", "/users", summary="Register", tag=TAG, body=schemas.NewUserRequest,
    responses={201: schemas.UserResponse}, errors={429},
)  # fmt: skip
@limit_attempts()
def register(body: schemas.NewUserRequest) -> Response:
    """A username or email already taken is a 422 naming each one taken."""
    user = create_user(
        session=get_session(),
        username=body.user.username,
        email=body.user.email,
        password=body.user.password,
    )
    SIGNUPS.inc()
    location = url_for(".get_profile", username=user.username)
    return respond(show.user(user, issue_token(user)), 201, location=location)


@operation(
    "POST", "/users/login", summary="Sign in", tag=TAG, body=schemas.LoginUserRequest,
    responses={200: schemas.UserResponse}, errors={401, 429},
)  # fmt: skip
@limit_attempts()
def login(body: schemas.LoginUserRequest) -> Response:
    """Wrong credentials answer 401 without saying which part was wrong."""
    user = authenticate(session=get_session(), email=body.user.email, password=body.user.password)
    if user is None:
        failed_sign_in(body.user.email)
        raise ApiError(401, {"credentials": ["email or password is invalid"]})
    check_not_suspended(user)
    SIGNINS.labels("ok").inc()
    return respond(show.user(user, issue_token(user)))


@operation(
    "GET", "/user", summary="Current user", tag=TAG, auth="required",
    responses={200: schemas.UserResponse},
)  # fmt: skip
def current_user(viewer: User) -> Response:
    """The member the token names, with a fresh token (the one sent keeps working too)."""
    return respond(show.user(viewer, issue_token(viewer)))


@operation(
    "PUT", "/user", summary="Update the current user", tag=TAG, auth="required",
    body=schemas.UpdateUserRequest, responses={200: schemas.UserResponse},
)  # fmt: skip
def update_current_user(viewer: User, body: schemas.UpdateUserRequest) -> Response:
    """Any of email, username, password, image, bio; an empty image or bio clears it.
    Sending the current password again changes nothing. A new password ends the
    account's browser sessions and every other token; the token that made the change
    keeps working (the answer carries a fresh one too), and the member is told by mail."""
    changes = body.user
    password_was = viewer.password_hash
    update_account(
        session=get_session(),
        user=viewer,
        username=changes.username,
        email=changes.email,
        password=changes.password,
        bio=changes.bio,
        image=changes.image,
    )
    if viewer.password_hash != password_was:
        password_changed(viewer, api_token=token_id() or "")
    return respond(show.user(viewer, issue_token(viewer)))
