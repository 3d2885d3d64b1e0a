"""Any RealWorld client, unchanged: trailing slashes, tokens that survive a settings save,
CORS that lets a browser on another origin use everything the API offers, an OpenAPI
document that validates and lints clean, and a typed client generated from it."""

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

from tests.conftest import make_test_app
from tests.servers import serving
from web.db import dispose

ROOT = Path(__file__).resolve().parents[2]
MOUNTS = ["/api", "/api/v1"]
ORIGIN = "https://client.example"
PASSWORD = "client password"


def _user(name: str) -> dict[str, dict[str, str]]:
    return {"user": {"username": name, "email": f"{name}@example.com", "password": PASSWORD}}


@pytest.mark.parametrize("mount", MOUNTS)
def test_every_operation_answers_the_same_with_a_trailing_slash(client, mount):
    """A client adding slashes to every address walks the whole API, every method,
    and is never redirected."""

    def call(method: str, path: str, body: object = None, token: str | None = None):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Token {token}"} if token else {}
        where, _, query = path.partition("?")
        answer = client.open(f"{mount}{where}/?{query}", method=method, json=body,
                             headers=headers)  # fmt: skip
        assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
        return answer

    token = call("POST", "/users", _user("slash"), None).json["user"]["token"]
    call("POST", "/users/login", {"user": {"email": "slash@example.com", "password": PASSWORD}})
    call("GET", "/user", token=token)
    call("PUT", "/user", {"user": {"bio": "Slashes"}}, token)
    other = call("POST", "/users", _user("other")).json["user"]["token"]
    article = {"article": {"title": "Slashed", "description": "d", "body": "b", "tagList": ["x"]}}
    slug = call("POST", "/articles", article, token).json["article"]["slug"]
    for path in ("/articles", "/articles?tag=x", "/tags", f"/articles/{slug}",
                 f"/articles/{slug}/comments", "/profiles/slash",
                 "/profiles/slash/articles", "/profiles/slash/favorites"):  # fmt: skip
        plain = client.get(f"{mount}{path}")
        slashed = call("GET", path)
        assert slashed.json == plain.json, path
    call("GET", "/profiles/slash/drafts", token=token)
    call("GET", "/articles/feed", token=other)
    call("PUT", f"/articles/{slug}", {"article": {"body": "b2"}}, token)
    call("POST", f"/articles/{slug}/favorite", token=other)
    call("DELETE", f"/articles/{slug}/favorite", token=other)
    comment = call("POST", f"/articles/{slug}/comments", {"comment": {"body": "Hi"}}, other)
    comment_id = comment.json["comment"]["id"]
    call("GET", f"/articles/{slug}/comments/{comment_id}")
    call("DELETE", f"/articles/{slug}/comments/{comment_id}", token=other)
    call("POST", "/profiles/slash/follow", token=other)
    call("DELETE", "/profiles/slash/follow", token=other)
    call("DELETE", f"/articles/{slug}", token=token)
    call("GET", "/openapi.json")


@pytest.mark.parametrize("mount", MOUNTS)
def test_a_browser_on_another_origin_gets_everything_the_api_offers(client, mount):
    preflight = client.options(
        f"{mount}/articles/",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
                 "Access-Control-Request-Headers": "authorization, content-type, if-match, "
                                                   "if-none-match"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "if-match", "if-none-match"):
        assert header in allowed
    assert preflight.headers["Access-Control-Max-Age"] == "7200"
    assert "Access-Control-Allow-Credentials" not in preflight.headers  # never cookies
    answer = client.get(f"{mount}/articles", headers={"Origin": ORIGIN})
    exposed = {
        h.strip().lower() for h in answer.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"etag", "link", "location", "ratelimit-limit", "ratelimit-remaining",
            "ratelimit-reset", "retry-after"} <= exposed  # fmt: skip
    for asked in ({"Origin": ORIGIN}, {}):  # with an Origin and without, it may differ
        assert "Origin" in client.get(f"{mount}/tags", headers=asked).headers["Vary"]


