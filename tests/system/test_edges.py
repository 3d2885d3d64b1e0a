"""The last edges: same-title creates at once, a replayed editor form, a draft's former
slug, dots-only usernames, the plain-form preview and sitemap numbers past any page.
Run on SQLite and (in CI) on PostgreSQL."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from tests.conftest import CSRF_INPUT, AuthActions, csrf_token, make_test_app
from tests.servers import serving
from web.db import dispose, engine

PARALLEL = 20


@pytest.fixture
def served(db_url):  # type: ignore[no-untyped-def]
    app = make_test_app(db_url, SITE_URL="http://127.0.0.1")
    with serving(app) as site:
        yield app, site
    dispose(app)


def _api_user(site: str, name: str) -> str:
    answer = requests.post(f"{site}/api/users", json={"user": {
        "username": name, "email": f"{name}@example.com", "password": "edge password"}},
        timeout=30)  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["user"]["token"]


def test_same_title_creates_at_once_each_get_a_free_slug(served):
    app, site = served
    token = _api_user(site, "writer")

    def create(_number: int) -> requests.Response:
        return requests.post(
            f"{site}/api/articles",
            json={"article": {"title": "Same title", "description": "d", "body": "b"}},
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(create, range(PARALLEL)))
    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers]
    slugs = {a.json()["article"]["slug"] for a in answers}
    assert len(slugs) == PARALLEL
    assert all(slug.startswith("same-title") for slug in slugs)
    with app.app_context(), engine().connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM article")).scalar() == PARALLEL


def test_an_editor_form_sent_twenty_times_at_once_makes_one_article(served):
    app, site = served
    browser = requests.Session()
    page = browser.get(f"{site}/register", timeout=30).text
    token = CSRF_INPUT.search(page).group(1)
    signed_up = browser.post(f"{site}/register", data={
        "username": "ana", "email": "ana@example.com", "password": "edge password",
        "csrf_token": token}, timeout=30)  # fmt: skip
    assert signed_up.status_code == 200
    editor = browser.get(f"{site}/editor", timeout=30).text
    form = dict(re.findall(r'name="(csrf_token|once)" type="hidden" value="([^"]+)"', editor))
    assert set(form) == {"csrf_token", "once"}, editor
    data = {**form, "title": "Once only", "description": "d", "body": "b", "tags": ""}

    def send(_number: int) -> requests.Response:
        return browser.post(f"{site}/editor", data=data, timeout=60, allow_redirects=False)

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(send, range(PARALLEL)))
    assert [a.status_code for a in answers] == [303] * PARALLEL, [a.text[:300] for a in answers]
    assert {a.headers["Location"] for a in answers} == {"/article/once-only"}
    with app.app_context(), engine().connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM article")).scalar() == 1


def test_a_renamed_drafts_former_slug_is_its_authors_secret(client, app):
    author = AuthActions(client)
    author.register("ana")
    client.post("/editor", data={"title": "First title", "description": "d", "body": "b",
                                 "tags": "", "draft": "1", "csrf_token": csrf_token(client,
                                 "/editor")})  # fmt: skip
    client.post("/editor/first-title", data={
        "title": "Secret new title", "description": "d", "body": "b", "tags": "",
        "draft": "1", "csrf_token": csrf_token(client, "/editor/first-title")})  # fmt: skip
    moved = client.get("/article/first-title")
    assert moved.status_code == 301  # its author follows it
    assert moved.headers["Location"] == "/article/secret-new-title"
    for who in (app.test_client(), _member(app, "bob")):
        for path in ("/article/first-title", "/live/article/first-title",
                     "/article/first-title/comments"):  # fmt: skip
            answer = who.get(path)
            assert answer.status_code == 404, path
            assert "secret-new-title" not in answer.text
            assert "Location" not in answer.headers
        assert who.get("/api/articles/first-title").status_code == 404


def _member(app, name: str):  # type: ignore[no-untyped-def]
    other = app.test_client()
    AuthActions(other).register(name)
    return other


@pytest.mark.parametrize("name", [".", "..", "...", "." * 40])
def test_a_username_of_dots_alone_is_refused(client, name):
    page = AuthActions(client).register(name)
    assert page.status_code == 422
    assert "not dots alone" in page.text
    api = client.post("/api/users", json={"user": {"username": name, "email": "d@example.com",
                                                   "password": "edge password"}})  # fmt: skip
    assert api.status_code == 422
    assert "username" in api.json["errors"]
    check = client.get("/register/check/username", query_string={"username": name},
                       headers={"HX-Request": "true", "HX-Target": "username-error"})  # fmt: skip
    assert "not dots alone" in check.text


def test_usernames_with_dots_and_more_are_fine(client):
    assert AuthActions(client).register(".ana.", email="dotty@example.com").status_code == 303
    assert client.get("/profile/.ana.").status_code == 200


def test_the_preview_sent_as_a_plain_form_is_the_editor(client):
    AuthActions(client).register("ana")
    answer = client.post("/editor/preview", data={"title": "Kept", "body": "**Bold** words"})
    assert answer.status_code == 200
    assert "<!doctype html>" in answer.text
    assert "<strong>Bold</strong>" in answer.text  # its preview
    assert 'value="Kept"' in answer.text  # and what was typed
    visitor = client.application.test_client()
    assert visitor.post("/editor/preview", data={"body": "x"}).status_code == 200


@pytest.mark.parametrize("number", ["0", "100001", str(2**31), str(2**63), str(2**64), "9" * 40])
def test_sitemap_numbers_past_any_page_are_404(client, number):
    assert client.get(f"/sitemap-{number}.xml").status_code == 404
