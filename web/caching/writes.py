"""Acting on committed writes: the notes a domain write left in its session
(web.changes) move the site's generation on once and reach open pages as live updates.

Listening on every session's commit keeps the domain free of both: it says what
changed, and this says who must know, only once the change is real.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from web import changes
from web.caching.generation import changed
from web.infra.live import publish

COMMITTED = "conduit.committed-changes"


def _committed(session: Session) -> None:
    session.info[COMMITTED] = changes.taken(session)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    """Act once the connection is given back (a bump may need one of its own); a
    transaction that ended without committing leaves its notes behind unread."""
    if transaction.parent is not None:
        return
    changes.taken(session)
    notes = session.info.pop(COMMITTED, None)
    if not notes:
        return
    changed()
    for note in notes:
        if note.kind is not None:
            publish(note.kind, **note.fields)


def listen() -> None:
    """Install the listeners (once per process, whatever the number of apps)."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_transaction_end", _ended)
