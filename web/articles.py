"""Article rules and queries shared by the pages and the API: writing, reading, lists,
favorites. Lists cost a constant number of queries whatever their length.

Lookups raise `NotFound` (or `Moved` for a former slug), changes by anyone but the
author raise `NotAllowed`; `web.http.errors` answers them. Each write is its own unit of
work: the function commits, then clears what the cache derived from it.
"""

import math
import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    true,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select as RowSelect

from web.bounds import RESERVED_SLUGS, SLUG_MAX, TAG_MAX, TAGS_MAX
from web.changes import noted
from web.languages import N_
from web.models import (
    Article,
    ArticleSlug,
    ArticleTag,
    Favorite,
    Follow,
    Tag,
    User,
    folded,
    id_of,
    utcnow,
)
from web.pagination import Page, check_in_range, offset_for
from web.problems import Moved, NotAllowed, NotFound
from web.reuse import reused
from web.search_index import index_article, unindex_article
from web.submissions import once
from web.users import Profile, profile_columns, profile_from, sees_hidden


@dataclass(frozen=True)
class ArticlePreview:
    """What a list shows of an article, for one viewer: everything but the body."""

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

    words: int
    draft: bool
    # Hidden by the moderators (their reason) or while the author is suspended: seen by
    # its author and the moderators alone (web.moderation).
    hidden: bool
    hidden_reason: str | None

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the body at READING_SPEED words a minute (at least one)."""
        return max(1, math.ceil(self.words / READING_SPEED))


@dataclass(frozen=True)
class ArticleDetail(ArticlePreview):
    """An article as its page (and the API) shows it: the preview and the body."""

    body: str


T = TypeVar("T")
READING_SPEED = 230  # words a minute, an adult's usual pace on screen


def count_words(text: str) -> int:
    return len(text.split())


def slugify(title: str) -> str:
    """A URL slug that keeps letters of every script: "Ça va, 東京!" -> "ça-va-東京"."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", title).casefold())
    slug = "-".join(words)[:SLUG_MAX].strip("-")
    return slug or "article"


def parse_tags(text: str) -> list[str]:
    """Tags typed in one box, separated by commas and/or spaces."""
    return normalise_tags(re.split(r"[,\s]+", text))


def normalise_tags(raw: Iterable[str]) -> list[str]:
    """Lower-case, trimmed, '#'-less, unique tags in alphabetical order.

    Longer tags than TAG_MAX never get here: forms and schemas refuse them.
    """
    tags = {t.strip().lstrip("#").strip().casefold() for t in raw}
    return sorted(t for t in tags if t)


def _slug_taken(session: Session, slug: str) -> bool:
    if slug in RESERVED_SLUGS:
        return True
    in_use = exists().where(col(Article.slug) == slug)
    retired = exists().where(col(ArticleSlug.slug) == slug)
    return bool(session.exec(select(in_use | retired)).one())


def unique_slug(*, session: Session, title: str) -> str:
    """The title's slug, with a short random suffix while it is taken (now or formerly)."""
    base = slugify(title)
    slug = base
    while _slug_taken(session, slug):
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


SLUG_TRIES = 5  # a write whose slug another took meanwhile tries again with a new one


def _slug_clashes_retried(session: Session, unit: Callable[[], T]) -> T:
    """Run `unit` (a unit of work that commits) again when another write took the slug
    it chose between its check and its insert: the check then sees it taken."""
    for tries_left in reversed(range(SLUG_TRIES)):
        try:
            return unit()
        except IntegrityError as error:
            session.rollback()
            if "slug" not in str(error.orig).lower() or not tries_left:
                raise
    raise AssertionError("unreachable")


def create_article(
    *,
    session: Session,
    author_id: int,
    title: str,
    description: str,
    body: str,
    tags: Iterable[str] = (),
    created_at: datetime | None = None,
    token: str | None = None,
    draft: bool = False,
) -> Article:
    """Publish a new article with its tags, indexed for search; or save it as a draft,
    which only its author sees (never listed, never indexed) until `publish_article`.

    `token` makes a form submission count once: sending the same one again raises
    `Replayed` with the article the first one created.
    """
    when = created_at or utcnow()
    tags = list(tags)

    def unit() -> Article:
        article = Article(
            slug=unique_slug(session=session, title=title),
            title=title,
            description=description,
            body=body,
            words=count_words(body),
            author_id=author_id,
            created_at=when,
            updated_at=when,
            draft=draft,
        )
        with once(session, token=token, user_id=author_id, kind="article") as record:
            session.add(article)
            session.flush()
            _set_tags(session, id_of(article), tags)
            index_article(session=session, article_id=id_of(article))
            _changed(session, article, published=not draft)
            record(id_of(article))
        return article

    return _slug_clashes_retried(session, unit)


