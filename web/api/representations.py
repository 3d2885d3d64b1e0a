"""Domain objects as API bodies, with their hypermedia links."""

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
                self=url_for("api.current_user"),
                profile=url_for("api.get_profile", username=account.username),
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
            self=url_for("api.get_profile", username=who.username),
            follow=url_for("api.follow", username=who.username),
            articles=url_for("api.list_articles", author=who.username),
            html=url_for("profiles.show", username=who.username),
        ),
    )


def _article_links(slug: str) -> schemas.Links:
    return schemas.Links(
        self=url_for("api.get_article", slug=slug),
        comments=url_for("api.list_comments", slug=slug),
        favorite=url_for("api.favorite", slug=slug),
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
    """A page of articles with links to the pages around it (same filters)."""
    args = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}

    def page_url(at: int) -> str:
        return f"{request.path}?{urlencode({**args, 'limit': limit, 'offset': at})}"

    return schemas.MultipleArticlesResponse(
        articles=[article_summary(item) for item in items],
        articlesCount=total,
        links=schemas.ListLinks(
            self=page_url(offset),
            next=page_url(offset + limit) if offset + limit < total else None,
            prev=page_url(max(0, offset - limit)) if offset > 0 else None,
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
            self=url_for("api.delete_comment", slug=slug, comment_id=item.id),
            article=url_for("api.get_article", slug=slug),
        ),
    )
