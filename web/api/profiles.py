"""API: profiles and following."""

from werkzeug.wrappers import Response

from web import users as members
from web.api import representations as show
from web.api import schemas
from web.api.operations import operation, respond
from web.articles import find_articles
from web.db import get_session
from web.models import User, id_of, id_or_none
from web.problems import NotFound

TAG = "Profile"


@operation(
    "GET", "/profiles/<username>", summary="A profile", tag=TAG, auth="optional",
    responses={200: schemas.ProfileResponse},
)  # fmt: skip
def get_profile(username: str, viewer: User | None) -> Response:
    """A member as others see them (never their email); `following` says whether the
    reader follows them."""
    found = members.get_profile(
        session=get_session(), username=username, viewer_id=id_or_none(viewer)
    )
    return respond(schemas.ProfileResponse(profile=show.profile(found)))


@operation(
    "GET", "/profiles/<username>/articles", summary="A member's articles, newest first",
    tag=TAG, auth="optional", query=schemas.PageQuery,
    responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def list_profile_articles(username: str, viewer: User | None, query: schemas.PageQuery) -> Response:
    """Like `/articles?author=`, but an unknown member is a 404, not an empty list."""
    return _articles(username, viewer, query, favorites=False)


@operation(
    "GET", "/profiles/<username>/favorites", summary="Articles a member favorited",
    tag=TAG, auth="optional", query=schemas.PageQuery,
    responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def list_favorites(username: str, viewer: User | None, query: schemas.PageQuery) -> Response:
    """Like `/articles?favorited=`, but an unknown member is a 404, not an empty list."""
    return _articles(username, viewer, query, favorites=True)


@operation(
    "GET", "/profiles/<username>/drafts", summary="Your drafts, newest first", tag=TAG,
    auth="required", query=schemas.PageQuery, responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def list_drafts(username: str, viewer: User, query: schemas.PageQuery) -> Response:
    """Only the member's own: anyone else's drafts are a 404, like a missing member."""
    return _articles(username, viewer, query, drafts=True)


def _articles(
    username: str,
    viewer: User | None,
    query: schemas.PageQuery,
    *,
    favorites: bool = False,
    drafts: bool = False,
) -> Response:
    viewer_id = id_or_none(viewer)
    session = get_session()
    member = members.get_profile(session=session, username=username, viewer_id=viewer_id)
    if drafts and member.id != viewer_id:
        raise NotFound("profile")
    items, total = find_articles(
        session=session,
        viewer_id=viewer_id,
        author_id=None if favorites else member.id,
        favorited_by=member.id if favorites else None,
        drafts=drafts,
        offset=query.offset,
        limit=query.limit,
    )
    return respond(show.article_list(items, total, offset=query.offset, limit=query.limit))


@operation(
    "POST", "/profiles/<username>/follow", summary="Follow a user", tag=TAG, auth="required",
    responses={200: schemas.ProfileResponse}, errors={422},
)  # fmt: skip
def follow(username: str, viewer: User) -> Response:
    """Follow the member (their articles join the reader's feed); doing it again
    changes nothing. Following yourself is a 422."""
    return _set_following(username, viewer, True)


@operation(
    "DELETE", "/profiles/<username>/follow", summary="Unfollow a user", tag=TAG,
    auth="required", responses={200: schemas.ProfileResponse}, errors={422},
)  # fmt: skip
def unfollow(username: str, viewer: User) -> Response:
    """Stop following the member; doing it again changes nothing."""
    return _set_following(username, viewer, False)


def _set_following(username: str, viewer: User, following: bool) -> Response:
    """Following yourself is a 422."""
    found = members.set_following(
        session=get_session(), follower_id=id_of(viewer), username=username, following=following
    )
    return respond(schemas.ProfileResponse(profile=show.profile(found)))
