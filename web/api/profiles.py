"""API: profiles and following."""

from flask import Response

from web import users as members
from web.api import representations as show
from web.api import schemas
from web.api.operations import ApiError, operation, respond
from web.db import get_session
from web.models import User
from web.users import Profile

TAG = "Profile"


def _profile(username: str, viewer: User | None) -> Profile:
    found = members.get_profile(
        session=get_session(), username=username, viewer_id=viewer.id if viewer else None
    )
    if found is None:
        raise ApiError(404, {"profile": ["not found"]})
    return found


@operation(
    "GET", "/profiles/<username>", summary="A profile", tag=TAG, auth="optional",
    responses={200: schemas.ProfileResponse},
)  # fmt: skip
def get_profile(username: str, viewer: User | None) -> Response:
    return respond(schemas.ProfileResponse(profile=show.profile(_profile(username, viewer))))


@operation(
    "POST", "/profiles/<username>/follow", summary="Follow a user", tag=TAG, auth="required",
    responses={200: schemas.ProfileResponse},
)  # fmt: skip
def follow(username: str, viewer: User) -> Response:
    return _set_following(username, viewer, True)


@operation(
    "DELETE", "/profiles/<username>/follow", summary="Unfollow a user", tag=TAG,
    auth="required", responses={200: schemas.ProfileResponse},
)  # fmt: skip
def unfollow(username: str, viewer: User) -> Response:
    return _set_following(username, viewer, False)


def _set_following(username: str, viewer: User, following: bool) -> Response:
    assert viewer.id is not None
    target = _profile(username, viewer)
    if target.id == viewer.id:
        raise ApiError(422, {"profile": ["cannot follow yourself"]})
    change = members.follow if following else members.unfollow
    change(session=get_session(), follower_id=viewer.id, followed_id=target.id)
    return respond(schemas.ProfileResponse(profile=show.profile(_profile(username, viewer))))