def update_article(
    *,
    session: Session,
    slug: str,
    editor_id: int,
    title: str | None = None,
    description: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
    publish: bool = False,
) -> Article:
    """Change what is given (None leaves it); a new title gives a new slug and the old
    one keeps redirecting. Only the author may edit. `publish` makes a draft public,
    dated now; a published article stays published."""
    tags = list(tags) if tags is not None else None
    article, _publishing = _slug_clashes_retried(
        session,
        lambda: _update(session, slug, editor_id, title, description, body, tags, publish),
    )
    return article


def _update(
    session: Session,
    slug: str,
    editor_id: int,
    title: str | None,
    description: str | None,
    body: str | None,
    tags: list[str] | None,
    publish: bool,
) -> tuple[Article, bool]:
    """update_article's unit of work (it commits); whether it published the draft."""
    article = own_article(session=session, slug=slug, user_id=editor_id)
    article_id = id_of(article)
    if title is not None and title != article.title:
        new_slug = slugify(title)
        if new_slug != article.slug:
            session.add(ArticleSlug(slug=article.slug, article_id=article_id))
            # Going back to one of its own former titles takes that slug back.
            session.exec(
                delete(ArticleSlug).where(
                    col(ArticleSlug.slug) == new_slug, col(ArticleSlug.article_id) == article_id
                )
            )
            session.flush()
            article.slug = unique_slug(session=session, title=title)
        article.title = title
    if description is not None:
        article.description = description
    if body is not None:
        article.body = body
        article.words = count_words(body)
    if tags is not None:
        session.exec(delete(ArticleTag).where(col(ArticleTag.article_id) == article_id))
        _set_tags(session, article_id, tags)
    article.updated_at = utcnow()
    publishing = publish and article.draft
    if publishing:
        _make_public(article)
    session.add(article)
    session.flush()
    index_article(session=session, article_id=article_id)
    _changed(session, article, published=publishing)
    session.commit()
    return article, publishing


def publish_article(*, session: Session, slug: str, editor_id: int) -> tuple[Article, bool]:
    """Make the author's draft public, dated now. Returns the article and whether this
    call published it (False: it already was, e.g. published from another tab)."""
    article = own_article(session=session, slug=slug, user_id=editor_id)
    if not article.draft:
        return article, False
    _make_public(article)
    session.add(article)
    session.flush()
    index_article(session=session, article_id=id_of(article))
    _changed(session, article, published=True)
    session.commit()
    return article, True


def _changed(session: Session, article: Article, *, published: bool) -> None:
    """Note the write (before its commit); a newly public article is told to the feeds
    open on it: everyone's, its tags', its author's followers'."""
    if not published:
        noted(session)
        return
    tags = session.exec(
        select(Tag.name).join(ArticleTag).where(ArticleTag.article_id == id_of(article))
    ).all()
    noted(session, "articles", slug=article.slug, actor_id=article.author_id, tags=tags)


def _make_public(article: Article) -> None:
    if article.draft:
        article.draft = False
        article.created_at = article.updated_at = utcnow()  # dated the day it went public


def delete_article(*, session: Session, slug: str, editor_id: int) -> Article:
    """Delete an article; its comments, favorites, tag links and old slugs go with it."""
    article = own_article(session=session, slug=slug, user_id=editor_id)
    unindex_article(session=session, article_id=id_of(article))
    session.delete(article)
    noted(session)
    session.commit()
    return article


def find_article(*, session: Session, slug: str, viewer_id: int | None) -> Article:
    """The article with this slug, as `viewer_id` may see it. Raises Moved when `slug`
    is one it had before a title change, NotFound when no article has or had it (or it
    is someone else's draft: a draft's existence is its author's business; or it is
    hidden, and the viewer is neither its author nor a moderator)."""
    article = session.exec(select(Article).where(Article.slug == slug)).first()
    if article is None:
        raise _missing(session, slug, viewer_id)
    _check_visible(session, article.author_id, article.draft, article.hidden, viewer_id)
    return article


