"""Schemathesis against /api/openapi.json: generated requests for every operation, with
a valid token, must never get a server error, an undocumented status code, or a body
that breaks the documented schema."""

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
from sqlmodel import Session

from web.api.tokens import issue_token
from web.articles import create_article
from web.users import create_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def api_schema(app: Flask):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def token(app: Flask) -> str:
    """A member with one article, so some generated slugs and names can exist."""
    with Session(app.extensions["conduit.db"]) as session:
        user = create_user(
            session=session, username="fuzzer", email="fuzzer@example.com", password="fuzz-pass"
        )
        create_article(
            session=session, author_id=user.id, title="a", description="d", body="b", tags=["t"]
        )
        session.commit()
        with app.app_context():
            return issue_token(user)


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
    assert len(list(api_schema.get_all_operations())) == 19
    failures = fuzz(api_schema, token)
    assert not failures, "\n\n".join(failures)


def test_fuzzing_catches_a_broken_contract(api_schema, token: str, monkeypatch) -> None:
    # Tags that are not strings break the documented schema: the run must say so.
    monkeypatch.setattr("web.api.articles.domain.popular_tags", lambda **_: [1, 2])
    failures = fuzz(api_schema, token, path="/api/tags")
    assert failures
    assert "GET /api/tags" in failures[0]