def test_every_origin_is_allowed_by_default_in_production_too(monkeypatch):
    from web.config import load

    for name, value in {"CONDUIT_ENV": "production", "SECRET_KEY": "s" * 40,
                        "SITE_URL": "https://conduit.example"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    assert load("/tmp")["CORS_ORIGINS"] == "*"
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert load("/tmp")["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_cors_origins_restricts_it(db_url):
    app = make_test_app(db_url, CORS_ORIGINS=["https://a.example"])
    client = app.test_client()
    allowed = client.get("/api/tags", headers={"Origin": "https://a.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://a.example"
    other = client.get("/api/tags", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
    dispose(app)


@pytest.mark.parametrize("mount", MOUNTS)
def test_the_feed_is_offered_its_own_methods_and_an_article_called_feed_is_reachable(client, mount):
    allowed = client.options(f"{mount}/articles/feed").headers["Allow"]
    assert set(allowed.replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    token = client.post(f"{mount}/users", json=_user("feeder")).json["user"]["token"]
    feed = {"article": {"title": "Feed", "description": "d", "body": "b"}}
    made = client.post(f"{mount}/articles", headers={"Authorization": f"Token {token}"},
                       json=feed)  # fmt: skip
    slug = made.json["article"]["slug"]
    assert slug.startswith("feed-")
    assert client.get(f"{mount}/articles/{slug}").status_code == 200


def test_a_write_without_a_token_is_401_before_any_limit(db_url):
    # Counters of this test's own (a shared Redis would carry them to other tests).
    app = make_test_app(db_url, RATELIMIT_ENABLED=True, API_WRITE_LIMIT="2 per minute",
                        RATELIMIT_STORAGE_URI="memory://")  # fmt: skip
    client = app.test_client()
    for _ in range(5):
        assert client.post("/api/articles", json={}).status_code == 401
        bad = client.post("/api/articles", json={}, headers={"Authorization": "Token x.y.z"})
        assert bad.status_code == 401
    token = client.post("/api/users", json=_user("limited")).json["user"]["token"]
    body = {"article": {"title": "T", "description": "d", "body": "b"}}
    auth = {"Authorization": f"Token {token}"}
    statuses = [client.post("/api/articles", json=body, headers=auth).status_code
                for _ in range(3)]  # fmt: skip
    assert statuses == [201, 201, 429]
    dispose(app)


@pytest.mark.parametrize("mount", MOUNTS)
def test_an_http_picture_is_refused_with_the_reason(client, mount):
    token = client.post(f"{mount}/users", json=_user("pic")).json["user"]["token"]
    answer = client.put(f"{mount}/user", headers={"Authorization": f"Token {token}"},
                        json={"user": {"image": "http://i.example/me.png"}})  # fmt: skip
    assert answer.status_code == 422
    assert answer.json == {
        "errors": {"image": ["must be an https:// address (or empty, to remove the picture)"]}
    }


# --- the OpenAPI document --------------------------------------------------------------


@pytest.fixture
def document(client):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/openapi.json").json


def test_the_document_validates(document):
    validate(document)


def test_the_document_says_what_each_operation_needs(document):
    operations = [(path, method, spec) for path, methods in document["paths"].items()
                  for method, spec in methods.items()]  # fmt: skip
    public = {("/tags", "get"), ("/users", "post"), ("/users/login", "post")}
    for path, method, spec in operations:
        assert spec["description"].strip(), (path, method)
        if (path, method) in public:
            assert spec["security"] == [], (path, method)
        if "requestBody" in spec:
            assert "415" in spec["responses"], (path, method)
        assert "503" in spec["responses"]
    info = document["info"]
    assert info["license"]["identifier"] == "MIT"
    assert info["contact"]["url"] == "http://localhost/api/v1/docs"
    assert {tag["name"] for tag in document["tags"]} == {
        tag for _, _, spec in operations for tag in spec["tags"]
    }


def test_the_document_lints_clean(document, tmp_path):
    """Spectral (from npm) with its standard OpenAPI rules: no error, no warning."""
    spectral = ROOT / "node_modules" / ".bin" / "spectral"
    assert spectral.exists(), "make setup installs Spectral (package.json)"
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    (tmp_path / ".spectral.yaml").write_text("extends: ['spectral:oas']\n")
    linted = subprocess.run(
        [str(spectral), "lint", "--ruleset", str(tmp_path / ".spectral.yaml"),
         "--fail-severity", "warn", "--format", "text", str(tmp_path / "openapi.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_docs_page_lists_where_the_api_departs_from_realworld(client, document):
    page = client.get("/api/docs").text
    for departure in ("<code>bio</code> and <code>image</code> may be <code>null</code>",
                      "Errors name the field", "<code>201 Created</code> for a new comment",
                      "More statuses"):  # fmt: skip
        assert departure in page
    assert (
        "Where this API departs from the RealWorld specification" in document["info"]["description"]
    )


# --- a typed client, generated from the live document -----------------------------------


def test_a_generated_python_client_works_from_sign_up_to_settings(db_url, tmp_path):
    """openapi-python-client (from PyPI) writes a typed client from the document the
    running app serves; the client then does what a RealWorld front-end does."""
    app = make_test_app(db_url, SITE_URL="http://127.0.0.1")
    try:
        with serving(app) as site:
            spec = requests.get(f"{site}/api/openapi.json", timeout=30).text
            (tmp_path / "openapi.json").write_text(spec)
            tools = str(Path(sys.executable).parent)
            generated = subprocess.run(
                [str(Path(tools) / "openapi-python-client"), "generate", "--path",
                 "openapi.json", "--output-path", "conduit_client", "--meta", "none"],
                cwd=tmp_path, capture_output=True, text=True, check=False,
                env={**os.environ, "PATH": f"{tools}:{os.environ.get('PATH', '')}"},
            )  # fmt: skip
            assert generated.returncode == 0, generated.stdout + generated.stderr
            assert "Warning" not in generated.stdout, generated.stdout
            sys.path.insert(0, str(tmp_path))
            try:
                _walk_with_generated_client(f"{site}/api")
            finally:
                sys.path.remove(str(tmp_path))
                for name in [m for m in sys.modules if m.startswith("conduit_client")]:
                    del sys.modules[name]
    finally:
        dispose(app)
    shutil.rmtree(tmp_path / "conduit_client", ignore_errors=True)


def _walk_with_generated_client(base_url: str) -> None:
    def load(name: str):  # type: ignore[no-untyped-def]
        return importlib.import_module(f"conduit_client.{name}")

    client_module = load("client")
    models = load("models")
    users = "api.user_and_authentication"
    visitor = client_module.Client(base_url=base_url)
    new = models.NewUser(username="typed", email="typed@example.com", password=PASSWORD)
    signed_up = load(f"{users}.register").sync(client=visitor,
                                               body=models.NewUserRequest(user=new))  # fmt: skip
    assert isinstance(signed_up, models.UserResponse), signed_up
    signed_in = load(f"{users}.login").sync(client=visitor, body=models.LoginUserRequest(
        user=models.LoginUser(email="typed@example.com", password=PASSWORD)))  # fmt: skip
    member = client_module.AuthenticatedClient(
        base_url=base_url, token=signed_in.user.token, prefix="Token"
    )
    written = load("api.articles.create_article").sync(client=member, body=(
        models.NewArticleRequest(article=models.NewArticle(
            title="Typed clients", description="Generated", body="It works.",
            tag_list=["typed", "clients"]))))  # fmt: skip
    assert isinstance(written, models.SingleArticleResponse), written
    slug = written.article.slug
    tagged = load("api.articles.list_articles").sync(client=visitor, tag="typed")
    assert [a.slug for a in tagged.articles] == [slug]
    assert tagged.articles_count == 1
    favorite = load("api.articles.favorite").sync(slug=slug, client=member)
    assert favorite.article.favorited is True
    assert favorite.article.favorites_count == 1
    commented = load("api.comments.add_comment").sync(slug=slug, client=member, body=(
        models.NewCommentRequest(comment=models.NewComment(body="Typed comment"))))  # fmt: skip
    assert commented.comment.body == "Typed comment"
    # The settings save a RealWorld front-end makes: every field, the password unchanged.
    saved = load(f"{users}.update_current_user").sync(client=member, body=(
        models.UpdateUserRequest(user=models.UpdateUser(
            email="typed@example.com", username="typed", password=PASSWORD,
            bio="Typed all the way", image="https://i.example/typed.png"))))  # fmt: skip
    assert saved.user.bio == "Typed all the way"
    again = load(f"{users}.current_user").sync(client=member)  # the same token, still good
    assert isinstance(again, models.UserResponse), again
    assert again.user.bio == "Typed all the way"
