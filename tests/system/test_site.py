"""One public address: absolute links come from SITE_URL whatever Host, X-Forwarded-Host
or X-Forwarded-Proto a request carries, and a host that is not the site's gets 400."""

import re
from collections.abc import Iterator
from typing import Any

import feedparser
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from tests.conftest import AuthActions, csrf_token, make_test_app
from tests.factories import make_articles, make_user
from web.db import dispose, get_session

SITE = "https://conduit.example"
# Ways a request may name a host the site answers to (the test client's own is
# "localhost", admitted outside production): none of them may leak into a link.
ADMITTED = {
    "its own name": {},
    "another trusted name": {"HTTP_HOST": "internal.example"},
    "a port": {"HTTP_HOST": "internal.example:8443"},
    "a trusted proxy's forwarded host and scheme": {
        "HTTP_X_FORWARDED_HOST": "internal.example",
        "HTTP_X_FORWARDED_PROTO": "http",
    },
}
HOSTILE = {
    "a stranger's Host": {"HTTP_HOST": "evil.example"},
    "a stranger's Host with a port": {"HTTP_HOST": "evil.example:443"},
    "a stranger's forwarded host": {"HTTP_X_FORWARDED_HOST": "evil.example"},
    "a subdomain of the site": {"HTTP_HOST": "evil.conduit.example"},
}
URL = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def site_app(db_url: str, inbox: Any) -> Iterator[Flask]:
    _handler, port = inbox
    app = make_test_app(
        db_url,
        SITE_URL=SITE,
        SITE_EXTRA_HOSTS="internal.example",
        MAIL_URL=f"smtp://127.0.0.1:{port}",
    )
    yield app
    dispose(app)


def visiting(app: Flask, environ: dict[str, str]) -> FlaskClient:
    """A client whose every request carries `environ` (a Host, forwarded headers...)."""
    client = app.test_client()
    opener = client.open

    def open_with(*args: Any, **kwargs: Any) -> Any:
        kwargs["environ_overrides"] = {**environ, **kwargs.get("environ_overrides", {})}
        return opener(*args, **kwargs)

    client.open = open_with  # type: ignore[method-assign]  # every verb goes through open
    return client


def links_in(text: str) -> list[str]:
    """The absolute links in `text`, but XML namespaces (names, not links)."""
    namespaces = ("http://www.w3.org/", "http://www.sitemaps.org/schemas/")
    return [link for link in URL.findall(text) if not link.startswith(namespaces)]


def assert_on_site(links: list[str]) -> None:
    assert links, "no absolute link to check"
    for link in links:
        assert link.startswith(SITE + "/"), link


@pytest.fixture(params=list(ADMITTED), ids=list(ADMITTED))
def via(request: pytest.FixtureRequest) -> dict[str, str]:
    return ADMITTED[request.param]


def test_every_mail_links_to_the_site(site_app, inbox, via):
    """Sign-up confirmation, password reset, the no-account answer and an address
    change (its link, and the notice to the old address)."""
    handler, _port = inbox
    browser = visiting(site_app, via)
    assert AuthActions(browser).register("ana").status_code == 303
    confirm = handler.last_to("ana@example.com")
    saved = browser.post(
        "/settings",
        data={"username": "ana", "email": "ana@new.example", "bio": "", "image": "",
              "csrf_token": csrf_token(browser, "/settings")},
    )  # fmt: skip
    assert saved.status_code == 303
    change, notice = handler.last_to("ana@new.example"), handler.messages[-1]
    assert notice["To"] == "ana@example.com"
    AuthActions(browser).logout()
    for address in ("ana@example.com", "nobody@example.com"):
        asked = browser.post(
            "/password/forgot",
            data={"email": address, "csrf_token": csrf_token(browser, "/password/forgot")},
        )
        assert asked.status_code == 200
    reset, no_account = handler.last_to("ana@example.com"), handler.last_to("nobody@example.com")
    for message in (confirm, change, notice, reset, no_account):
        for part in message.walk():
            if part.get_content_maintype() == "text":
                assert_on_site(links_in(part.get_content()))
    assert links_in(reset.get_body(("plain",)).get_content())[0].startswith(
        f"{SITE}/password/reset/"
    )


