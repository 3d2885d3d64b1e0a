"""What a write changes for readers, said by the domain and acted on once it commits.

A domain function that changes what pages show calls `noted(session)` before it
commits, naming a live-update event when open pages should hear of it. The caching
layer (web.caching.writes) acts on the notes when the transaction commits: the site's
generation moves on once, and each event is published. A rolled-back transaction's
notes are dropped, so nothing is announced that did not happen.
"""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

PENDING = "conduit.changes"


@dataclass(frozen=True)
class Change:
    kind: str | None  # a live-update event's kind; None: pages change, nobody is told
    fields: dict[str, object] = field(default_factory=dict)


def noted(session: Session, kind: str | None = None, **fields: object) -> None:
    """Say that the session's transaction, when it commits, changes what pages show."""
    if not session.in_transaction():
        session.begin()  # so a rollback before any statement still drops the note
    session.info.setdefault(PENDING, []).append(Change(kind, fields))


def taken(session: Session) -> list[Change]:
    """The notes of the transaction that just ended (and none left behind)."""
    return session.info.pop(PENDING, None) or []
