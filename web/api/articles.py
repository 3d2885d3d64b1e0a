"""API: articles, feeds, search and favorites."""

from flask import current_app, url_for
from werkzeug.wrappers import Response

from web import articles as domain
from web.api import representations as show
from web.api import schemas
from web.api.conditions import require_current
from web.api.operations import operation, respond
from web.db import get_session
from web.models import User, id_of, id_or_none
from web.search import find_matches

TAG = "Articles"


@operation(
    "GET", "/articles", summary="List articles", tag=TAG, auth="optional",
    query=schemas.ArticleQuery, responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def list_articles(viewer: User | None, query: schemas.ArticleQuery) -> Response:
    """Newest first, filtered by `tag`, `author` (username) and `favorited` (articles
    that user favorited); `q` searches instead, best match first. `articlesCount` is the
    number of all matching articles."""
    session = get_session()
    span = {"offset": query.offset, "limit": query.limit}
    if query.q is not None:
        matches, total = find_matches(
            session=session,
            query=query.q,
            viewer_id=id_or_none(viewer),
            window=current_app.config["SEARCH_WINDOW"],
            **span,
        )
        items = [match.article for match in matches]
        return respond(show.article_list(items, total, **span))
    items, total = domain.find_articles(
        session=session,
        viewer_id=id_or_none(viewer),
        tag=query.tag,
        author=query.author,
        favorited_by=query.favorited,
        offset=query.offset,
        limit=query.limit,
    )
    return respond(show.article_list(items, total, **span))


@operation(
    "GET", "/articles/feed", summary="Articles by followed authors", tag=TAG,
    auth="required", query=schemas.PageQuery, responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def feed(viewer: User, query: schemas.PageQuery) -> Response:
    """Published articles by the members the reader follows, newest first, paged like
    `/articles`."""
    items, total = domain.find_articles(
        session=get_session(),
        viewer_id=viewer.id,
        followed_by=viewer.id,
        offset=query.offset,
        limit=query.limit,
    )
    return respond(show.article_list(items, total, offset=query.offset, limit=query.limit))


@operation(
    "POST", "/articles", summary="Write an article", tag=TAG, auth="required",
    body=schemas.NewArticleRequest, responses={201: schemas.SingleArticleResponse},
)  # fmt: skip
def create_article(viewer: User, body: schemas.NewArticleRequest) -> Response:
    """The slug comes from the title (a short suffix when it is taken). Creating
    publishes, as RealWorld clients expect, unless the client opts in with `draft: true`."""
    new = body.article
    article = domain.create_article(
        session=get_session(),
        author_id=id_of(viewer),
        title=new.title,
        description=new.description,
        body=new.body,
        tags=new.tagList,
        draft=new.draft,
    )
    location = url_for(".get_article", slug=article.slug)
    return respond(show.article(_read(article.slug, viewer)), 201, location=location)


def _read(slug: str, viewer: User | None) -> domain.ArticleDetail:
    return domain.get_article(session=get_session(), slug=slug, viewer_id=id_or_none(viewer))


@operation(
    "GET", "/articles/<article:slug>", summary="An article", tag=TAG, auth="optional",
    responses={200: schemas.SingleArticleResponse},
)  # fmt: skip
def get_article(slug: str, viewer: User | None) -> Response:
    """Only the current slug: a former one is not found (pages redirect it)."""
    return respond(show.article(_read(slug, viewer)))


@operation(
    "PUT", "/articles/<article:slug>", summary="Update an article", tag=TAG, auth="required",
    body=schemas.UpdateArticleRequest, responses={200: schemas.SingleArticleResponse},
    errors={403, 412}, conditional=True,
)  # fmt: skip
def update_article(slug: str, viewer: User, body: schemas.UpdateArticleRequest) -> Response:
    """Any of title, description, body, tagList; `draft: false` publishes a draft. A new
    title gives a new slug. With `If-Match`, only if the article is still as the client
    last read it."""
    require_current(lambda: show.article(_read(slug, viewer)))
    changes = body.article
    article = domain.update_article(
        session=get_session(),
        slug=slug,
        editor_id=id_of(viewer),
        title=changes.title,
        description=changes.description,
        body=changes.body,
        tags=changes.tagList,
        publish=changes.draft is False,
    )
    return respond(show.article(_read(article.slug, viewer)))


@operation(
    "DELETE", "/articles/<article:slug>", summary="Delete an article", tag=TAG, auth="required",
    responses={204: None}, errors={403, 412}, conditional=True,
)  # fmt: skip
def delete_article(slug: str, viewer: User) -> Response:
    """With `If-Match`, only if the article is still as the client last read it."""
    require_current(lambda: show.article(_read(slug, viewer)))
    domain.delete_article(session=get_session(), slug=slug, editor_id=id_of(viewer))
    return respond(None, 204)


@operation(
    "POST", "/articles/<article:slug>/favorite", summary="Favorite an article", tag=TAG,
    auth="required", responses={200: schemas.SingleArticleResponse},
)  # fmt: skip
def favorite(slug: str, viewer: User) -> Response:
    """Add the article to the reader's favorites; doing it again changes nothing. The
    answer is the article as the reader now sees it."""
    return _set_favorite(slug, viewer, True)


@operation(
    "DELETE", "/articles/<article:slug>/favorite", summary="Unfavorite an article", tag=TAG,
    auth="required", responses={200: schemas.SingleArticleResponse},
)  # fmt: skip
def unfavorite(slug: str, viewer: User) -> Response:
    """Take the article out of the reader's favorites; doing it again changes nothing."""
    return _set_favorite(slug, viewer, False)


def _set_favorite(slug: str, viewer: User, on: bool) -> Response:
    article = domain.set_favorite(session=get_session(), slug=slug, user_id=id_of(viewer), on=on)
    return respond(show.article(article))


@operation(
    "GET", "/tags", summary="Tags in use, most used first", tag="Tags",
    responses={200: schemas.TagsResponse},
)  # fmt: skip
def tags() -> Response:
    """Every tag of a published article, the most used first (ties alphabetical)."""
    return respond(
        schemas.TagsResponse(tags=domain.popular_tags(session=get_session(), limit=None))
    )
