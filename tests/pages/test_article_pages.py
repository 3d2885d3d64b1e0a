"""Article pages: reading, the editor, deleting, favorites and comments."""

import re

import pytest
from sqlmodel import func, select

from tests.conftest import AuthActions, assert_constant, costs, csrf_token
from tests.domain.test_markdown import PAYLOADS, SAFE_TAGS, Elements
from tests.factories import make_articles, make_user
from web.bounds import BODY_MAX, DESCRIPTION_MAX
from web.models import Article, Comment, Favorite

HTMX = {"HX-Request": "true"}


def post(client, url, headers=None, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, headers=headers or {})


def publish(client, title="Hello htmx", tags="htmx, flask", body="## Part\n\nSome **bold** text."):
    return post(client, "/editor", title=title, description="A short one", body=body, tags=tags)


@pytest.fixture
def author(client, auth):
    """ana is signed in and has published one article."""
    auth.register("ana")
    assert publish(client).status_code == 303
    return client


@pytest.fixture
def reader(client):
    """A second signed-in member, bob, with his own client."""
    other = client.application.test_client()
    AuthActions(other).register("bob")
    return other


def test_publish_and_read(author):
    page = author.get("/article/hello-htmx")
    html = page.text
    assert page.status_code == 200
    title = '<h1 id="article-title" dir="auto" tabindex="-1" data-focus-after-swap>Hello htmx</h1>'
    assert title in html
    assert "<h2>Part</h2>" in html  # the body's top headings rank right under the title
    assert "<strong>bold</strong>" in html
    assert '<li class="tag"><a href="/?tag=flask">flask</a></li>' in html
    assert "Your article is published." in html
    assert "Edit article" in html
    assert "Delete article" in html
    assert 'hx-confirm="Delete “Hello htmx”? This cannot be undone."' in html
    assert "Follow ana" not in html  # not yourself


def test_visitors_read_and_are_offered_sign_in(author, client):
    visitor = client.application.test_client()
    html = visitor.get("/article/hello-htmx").text
    assert "Edit article" not in html
    assert "Sign in to follow ana" in html
    assert "Sign in to favorite “Hello htmx” (0 favorites)" in html
    assert "to add comments on this article" in html
    assert 'id="comment-form"' not in html


def test_other_members_get_follow_and_favorite(author, reader):
    html = reader.get("/article/hello-htmx").text
    assert "Follow ana" in html
    assert 'id="favorite-button-1-banner"' in html
    assert 'id="favorite-button-1-end"' in html
    assert 'aria-pressed="false"' in html
    assert "Edit article" not in html


def test_unknown_article_is_404(client):
    assert client.get("/article/nope").status_code == 404


def test_editor_needs_an_account(client):
    response = client.get("/editor")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/editor"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Give your article a title."),
        ({"description": ""}, "Say in a sentence what the article is about."),
        ({"body": ""}, "Write the article&#39;s text."),
        ({"title": "x" * 256}, "A title has at most 255 characters."),
        ({"tags": " ".join(f"t{i}" for i in range(11))}, "Use at most 10 tags."),
    ],
)
def test_editor_validation_is_422_and_keeps_values(author, fields, message):
    data = {"title": "T", "description": "D", "body": "B", "tags": "a", **fields}
    response = post(author, "/editor", **data)
    assert response.status_code == 422
    assert message in response.text
    assert 'class="error-summary"' in response.text
    assert author.get("/").text.count('<article class="preview"') == 1  # nothing stored


def test_titles_descriptions_and_tags_are_escaped_everywhere(author):
    xss = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    response = post(author, "/editor", title=xss, description=xss, body=xss, tags="<b>x</b>")
    assert response.status_code == 303
    slug = response.headers["Location"].rsplit("/", 1)[1]
    for url in ["/", f"/article/{slug}", "/search?q=script", "/profile/ana"]:
        html = author.get(url).text
        assert "<script>alert(1)" not in html, url
        assert "<img src=x" not in html, url
        assert "<b>x</b>" not in html, url


