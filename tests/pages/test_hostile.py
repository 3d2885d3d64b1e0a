"""Hostile input, generated: every form and every query parameter of every page, filled
with what a careless or malicious client sends (control characters, invalid UTF-8,
10 MB strings, huge and negative numbers, Unicode tricks, broken headers).

The property: never a 5xx, and a refused request (4xx) changes nothing stored. The
last test plants a failure and proves the harness finds it. Runs on SQLite and, in
CI's second pass, on PostgreSQL.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from tests.conftest import AuthActions, csrf_token
from tests.htmx_calls import parse
from web.db import engine_of

MEMBER_PAGES = ["/", "/?tag=htmx", "/article/hello", "/editor", "/editor/hello", "/settings",
                "/profile/bob", "/profile/ana?tab=favorited", "/search?q=hello"]  # fmt: skip
VISITOR_PAGES = ["/login", "/register"]
PROTECTED = {"csrf_token"}  # a forged token is simply a 400 before anything runs


class Big(str):
    """A 10 MB string that says so when shown (in a failure's report)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self):,} characters>"


hostile_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),  # anything a keyboard can make
    st.text(st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=8),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\x1b[31m",
            "\u202eevil",
            "\u200b",
            "ﬁne",
            "A\u030a",
            "Å",
            "\U0001d518\U0001d52b\U0001d526",
            "%00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            " ",
            "",
            "\r\n\r\nX-Injected: 1",
            "\\",
            "\ufeff",
            "\ufffd",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["9" * 20, "-1", "0", "1e308", "NaN", "2147483648", "1.5"]),
    st.just(Big("x" * 10_000_000)),  # past every limit: 413 for a body
)
invalid_utf8 = st.sampled_from([b"\xed\xa0\x80", b"\xff\xfe", b"\xc3", b"a\x80b"])
HOSTILE_HEADERS = st.fixed_dictionaries({}, optional={
    "HX-Request": st.sampled_from(["true", "1", ""]),
    # (a header cannot carry a line break: HTTP itself refuses it)
    "HX-Target": hostile_text.filter(lambda t: len(t) < 1000 and not set(t) & set("\r\n")),
    "HX-Current-URL": st.sampled_from(["http://[", "http://[::1", "javascript:x", "//evil",
                                       "http://localhost/?\x00", "%zz"]),
    "HX-Boosted": st.sampled_from(["true", "nope"]),
    "X-Request-ID": st.sampled_from(["\u00e9t\u00e9", "a" * 500, "ok-1"]),
})  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """A way in: a form (or a link's query) and the fields it sends."""

    who: str
    method: str
    url: str
    fields: tuple[tuple[str, str], ...]


def entries(client: FlaskClient, who: str, pages: list[str]) -> list[Entry]:
    found: dict[tuple[str, str], Entry] = {}
    for page in pages:
        html = client.get(page).text
        for node in parse(html).walk():
            if node.tag == "form":
                method = (node.attr("method") or "get").upper()
                url = node.attr("action") or page
                fields = []
                for field in node.walk():
                    name = field.attr("name")
                    if name and field.tag in ("input", "textarea", "select"):
                        fields.append((name, field.attr("value") or field.text.strip()))
                found.setdefault((method, url), Entry(who, method, url, tuple(fields)))
            elif node.tag == "a" and "?" in (node.attr("href") or ""):
                parts = urlsplit(node.attr("href") or "")
                if not parts.netloc:
                    fields = tuple(parse_qsl(parts.query, keep_blank_values=True))
                    key = ("GET", parts.path + "?" + "&".join(k for k, _ in fields))
                    found.setdefault(key, Entry(who, "GET", parts.path, fields))
    return list(found.values())


def stored(app: Flask) -> dict[str, int]:
    """How many rows each table holds (rate-limit counters and form tokens aside)."""
    engine = engine_of(app)
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if table.name not in ("rate_limit", "sign_in")
        }


