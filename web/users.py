"""Accounts, profiles and follows: rules and queries shared by the pages and the API.

Each write is its own unit of work: the function commits before it returns.
"""

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, exists, false
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from web.changes import noted
from web.languages import LANGUAGES, N_
from web.models import Follow, User, folded
from web.problems import Invalid, NotFound

THEMES = ("light", "dark")
THEME_KEY = "theme"  # where a visitor's choice is kept in their session


class AccountConflict(Invalid):
    """Usernames or emails already taken; `fields` says which (both when both are)."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(
            fields[0], "has already been taken", N_("That username or email is already taken.")
        )
        self.fields = fields

    def errors(self) -> dict[str, list[str]]:
        return {field: [self.detail] for field in self.fields}


@dataclass(frozen=True)
class Profile:
    """A member as others see them: never the email."""

    id: int
    username: str
    bio: str | None
    image: str | None
    following: bool


def follows(viewer_id: int | None) -> ColumnElement[bool]:
    """Whether the viewer follows the User in the query (false for visitors)."""
    if viewer_id is None:
        return false()
    return exists().where(col(Follow.follower_id) == viewer_id, col(Follow.followed_id) == User.id)


def profile_columns(viewer_id: int | None, prefix: str = "author_") -> list[Any]:
    """The columns a Profile is read from, labelled `<prefix>id`, `<prefix>username`..."""
    return [
        col(User.id).label(f"{prefix}id"),
        col(User.username).label(f"{prefix}username"),
        col(User.bio).label(f"{prefix}bio"),
        col(User.image).label(f"{prefix}image"),
        follows(viewer_id).label(f"{prefix}following"),
    ]


def profile_from(row: Any, prefix: str = "author_") -> Profile:
    """The Profile in a row selected with `profile_columns` (same prefix)."""
    values = row._mapping
    return Profile(
        id=values[f"{prefix}id"],
        username=values[f"{prefix}username"],
        bio=values[f"{prefix}bio"],
        image=values[f"{prefix}image"],
        following=bool(values[f"{prefix}following"]),
    )


def sees_hidden(*, session: Session, user_id: int | None) -> bool:
    """Whether this member moderates, so sees what is hidden from others (one query,
    asked only about a hidden item: web.moderation)."""
    if user_id is None:
        return False
    role = session.exec(select(User.role).where(User.id == user_id)).first()
    return role in ("moderator", "admin")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


@cache
def _dummy_hash() -> str:
    # Checked when the email is unknown, so a failed sign-in costs the same either way.
    return hash_password("not-anyone's-password")


def find_by_username(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(folded(User.username) == username.lower())).first()


def find_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(folded(User.email) == email.lower())).first()


def username_taken(*, session: Session, username: str, except_id: int | None = None) -> bool:
    user = find_by_username(session=session, username=username)
    return user is not None and user.id != except_id


def email_taken(*, session: Session, email: str, except_id: int | None = None) -> bool:
    user = find_by_email(session=session, email=email)
    return user is not None and user.id != except_id


def _check_free(
    session: Session, *, username: str | None, email: str | None, except_id: int | None = None
) -> None:
    taken = []
    if username is not None and username_taken(
        session=session, username=username, except_id=except_id
    ):
        taken.append("username")
    if email is not None and email_taken(session=session, email=email, except_id=except_id):
        taken.append("email")
    if taken:
        raise AccountConflict(taken)


def create_user(*, session: Session, username: str, email: str, password: str) -> User:
    """Register a member; raises AccountConflict naming every field already taken."""
    _check_free(session, username=username, email=email)
    user = User(username=username, email=email.lower(), password_hash=hash_password(password))
    session.add(user)
    noted(session)  # the new member's profile exists now
    _commit_or_conflict(session, username=username, email=email)
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The member with this email and password, or None (same work either way)."""
    user = find_by_email(session=session, email=email)
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    return user if user is not None and ok else None


def update_account(
    *,
    session: Session,
    user: User,
    username: str | None = None,
    email: str | None = None,
    password: str | None = None,
    bio: str | None = None,
    image: str | None = None,
) -> User:
    """Change what is given (None leaves a field alone; "" clears bio and image)."""
    _check_free(session, username=username, email=email, except_id=user.id)
    if username is not None:
        user.username = username
    if email is not None and email.lower() != user.email:
        user.email = email.lower()
        user.email_confirmed = False  # a new address is unconfirmed until its link is opened
    if password and not check_password(user, password):  # the same one again: no change
        user.password_hash = hash_password(password)
    if bio is not None:
        user.bio = bio or None
    if image is not None:
        user.image = image or None
    session.add(user)
    noted(session)  # names, pictures and bios show on pages
    _commit_or_conflict(session, username=user.username, email=user.email, except_id=user.id)
    return user


def revoke_tokens(*, session: Session, user: User, keep: str | None = None) -> None:
    """End every API token of the account (a new password), but the one whose id is
    `keep` (the token that made the change)."""
    user.token_epoch += 1
    user.kept_token = keep
    session.add(user)
    session.commit()


def set_theme(*, session: Session, user: User, theme: str | None) -> None:
    user.theme = theme if theme in THEMES else None
    session.add(user)
    session.commit()


def set_language(*, session: Session, user: User, language: str | None) -> None:
    user.language = language if language in LANGUAGES else None
    session.add(user)
    session.commit()


def _commit_or_conflict(
    session: Session, *, username: str, email: str, except_id: int | None = None
) -> None:
    """Commit; a unique-index race turns into the same AccountConflict as the checks."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        _check_free(session, username=username, email=email, except_id=except_id)
        raise


def get_profile(*, session: Session, username: str, viewer_id: int | None) -> Profile:
    """A member's public profile and whether the viewer follows them: one query.

    Raises NotFound when nobody has that username.
    """
    row = session.exec(
        select(*profile_columns(viewer_id)).where(folded(User.username) == username.lower())
    ).first()
    if row is None:
        raise NotFound("profile")
    return profile_from(row)


def set_following(*, session: Session, follower_id: int, username: str, following: bool) -> Profile:
    """Follow or stop following a member; doing it twice changes nothing.

    Raises NotFound for an unknown username and Invalid for following yourself.
    """
    profile = get_profile(session=session, username=username, viewer_id=follower_id)
    if profile.id == follower_id:
        raise Invalid("profile", "cannot follow yourself", N_("You cannot follow yourself."))
    row = session.get(Follow, (follower_id, profile.id))
    if following and row is None:
        session.add(Follow(follower_id=follower_id, followed_id=profile.id))
        noted(session)
        try:
            session.commit()
        except IntegrityError:  # followed in a concurrent request: the result is the same
            session.rollback()
    elif not following and row is not None:
        session.delete(row)
        noted(session)
        session.commit()
    return replace(profile, following=following)


def followed_ids(*, session: Session, follower_id: int) -> frozenset[int]:
    """The ids of the members this one follows (their feed's authors)."""
    rows = session.exec(select(Follow.followed_id).where(Follow.follower_id == follower_id))
    return frozenset(rows.all())
