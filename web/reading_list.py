"""The reading list: articles a reader saved to read later, last saved first.

Members keep theirs in the database. A visitor's is a list of article ids that the pages
keep in the visitor's session (web.pages.reading_list); it joins the account's list at
sign-in. A member's writes move the site's generation on (web.caching.generation): their cached
pages show the list. Both hold at most READING_LIST_MAX articles, and both are shown the same way:
`listed` turns ids into previews in two queries, whatever the page size.
"""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from web.articles import ArticlePreview, previews_by_id
from web.bounds import READING_LIST_MAX
from web.changes import noted
from web.languages import N_
from web.models import Article, ReadingListItem, utcnow
from web.pagination import Page, check_in_range, offset_for
from web.problems import Invalid

SESSION_KEY = "reading_list"  # where the pages keep a visitor's list in their session
FULL = Invalid(
    "reading list",
    f"is full ({READING_LIST_MAX} articles): remove one first",
    N_("Your reading list is full (%(max)s articles). Remove one to save another."),
    max=READING_LIST_MAX,
)


def saved_ids(*, session: Session, user_id: int) -> list[int]:
    """The member's saved articles, last saved first: one query."""
    return list(
        session.exec(
            select(ReadingListItem.article_id)
            .where(ReadingListItem.user_id == user_id)
            .order_by(col(ReadingListItem.added_at).desc(), col(ReadingListItem.article_id).desc())
            .limit(READING_LIST_MAX)
        ).all()
    )


def with_article(ids: Sequence[int], article_id: int) -> list[int]:
    """A visitor's list with this article first (saving twice changes nothing).
    Raises Invalid when the list is full."""
    if article_id in ids:
        return list(ids)
    if len(ids) >= READING_LIST_MAX:
        raise FULL
    return [article_id, *ids]


def save(*, session: Session, user_id: int, article_id: int) -> None:
    """Put the article on the member's list (saving twice changes nothing). Raises
    Invalid when the list is full."""
    kept = saved_ids(session=session, user_id=user_id)
    if article_id in kept:
        return
    if len(kept) >= READING_LIST_MAX:
        raise FULL
    session.add(ReadingListItem(user_id=user_id, article_id=article_id, added_at=utcnow()))
    noted(session)  # the member's pages show it
    try:
        session.commit()
    except IntegrityError:  # saved in a concurrent request, or the article just went
        session.rollback()


def remove(*, session: Session, user_id: int, article_id: int) -> None:
    """Take the article off the member's list (if it is there)."""
    session.exec(
        delete(ReadingListItem).where(
            col(ReadingListItem.user_id) == user_id, col(ReadingListItem.article_id) == article_id
        )
    )
    noted(session)
    session.commit()


def merge(*, session: Session, user_id: int, article_ids: Sequence[int]) -> None:
    """A visitor's list joins the account's at sign-in: what is new to the account is
    added (the visitor's newest stays newest), up to the cap; articles deleted in the
    meantime are left out."""
    kept = saved_ids(session=session, user_id=user_id)
    room = READING_LIST_MAX - len(kept)
    new = [i for i in dict.fromkeys(article_ids) if i not in kept][: max(room, 0)]
    existing = set(session.exec(select(Article.id).where(col(Article.id).in_(new))).all())
    now = utcnow()
    for age, article_id in enumerate(new):
        if article_id in existing:  # the first is the newest: an instant apart, in order
            added = now - timedelta(microseconds=age)
            session.add(ReadingListItem(user_id=user_id, article_id=article_id, added_at=added))
    noted(session)
    session.commit()


def listed(
    *, session: Session, ids: Sequence[int], page: int, size: int, viewer_id: int | None
) -> Page[ArticlePreview]:
    """Page `page` of the list's previews, in the list's order. Raises PageOutOfRange
    for a page past the end."""
    window = list(ids)[offset_for(page, size) : offset_for(page, size) + size]
    found = previews_by_id(session=session, ids=window, viewer_id=viewer_id)
    items = [found[i] for i in window if i in found]
    return check_in_range(Page(items=items, number=page, size=size, total=len(ids)))
