"""A form submission counts once: creating forms carry a one-time token.

The editor and the comment box send a random token with each new form. The thing a
submission creates is recorded under its token in the same transaction, so sending the
same form again (a double click, a reload of the POST, a retried request) raises
`Replayed` with what the first one created instead of creating it twice; the unique
key settles two copies arriving at the same moment.
"""

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from web.models import Submission

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Replayed(Exception):
    """This form was already submitted; `ref_id` is what it created (by `kind`)."""

    def __init__(self, kind: str, ref_id: int) -> None:
        super().__init__(f"{kind} {ref_id} was already created by this form")
        self.kind = kind
        self.ref_id = ref_id


def new_token() -> str:
    return secrets.token_urlsafe(16)


def valid_token(value: object) -> str | None:
    """The token if it looks like one of ours, else None (the form counts as new)."""
    return value if isinstance(value, str) and TOKEN.match(value) else None


@contextmanager
def once(
    session: Session, *, token: str | None, user_id: int, kind: str
) -> Iterator[Callable[[int], None]]:
    """Run a creation as one unit of work, at most once per (user, token); commits.

    The block calls the yielded function with the id of what it created.
    """
    token = valid_token(token)
    if token is not None:
        _raise_if_done(session, user_id=user_id, token=token)
    created: list[int] = []
    yield created.append
    if token is not None and created:
        session.add(Submission(user_id=user_id, token=token, kind=kind, ref_id=created[0]))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if token is not None:
            _raise_if_done(session, user_id=user_id, token=token)
        raise


def _raise_if_done(session: Session, *, user_id: int, token: str) -> None:
    done = session.get(Submission, (user_id, token))
    if done is not None:
        raise Replayed(done.kind, done.ref_id)