@pytest.fixture
def world(app: Flask):
    """ana wrote "Hello"; bob exists; the entries are every form and query of the pages
    each of them (and a visitor) can see."""
    ana, bob, visitor = app.test_client(), app.test_client(), app.test_client()
    AuthActions(ana).register("ana")
    ana.post("/editor", data={"title": "Hello", "description": "d", "body": "b", "tags": "htmx",
                              "csrf_token": csrf_token(ana)})  # fmt: skip
    AuthActions(bob).register("bob")
    clients = {"ana": ana, "bob": bob, "visitor": visitor}
    found = entries(ana, "ana", MEMBER_PAGES) + entries(visitor, "visitor", VISITOR_PAGES)
    # Each replay needs the right person's token: read it now, once.
    tokens = {
        who: csrf_token(c, "/login" if who == "visitor" else "/") for who, c in clients.items()
    }
    return app, clients, tokens, found


def send(world, entry: Entry, field: str, value: str | bytes, headers: dict[str, str]):
    _app, clients, tokens, _ = world
    client = clients[entry.who]
    data = [(k, tokens[entry.who] if k == "csrf_token" else v) for k, v in entry.fields]
    data = [(k, value if k == field else v) for k, v in data]
    if entry.method == "GET":
        query = "&".join(f"{k}={_quoted(v)}" for k, v in data)
        return client.get(f"{entry.url}?{query}", headers=headers)
    body = "&".join(f"{k}={_quoted(v)}" for k, v in data).encode("ascii")
    return client.post(entry.url, data=body, headers=headers,
                       content_type="application/x-www-form-urlencoded")  # fmt: skip


def _quoted(value: str | bytes) -> str:
    from urllib.parse import quote

    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote(raw, safe="")


def check(world, entry: Entry, field: str, value: str | bytes, headers: dict[str, str]) -> None:
    app = world[0]
    before = stored(app)
    response = send(world, entry, field, value, headers)
    where = f"{entry.method} {entry.url} {field}={str(value)[:60]!r} {headers}"
    assert response.status_code < 500, f"{response.status_code} for {where}"
    if response.status_code >= 400:
        assert stored(app) == before, f"a refused request changed data: {where}"


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
    derandomize=True,  # the same examples each run: a failure is always reproducible
)  # fmt: skip


@FUZZ
@given(data=st.data())
def test_every_form_and_query_survives_hostile_values(world, data):
    entry = data.draw(st.sampled_from(world[3]))
    names = [name for name, _ in entry.fields if name not in PROTECTED] or ["extra"]
    field = data.draw(st.sampled_from(names))
    value = data.draw(st.one_of(hostile_text, invalid_utf8))
    headers = data.draw(HOSTILE_HEADERS)
    check(world, entry, field, value, headers)


def test_the_entries_cover_every_form_of_the_pages(world):
    urls = {(e.method, re.sub(r"/\d+/", "/N/", e.url)) for e in world[3]}
    for expected in [("GET", "/search"), ("POST", "/theme"), ("POST", "/logout"),
                     ("POST", "/editor"), ("POST", "/editor/hello"), ("POST", "/settings"),
                     ("POST", "/article/hello/comments"), ("POST", "/article/hello/favorite"),
                     ("POST", "/profile/bob/follow"), ("POST", "/article/hello/delete"),
                     ("POST", "/login"), ("POST", "/register"), ("GET", "/")]:  # fmt: skip
        assert expected in urls, expected


@pytest.fixture
def planted(app: Flask) -> None:
    """A server error hidden behind one odd character (BEL) in any form field."""

    @app.before_request
    def fail_on_bell() -> None:
        if any("\x07" in v for v in request.form.values()):
            raise RuntimeError("planted")


def test_the_harness_catches_a_planted_server_error(planted, world):
    """The property above finds such a failure (and the test says where)."""

    @FUZZ
    @given(value=hostile_text)
    def probe(value):
        entry = next(e for e in world[3] if e.url == "/article/hello/comments")
        check(world, entry, "body", value, {})

    with pytest.raises(AssertionError, match="500 for POST /article/hello/comments"):
        probe()
