"""Who may call what: every members-only page and every API operation that needs a
token, swept from the URL map, as a visitor; and no write forgets to ask."""

import pytest
from flask import Flask

from tests.conftest import AuthActions, csrf_token
from web.api.operations import MOUNTS, OPERATIONS

SAMPLE_ARGS = {"slug": "hello-htmx", "username": "ana", "comment_id": 1, "field": "email",
               "kind": "article", "item_id": 1}  # fmt: skip
# Forms anyone may send: signing up or in (and out), the theme (kept in a visitor's
# session) and the editor's preview (stores nothing). Every other POST needs an account.
OPEN_TO_VISITORS = {
    "auth.register", "auth.login", "auth.logout", "settings.theme", "settings.language",
    "articles.preview",
    "reading_list.save", "reading_list.unsave", "auth.forgot_password",
    "auth.reset_password_page",
}  # fmt: skip


@pytest.fixture
def hello(client):
    """ana's article "Hello htmx", with one comment; then nobody is signed in."""
    AuthActions(client).register("ana")
    token = csrf_token(client)
    client.post("/editor", data={"title": "Hello htmx", "description": "d", "body": "b",
                                 "csrf_token": token})  # fmt: skip
    client.post("/article/hello-htmx/comments", data={"body": "Hi", "csrf_token": token})
    AuthActions(client).logout()
    return client


API_ENDPOINTS = {f"{mount}.{op.name}" for mount in MOUNTS for op in OPERATIONS} | {
    f"{mount}.{view}" for mount in MOUNTS for view in ("openapi_json", "docs")
}


def page_rules(app: Flask):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("static", "health.")) or rule.endpoint in API_ENDPOINTS:
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_members_only_page_asks_visitors_to_sign_in_and_come_back(app, hello):
    swept = set()
    token = csrf_token(hello)
    for rule, view in page_rules(app):
        if not getattr(view, "members_only", False):
            continue
        url = rule.build({k: v for k, v in SAMPLE_ARGS.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = hello.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 303, (method, url)
            location = response.headers["Location"]
            assert location.startswith("/login?next="), (method, url)
            # A GET comes back to itself; a form, to the page it was sent from.
            expected = f"/login?next={url}" if method == "GET" else "/login?next=/"
            assert location == expected, (method, url)
            swept.add(rule.endpoint)
    assert swept == {
        "articles.new", "articles.edit", "articles.delete", "articles.favorite",
        "articles.unfavorite", "articles.add_comment", "articles.delete_comment",
        "articles.publish", "addresses.send_again", "addresses.dismiss",
        "profiles.follow_user", "profiles.unfollow_user", "settings.edit",
        "moderation.report_article", "moderation.report_comment", "moderation.report_profile",
        "moderation.queue", "moderation.decide", "moderation.member", "moderation.log",
    }  # fmt: skip


def test_no_page_write_forgets_to_ask_for_an_account(app):
    for rule, view in page_rules(app):
        if "POST" in rule.methods and rule.endpoint not in OPEN_TO_VISITORS:
            assert getattr(view, "members_only", False), rule.endpoint


def test_every_api_operation_that_needs_a_token_refuses_without_one(app, hello):
    swept = set()
    for operation in OPERATIONS:
        if operation.auth != "required":
            continue
        path = operation.rule
        for name, value in SAMPLE_ARGS.items():
            for kind in ("", "int:", "id:"):
                path = path.replace(f"<{kind}{name}>", str(value))
        response = hello.open(f"/api{path}", method=operation.method, json={})
        assert response.status_code == 401, (operation.method, path)
        assert response.json == {"errors": {"authorization": ["is missing: send 'Token <jwt>'"]}}
        bad = hello.open(f"/api{path}", method=operation.method, json={},
                         headers={"Authorization": "Token not.a.jwt"})  # fmt: skip
        assert bad.status_code == 401
        assert bad.json == {"errors": {"token": ["is invalid or expired"]}}
        swept.add(f"{operation.method} {operation.rule}")
    assert len(swept) == 22, sorted(swept)  # 9 of them moderation
