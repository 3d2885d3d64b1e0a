"""Each component renders its documented examples (axe runs on them in e2e via the pages)."""

import re
from datetime import UTC, datetime

import pytest

from web.articles import ArticlePreview
from web.db import dispose
from web.http.rendering import COMPONENTS, Message
from web.pagination import Page
from web.users import Profile


@pytest.fixture
def macro(app):
    def load(name: str):
        with app.test_request_context("/"):
            template = app.jinja_env.get_template(f"components/{name}.html")
        module = template.module

        def call(*args, **kwargs) -> str:
            with app.test_request_context("/"):
                return str(getattr(module, name)(*args, **kwargs))

        return call

    return load


def test_every_component_file_defines_one_macro_named_like_it():
    from web.http.rendering import COMPONENTS

    for path in sorted(COMPONENTS.glob("*.html")):
        source = path.read_text()
        assert source.startswith("{#-"), f"{path.name} documents its parameters first"
        assert re.findall(r"{% macro (\w+)\(", source) == [path.stem], path.name


def test_article_preview(macro):
    preview = ArticlePreview(
        id=1,
        favorited=False,
        words=460,
        draft=False,
        hidden=False,
        hidden_reason=None,
        slug="hello",
        title="Hello <world>",
        description="A first post",
        created_at=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        updated_at=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        author=Profile(id=1, username="ana", bio=None, image=None, following=False),
        tags=["htmx", "python"],
        favorites_count=2,
    )
    html = macro("article_preview")(preview)
    assert '<article class="preview" aria-labelledby="preview-hello">' in html
    assert (
        '<h3 id="preview-hello" class="preview-title" dir="auto"><a href="/article/hello">'
        "Hello &lt;world&gt;</a></h3>"
    ) in html
    assert '<time datetime="2026-11-02T08:30:00+00:00">November 2, 2026</time>' in html
    assert '<span class="reading-time">2 min read</span>' in html  # 460 words
    assert re.search(r'src="/static/img/avatar.svg\?v=[0-9a-f]{12}" alt=""', html)
    # A visitor sees the count and a way to sign in to favorite.
    assert 'aria-label="Sign in to favorite “Hello &lt;world&gt;” (2 favorites)"' in html
    assert '<ul class="tag-list" aria-label="Tags of Hello &lt;world&gt;">' in html


def test_tag_list_plain_linked_and_empty(macro):
    tag_list = macro("tag_list")
    assert '<li class="tag">htmx</li>' in tag_list(["htmx"])
    assert '<li class="tag"><a href="/?tag=htmx">htmx</a></li>' in tag_list(["htmx"], linked=True)
    linked = tag_list(["a b"], linked=True, label="Popular tags", target="#feed")
    assert 'aria-label="Popular tags"' in linked
    assert (
        '<a href="/?tag=a+b" hx-get="/?tag=a+b" hx-target="#feed" hx-push-url="true">a b</a>'
        in linked
    )
    assert tag_list([]).strip() == ""


def test_pagination_links_and_current_page(macro):
    page = Page(items=[], number=2, size=10, total=45)
    html = macro("pagination")(page, "home.index", "#feed", params={"tag": "x"}, label="Feed pages")
    assert '<nav class="pagination" aria-label="Feed pages">' in html
    assert 'aria-label="Previous page" rel="prev">' in html
    assert 'aria-label="Next page" rel="next">' in html
    assert re.search(
        r'href="/\?page=2&amp;tag=x"[^>]*aria-current="page" aria-label="Page 2"', html
    )
    assert html.count('hx-target="#feed"') == 7  # previous, 1-5, next


def test_pagination_hidden_for_a_single_page(macro):
    page = Page(items=[], number=1, size=10, total=3)
    assert macro("pagination")(page, "home.index", "#feed").strip() == ""


def test_pagination_gaps_are_hidden_from_assistive_tech(macro):
    html = macro("pagination")(Page(items=[], number=10, size=1, total=20), "home.index", "#feed")
    assert html.count('<li class="gap" aria-hidden="true">…</li>') == 2


def test_status_region_page_and_oob(macro):
    status_region = macro("status_region")
    page = status_region([Message("Saved"), Message("That failed", error=True)])
    assert page == (
        '<div id="status" class="status" role="status" aria-live="polite"\n'
        '  data-unreachable="Conduit could not be reached. Check your connection and try again."\n'
        '  data-timeout="Conduit took too long to answer. Please try again.">'
        '<p class="status-message">Saved</p>'
        '<p class="status-message status-problem">That failed</p></div>'
    )
    assert status_region([], oob=True) == '<div id="status" hx-swap-oob="innerHTML"></div>'


def test_swap_link_and_feed_tabs(macro):
    link = macro("swap_link")("/?page=3", "3", "#feed", label="Page 3", current=True)
    assert link == (
        '<a href="/?page=3" hx-get="/?page=3" hx-target="#feed" hx-push-url="true"'
        ' aria-current="page" aria-label="Page 3">3</a>'
    )
    tabs = macro("feed_tabs")([("/", "Global feed", False), ("/?tag=htmx", "#htmx", True)])
    assert 'aria-label="Feeds"' in tabs
    assert 'href="/"' in tabs
    assert '<a href="/" hx-get="/" hx-target="#feed" hx-push-url="true">Global feed</a>' in tabs
    assert 'aria-current="page">#htmx</a>' in tabs


def test_avatar_uses_given_image(macro):
    html = macro("avatar")("https://example.com/me.png", size=96)
    assert 'src="https://example.com/me.png"' in html
    assert 'width="96" height="96"' in html


def test_article_list_heading_items_empty_and_pages(macro):
    article_list = macro("article_list")
    empty = article_list(
        Page(items=[], number=1, size=10, total=0), "Global feed", "Nothing.", "home.index"
    )
    assert 'id="feed-heading"' in empty
    assert '<span class="visually-hidden">Global feed</span>' in empty
    assert "page 1 of 1" not in empty  # one page: no page number to show
    assert '<p class="empty">Nothing.</p>' in empty
    assert "pagination" not in empty
    preview = ArticlePreview(
        id=2,
        favorited=False,
        words=460,
        draft=False,
        hidden=False,
        hidden_reason=None,
        slug="s",
        title="T",
        description="D",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        author=Profile(id=1, username="ana", bio=None, image=None, following=False),
        tags=[],
        favorites_count=0,
    )
    full = article_list(Page(items=[preview], number=2, size=1, total=3), "Mine", "x", "home.index")
    assert full.count('<article class="preview"') == 1
    assert 'aria-label="Article pages"' in full
    assert "page 2 of 3" in full


def test_every_component_documents_examples_and_each_renders(client):
    """The gallery renders each documented example alone; each is well-formed HTML
    with no leaked None or undefined values (axe checks them in e2e)."""
    from tests.htmx_calls import VOID
    from web.pages.gallery import components

    every = components()
    assert len(every) == len(list(COMPONENTS.glob("*.html")))
    index = client.get("/_components/").text
    for component in every:
        assert component.examples, f"{component.name} documents no example"
        for number, example in enumerate(component.examples, 1):
            response = client.get(f"/_components/{component.name}/{number}")
            assert response.status_code == 200, (component.name, example)
            shown = response.text.split('<div class="gallery-example">', 1)[1]
            assert "None" not in shown, (component.name, example)
            _assert_balanced(shown.rsplit("</div>", 1)[0], VOID, component.name)
            assert f'/_components/{component.name}/{number}"' in index


def _assert_balanced(html: str, void: set[str], name: str) -> None:
    stack: list[str] = []
    for closing, tag in re.findall(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?/?>", html):
        tag = tag.lower()
        if tag in void:
            continue
        if closing:
            assert stack, (name, tag)
            assert stack[-1] == tag, (name, tag, stack)
            stack.pop()
        else:
            stack.append(tag)
    assert stack == [], (name, stack)


def test_the_gallery_is_not_served_in_production(db_url):
    from tests.conftest import make_test_app

    app = make_test_app(db_url, CONDUIT_ENV="production")
    assert "gallery" not in app.blueprints
    dispose(app)