def _check_visible(
    session: Session, author_id: int, draft: bool, hidden: bool, viewer_id: int | None
) -> None:
    if author_id == viewer_id:
        return
    if draft or (hidden and not sees_hidden(session=session, user_id=viewer_id)):
        raise NotFound("article")


def own_article(*, session: Session, slug: str, user_id: int) -> Article:
    """The article, for a change only its author may make (NotFound, NotAllowed)."""
    article = find_article(session=session, slug=slug, viewer_id=user_id)
    _check_author(article.author_id, user_id)
    return article


def editable_article(*, session: Session, slug: str, user_id: int) -> "ArticleDetail":
    """The whole article, for its author's editor (NotFound, Moved, NotAllowed)."""
    article = get_article(session=session, slug=slug, viewer_id=user_id)
    _check_author(article.author.id, user_id)
    return article


def _check_author(author_id: int, user_id: int) -> None:
    if author_id != user_id:
        raise NotAllowed(
            "article", "can only be changed by its author", N_("Only its author can change it.")
        )


def _missing(session: Session, slug: str, viewer_id: int | None) -> NotFound:
    """Moved to the article's current slug when `slug` is a former one, but for a
    draft's former slug (its new one is its author's business: NotFound for others)."""
    current = session.exec(
        select(Article.slug, Article.draft, Article.hidden, Article.author_id)
        .join(ArticleSlug)
        .where(ArticleSlug.slug == slug)
    ).first()
    if current is not None:
        current_slug, draft, hidden, author_id = current
        _check_visible(session, author_id, draft, hidden, viewer_id)
        return Moved("article", current_slug)
    return NotFound("article")


def _set_tags(session: Session, article_id: int, raw: Iterable[str]) -> None:
    names = normalise_tags(raw)[:TAGS_MAX]
    for tag in _get_or_create_tags(session, names):
        session.add(ArticleTag(article_id=article_id, tag_id=id_of(tag)))
    session.flush()


