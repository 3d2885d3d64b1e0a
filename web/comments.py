"""Comments on articles: rules and queries shared by the pages and the API.

Lookups raise NotFound (the article or the comment), deleting someone else's comment
raises NotAllowed. Each write commits.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, true
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select as RowSelect

from web.articles import find_article
from web.changes import noted
from web.languages import N_
from web.models import Article, Comment, User, id_of, utcnow
from web.problems import NotAllowed, NotFound
from web.submissions import once
from web.users import Profile, profile_columns, profile_from


@dataclass(frozen=True)
class CommentView:
    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author: Profile
    # Hidden by the moderators (their reason), or while its author is suspended: shown
    # to its author and the moderators alone (web.moderation).
    hidden: bool
    hidden_reason: str | None

    @property
    def opening(self) -> str:
        """The first few words, to name the comment (e.g. its delete button)."""
        words = self.body.split()
        return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def _query(viewer_id: int | None) -> RowSelect[*tuple[Any, ...]]:
    columns: list[Any] = [
        col(Comment.id).label("id"),
        col(Comment.body).label("body"),
        col(Comment.created_at).label("created_at"),
        col(Comment.updated_at).label("updated_at"),
        col(Comment.hidden).label("hidden"),
        col(Comment.hidden_reason).label("hidden_reason"),
        *profile_columns(viewer_id),
    ]
    return select(*columns).join(User, col(User.id) == Comment.author_id)


def _view(row: Any) -> CommentView:  # a row of labelled columns, read by name
    return CommentView(
        id=row.id,
        body=row.body,
        created_at=row.created_at,
        updated_at=row.updated_at,
        author=profile_from(row),
        hidden=bool(row.hidden),
        hidden_reason=row.hidden_reason,
    )


def _shown(viewer_id: int | None, sees_hidden: bool) -> ColumnElement[bool]:
    """The comments the viewer may read: all for moderators, else the ones not hidden
    and the viewer's own."""
    if sees_hidden:
        return true()
    return or_(col(Comment.hidden) == false(), col(Comment.author_id) == viewer_id)


def list_comments(
    *, session: Session, article_id: int, viewer_id: int | None = None, sees_hidden: bool = False
) -> list[CommentView]:
    """An article's comments with their authors as the viewer sees them, oldest first,
    in one query. Hidden ones are left out but for their author, or for a moderator
    (`sees_hidden`)."""
    rows = session.exec(
        _query(viewer_id)
        .where(Comment.article_id == article_id, _shown(viewer_id, sees_hidden))
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()
    return [_view(row) for row in rows]


def comments_of(
    *, session: Session, slug: str, viewer_id: int | None, sees_hidden: bool = False
) -> list[CommentView]:
    """The comments of the article with this slug (NotFound, Moved)."""
    article = find_article(session=session, slug=slug, viewer_id=viewer_id)
    return list_comments(
        session=session, article_id=id_of(article), viewer_id=viewer_id, sees_hidden=sees_hidden
    )


def count_comments(*, session: Session, slug: str) -> int:
    """How many comments everyone sees on the article with this slug (0 when there is
    no such one)."""
    return session.exec(
        select(func.count())
        .select_from(Comment)
        .join(Article, col(Article.id) == Comment.article_id)
        .where(Article.slug == slug, col(Comment.hidden) == false())
    ).one()


def get_comment(
    *,
    session: Session,
    slug: str,
    comment_id: int,
    viewer_id: int | None,
    sees_hidden: bool = False,
) -> CommentView:
    """One comment of the article with this slug (NotFound for either, or for a hidden
    comment the viewer may not read)."""
    article = find_article(session=session, slug=slug, viewer_id=viewer_id)
    row = session.exec(
        _query(viewer_id).where(
            Comment.id == comment_id,
            Comment.article_id == article.id,
            _shown(viewer_id, sees_hidden),
        )
    ).first()
    if row is None:
        raise NotFound("comment")
    return _view(row)


def add_comment(
    *, session: Session, slug: str, author: User, body: str, token: str | None = None
) -> CommentView:
    """Comment on the article with this slug (NotFound, Moved). `token` makes a form
    submission count once (see web.submissions)."""
    author_id = id_of(author)
    article = find_article(session=session, slug=slug, viewer_id=author_id)
    now = utcnow()
    comment = Comment(
        body=body,
        article_id=id_of(article),
        author_id=author_id,
        created_at=now,
        updated_at=now,
    )
    with once(session, token=token, user_id=author_id, kind="comment") as record:
        session.add(comment)
        session.flush()
        noted(session, "comments", slug=article.slug, actor_id=author_id,
              actor=author.username, change="added")  # fmt: skip
        record(id_of(comment))
    # Read back like any comment, so a comment view is built one way only.
    return _view(session.exec(_query(author_id).where(Comment.id == id_of(comment))).one())


def delete_comment(*, session: Session, slug: str, comment_id: int, user_id: int) -> None:
    """Delete a comment of the article with this slug. Raises NotFound when either is
    missing and NotAllowed unless the user wrote it."""
    article = find_article(session=session, slug=slug, viewer_id=user_id)
    comment = session.get(Comment, comment_id)
    if comment is None or comment.article_id != article.id:
        raise NotFound("comment")
    if comment.author_id != user_id:
        raise NotAllowed(
            "comment",
            "can only be deleted by its author",
            N_("Only its author can delete a comment."),
        )
    session.delete(comment)
    noted(session, "comments", slug=article.slug, actor_id=user_id, change="deleted")
    session.commit()
