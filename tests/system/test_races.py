"""Many requests racing for the same rows, on a threaded server: every answer is a
success or a clear refusal (never a 5xx), and the counts come out exact. Run on SQLite
and (in CI) on PostgreSQL and MariaDB, whose row locks and deadlock detection differ."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from flask import Flask
from sqlmodel import Session, col, func, select

from tests.conftest import ON_SERVER, make_test_app
from tests.factories import make_user
from tests.servers import serving
from web.api.tokens import issue_token
from web.db import dispose, engine, engine_of
from web.models import Article, Favorite, User


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[Flask, str]]:
    app = make_test_app(db_url, SITE_URL="http://127.0.0.1")
    with serving(app) as site:
        yield app, site
    dispose(app)


def at_once(count: int, send: Callable[[int], requests.Response]) -> list[requests.Response]:
    with ThreadPoolExecutor(min(count, 50)) as pool:
        return list(pool.map(send, range(count)))


def members(app: Flask, count: int) -> list[str]:
    """`count` members' API tokens (made directly: signing up a hundred is not the test)."""
    with Session(engine_of(app), expire_on_commit=False) as session, app.app_context():
        return [issue_token(make_user(session, f"racer{n}")) for n in range(count)]


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context(), engine().connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def article(site: str, token: str) -> str:
    answer = requests.post(
        f"{site}/api/articles",
        json={"article": {"title": "Raced", "description": "d", "body": "b"}},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["article"]["slug"])


def test_a_hundred_members_favorite_one_article_at_once(served):
    app, site = served
    tokens = members(app, 100)
    slug = article(site, tokens[0])

    def favorite(n: int) -> requests.Response:
        return requests.post(
            f"{site}/api/articles/{slug}/favorite",
            headers={"Authorization": f"Token {tokens[n]}"},
            timeout=60,
        )

    answers = at_once(100, favorite)
    assert [a.status_code for a in answers] == [200] * 100, {a.text[:200] for a in answers}
    assert count(app, Favorite) == 100
    final = requests.get(f"{site}/api/articles/{slug}", timeout=30).json()["article"]
    assert final["favoritesCount"] == 100


def test_one_member_favoriting_twenty_times_at_once_counts_once(served):
    app, site = served
    [token] = members(app, 1)
    slug = article(site, token)

    def favorite(_n: int) -> requests.Response:
        return requests.post(
            f"{site}/api/articles/{slug}/favorite",
            headers={"Authorization": f"Token {token}"},
            timeout=60,
        )

    answers = at_once(20, favorite)
    assert [a.status_code for a in answers] == [200] * 20, {a.text[:200] for a in answers}
    assert {a.json()["article"]["favoritesCount"] for a in answers} == {1}
    assert count(app, Favorite) == 1


def test_fifty_comments_at_once_are_fifty_comments(served):
    app, site = served
    tokens = members(app, 10)
    slug = article(site, tokens[0])

    def comment(n: int) -> requests.Response:
        return requests.post(
            f"{site}/api/articles/{slug}/comments",
            json={"comment": {"body": f"Comment {n}"}},
            headers={"Authorization": f"Token {tokens[n % 10]}"},
            timeout=60,
        )

    answers = at_once(50, comment)
    assert [a.status_code for a in answers] == [201] * 50, {a.text[:200] for a in answers}
    listed = requests.get(f"{site}/api/articles/{slug}/comments", timeout=30).json()["comments"]
    assert sorted(c["body"] for c in listed) == sorted(f"Comment {n}" for n in range(50))
    assert len({c["id"] for c in listed}) == 50


def test_twenty_sign_ups_for_one_name_make_one_account(served):
    app, site = served

    def sign_up(n: int) -> requests.Response:
        name = "Taken" if n % 2 else "taken"  # whatever the case: one name
        return requests.post(
            f"{site}/api/users",
            json={
                "user": {
                    "username": name,
                    "email": f"taken{n}@example.com",
                    "password": "race password",
                }
            },
            timeout=60,
        )

    answers = at_once(20, sign_up)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 19 or statuses == [201] + [422] * 19, statuses
    refused = [a.json() for a in answers if a.status_code != 201]
    assert all("username" in body["errors"] for body in refused), refused
    assert count(app, User, col(User.email).like("taken%")) == 1


@pytest.mark.skipif(not ON_SERVER, reason="row locks of PostgreSQL and MariaDB (CI's passes)")
def test_a_write_stuck_behind_a_lock_is_a_503_in_time_not_a_500(served):
    app, site = served
    [token] = members(app, 1)
    slug = article(site, token)
    with engine_of(app).connect() as holder:
        holder.execute(select(Article).where(Article.slug == slug).with_for_update())
        started = time.monotonic()
        answer = requests.put(
            f"{site}/api/articles/{slug}",
            json={"article": {"body": "changed"}},
            headers={"Authorization": f"Token {token}"},
            timeout=30,
        )
        waited = time.monotonic() - started
        holder.rollback()
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"]
    assert waited < 5  # the request's bound (2 s) and a little, not the server's 50 s
    after = requests.get(f"{site}/api/articles/{slug}", timeout=30).json()["article"]
    assert after["body"] == "b"  # nothing half-written
