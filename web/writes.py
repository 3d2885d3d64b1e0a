"""Acting on committed writes: the notes a domain write left in its session
(web.changes) move the site's generation on once and reach open pages as live updates.

Listening on every session's commit keeps the domain free of both: it says what
changed, and this says who must know, only once the change is real.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from web import changes
from web.cache import changed
from web.live import publish


def _committed(session: Session) -> None:
    notes = changes.taken(session)  # type: ignore[arg-type]
    if not notes:
        return
    changed()
    for note in notes:
        if note.kind is not None:
            publish(note.kind, **note.fields)


def _rolled_back(session: Session, _transaction: SessionTransaction) -> None:
    changes.taken(session)  # type: ignore[arg-type]


def listen() -> None:
    """Install the listeners (once per process, whatever the number of apps)."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_soft_rollback", _rolled_back)
