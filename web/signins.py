"""Where a member is signed in: one row per signed-in browser, its key in the session.

Signing in makes a new random key; the session (and a remember-me cookie) carries only
that key. Signing out deletes the row, so a copy of the session or remember cookie
taken before is worth nothing afterwards; changing the password deletes every other
row, signing out every other browser. Each function commits.
"""

import secrets

from sqlalchemy import delete
from sqlmodel import Session, col, select

from web.models import SignIn, User


def start(*, session: Session, user_id: int) -> str:
    """A new signed-in browser for this member; returns its key."""
    key = secrets.token_urlsafe(32)
    session.add(SignIn(key=key, user_id=user_id))
    session.commit()
    return key


def member(*, session: Session, key: str) -> User | None:
    """The member signed in with this key, or None once it ended (one query)."""
    return session.exec(
        select(User).join(SignIn, col(SignIn.user_id) == User.id).where(SignIn.key == key)
    ).first()


def end(*, session: Session, key: str) -> None:
    """Sign this browser out, for good."""
    session.exec(delete(SignIn).where(col(SignIn.key) == key))
    session.commit()


def end_others(*, session: Session, user_id: int, keep: str | None) -> None:
    """Sign the member out everywhere but in the browser holding `keep` (None: everywhere)."""
    ending = delete(SignIn).where(col(SignIn.user_id) == user_id)
    if keep is not None:
        ending = ending.where(col(SignIn.key) != keep)
    session.exec(ending)
    session.commit()