def test_feeds_sitemap_robots_and_page_meta_link_to_the_site(site_app, via):
    with site_app.app_context():
        bob = make_user(get_session(), "bob")
        make_articles(get_session(), bob, 1, title="Crabs", tags=["sea"])
    reader = visiting(site_app, via)
    for path in ("/feed.atom", "/tag/sea/feed.atom", "/profile/bob/feed.atom"):
        feed = feedparser.parse(reader.get(path).data)
        assert feed.feed.link.startswith(SITE)
        assert_on_site([feed.feed.id, *(e.link for e in feed.entries),
                        *(e.author_detail.href for e in feed.entries)])  # fmt: skip
        assert all(e.id.startswith("tag:conduit.example,") for e in feed.entries)
    assert_on_site(links_in(reader.get("/sitemap.xml").text))
    robots = reader.get("/robots.txt").text
    assert f"Sitemap: {SITE}/sitemap.xml" in robots
    page = reader.get("/article/crabs-1?tab=x").text
    assert f'<link rel="canonical" href="{SITE}/article/crabs-1?tab=x">' in page
    assert f'<meta property="og:url" content="{SITE}/article/crabs-1?tab=x">' in page
    assert f'<meta property="article:author" content="{SITE}/profile/bob">' in page


def test_links_are_not_remembered_across_hosts(site_app):
    """Absolute links are never kept from one request for the next: thirty requests
    through another name leave everyone's links on the site."""
    with site_app.app_context():
        bob = make_user(get_session(), "bob")
        make_articles(get_session(), bob, 1, title="Crabs")
    other = visiting(site_app, {"HTTP_HOST": "internal.example:81"})
    for _ in range(30):
        other.get("/feed.atom")
        other.get("/article/crabs-1", headers={"Cookie": "x=1"})
    reader = site_app.test_client()
    feed = feedparser.parse(reader.get("/feed.atom").data)
    assert feed.entries[0].link == f"{SITE}/article/crabs-1"
    assert f'content="{SITE}/profile/bob"' in reader.get("/article/crabs-1").text


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=list(HOSTILE))
def test_a_host_that_is_not_the_sites_gets_400(site_app, inbox, hostile):
    handler, _port = inbox
    with site_app.app_context():
        make_user(get_session(), "ana")
    stranger = visiting(site_app, HOSTILE[hostile])
    for path in ("/", "/feed.atom", "/sitemap.xml", "/api/articles", "/login"):
        assert stranger.get(path).status_code == 400, path
    page = stranger.get("/")
    assert "Bad request" in page.text
    assert stranger.get("/api/tags").json == {
        "errors": {"body": ["The request could not be understood. Please check it and try "
                            "again."]}
    }  # fmt: skip
    # A reset asked through a stranger's host sends nothing at all.
    asked = stranger.post("/password/forgot", data={"email": "ana@example.com"})
    assert asked.status_code == 400
    assert handler.messages == []


@pytest.mark.parametrize("hostile", list(HOSTILE), ids=list(HOSTILE))
def test_health_checks_answer_any_host(site_app, hostile):
    """Load balancers probe an app server by its address, not by the site's name."""
    prober = visiting(site_app, HOSTILE[hostile])
    assert prober.get("/healthz").status_code == 200
    ready = prober.get("/readyz")
    assert ready.status_code == 200, ready.json


def test_production_admits_only_the_site_and_the_names_given(db_url):
    app = make_test_app(db_url, CONDUIT_ENV="production", SITE_URL=SITE,
                        SITE_EXTRA_HOSTS="internal.example, .cdn.example")  # fmt: skip
    try:
        for host, status in [("conduit.example", 200), ("internal.example", 200),
                             ("edge.cdn.example", 200), ("localhost", 400),
                             ("127.0.0.1:8000", 400), ("evil.example", 400)]:  # fmt: skip
            answer = app.test_client().get("/api/tags", environ_overrides={"HTTP_HOST": host})
            assert answer.status_code == status, host
    finally:
        dispose(app)


def test_urls_outside_a_request_are_on_the_site(site_app):
    """A script or a worker building a link (no request to read a host from)."""
    with site_app.app_context():
        assert url_for("articles.show", slug="crabs-1") == f"{SITE}/article/crabs-1"
        assert url_for("home.index", _external=False) == "/"
