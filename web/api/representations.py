"""Domain objects as API bodies, with their hypermedia links (on the mount the client
called: `url_for(".x")` is relative to the request's blueprint)."""

from urllib.parse import urlencode

from flask import request, url_for

from web.api import schemas
from web.articles import ArticleDetail, ArticlePreview
from web.comments import CommentView
from web.models import User
from web.users import Profile


def user(account: User, token: str) -> schemas.UserResponse:
    return schemas.UserResponse(
        user=schemas.User(
            email=account.email,
            token=token,
            username=account.username,
            bio=account.bio,
            image=account.image,
            links=schemas.Links(
                self=url_for(".current_user"),
                profile=url_for(".get_profile", username=account.username),
            ),
        )
    )


def profile(who: Profile) -> schemas.Profile:
    return schemas.Profile(
        username=who.username,
        bio=who.bio,
        image=who.image,
        following=who.following,
        links=schemas.Links(
            self=url_for(".get_profile", username=who.username),
            follow=url_for(".follow", username=who.username),
            articles=url_for(".list_articles", author=who.username),
            html=url_for("profiles.show", username=who.username),
        ),
    )


def _article_links(slug: str) -> schemas.Links:
    return schemas.Links(
        self=url_for(".get_article", slug=slug),
        comments=url_for(".list_comments", slug=slug),
        favorite=url_for(".favorite", slug=slug),
        html=url_for("articles.show", slug=slug),
    )


def article_summary(item: ArticlePreview | ArticleDetail) -> schemas.ArticleSummary:
    return schemas.ArticleSummary(
        slug=item.slug,
        title=item.title,
        description=item.description,
        tagList=item.tags,
        createdAt=item.created_at,
        updatedAt=item.updated_at,
        favorited=item.favorited,
        favoritesCount=item.favorites_count,
        author=profile(item.author),
        draft=item.draft,
        hidden=item.hidden,
        hiddenReason=item.hidden_reason,
        links=_article_links(item.slug),
    )


def article(item: ArticleDetail) -> schemas.SingleArticleResponse:
    """The whole article: its summary plus the body."""
    return schemas.SingleArticleResponse(
        article=schemas.Article(**dict(article_summary(item)), body=item.body)
    )


def article_list(
    items: list[ArticlePreview], total: int, *, limit: int, offset: int
) -> schemas.MultipleArticlesResponse:
    """A page of articles with links to the first, previous, next and last pages (same
    filters); `respond` sends the same links as the Link header."""
    args = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}
    path = request.path.rstrip("/")  # the same list, with or without a trailing slash

    def page_url(at: int) -> str:
        return f"{path}?{urlencode({**args, 'limit': limit, 'offset': at})}"

    last = max(0, (total - 1) // limit * limit)
    return schemas.MultipleArticlesResponse(
        articles=[article_summary(item) for item in items],
        articlesCount=total,
        links=schemas.ListLinks(
            self=page_url(offset),
            first=page_url(0),
            prev=page_url(max(0, min(offset - limit, last))) if offset > 0 else None,
            next=page_url(offset + limit) if offset + limit < total else None,
            last=page_url(last),
        ),
    )


def comment(item: CommentView, slug: str) -> schemas.Comment:
    return schemas.Comment(
        id=item.id,
        body=item.body,
        createdAt=item.created_at,
        updatedAt=item.updated_at,
        author=profile(item.author),
        links=schemas.Links(
            self=url_for(".get_comment", slug=slug, comment_id=item.id),
            article=url_for(".get_article", slug=slug),
        ),
    )
