"""API: comments on articles."""

from flask import url_for
from werkzeug.wrappers import Response

from web import comments as domain
from web.api import representations as show
from web.api import schemas
from web.api.conditions import require_current
from web.api.operations import operation, respond
from web.db import get_session
from web.models import User, id_of, id_or_none
from web.moderation import is_moderator

TAG = "Comments"


@operation(
    "GET", "/articles/<article:slug>/comments", summary="An article's comments, oldest first",
    tag=TAG, auth="optional", responses={200: schemas.MultipleCommentsResponse},
)  # fmt: skip
def list_comments(slug: str, viewer: User | None) -> Response:
    """All of the article's comments, oldest first, each with its author's profile."""
    found = domain.comments_of(
        session=get_session(),
        slug=slug,
        viewer_id=id_or_none(viewer),
        sees_hidden=is_moderator(viewer),
    )
    return respond(
        schemas.MultipleCommentsResponse(comments=[show.comment(c, slug) for c in found])
    )


@operation(
    "POST", "/articles/<article:slug>/comments", summary="Comment on an article", tag=TAG,
    auth="required", body=schemas.NewCommentRequest,
    responses={201: schemas.SingleCommentResponse},
)  # fmt: skip
def add_comment(slug: str, viewer: User, body: schemas.NewCommentRequest) -> Response:
    """A new comment by the reader; `201` with its address in `Location`."""
    added = domain.add_comment(
        session=get_session(), slug=slug, author=viewer, body=body.comment.body
    )
    location = url_for(".get_comment", slug=slug, comment_id=added.id)
    return respond(
        schemas.SingleCommentResponse(comment=show.comment(added, slug)), 201, location=location
    )


def _one(slug: str, comment_id: int, viewer: User | None) -> schemas.SingleCommentResponse:
    found = domain.get_comment(
        session=get_session(),
        slug=slug,
        comment_id=comment_id,
        viewer_id=id_or_none(viewer),
        sees_hidden=is_moderator(viewer),
    )
    return schemas.SingleCommentResponse(comment=show.comment(found, slug))


@operation(
    "GET", "/articles/<article:slug>/comments/<id:comment_id>", summary="One comment", tag=TAG,
    auth="optional", responses={200: schemas.SingleCommentResponse},
)  # fmt: skip
def get_comment(slug: str, comment_id: int, viewer: User | None) -> Response:
    """One comment of the article (404 when it is not this article's)."""
    return respond(_one(slug, comment_id, viewer))


@operation(
    "DELETE", "/articles/<article:slug>/comments/<id:comment_id>", summary="Delete a comment",
    tag=TAG, auth="required", responses={204: None}, errors={403, 412}, conditional=True,
)  # fmt: skip
def delete_comment(slug: str, comment_id: int, viewer: User) -> Response:
    """Only the comment's author may delete it. With `If-Match`, only if the comment is
    still as the client last read it."""
    require_current(lambda: _one(slug, comment_id, viewer))
    domain.delete_comment(
        session=get_session(), slug=slug, comment_id=comment_id, user_id=id_of(viewer)
    )
    return respond(None, 204)
