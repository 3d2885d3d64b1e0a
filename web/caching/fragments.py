"""Components whose HTML is rendered once and reused: previews, tag lists, the
navigation and the footer's forms.

Every list (feeds, profiles, search, the reading list) is made of previews, and a
preview is the same HTML for every reader who sees the same article in the same
state; every page has the same navigation for one member on one page. So these are
kept, in the process's LRU (web.caching.generation.store), under a key made of *everything they
show*: for a preview, the article's values as the request read them (title, counts,
tags...), the reader's language, whether they are signed in, whether it is their
favorite and on their reading list, and the page it sits on (its forms come back
there). A write changes the values, hence the key: nothing is ever stale, and nothing
needs deleting. The one personal thing in them, the session's CSRF token, is kept as a
placeholder and filled in for each reader. A member's page, kept whole only until
the next write anywhere (web.caching.answers), is mostly made of these pieces, so
rendering it again after a write is cheap.

A component remembered here must take everything it shows from its arguments or from
its key's facts: `tests/caching/test_fragments.py` renders pages both ways and compares them.
Setting `REMEMBER_FRAGMENTS = False` renders every piece afresh.
"""

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from web.articles import ArticlePreview
from web.caching.answers import with_token, without_token
from web.caching.generation import store
from web.comments import CommentView
from web.http.auth import current_member
from web.http.reader import reading_list
from web.http.rendering import Component, here


class Remembered(Component):
    """A component rendered once per distinct `key(*args)`: the key must name all it shows."""

    def __init__(self, app: Flask, name: str, key: Callable[..., Hashable]) -> None:
        super().__init__(app, name)
        self.key = key

    def __call__(self, *args: Any, **kwargs: Any) -> Markup:
        if not current_app.config["REMEMBER_FRAGMENTS"]:
            return super().__call__(*args, **kwargs)
        key = (self.name, self.key(*args, **kwargs))
        kept = store().get(key)
        if kept is None:
            kept = without_token(super().__call__(*args, **kwargs))
            store().put(key, kept)
        return Markup(with_token(kept))


def preview_key(article: ArticlePreview, snippet: str | None = None) -> Hashable:
    """What an article's preview shows (components/article_preview.html)."""
    author = article.author
    return (
        article.id, article.slug, article.title, article.description, article.created_at,
        article.words, article.draft, tuple(article.tags), article.favorites_count,
        article.favorited, author.username, author.image, snippet,
        article.id in reading_list(), current_member() is None, str(get_locale()), here(),
    )  # fmt: skip


def article_meta_key(article: ArticlePreview, viewer: Any, place: str = "banner") -> Hashable:
    """What an article's byline and actions show (components/article_meta.html, with
    its follow, favorite and save buttons)."""
    author = article.author
    return (
        article.id, article.slug, article.title, article.created_at, article.updated_at,
        article.words, article.draft, article.favorites_count, article.favorited,
        author.id, author.username, author.image, author.following,
        article.id in reading_list(), viewer is None, viewer is not None and viewer.id == author.id,
        place, here(), str(get_locale()),
    )  # fmt: skip


def comment_key(comment: CommentView, viewer: Any, slug: str, autofocus: bool = False) -> Hashable:
    """What a comment shows (components/comment.html)."""
    author = comment.author
    mine = viewer is not None and viewer.id == author.id  # only its author may delete it
    return (
        comment.id, comment.body, comment.created_at, author.username, author.image, mine,
        slug, autofocus, str(get_locale()),
    )  # fmt: skip


def tag_list_key(
    tags: list[str], linked: bool = False, label: str | None = None, target: str | None = None
) -> Hashable:
    """What a tag list shows (components/tag_list.html)."""
    return tuple(tags), linked, label and str(label), target, str(get_locale())


def site_nav_key(viewer: Any, oob: bool = False) -> Hashable:
    """What the navigation shows (components/site_nav.html)."""
    who = None if viewer is None else (viewer.username, viewer.image)
    return who, oob, request.path, len(reading_list()), str(get_locale())


def theme_form_key(theme: str) -> Hashable:
    """What the theme picker shows (components/theme_form.html)."""
    return theme, here(), str(get_locale())


def language_form_key(current: str) -> Hashable:
    """What the language picker shows (components/language_form.html)."""
    return current, here(), str(get_locale())


KEYS: dict[str, Callable[..., Hashable]] = {
    "article_preview": preview_key,
    "article_meta": article_meta_key,
    "comment": comment_key,
    "tag_list": tag_list_key,
    "site_nav": site_nav_key,
    "theme_form": theme_form_key,
    "language_form": language_form_key,
}


def init_app(app: Flask) -> None:
    app.config.setdefault("REMEMBER_FRAGMENTS", True)
    for name, key in KEYS.items():
        app.jinja_env.globals[name] = Remembered(app, name, key)