def _get_or_create_tags(session: Session, names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = session.exec(select(Tag).where(col(Tag.name).in_(names))).all()
    known = {t.name for t in existing}
    created = [Tag(name=n[:TAG_MAX]) for n in names if n not in known]
    session.add_all(created)
    session.flush()
    return [*existing, *created]


# --- reading -------------------------------------------------------------------------------


# Both are ranges of the feed index (draft, hidden, created_at, id): compared with `=`,
# as MySQL reads the whole index for `IS false`, and for "draft or hidden".
def listed() -> ColumnElement[bool]:
    """Articles everyone may see: published, and not hidden."""
    return and_(col(Article.draft) == false(), col(Article.hidden) == false())


def unlisted() -> ColumnElement[bool]:
    """Articles not everyone may see: drafts, and published articles hidden."""
    return or_(
        col(Article.draft) == true(),
        and_(col(Article.draft) == false(), col(Article.hidden) == true()),
    )


def _favorited_by(viewer_id: int | None) -> ColumnElement[bool]:
    if viewer_id is None:
        return false()
    return exists().where(
        col(Favorite.article_id) == Article.id, col(Favorite.user_id) == viewer_id
    )


def _favorites_count() -> Any:
    return (
        select(func.count())
        .where(Favorite.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )


# Rows of labelled columns, read by name.
PreviewRows = RowSelect[*tuple[Any, ...]]


def _preview_query(viewer_id: int | None, *, with_body: bool = False) -> PreviewRows:
    columns = [
        col(Article.id).label("id"),
        col(Article.slug).label("slug"),
        col(Article.title).label("title"),
        col(Article.description).label("description"),
        col(Article.created_at).label("created_at"),
        col(Article.updated_at).label("updated_at"),
        col(Article.words).label("words"),
        col(Article.draft).label("draft"),
        col(Article.hidden).label("hidden"),
        col(Article.hidden_reason).label("hidden_reason"),
        *profile_columns(viewer_id),
        _favorites_count().label("favorites_count"),
        _favorited_by(viewer_id).label("favorited"),
    ]
    if with_body:
        columns.append(col(Article.body).label("body"))
    return select(*columns).join(User, col(User.id) == Article.author_id)


def _previews(session: Session, rows: Iterable[Any]) -> list[ArticlePreview]:
    rows = list(rows)
    tags = tags_by_article(session=session, article_ids=[row.id for row in rows])
    return [_preview(row, tags.get(row.id, [])) for row in rows]


def _preview(row: Any, tags: list[str]) -> ArticlePreview:
    return ArticlePreview(
        id=row.id,
        slug=row.slug,
        title=row.title,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
        author=profile_from(row),
        tags=tags,
        favorites_count=row.favorites_count,
        favorited=bool(row.favorited),
        words=row.words,
        draft=bool(row.draft),
        hidden=bool(row.hidden),
        hidden_reason=row.hidden_reason,
    )


def get_article(*, session: Session, slug: str, viewer_id: int | None) -> ArticleDetail:
    """The article with its author, tags and favorites as `viewer_id` sees them: two
    queries. Raises Moved for a former slug, NotFound when there is no such article."""
    row: Any = session.exec(  # a row of labelled columns, read by name
        _preview_query(viewer_id, with_body=True).where(col(Article.slug) == slug)
    ).first()
    if row is None:
        raise _missing(session, slug, viewer_id)
    _check_visible(session, row.author_id, row.draft, row.hidden, viewer_id)
    preview = _preview(row, tags_by_article(session=session, article_ids=[row.id]).get(row.id, []))
    return ArticleDetail(**preview.__dict__, body=row.body)


def previews_by_id(
    *, session: Session, ids: list[int], viewer_id: int | None
) -> dict[int, ArticlePreview]:
    """Previews of the given articles the viewer may see (published and not hidden, or
    their own), in two queries."""
    if not ids:
        return {}
    shown = or_(listed(), col(Article.author_id) == viewer_id)
    rows = session.exec(_preview_query(viewer_id).where(col(Article.id).in_(ids), shown)).all()
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
    author: str | None = None,
    author_id: int | None = None,
    favorited_by: str | int | None = None,
    followed_by: int | None = None,
    drafts: bool = False,
    hidden_too: bool = False,
) -> tuple[list[ArticlePreview], int]:
    """Previews newest first, and how many match in all: at most four queries, any
    `limit` (the list and its total are read once per write).

    Filters combine: `tag` (a tag name), `author` (a username) or `author_id`,
    `favorited_by` (a username or a user id), `followed_by` (articles by the authors
    that user follows). `viewer_id` decides each preview's `favorited` and its
    author's `following`. Unknown names simply match nothing. Published articles
    only, or with `drafts` only drafts (for their author's own list: the caller
    filters by that author). Hidden articles are left out, but with `hidden_too` (an
    author's own list) or among drafts.
    """
    filters: list[ColumnElement[bool]] = [col(Article.draft) == (true() if drafts else false())]
    if not (drafts or hidden_too):
        filters.append(col(Article.hidden) == false())
    if tag is not None:
        tagged = select(ArticleTag.article_id).join(Tag).where(Tag.name == tag)
        filters.append(col(Article.id).in_(tagged))
    if author is not None:
        filters.append(col(Article.author_id).in_(_user_ids(author)))
    if author_id is not None:
        filters.append(col(Article.author_id) == author_id)
    if favorited_by is not None:
        fans = _user_ids(favorited_by) if isinstance(favorited_by, str) else [favorited_by]
        liked = select(Favorite.article_id).where(col(Favorite.user_id).in_(fans))
        filters.append(col(Article.id).in_(liked))
    if followed_by is not None:
        followed = select(Follow.followed_id).where(Follow.follower_id == followed_by)
        filters.append(col(Article.author_id).in_(followed))

    # The list and its total are the same for everyone until the next write: read once
    # per write, then each viewer's favorites and follows are marked on it.
    key = (tag, author, author_id, favorited_by, followed_by, drafts, hidden_too)
    total = reused(
        ("articles-total", *key),
        lambda: session.exec(select(func.count()).select_from(Article).where(*filters)).one(),
    )
    # The page's ids first, from the index alone (a deep page skips index entries, not
    # rows), then their previews. (Read through a derived table: MariaDB takes no LIMIT
    # directly inside IN.)
    page = (
        select(Article.id)
        .where(*filters)
        .order_by(col(Article.created_at).desc(), col(Article.id).desc())
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    page_ids = select(page.c.id)
    previews = reused(
        ("articles", *key, offset, limit),
        lambda: _previews(
            session,
            session.exec(
                _preview_query(None)
                .where(col(Article.id).in_(page_ids))
                .order_by(col(Article.created_at).desc(), col(Article.id).desc())
            ),
        ),
        size=1024 * limit,
    )
    return as_seen_by(session, previews, viewer_id), total


def as_seen_by(
    session: Session, previews: list[ArticlePreview], viewer_id: int | None
) -> list[ArticlePreview]:
    """`previews` (as a visitor sees them) with the viewer's favorites and follows
    marked: one query, none for a visitor."""
    if viewer_id is None or not previews:
        return previews
    liked = select(literal("favorite"), col(Favorite.article_id)).where(
        Favorite.user_id == viewer_id, col(Favorite.article_id).in_([p.id for p in previews])
    )
    followed = select(literal("follow"), col(Follow.followed_id)).where(
        Follow.follower_id == viewer_id,
        col(Follow.followed_id).in_({p.author.id for p in previews}),
    )
    marks = {(kind, ref) for kind, ref in session.execute(union_all(liked, followed))}
    return [
        replace(
            preview,
            favorited=("favorite", preview.id) in marks,
            author=replace(preview.author, following=("follow", preview.author.id) in marks),
        )
        for preview in previews
    ]


def _user_ids(username: str) -> Select[Any]:
    return select(User.id).where(folded(User.username) == username.lower())


def tags_by_article(*, session: Session, article_ids: list[int]) -> dict[int, list[str]]:
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
    """Tags of published articles, most used first (ties alphabetical).

    Every use is counted from the tag index alone, then the few drafts' and hidden
    articles' uses are taken off (their tags are not in use): no article row is read
    for a listed one.
    """
    every = (
        select(col(ArticleTag.tag_id).label("tag_id"), func.count().label("n"))
        .group_by(col(ArticleTag.tag_id))
        .subquery()
    )
    drafts = (
        select(col(ArticleTag.tag_id).label("tag_id"), func.count().label("n"))
        .join(Article, col(Article.id) == ArticleTag.article_id)
        .where(unlisted())
        .group_by(col(ArticleTag.tag_id))
        .subquery()
    )
    uses = every.c.n - func.coalesce(drafts.c.n, 0)
    rows = session.exec(
        select(Tag.name)
        .join(every, every.c.tag_id == Tag.id)
        .outerjoin(drafts, drafts.c.tag_id == Tag.id)
        .where(uses > 0)
        .order_by(uses.desc(), col(Tag.name))
        .limit(limit)
    ).all()
    return list(rows)


# --- favorites ----------------------------------------------------------------------------


def set_favorite(*, session: Session, slug: str, user_id: int, on: bool) -> ArticleDetail:
    """Favorite an article (or take the favorite back); doing it twice changes nothing.

    Returns the article as the user now sees it. Raises NotFound (or Moved).
    """
    article = get_article(session=session, slug=slug, viewer_id=user_id)
    if on and not article.favorited:
        session.add(Favorite(user_id=user_id, article_id=article.id))
        noted(session, "favorites", slug=article.slug, actor_id=user_id)
        try:
            session.commit()
        except IntegrityError:  # favorited in a concurrent request: the same result
            session.rollback()
    elif not on and article.favorited:
        session.exec(
            delete(Favorite).where(
                col(Favorite.user_id) == user_id, col(Favorite.article_id) == article.id
            )
        )
        noted(session, "favorites", slug=article.slug, actor_id=user_id)
        session.commit()
    else:
        return article
    count = favorites_count(session=session, article_id=article.id)
    return replace(article, favorited=on, favorites_count=count)


def favorites_count(*, session: Session, article_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(Favorite).where(Favorite.article_id == article_id)
    ).one()


def bodies_of(*, session: Session, ids: list[int]) -> dict[int, str]:
    """The bodies of these articles (the whole-text views, e.g. Atom): one query."""
    if not ids:
        return {}
    rows = session.exec(select(col(Article.id), Article.body).where(col(Article.id).in_(ids)))
    return {article_id: body for article_id, body in rows.all() if article_id is not None}


def addresses(
    *, session: Session, offset: int, limit: int
) -> tuple[list[tuple[str, datetime]], int]:
    """Current slugs and last changes, oldest first (a sitemap's pages stay put as
    articles are added), and how many articles there are: two queries. Drafts and
    hidden articles are nobody's address but their author's."""
    published = listed()
    total = session.exec(select(func.count()).select_from(Article).where(published)).one()
    rows = session.exec(
        select(Article.slug, Article.updated_at)
        .where(published)
        .order_by(col(Article.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [(slug, updated) for slug, updated in rows], int(total)
