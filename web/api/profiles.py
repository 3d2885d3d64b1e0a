"""API: profiles and following."""

from flask import Response

from web import users as members
from web.api import representations as show
from web.api import schemas
from web.api.operations import operation, respond
from web.db import get_session
from web.models import User

TAG = "Profile"


@operation(
    "GET", "/profiles/<username>", summary="A profile", tag=TAG, auth="optional",
    responses={200: schemas.ProfileResponse},
)  # fmt: skip
def get_profile(username: str, viewer: User | None) -> Response:
    found = members.get_profile(
        session=get_session(), username=username, viewer_id=viewer.id if viewer else None
    )
    return respond(schemas.ProfileResponse(profile=show.profile(found)))


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
    """Following yourself is a 422."""
    found = members.set_following(
        session=get_session(), follower_id=viewer.id, username=username, following=following
    )
    return respond(schemas.ProfileResponse(profile=show.profile(found)))
