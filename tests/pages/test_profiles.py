import pytest
from sqlmodel import select

from tests.conftest import assert_constant, costs, csrf_token
from tests.factories import favorite, make_articles, make_user
from web.models import Follow, User

HTMX = {"HX-Request": "true"}


@pytest.fixture
def writer(db):
    """bob wrote 12 articles; ana favorited two of them and wrote one."""
    bob = make_user(db, "bob", bio="Writes about <b>Flask</b>.")
    ids = make_articles(db, bob, 12, tags=["flask"], title="Bob")
    ana = db.exec(select(User).where(User.username == "ana")).first() or make_user(db, "ana")
    make_articles(db, ana, 1, title="Ana")
    favorite(db, ana, ids[0])
    favorite(db, ana, ids[1])
    return bob


@pytest.mark.usefixtures("writer")
def test_profile_page_lists_the_members_articles(client):
    response = client.get("/profile/bob")
    html = response.text
    assert response.status_code == 200
    assert '<h1 tabindex="-1" data-focus-after-swap>bob</h1>' in html
    assert "Writes about &lt;b&gt;Flask&lt;/b&gt;." in html
    assert html.count('<article class="preview"') == 10
    assert 'aria-current="page">Articles</a>' in html
    assert (
        '<span class="visually-hidden">Articles, </span><span class="feed-page">page 1 of 2</span>'
        in html
    )
    assert 'href="/profile/bob?page=2"' in html


@pytest.mark.usefixtures("writer")
def test_favorited_tab_and_its_fragment(client):
    html = client.get("/profile/ana?tab=favorited").text
    assert html.count('<article class="preview"') == 2
    assert 'aria-current="page">Favorited articles</a>' in html

    response = client.get("/profile/ana?tab=favorited", headers={**HTMX, "HX-Target": "feed"})
    assert "<html" not in response.text
    assert response.text.count('<article class="preview"') == 2
    assert "Bob 1" in response.text
    assert "Favorited articles of ana, page 1 of 1" in response.text
    assert response.vary.as_set() >= {"hx-request"}


@pytest.mark.usefixtures("writer")
@pytest.mark.parametrize(
    "url", ["/profile/ghost", "/profile/bob?tab=secret", "/profile/bob?page=3"]
)
def test_unknown_profiles_tabs_and_pages_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.usefixtures("writer")
def test_follow_offers_depend_on_the_viewer(client, auth):
    assert "Sign in to follow bob" in client.get("/profile/bob").text
    assert 'href="/login?next=/profile/bob"' in client.get("/profile/bob").text
    auth.register("carol")
    html = client.get("/profile/bob").text
    assert 'id="follow-button-1-profile"' in html
    assert "Follow bob" in html
    own = client.get("/profile/carol").text
    assert "Edit your settings" in own
    assert 'id="follow-button' not in own


def follow_bob(client, action="follow", headers=None, next_url="/profile/bob?page=2"):
    return client.post(
        f"/profile/bob/{action}",
        data={"csrf_token": csrf_token(client), "next": next_url},
        headers=headers or {},
    )


@pytest.mark.usefixtures("writer")
def test_follow_without_js_redirects_back(client, auth, db):
    auth.register("carol")
    for _ in range(2):  # following twice is the same as once
        response = follow_bob(client)
        assert response.status_code == 303
        assert response.headers["Location"] == "/profile/bob?page=2"
    assert len(db.exec(select(Follow)).all()) == 1
    html = client.get("/profile/bob").text
    assert "You now follow bob." in html
    assert "Unfollow bob" in html
    for _ in range(2):
        follow_bob(client, "unfollow")
    assert db.exec(select(Follow)).all() == []


@pytest.mark.usefixtures("writer")
def test_follow_with_htmx_swaps_only_the_button(client, auth):
    auth.register("carol")
    response = follow_bob(client, headers={**HTMX, "HX-Target": "follow-1-profile"})
    html = response.text
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="follow-1-profile"')
    assert 'id="follow-button-1-profile"' in html
    assert 'hx-swap-oob="true"' not in html  # one button on a profile: no twin
    assert "Unfollow bob" in html
    assert 'action="/profile/bob/unfollow"' in html
    assert (
        '<div id="status" hx-swap-oob="innerHTML"><p class="status-message">You now follow bob.</p>'
        in html
    )
    back = follow_bob(client, "unfollow", headers={**HTMX, "HX-Target": "follow-1-profile"}).text
    assert "Follow bob" in back
    assert "You no longer follow bob." in back


def test_following_yourself_is_422(client, auth):
    auth.register("bob")
    response = follow_bob(client)
    assert response.status_code == 422
    assert "You cannot follow yourself." in response.text


@pytest.mark.usefixtures("writer")
def test_visitors_cannot_follow(client):
    response = client.post(
        "/profile/bob/follow", data={"csrf_token": csrf_token(client), "next": "/profile/bob"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/profile/bob"


def test_a_profile_costs_the_same_few_queries_however_long_its_list(app, client, auth, db, queries):
    make_articles(db, make_user(db, "bob"), 2, title="Short")
    make_articles(db, make_user(db, "dan"), 20, title="Long")
    auth.register("carol")
    app.config["FEED_PAGE_SIZE"] = 20
    client.get("/profile/carol")  # the member's own things, once
    # member, profile with "following", count, page, tags, the member's favorites and
    # follows among them, reading list
    assert_constant(costs(client, queries, "/profile/bob", "/profile/dan"), at_most=7)
    # until the next write the list and its count come from the cache
    assert_constant(costs(client, queries, "/profile/bob", "/profile/dan"), at_most=4)
