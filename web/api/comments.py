"""API: comments on articles."""

from flask import Response

from web import comments as domain
from web.api import representations as show
from web.api import schemas
from web.api.articles import article_or_404
from web.api.operations import ApiError, operation, respond
from web.articles import NotAllowed
from web.db import get_session
from web.models import User

TAG = "Comments"


@operation(
    "GET", "/articles/<slug>/comments", summary="An article's comments, oldest first",
    tag=TAG, auth="optional", responses={200: schemas.MultipleCommentsResponse},
)  # fmt: skip
def list_comments(slug: str, viewer: User | None) -> Response:
    article = article_or_404(slug)
    assert article.id is not None
    found = domain.list_comments(
        session=get_session(), article_id=article.id, viewer_id=viewer.id if viewer else None
    )
    return respond(
        schemas.MultipleCommentsResponse(comments=[show.comment(c, slug) for c in found])
    )


@operation(
    "POST", "/articles/<slug>/comments", summary="Comment on an article", tag=TAG,
    auth="required", body=schemas.NewCommentRequest,
    responses={201: schemas.SingleCommentResponse},
)  # fmt: skip
def add_comment(slug: str, viewer: User, body: schemas.NewCommentRequest) -> Response:
    article = article_or_404(slug)
    assert article.id is not None
    added = domain.add_comment(
        session=get_session(), article_id=article.id, author=viewer, body=body.comment.body
    )
    return respond(schemas.SingleCommentResponse(comment=show.comment(added, slug)), 201)


@operation(
    "DELETE", "/articles/<slug>/comments/<int:comment_id>", summary="Delete a comment",
    tag=TAG, auth="required", responses={204: None}, errors={403},
)  # fmt: skip
def delete_comment(slug: str, comment_id: int, viewer: User) -> Response:
    """Only the comment's author may delete it."""
    article = article_or_404(slug)
    assert article.id is not None
    assert viewer.id is not None
    try:
        found = domain.delete_comment(
            session=get_session(),
            article_id=article.id,
            comment_id=comment_id,
            user_id=viewer.id,
        )
    except NotAllowed:
        raise ApiError(403, {"comment": ["can only be deleted by its author"]}) from None
    if not found:
        raise ApiError(404, {"comment": ["not found"]})
    return respond(None, 204)
