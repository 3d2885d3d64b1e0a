"""Small builders for test data, going through the domain functions."""

from datetime import datetime, timedelta
from itertools import count

from sqlmodel import Session

from web.articles import create_article
from web.models import Favorite, Follow, User, utcnow

_numbers = count(1)


def make_user(session: Session, username: str | None = None, **fields: object) -> User:
    name = username or f"user{next(_numbers)}"
    user = User(
        username=name,
        email=str(fields.pop("email", f"{name.lower()}@example.com")),
        password_hash="not-a-real-hash",
        **fields,
    )
    session.add(user)
    session.commit()
    return user


def make_articles(
    session: Session,
    author: User,
    n: int,
    *,
    tags: list[str] | None = None,
    start: datetime | None = None,
    title: str = "Article",
) -> list[int]:
    """`n` articles, one minute apart, the last one newest; returns their ids."""
    assert author.id is not None
    first = start or utcnow() - timedelta(days=1)
    ids = []
    for i in range(n):
        article = create_article(
            session=session,
            author_id=author.id,
            title=f"{title} {i + 1}",
            description=f"About {title.lower()} {i + 1}",
            body=f"# {title} {i + 1}\n\nBody.",
            tags=tags or [],
            created_at=first + timedelta(minutes=i),
        )
        assert article.id is not None
        ids.append(article.id)
    session.commit()
    return ids


def favorite(session: Session, user: User, article_id: int) -> None:
    assert user.id is not None
    session.add(Favorite(user_id=user.id, article_id=article_id))
    session.commit()


def follow(session: Session, follower: User, followed: User) -> None:
    assert follower.id is not None
    assert followed.id is not None
    session.add(Follow(follower_id=follower.id, followed_id=followed.id))
    session.commit()