def test_edit_renames_and_old_urls_redirect(author):
    html = author.get("/editor/hello-htmx").text
    assert 'value="Hello htmx"' in html
    assert 'value="flask htmx"' in html
    response = post(
        author,
        "/editor/hello-htmx",
        title="Hello again",
        description="New",
        body="New body",
        tags="htmx",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/article/hello-again"
    assert "Your article is updated." in author.get("/article/hello-again").text
    moved = author.get("/article/hello-htmx?x=1")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/article/hello-again?x=1"
    assert author.get("/editor/hello-htmx").headers["Location"] == "/editor/hello-again"


def test_only_the_author_may_edit_or_delete(author, reader):
    for url in ["/editor/hello-htmx", "/article/hello-htmx/delete"]:
        response = reader.get(url)
        assert response.status_code == 403
        assert "Only its author can change it." in response.text
    response = post(reader, "/article/hello-htmx/delete", confirmed="yes")
    assert response.status_code == 403
    assert reader.get("/article/hello-htmx").status_code == 200


def test_delete_asks_first_then_deletes_everything(author, reader, db):
    post(reader, "/article/hello-htmx/favorite")
    post(reader, "/article/hello-htmx/comments", body="Nice")
    ask = post(author, "/article/hello-htmx/delete")  # the article page's form, JS off
    assert ask.status_code == 200
    assert "Delete “Hello htmx”?" in ask.text
    assert 'name="confirmed" value="yes"' in ask.text
    assert author.get("/article/hello-htmx").status_code == 200

    done = post(author, "/article/hello-htmx/delete", confirmed="yes")
    assert done.status_code == 303
    assert done.headers["Location"] == "/"
    home = author.get("/").text
    assert "“Hello htmx” is deleted." in home
    assert ">htmx</a>" not in home  # its tags left the popular list
    assert author.get("/article/hello-htmx").status_code == 404
    for model in (Article, Comment, Favorite):
        assert db.exec(select(func.count()).select_from(model)).one() == 0


def test_favorite_without_js_goes_back(author, reader):
    response = post(reader, "/article/hello-htmx/favorite", next="/?page=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/?page=1"
    html = reader.get("/article/hello-htmx").text
    assert "Added to your favorites: “Hello htmx”." in html
    assert 'aria-pressed="true"' in html
    assert 'Favorite <span class="count">(1)</span>' in html


def test_favorite_with_htmx_swaps_the_button(author, reader):
    for _ in range(2):  # twice is the same as once
        response = post(
            reader, "/article/hello-htmx/favorite", headers={**HTMX, "HX-Target": "favorite-1-list"}
        )
    html = response.text
    assert html.lstrip().startswith('<form id="favorite-1-list"')
    assert 'id="favorite-button-1-list"' in html
    assert 'aria-pressed="true"' in html
    assert 'aria-label="Favorite “Hello htmx” (1 favorite)"' in html
    assert 'action="/article/hello-htmx/unfavorite"' in html
    assert 'hx-swap-oob="true"' not in html.split('<div id="status"')[0]  # no twin in a list
    assert "Added to your favorites" in html  # announced out-of-band
    undo = post(
        reader, "/article/hello-htmx/unfavorite", headers={**HTMX, "HX-Target": "favorite-1-list"}
    )
    assert 'aria-pressed="false"' in undo.text
    assert "(0 favorites)" in undo.text


def test_favorite_on_the_article_page_updates_both_of_its_buttons(author, reader):
    response = post(
        reader, "/article/hello-htmx/favorite", headers={**HTMX, "HX-Target": "favorite-1-end"}
    )
    html = response.text
    assert html.lstrip().startswith('<form id="favorite-1-end"')
    assert '<form id="favorite-1-banner" class="favorite-form"' in html
    assert html.count('hx-swap-oob="true"') == 1
    assert html.count('Favorite <span class="count">(1)</span>') == 2
    page = reader.get("/article/hello-htmx").text
    assert 'id="favorite-button-1-banner"' in page
    assert 'id="favorite-button-1-end"' in page


def test_visitors_are_asked_to_sign_in_and_come_back(author, client):
    visitor = client.application.test_client()
    response = post(visitor, "/article/hello-htmx/favorite", next="/article/hello-htmx")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/article/hello-htmx"


def test_comments_without_js(author, reader):
    response = post(reader, "/article/hello-htmx/comments", body="First!\n<b>bold</b>")
    assert response.status_code == 303
    assert re.fullmatch(r"/article/hello-htmx#comment-\d+", response.headers["Location"])
    post(author, "/article/hello-htmx/comments", body="Thanks")
    html = reader.get("/article/hello-htmx").text
    assert html.index("First!") < html.index("Thanks")  # oldest first
    assert "First!<br>&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Your comment is posted." in html
    assert html.count(">Delete<span") == 1  # only on bob's own comment


def test_empty_comment_is_422(author):
    response = post(author, "/article/hello-htmx/comments", body="   ")
    assert response.status_code == 422
    assert "Write something before posting." in response.text
    assert "<!doctype html>" in response.text
    assert 'action="/article/hello-htmx/comments"' in response.text
    assert 'class="error-summary"' in response.text
    partial = post(
        author, "/article/hello-htmx/comments", body="", headers={**HTMX, "HX-Target": "comments"}
    )
    assert partial.status_code == 422
    assert "HX-Retarget" not in partial.headers
    html = partial.text
    # Nothing is added to the list; the form comes back in place, its field focused:
    # its message is read with it, once (not also announced in the status region).
    assert html.lstrip().startswith('<form id="comment-form"')
    assert 'hx-swap-oob="true"' in html
    assert 'aria-invalid="true"' in html
    assert re.search(r"<textarea[^>]* autofocus", html)
    assert 'class="error-summary"' not in html
    assert html.count("Write something before posting.") == 1  # the field's, alone
    assert 'aria-describedby="body-error"' in html
    assert "status-message" not in html


def test_comment_with_htmx(author):
    response = post(
        author, "/article/hello-htmx/comments", body="Hi", headers={**HTMX, "HX-Target": "comments"}
    )
    html = response.text
    assert re.match(r'\s*<li id="comment-\d+" class="comment" tabindex="-1"', html)
    assert " autofocus>" in html
    assert '<form id="comment-form"' in html
    assert "Your comment is posted." in html
    assert 'name="body"' in html
    assert ">Hi</textarea>" not in html
    # What the section says about its comments changes in the same answer.
    assert '<span id="comments-count" class="count" hx-swap-oob="true">(1)</span>' in html
    assert '<p id="comments-empty" class="empty" hx-swap-oob="true" hidden>' in html


def test_delete_comments(author, reader, db):
    post(reader, "/article/hello-htmx/comments", body="Mine")
    comment_id = db.exec(select(Comment.id)).one()
    url = f"/article/hello-htmx/comments/{comment_id}/delete"
    assert post(author, url).status_code == 403
    response = post(reader, url, headers={**HTMX, "HX-Target": f"comment-{comment_id}"})
    assert response.status_code == 200
    html = response.text
    assert html.startswith('<span id="comments-count" class="count" hx-swap-oob="true">(0)</span>')
    assert '<p id="comments-empty" class="empty" hx-swap-oob="true">No comments yet.</p>' in html
    assert "Your comment is deleted." in html
    # Deleted already (in another tab): the same result, said plainly.
    again = post(reader, url, headers={**HTMX, "HX-Target": f"comment-{comment_id}"})
    assert again.status_code == 200
    assert "That comment was already deleted." in again.text
    assert post(reader, url).status_code == 303
    assert post(reader, "/article/nope/comments/1/delete").status_code == 404


def test_delete_comment_without_js(author, db):
    post(author, "/article/hello-htmx/comments", body="Oops")
    comment_id = db.exec(select(Comment.id)).one()
    response = post(author, f"/article/hello-htmx/comments/{comment_id}/delete")
    assert response.headers["Location"] == "/article/hello-htmx#comments"


def test_an_article_page_costs_the_same_few_queries_however_many_comments(author, db, queries):
    publish(author, title="Quiet one")
    post(author, "/article/quiet-one/comments", body="Only one")
    for n in range(15):
        post(author, "/article/hello-htmx/comments", body=f"Comment {n}")
    # member, the article as the viewer sees it, its tags, its comments, reading list
    found = costs(author, queries, "/article/quiet-one", "/article/hello-htmx")
    assert_constant(found, at_most=5)


def test_your_feed_shows_followed_authors_only(author, reader, db):
    make_articles(db, make_user(db, "stranger"), 2, title="Stranger")
    post(reader, "/profile/ana/follow")
    html = reader.get("/?feed=following").text
    assert 'aria-current="page">Your feed</a>' in html
    assert "Hello htmx" in html
    assert "Stranger" not in html
    visitor = reader.application.test_client()
    asked = visitor.get("/?feed=following")
    assert asked.status_code == 303
    assert asked.headers["Location"] == "/login?next=/?feed%3Dfollowing"
    assert "Your feed" not in visitor.get("/").text


def test_a_members_home_costs_the_same_few_queries_however_long_the_list(app, author, db, queries):
    make_articles(db, make_user(db, "many"), 25, tags=["long"])
    make_articles(db, make_user(db, "few"), 2, tags=["short"])
    app.config["FEED_PAGE_SIZE"] = 20
    # member, count, page, tags, popular tags, the member's favorites and follows among
    # them, reading list
    assert costs(author, queries, "/")[0] <= 7
    assert_constant(costs(author, queries, "/?tag=short", "/?tag=long"), at_most=7)
    # Until the next write, the list, its total and the popular tags are read from the
    # cache: member, favorites and follows, reading list
    assert_constant(costs(author, queries, "/?tag=short", "/?tag=long"), at_most=3)


# --- the editor's preview: live with htmx (the preview block only), a Preview button
# without JS (nothing saved, the typed text kept), both through the page's renderer.

LIVE = {**HTMX, "HX-Target": "preview"}


def articles_stored(db) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(Article)).one()


def test_the_live_preview_answers_with_the_preview_block_only(author):
    answer = post(author, "/editor/preview", headers=LIVE, body="## Plan\n\nSome **bold** text.")
    assert answer.status_code == 200
    assert '<h2 id="preview-heading">Preview</h2>' in answer.text
    assert "<strong>bold</strong>" in answer.text
    assert "<h2>Plan</h2>" in answer.text  # body headings start at h2, like the article page
    for nested in ("<html", "<main", "<h1", 'id="preview"'):
        assert nested not in answer.text  # a block for inside #preview, nothing more
    # Said once the writer stops typing, by the page (conduit.js), not by each refresh.
    assert "Preview updated." not in answer.text
    assert 'data-updated="Preview updated."' in author.get("/editor").text


def test_an_empty_or_too_long_body_says_so(author):
    empty = post(author, "/editor/preview", headers=LIVE, body="")
    assert "Your article shows here as readers will see it." in empty.text
    long = post(author, "/editor/preview", headers=LIVE, body="x" * (BODY_MAX + 1))
    assert "at most" in long.text
    assert "Preview updated." not in long.text


def test_the_body_s_message_follows_its_preview(author):
    """The live preview refills the body's message out-of-band: a body put right after a
    refused submission loses its message as it is typed."""
    empty = post(author, "/editor/preview", headers=LIVE, body="  ")
    assert '<div id="body-error" hx-swap-oob="innerHTML"><p>Write the article' in empty.text
    written = post(author, "/editor/preview", headers=LIVE, body="Text at last")
    assert '<div id="body-error" hx-swap-oob="innerHTML"></div>' in written.text


@pytest.mark.parametrize(
    ("field", "wrong", "right", "message"),
    [
        ("title", "", "A title", "Give your article a title."),
        ("description", "x" * (DESCRIPTION_MAX + 1), "About it", "at most"),
        ("tags", " ".join(f"t{n}" for n in range(30)), "python htmx", "at most"),
    ],
)
def test_each_editor_field_is_checked_as_it_is_typed(client, field, wrong, right, message):
    """The inline check answers one field's messages (what the field's container holds),
    open to anyone (it stores nothing) and only for the editor's fields."""
    check = f"/editor/check/{field}"
    assert message in client.get(check, query_string={field: wrong}, headers=LIVE).text
    fixed = client.get(check, query_string={field: right}, headers=LIVE)
    assert fixed.status_code == 200
    assert fixed.text.strip() == ""
    assert client.get("/editor/check/body", headers=LIVE).status_code == 404
    assert client.get("/editor/check/csrf_token", headers=LIVE).status_code == 404


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_preview_is_sanitised_like_the_page(author, payload):
    answer = post(author, "/editor/preview", headers=LIVE, body=f"Before\n\n{payload}\n\nAfter")
    body = answer.text.split('<div class="article-body" dir="auto">', 1)[1].split("</div>", 1)[0]
    for tag, attrs in Elements(body).found:
        assert tag in SAFE_TAGS, body
        for name, value in attrs:
            assert not name.startswith("on"), body
            if name in ("href", "src"):
                assert (value or "").strip().lower().startswith(("https:", "http:", "mailto:"))


def test_the_preview_needs_no_account_so_an_expired_session_keeps_the_writer_on_the_page(client):
    answer = post(client, "/editor/preview", headers=LIVE, body="Hello")
    assert answer.status_code == 200
    assert "<p>Hello</p>" in answer.text
    # Nor a CSRF token (it ended with the session): the preview changes nothing.
    bare = client.application.test_client().post("/editor/preview", headers=LIVE,
                                                  data={"body": "Still here"})  # fmt: skip
    assert bare.status_code == 200
    assert "<p>Still here</p>" in bare.text


def test_without_js_preview_shows_the_page_again_saves_nothing_and_keeps_the_text(author, db):
    before = articles_stored(db)
    page = post(author, "/editor", title="Draft title", description="D", body="## Soon\n\nText",
                tags="one", preview="1")  # fmt: skip
    assert page.status_code == 200
    assert '<div class="article-body" dir="auto"><h2>Soon</h2>' in page.text
    assert 'value="Draft title"' in page.text
    assert "## Soon" in page.text  # still in the textarea
    assert articles_stored(db) == before
    published = publish(author, title="Draft title", body="## Soon\n\nText")
    assert published.status_code == 303  # the same form publishes afterwards


def test_editing_shows_the_current_text_previewed_and_preview_does_not_save(author):
    page = author.get("/editor/hello-htmx")
    assert "<strong>bold</strong>" in page.text.split('id="preview"', 1)[1]
    post(author, "/editor/hello-htmx", title="Hello htmx", description="A short one",
         body="Changed", tags="htmx", preview="1")  # fmt: skip
    assert "Changed" not in author.get("/article/hello-htmx").text
