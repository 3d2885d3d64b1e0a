"""Comments on articles: rules and queries shared by the pages and the API."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from web.articles import NotAllowed, follows_author
from web.models import Comment, User, utcnow
from web.users import Profile

BODY_MAX = 5000


@dataclass(frozen=True)
class CommentView:
    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author: Profile


def list_comments(
    *, session: Session, article_id: int, viewer_id: int | None = None
) -> list[CommentView]:
    """An article's comments with their authors as the viewer sees them, oldest first,
    in one query."""
    rows = session.exec(
        select(Comment, User, follows_author(viewer_id))
        .join(User, col(User.id) == Comment.author_id)
        .where(Comment.article_id == article_id)
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()
    return [_view(comment, user, bool(following)) for comment, user, following in rows]


def get_comment(*, session: Session, article_id: int, comment_id: int) -> Comment | None:
    comment = session.get(Comment, comment_id)
    return comment if comment is not None and comment.article_id == article_id else None


def add_comment(*, session: Session, article_id: int, author: User, body: str) -> CommentView:
    assert author.id is not None
    now = utcnow()
    comment = Comment(
        body=body, article_id=article_id, author_id=author.id, created_at=now, updated_at=now
    )
    session.add(comment)
    session.commit()
    return _view(comment, author, following=False)


def delete_comment(*, session: Session, article_id: int, comment_id: int, user_id: int) -> bool:
    """Delete a comment of this article; False if there is none. Only its author may."""
    comment = get_comment(session=session, article_id=article_id, comment_id=comment_id)
    if comment is None:
        return False
    if comment.author_id != user_id:
        raise NotAllowed("only the comment's author may delete it")
    session.delete(comment)
    session.commit()
    return True


def _view(comment: Comment, author: User, following: bool) -> CommentView:
    assert comment.id is not None
    return CommentView(
        id=comment.id,
        body=comment.body,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        author=Profile.of(author, following=following),
    )
