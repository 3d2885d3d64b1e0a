"""Article rules and queries shared by the pages and the API."""

import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from web.models import Article, ArticleTag, Favorite, Tag, User, utcnow
from web.pagination import Page, check_in_range, offset_for

SLUG_MAX = 80
TAG_MAX = 32


@dataclass(frozen=True)
class AuthorCard:
    username: str
    image: str | None


@dataclass(frozen=True)
class ArticlePreview:
    """What a feed shows of an article: everything but the body."""

    slug: str
    title: str
    description: str
    created_at: datetime
    author: AuthorCard
    tags: list[str]
    favorites_count: int


def slugify(title: str) -> str:
    """A URL slug that keeps letters of every script: "Ça va, 東京!" -> "ça-va-東京"."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", title).casefold())
    slug = "-".join(words)[:SLUG_MAX].strip("-")
    return slug or "article"


def normalise_tags(raw: Iterable[str]) -> list[str]:
    """Lower-case, trimmed, '#'-less, unique tags in alphabetical order."""
    tags = {t.strip().lstrip("#").strip().casefold()[:TAG_MAX] for t in raw}
    return sorted(t for t in tags if t)


def unique_slug(session: Session, title: str) -> str:
    """The title's slug, with a short random suffix while it is taken."""
    base = slugify(title)
    slug = base
    while session.exec(select(Article.id).where(Article.slug == slug)).first() is not None:
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
    """Store a new article with its tags; the caller commits."""
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
    for tag in _get_or_create_tags(session, normalise_tags(tags)):
        session.add(ArticleTag(article_id=article.id, tag_id=tag.id))
    session.flush()
    return article


def _get_or_create_tags(session: Session, names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = session.exec(select(Tag).where(col(Tag.name).in_(names))).all()
    known = {t.name for t in existing}
    created = [Tag(name=n) for n in names if n not in known]
    session.add_all(created)
    session.flush()
    return [*existing, *created]


def list_articles(
    *,
    session: Session,
    page: int,
    size: int,
    tag: str | None = None,
    author_id: int | None = None,
    favorited_by: int | None = None,
) -> Page[ArticlePreview]:
    """A page of previews, newest first, in three queries whatever the page size.

    Filters combine: `tag` (a tag name), `author_id`, `favorited_by` (a user id).
    Raises PageOutOfRange for a page past the end (page 1 of an empty list is fine).
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

    offset = offset_for(page, size)
    total = session.exec(select(func.count()).select_from(Article).where(*filters)).one()
    favorites = (
        select(func.count())
        .where(Favorite.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )
    rows = session.exec(
        select(
            Article.id,
            Article.slug,
            Article.title,
            Article.description,
            Article.created_at,
            User.username,
            User.image,
            favorites,
        )
        .join(User, col(User.id) == Article.author_id)
        .where(*filters)
        .order_by(col(Article.created_at).desc(), col(Article.id).desc())
        .offset(offset)
        .limit(size)
    ).all()
    tags = tags_by_article(session, [row[0] for row in rows])
    items = [
        ArticlePreview(
            slug=slug,
            title=title,
            description=description,
            created_at=created_at,
            author=AuthorCard(username=username, image=image),
            tags=tags.get(article_id, []),
            favorites_count=count,
        )
        for article_id, slug, title, description, created_at, username, image, count in rows
    ]
    return check_in_range(Page(items=items, number=page, size=size, total=total))


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


def popular_tags(*, session: Session, limit: int = 20) -> list[str]:
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
