"""An action pressed after the session ended (signed out in another tab) is kept through
signing in: toggles and a comment's deletion are done then, a comment's text comes back
in its box; nothing is done twice, and a visitor's own actions are untouched."""

import re

import pytest
from sqlmodel import select

from tests.conftest import AuthActions, csrf_token
from tests.factories import make_articles, make_user
from web.comments import add_comment
from web.models import Article, Comment, Favorite, Follow, ReadingListItem, User

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/article/story-1"}


@pytest.fixture
def story(db) -> Article:
    writer = make_user(db, "writer")
    [article_id] = make_articles(db, writer, 1, title="Story")
    return db.get(Article, article_id)


@pytest.fixture
def ended(client, auth: AuthActions, story: Article) -> str:
    """Ana signed in, on the article's page; her session then ends in another tab.
    Returns the CSRF token her page still holds."""
    auth.register("ana")
    token = csrf_token(client, f"/article/{story.slug}")
    other_tab = client.post("/logout", data={"csrf_token": token})
    assert other_tab.status_code == 303
    return token


def press(client, path: str, token: str, *, htmx: bool = False, **fields: str):  # type: ignore[no-untyped-def]
    page = "/article/story-1"
    return client.post(
        path,
        data={"csrf_token": token, "next": page, **fields},
        headers={**HTMX, "Referer": f"http://localhost{page}"}
        if htmx
        else {"Referer": f"http://localhost{page}"},
    )


def sign_in_from(client, login_url: str):  # type: ignore[no-untyped-def]
    form = client.get(login_url).text
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', form)
    data = {"email": "ana@example.com", "password": "correct horse",
            "csrf_token": csrf_token(client, login_url)}  # fmt: skip
    if next_value:
        data["next"] = next_value.group(1)
    return client.post(login_url, data=data)


def ana(db) -> User:
    return db.exec(select(User).where(User.username == "ana")).one()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_favorite_pressed_after_the_session_ended_is_done_after_signing_in(
    client, db, story, ended, htmx
):
    asked = press(client, f"/article/{story.slug}/favorite", ended, htmx=htmx)
    login = asked.headers["HX-Redirect"] if htmx else asked.headers["Location"]
    assert login.startswith("/login?next=/article/story-1")
    assert db.exec(select(Favorite)).all() == []  # not yet
    signed_in = sign_in_from(client, login)
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == f"/article/{story.slug}"
    [done] = db.exec(select(Favorite)).all()
    assert done.user_id == ana(db).id
    page = client.get(signed_in.headers["Location"]).text
    assert "Welcome back, ana!" in page
    assert "Added to your favorites: “Story 1”." in page
    # Signing in again later does nothing more: the kept action was used up.
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    sign_in_from(client, "/login")
    assert len(db.exec(select(Favorite)).all()) == 1


def test_a_follow_and_a_comment_deletion_are_done_too(client, db, story, ended):
    writer = db.exec(select(User).where(User.username == "writer")).one()
    asked = press(client, "/profile/writer/follow", ended)
    sign_in_from(client, asked.headers["Location"])
    assert [(f.follower_id, f.followed_id) for f in db.exec(select(Follow))] == [
        (ana(db).id, writer.id)
    ]
    mine = add_comment(session=db, slug=story.slug, author=ana(db), body="Mine")
    token = csrf_token(client, f"/article/{story.slug}")
    client.post("/logout", data={"csrf_token": token})
    asked = press(client, f"/article/{story.slug}/comments/{mine.id}/delete", token)
    signed_in = sign_in_from(client, asked.headers["Location"])
    assert db.exec(select(Comment)).all() == []
    assert "Your comment is deleted." in client.get(signed_in.headers["Location"]).text


def test_read_later_on_a_members_page_saves_to_the_account_after_signing_in(
    client, db, story, ended
):
    asked = press(client, f"/article/{story.slug}/save", ended, **{"as": "member"})
    assert asked.status_code == 303
    assert asked.headers["Location"].startswith("/login?next=")
    assert "preview-story-1" not in client.get("/reading-list").text  # no visitor's list
    sign_in_from(client, asked.headers["Location"])
    [saved] = db.exec(select(ReadingListItem)).all()
    assert (saved.user_id, saved.article_id) == (ana(db).id, story.id)


def test_a_visitors_read_later_is_still_theirs_at_once(client, db, story):
    response = client.post(f"/article/{story.slug}/save", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/article/{story.slug}"


def test_a_comment_written_after_the_session_ended_comes_back_in_its_box(client, db, story, ended):
    text = "A thought worth keeping, with <b>markup</b> & an emoji 🎉"
    asked = press(client, f"/article/{story.slug}/comments", ended, body=text, once="x" * 32)
    signed_in = sign_in_from(client, asked.headers["Location"])
    assert signed_in.headers["Location"] == f"/article/{story.slug}"
    assert db.exec(select(Comment)).all() == []  # never posted unseen
    page = client.get(f"/article/{story.slug}").text
    assert "Your comment is back in its box: post it when you are ready." in page
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert box
    assert "autofocus" in box.group(0)
    assert (
        box.group(1).strip()
        == "A thought worth keeping, with &lt;b&gt;markup&lt;/b&gt; &amp; an emoji 🎉"
    )
    again = client.get(f"/article/{story.slug}").text  # once: the next visit has an empty box
    assert re.search(r"<textarea[^>]*>\s*</textarea>", again)


def test_a_long_comment_keeps_its_start_and_says_so(client, db, story, ended):
    text = "word " * 1000  # 5,000 characters: more than a session cookie should carry
    asked = press(client, f"/article/{story.slug}/comments", ended, body=text, once="y" * 32)
    sign_in_from(client, asked.headers["Location"])
    page = client.get(f"/article/{story.slug}").text
    assert "The start of your comment is back in its box" in page
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert box
    assert text.startswith(box.group(1).strip())
    assert len(box.group(1).strip()) > 2000


def test_signing_up_instead_completes_the_action_too(client, db, story):
    token = csrf_token(client, f"/article/{story.slug}")
    asked = client.post(f"/article/{story.slug}/favorite", data={"csrf_token": token})
    assert asked.headers["Location"].startswith("/login?next=")
    signed_up = AuthActions(client).register("newcomer")
    assert signed_up.status_code == 303
    [done] = db.exec(select(Favorite)).all()
    newcomer = db.exec(select(User).where(User.username == "newcomer")).one()
    assert done.user_id == newcomer.id
