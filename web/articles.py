"""Article rules and queries shared by the pages and the API: writing, reading, lists,
favorites. Lists cost a constant number of queries whatever their length."""

import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, false, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from web.cache import POPULAR_TAGS, forget
from web.models import (
    Article,
    ArticleSlug,
    ArticleTag,
    Favorite,
    Follow,
    Tag,
    User,
    utcnow,
)
from web.pagination import Page, check_in_range, offset_for
from web.search_index import index_article, unindex_article
from web.users import Profile

SLUG_MAX = 80
TAG_MAX = 32
TAGS_MAX = 10
TITLE_MAX = 255


class NotAllowed(PermissionError):
    """The user may not change this article or comment."""


@dataclass(frozen=True)
class ArticlePreview:
    """What a list shows of an article: everything but the body."""

    id: int
    slug: str
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    author: Profile
    tags: list[str]
    favorites_count: int
    favorited: bool


@dataclass(frozen=True)
class ArticleDetail:
    """An article as its page (and the API) shows it, for one viewer."""

    id: int
    slug: str
    title: str
    description: str
    body: str
    created_at: datetime
    updated_at: datetime
    author: Profile
    tags: list[str]
    favorites_count: int
    favorited: bool


def slugify(title: str) -> str:
    """A URL slug that keeps letters of every script: "Ça va, 東京!" -> "ça-va-東京"."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", title).casefold())
    slug = "-".join(words)[:SLUG_MAX].strip("-")
    return slug or "article"


def parse_tags(text: str) -> list[str]:
    """Tags typed in one box, separated by commas and/or spaces."""
    return normalise_tags(re.split(r"[,\s]+", text))


def normalise_tags(raw: Iterable[str]) -> list[str]:
    """Lower-case, trimmed, '#'-less, unique tags in alphabetical order."""
    tags = {t.strip().lstrip("#").strip().casefold()[:TAG_MAX] for t in raw}
    return sorted(t for t in tags if t)


def _slug_taken(session: Session, slug: str) -> bool:
    in_use = session.exec(select(Article.id).where(Article.slug == slug)).first()
    retired = session.exec(select(ArticleSlug.slug).where(ArticleSlug.slug == slug)).first()
    return in_use is not None or retired is not None


def unique_slug(session: Session, title: str) -> str:
    """The title's slug, with a short random suffix while it is taken (now or formerly)."""
    base = slugify(title)
    slug = base
    while _slug_taken(session, slug):
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def create_article(
    *,
    session: Session,
    author_id: int,
    title: str,
    description: str,
    body: str,
    tags: Iterable[str] = (),
    created_at: datetime | None = None,
) -> Article:
    """Store a new article with its tags and index it; the caller commits."""
    when = created_at or utcnow()
    article = Article(
        slug=unique_slug(session, title),
        title=title,
        description=description,
        body=body,
        author_id=author_id,
        created_at=when,
        updated_at=when,
    )
    session.add(article)
    session.flush()
    assert article.id is not None
    _set_tags(session, article.id, normalise_tags(tags))
    index_article(session, article.id)
    forget(POPULAR_TAGS)
    return article


def update_article(
    *,
    session: Session,
    article: Article,
    editor_id: int,
    title: str | None = None,
    description: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
) -> Article:
    """Change what is given (None leaves it); a new title gives a new slug and the old
    one keeps redirecting. Only the author may edit. Commits."""
    _check_author(article, editor_id)
    assert article.id is not None
    if title is not None and title != article.title:
        new_slug = slugify(title)
        if new_slug != article.slug:
            session.add(ArticleSlug(slug=article.slug, article_id=article.id))
            # Going back to one of its own former titles takes that slug back.
            session.exec(
                delete(ArticleSlug).where(  # type: ignore[call-overload]
                    col(ArticleSlug.slug) == new_slug, col(ArticleSlug.article_id) == article.id
                )
            )
            session.flush()
            article.slug = unique_slug(session, title)
        article.title = title
    if description is not None:
        article.description = description
    if body is not None:
        article.body = body
    if tags is not None:
        session.exec(delete(ArticleTag).where(col(ArticleTag.article_id) == article.id))  # type: ignore[call-overload]
        _set_tags(session, article.id, normalise_tags(tags))
    article.updated_at = utcnow()
    session.add(article)
    session.flush()
    index_article(session, article.id)
    session.commit()
    forget(POPULAR_TAGS)
    return article


