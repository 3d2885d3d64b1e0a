"""API: articles, feeds, search and favorites."""

from flask import Response

from web import articles as domain
from web.api import representations as show
from web.api import schemas
from web.api.operations import ApiError, operation, respond
from web.db import get_session
from web.models import Article, User
from web.search import find_matches
from web.users import find_by_username

TAG = "Articles"


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.id if viewer is not None else None


def article_or_404(slug: str) -> Article:
    """The article by its current slug (the API does not follow former slugs)."""
    article, moved = domain.find_article(get_session(), slug)
    if article is None or moved:
        raise ApiError(404, {"article": ["not found"]})
    return article


def _detail(slug: str, viewer: User | None) -> domain.ArticleDetail:
    detail = domain.get_article(session=get_session(), slug=slug, viewer_id=_viewer_id(viewer))
    if detail is None:
        raise ApiError(404, {"article": ["not found"]})
    return detail


def _own(slug: str, viewer: User) -> Article:
    article = article_or_404(slug)
    if article.author_id != viewer.id:
        raise ApiError(403, {"article": ["can only be changed by its author"]})
    return article


@operation(
    "GET", "/articles", summary="List articles", tag=TAG, auth="optional",
    query=schemas.ArticleQuery, responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def list_articles(viewer: User | None, query: schemas.ArticleQuery) -> Response:
    """Newest first, filtered by `tag`, `author` (username) and `favorited` (articles
    that user favorited); `q` searches instead, best match first. `articlesCount` is the
    number of all matching articles."""
    session = get_session()
    window = {"offset": query.offset, "limit": query.limit}
    if query.q is not None:
        matches, total = find_matches(
            session=session, query=query.q, viewer_id=_viewer_id(viewer), **window
        )
        items = [match.article for match in matches]
        return respond(show.article_list(items, total, **window))
    filters: dict[str, int] = {}
    for name, username in (("author_id", query.author), ("favorited_by", query.favorited)):
        if username is not None:
            user = find_by_username(session, username)
            if user is None or user.id is None:  # nobody by that name: nothing matches
                return respond(show.article_list([], 0, **window))
            filters[name] = user.id
    items, total = domain.find_articles(
        session=session, viewer_id=_viewer_id(viewer), tag=query.tag, **filters, **window
    )
    return respond(show.article_list(items, total, **window))


@operation(
    "GET", "/articles/feed", summary="Articles by followed authors", tag=TAG,
    auth="required", query=schemas.FeedQuery, responses={200: schemas.MultipleArticlesResponse},
)  # fmt: skip
def feed(viewer: User, query: schemas.FeedQuery) -> Response:
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
    """The slug comes from the title (a short suffix when it is taken)."""
    assert viewer.id is not None
    new = body.article
    article = domain.create_article(
        session=get_session(),
        author_id=viewer.id,
        title=new.title,
        description=new.description,
        body=new.body,
        tags=new.tagList,
    )
    get_session().commit()
    return respond(show.article(_detail(article.slug, viewer)), 201)


@operation(
    "GET", "/articles/<slug>", summary="An article", tag=TAG, auth="optional",
    responses={200: schemas.SingleArticleResponse},
)  # fmt: skip
def get_article(slug: str, viewer: User | None) -> Response:
    return respond(show.article(_detail(slug, viewer)))


@operation(
    "PUT", "/articles/<slug>", summary="Update an article", tag=TAG, auth="required",
    body=schemas.UpdateArticleRequest, responses={200: schemas.SingleArticleResponse},
    errors={403},
)  # fmt: skip
def update_article(slug: str, viewer: User, body: schemas.UpdateArticleRequest) -> Response:
    """Any of title, description, body, tagList. A new title gives a new slug."""
    assert viewer.id is not None
    article = _own(slug, viewer)
    changes = body.article
    domain.update_article(
        session=get_session(),
        article=article,
        editor_id=viewer.id,
        title=changes.title,
        description=changes.description,
        body=changes.body,
        tags=changes.tagList,
    )
    return respond(show.article(_detail(article.slug, viewer)))


@operation(
    "DELETE", "/articles/<slug>", summary="Delete an article", tag=TAG, auth="required",
    responses={204: None}, errors={403},
)  # fmt: skip
def delete_article(slug: str, viewer: User) -> Response:
    assert viewer.id is not None
    domain.delete_article(session=get_session(), article=_own(slug, viewer), editor_id=viewer.id)
    return respond(None, 204)


@operation(
    "POST", "/articles/<slug>/favorite", summary="Favorite an article", tag=TAG,
    auth="required", responses={200: schemas.SingleArticleResponse},
)  # fmt: skip
def favorite(slug: str, viewer: User) -> Response:
    return _set_favorite(slug, viewer, True)


@operation(
    "DELETE", "/articles/<slug>/favorite", summary="Unfavorite an article", tag=TAG,
    auth="required", responses={200: schemas.SingleArticleResponse},
)  # fmt: skip
def unfavorite(slug: str, viewer: User) -> Response:
    return _set_favorite(slug, viewer, False)


def _set_favorite(slug: str, viewer: User, on: bool) -> Response:
    assert viewer.id is not None
    article = article_or_404(slug)
    assert article.id is not None
    change = domain.favorite if on else domain.unfavorite
    change(session=get_session(), user_id=viewer.id, article_id=article.id)
    return respond(show.article(_detail(slug, viewer)))


@operation(
    "GET", "/tags", summary="Tags in use, most used first", tag="Tags",
    responses={200: schemas.TagsResponse},
)  # fmt: skip
def tags() -> Response:
    return respond(
        schemas.TagsResponse(tags=domain.popular_tags(session=get_session(), limit=None))
    )
