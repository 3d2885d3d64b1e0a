"""Schemathesis against the OpenAPI document: generated requests for every operation,
with a valid token, under both mounts (/api/v1 and the /api alias), must never get a
server error, an undocumented status code, or a body that breaks the documented
schema."""

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text
from sqlmodel import Session

from web.api.tokens import issue_token
from web.articles import create_article
from web.db import engine_of
from web.users import create_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 30
STATEFUL_RUNS = 40


@pytest.fixture(params=["/api/v1", "/api"])
def api_schema(app: Flask, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi(f"{request.param}/openapi.json", app)
    schema.config.update(base_url=f"http://localhost{request.param}")
    return schema


def fuzzer(app: Flask) -> str:
    """A member with one article, so some generated slugs and names can exist: the
    member's token."""
    with Session(engine_of(app)) as session:
        user = create_user(
            session=session, username="fuzzer", email="fuzzer@example.com", password="fuzz-pass"
        )
        create_article(
            session=session, author_id=user.id, title="a", description="d", body="b", tags=["t"]
        )
        session.commit()
        with app.app_context():
            return issue_token(user)


@pytest.fixture
def token(app: Flask) -> str:
    return fuzzer(app)


# What the fuzzer's requests create; emptied before each stateful scenario.
CONTENT = ("article_fts", "comment", "favorite", "follow", "article_tag", "article_slug",
           "article", "tag", "sign_in", "user")  # fmt: skip


def start_afresh(app: Flask) -> str:
    """The database as the fuzzer first found it, so every scenario of the stateful
    phase starts from the same state (Hypothesis replays them): the new token."""
    with engine_of(app).begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table in CONTENT:
            connection.execute(text(f"DELETE FROM {quote(table)}"))
    return fuzzer(app)


def fuzz(api_schema, token: str, path: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Run every operation (or those on `path`); hypothesis drives the generation, and
    failures are collected so one run reports every operation that breaks the contract."""
    headers = {"Authorization": f"Token {token}"}
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if path is not None and operation.path != path:
            continue

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # report every operation
            failures.append(f"{operation.label}: {error}")
    return failures


def test_api_conforms_to_its_openapi_document(api_schema, token: str) -> None:
    assert len(list(api_schema.get_all_operations())) == 32
    failures = fuzz(api_schema, token)
    assert not failures, "\n\n".join(failures)


def test_fuzzing_catches_a_broken_contract(api_schema, token: str, monkeypatch) -> None:
    # Tags that are not strings break the documented schema: the run must say so.
    monkeypatch.setattr("web.api.articles.domain.popular_tags", lambda **_: [1, 2])
    failures = fuzz(api_schema, token, path="/tags")
    assert failures
    assert "GET /tags" in failures[0]


def test_sequences_that_follow_the_documents_links_keep_the_contract(api_schema, app) -> None:
    """The stateful phase: chains such as create an article, then read, comment on,
    favorite, update and delete it, with values taken from earlier answers (the
    document's `links`)."""
    machine = api_schema.as_state_machine()

    class ByLinks(machine):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.headers = {"Authorization": f"Token {start_afresh(app)}"}

        def get_call_kwargs(self, _case):  # type: ignore[no-untyped-def]
            return {"headers": self.headers}

        def validate_response(self, response, case, *_, **__):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=CHECKS)

    ByLinks.run(
        settings=settings(
            max_examples=STATEFUL_RUNS,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )
