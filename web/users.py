"""Accounts, profiles and follows: rules and queries shared by the pages and the API."""

import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy import exists, false, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from web.models import Follow, User

USERNAME_PATTERN = re.compile(r"^[\w.-]{1,40}$")
USERNAME_RULE = "Use 1 to 40 letters, digits, dots, dashes or underscores."
PASSWORD_MIN = 8
PASSWORD_MAX = 128
THEMES = ("light", "dark")


class AccountConflict(ValueError):
    """A username or email is already taken; `field` says which."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} has already been taken")
        self.field = field


@dataclass(frozen=True)
class Profile:
    id: int
    username: str
    bio: str | None
    image: str | None
    following: bool

    @classmethod
    def of(cls, user: User, *, following: bool) -> "Profile":
        assert user.id is not None
        return cls(
            id=user.id, username=user.username, bio=user.bio, image=user.image, following=following
        )


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    # Checked when the email is unknown, so a failed sign-in costs the same either way.
    return hash_password("not-anyone's-password")


def find_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(func.lower(User.username) == username.lower())).first()


def find_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(func.lower(User.email) == email.lower())).first()


def username_taken(session: Session, username: str, *, except_id: int | None = None) -> bool:
    user = find_by_username(session, username)
    return user is not None and user.id != except_id


def email_taken(session: Session, email: str, *, except_id: int | None = None) -> bool:
    user = find_by_email(session, email)
    return user is not None and user.id != except_id


def create_user(*, session: Session, username: str, email: str, password: str) -> User:
    """Register a member; raises AccountConflict when the username or email is taken."""
    if username_taken(session, username):
        raise AccountConflict("username")
    if email_taken(session, email):
        raise AccountConflict("email")
    user = User(username=username, email=email.lower(), password_hash=hash_password(password))
    session.add(user)
    _commit_or_conflict(session, username=username)
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The member with this email and password, or None (same work either way)."""
    user = find_by_email(session, email)
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
    assert user.id is not None
    if username is not None and username_taken(session, username, except_id=user.id):
        raise AccountConflict("username")
    if email is not None and email_taken(session, email, except_id=user.id):
        raise AccountConflict("email")
    if username is not None:
        user.username = username
    if email is not None:
        user.email = email.lower()
    if password:
        user.password_hash = hash_password(password)
    if bio is not None:
        user.bio = bio or None
    if image is not None:
        user.image = image or None
    session.add(user)
    _commit_or_conflict(session, username=user.username)
    return user


def set_theme(*, session: Session, user: User, theme: str | None) -> None:
    user.theme = theme if theme in THEMES else None
    session.add(user)
    session.commit()


def _commit_or_conflict(session: Session, *, username: str) -> None:
    """Commit; a unique-index race turns into the same AccountConflict as the checks."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AccountConflict(
            "username" if username_taken(session, username) else "email"
        ) from None


def get_profile(*, session: Session, username: str, viewer_id: int | None) -> Profile | None:
    """A user's public profile and whether the viewer follows them, in one query."""
    following = (
        exists().where(Follow.follower_id == viewer_id, Follow.followed_id == User.id)
        if viewer_id is not None
        else false()
    )
    row = session.exec(
        select(User.id, User.username, User.bio, User.image, following).where(
            func.lower(User.username) == username.lower()
        )
    ).first()
    if row is None:
        return None
    user_id, name, bio, image, follows = row
    return Profile(id=user_id, username=name, bio=bio, image=image, following=bool(follows))


def follow(*, session: Session, follower_id: int, followed_id: int) -> None:
    """Follow a user; following again changes nothing. Following yourself is refused."""
    if follower_id == followed_id:
        raise ValueError("you cannot follow yourself")
    if session.get(Follow, (follower_id, followed_id)) is None:
        session.add(Follow(follower_id=follower_id, followed_id=followed_id))
        try:
            session.commit()
        except IntegrityError:  # followed in a concurrent request: the result is the same
            session.rollback()


def unfollow(*, session: Session, follower_id: int, followed_id: int) -> None:
    """Stop following; unfollowing someone you do not follow changes nothing."""
    row = session.get(Follow, (follower_id, followed_id))
    if row is not None:
        session.delete(row)
        session.commit()


def check_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)