def delete_article(*, session: Session, article: Article, editor_id: int) -> None:
    """Delete an article; its comments, favorites, tag links and old slugs go with it."""
    _check_author(article, editor_id)
    assert article.id is not None
    unindex_article(session, article.id)
    session.delete(article)
    session.commit()
    forget(POPULAR_TAGS)


def _check_author(article: Article, user_id: int) -> None:
    if article.author_id != user_id:
        raise NotAllowed("only the author may change this article")


def _set_tags(session: Session, article_id: int, names: list[str]) -> None:
    for tag in _get_or_create_tags(session, names[:TAGS_MAX]):
        session.add(ArticleTag(article_id=article_id, tag_id=tag.id))
    session.flush()


def _get_or_create_tags(session: Session, names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = session.exec(select(Tag).where(col(Tag.name).in_(names))).all()
    known = {t.name for t in existing}
    created = [Tag(name=n) for n in names if n not in known]
    session.add_all(created)
    session.flush()
    return [*existing, *created]


def find_article(session: Session, slug: str) -> tuple[Article | None, bool]:
    """The article with this slug, or the one that used to have it.

    Returns (article, moved): `moved` is True when `slug` is a former slug.
    """
    article = session.exec(select(Article).where(Article.slug == slug)).first()
    if article is not None:
        return article, False
    former = session.exec(select(Article).join(ArticleSlug).where(ArticleSlug.slug == slug)).first()
    return former, former is not None


def _favorited_by(viewer_id: int | None) -> ColumnElement[bool]:
    if viewer_id is None:
        return false()
    return exists().where(Favorite.article_id == Article.id, Favorite.user_id == viewer_id)


def _favorites_count() -> Any:
    return (
        select(func.count())
        .where(Favorite.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )


def follows_author(viewer_id: int | None) -> ColumnElement[bool]:
    """Whether the viewer follows the User in the query (false for visitors)."""
    if viewer_id is None:
        return false()
    return exists().where(Follow.follower_id == viewer_id, Follow.followed_id == User.id)


def get_article(*, session: Session, slug: str, viewer_id: int | None) -> ArticleDetail | None:
    """The article with its author, tags and favorites as `viewer_id` sees them: 2 queries."""
    row = session.exec(
        select(
            Article,
            User,
            _favorites_count(),
            _favorited_by(viewer_id),
            follows_author(viewer_id),
        )
        .join(User, col(User.id) == Article.author_id)
        .where(Article.slug == slug)
    ).first()
    if row is None:
        return None
    article, author, count, favorited, follows = row
    assert article.id is not None
    return ArticleDetail(
        id=article.id,
        slug=article.slug,
        title=article.title,
        description=article.description,
        body=article.body,
        created_at=article.created_at,
        updated_at=article.updated_at,
        author=Profile.of(author, following=bool(follows)),
        tags=tags_by_article(session, [article.id]).get(article.id, []),
        favorites_count=count,
        favorited=bool(favorited),
    )


def _preview_query(viewer_id: int | None) -> Select[Any]:
    return select(
        Article.id,
        Article.slug,
        Article.title,
        Article.description,
        Article.created_at,
        Article.updated_at,
        User.id,
        User.username,
        User.bio,
        User.image,
        follows_author(viewer_id),
        _favorites_count(),
        _favorited_by(viewer_id),
    ).join(User, col(User.id) == Article.author_id)


def _previews(session: Session, rows: Iterable[Any]) -> list[ArticlePreview]:
    rows = list(rows)
    tags = tags_by_article(session, [row[0] for row in rows])
    return [
        ArticlePreview(
            id=row[0],
            slug=row[1],
            title=row[2],
            description=row[3],
            created_at=row[4],
            updated_at=row[5],
            author=Profile(
                id=row[6], username=row[7], bio=row[8], image=row[9], following=bool(row[10])
            ),
            tags=tags.get(row[0], []),
            favorites_count=row[11],
            favorited=bool(row[12]),
        )
        for row in rows
    ]


def previews_by_id(
    *, session: Session, ids: list[int], viewer_id: int | None
) -> dict[int, ArticlePreview]:
    """Previews of the given articles, in two queries."""
    if not ids:
        return {}
    rows = session.exec(_preview_query(viewer_id).where(col(Article.id).in_(ids))).all()
    return {preview.id: preview for preview in _previews(session, rows)}


def list_articles(
    *, session: Session, page: int, size: int, **filters: Any
) -> Page[ArticlePreview]:
    """Page `page` of `find_articles` (same filters). Raises PageOutOfRange for a page
    past the end (page 1 of an empty list is fine)."""
    items, total = find_articles(
        session=session, offset=offset_for(page, size), limit=size, **filters
    )
    return check_in_range(Page(items=items, number=page, size=size, total=total))


def find_articles(
    *,
    session: Session,
    offset: int,
    limit: int,
    viewer_id: int | None = None,
    tag: str | None = None,
    author_id: int | None = None,
    favorited_by: int | None = None,
    followed_by: int | None = None,
) -> tuple[list[ArticlePreview], int]:
    """Previews newest first, and how many match in all: three queries, any `limit`.

    Filters combine: `tag` (a tag name), `author_id`, `favorited_by` (a user id),
    `followed_by` (articles by the authors that user follows). `viewer_id` decides
    each preview's `favorited` and its author's `following`.
    """
    filters: list[ColumnElement[bool]] = []
    if tag is not None:
        tagged = select(ArticleTag.article_id).join(Tag).where(Tag.name == tag)
        filters.append(col(Article.id).in_(tagged))
    if author_id is not None:
        filters.append(Article.author_id == author_id)
    if favorited_by is not None:
        liked = select(Favorite.article_id).where(Favorite.user_id == favorited_by)
        filters.append(col(Article.id).in_(liked))
    if followed_by is not None:
        followed = select(Follow.followed_id).where(Follow.follower_id == followed_by)
        filters.append(col(Article.author_id).in_(followed))

    total = session.exec(select(func.count()).select_from(Article).where(*filters)).one()
    rows = session.exec(
        _preview_query(viewer_id)
        .where(*filters)
        .order_by(col(Article.created_at).desc(), col(Article.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return _previews(session, rows), total


def tags_by_article(session: Session, article_ids: list[int]) -> dict[int, list[str]]:
    """Each article's tag names, alphabetical, in one query."""
    if not article_ids:
        return {}
    rows = session.exec(
        select(ArticleTag.article_id, Tag.name)
        .join(Tag, col(Tag.id) == ArticleTag.tag_id)
        .where(col(ArticleTag.article_id).in_(article_ids))
        .order_by(Tag.name)
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for article_id, name in rows:
        out[article_id].append(name)
    return out


def popular_tags(*, session: Session, limit: int | None = 20) -> list[str]:
    """Tags in use, most used first (ties alphabetical); unused tags never appear."""
    uses = func.count(col(ArticleTag.article_id))
    rows = session.exec(
        select(Tag.name)
        .join(ArticleTag, col(ArticleTag.tag_id) == Tag.id)
        .group_by(col(Tag.id), col(Tag.name))
        .order_by(uses.desc(), col(Tag.name))
        .limit(limit)
    ).all()
    return list(rows)


def favorite(*, session: Session, user_id: int, article_id: int) -> None:
    """Favorite an article; doing it again changes nothing."""
    if session.get(Favorite, (user_id, article_id)) is None:
        session.add(Favorite(user_id=user_id, article_id=article_id))
        try:
            session.commit()
        except IntegrityError:  # favorited in a concurrent request: the same result
            session.rollback()


def unfavorite(*, session: Session, user_id: int, article_id: int) -> None:
    """Take a favorite back; doing it again changes nothing."""
    row = session.get(Favorite, (user_id, article_id))
    if row is not None:
        session.delete(row)
        session.commit()


def favorites_count(session: Session, article_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Favorite).where(Favorite.article_id == article_id)
    ).one()
