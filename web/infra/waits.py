"""How long a wait on a database server may last, and whether one is bounded at all.

While serving a request every wait on a server's answer is bounded (web.infra.postgres,
web.infra.mysql): the caller answers 503 rather than hang. Outside requests (migrations,
the seed, scripts) nothing is bounded: they may legitimately take long.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context

SLACK = 0.5  # seconds a request waits past the server's own statement bound
# How long a request may wait for one answer, when the caller sets no tighter bound.
_bound: ContextVar[float | None] = ContextVar("database_bound", default=None)
# Set while answering a request outside Flask's request context (web.caching.replay's door).
_answering: ContextVar[bool] = ContextVar("answering", default=False)


def answering() -> bool:
    """True while serving a request (bounded), False in scripts and migrations."""
    return has_request_context() or _answering.get()


def bound(seconds: float) -> float:
    """How long to wait for one answer: the block's own bound (`answer_within`), else
    the server's statement bound `seconds` and a little slack."""
    return _bound.get() or seconds + SLACK


@contextmanager
def answering_request() -> Iterator[None]:
    """Mark a block as serving a request though Flask has none yet (web.caching.replay)."""
    token = _answering.set(True)
    try:
        yield
    finally:
        _answering.reset(token)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Wait at most `seconds` for each answer inside the block (e.g. /readyz)."""
    token = _bound.set(seconds)
    try:
        yield
    finally:
        _bound.reset(token)
