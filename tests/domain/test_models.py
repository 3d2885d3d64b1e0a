from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, func, select

from tests.factories import favorite, make_articles, make_user
from web.models import Article, ArticleTag, Comment, Favorite, Follow, Tag, User


def _fails_integrity(db: Session, *rows: object) -> None:
    db.add_all(rows)
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_username_unique_whatever_the_case(db):
    make_user(db, "Alice")
    _fails_integrity(db, User(username="alice", email="other@example.com", password_hash="x"))


def test_email_unique_whatever_the_case(db):
    make_user(db, "alice", email="alice@example.com")
    _fails_integrity(db, User(username="bob", email="ALICE@example.com", password_hash="x"))


def test_slug_unique(db):
    author = make_user(db)
    [article_id] = make_articles(db, author, 1)
    slug = db.get(Article, article_id).slug
    _fails_integrity(
        db, Article(slug=slug, title="t", description="d", body="b", author_id=author.id)
    )


def test_favorite_pair_unique(db):
    author = make_user(db)
    [article_id] = make_articles(db, author, 1)
    favorite(db, author, article_id)
    _fails_integrity(db, Favorite(user_id=author.id, article_id=article_id))


def test_follow_pair_unique_and_never_self(db):
    a, b = make_user(db), make_user(db)
    db.add(Follow(follower_id=a.id, followed_id=b.id))
    db.commit()
    _fails_integrity(db, Follow(follower_id=a.id, followed_id=b.id))
    _fails_integrity(db, Follow(follower_id=a.id, followed_id=a.id))


def test_foreign_keys_are_enforced(db):
    _fails_integrity(db, Article(slug="s", title="t", description="d", body="b", author_id=999))


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_deleting_an_article_removes_its_comments_favorites_and_tag_links(db):
    author, reader = make_user(db), make_user(db)
    [article_id] = make_articles(db, author, 1, tags=["htmx", "flask"])
    favorite(db, reader, article_id)
    db.add(Comment(body="Nice", article_id=article_id, author_id=reader.id))
    db.commit()

    db.delete(db.get(Article, article_id))
    db.commit()

    assert _count(db, Comment) == _count(db, Favorite) == _count(db, ArticleTag) == 0
    assert _count(db, Tag) == 2  # tags outlive articles; lists show only tags in use


def test_deleting_a_user_removes_everything_they_own(db):
    author, reader = make_user(db), make_user(db)
    [article_id] = make_articles(db, author, 1)
    [readers_article] = make_articles(db, reader, 1, title="Reader's")
    favorite(db, reader, article_id)
    db.add(Comment(body="Hi", article_id=readers_article, author_id=author.id))
    db.add(Follow(follower_id=reader.id, followed_id=author.id))
    db.commit()

    db.delete(db.get(User, author.id))
    db.commit()

    assert db.exec(select(Article.id)).all() == [readers_article]
    assert _count(db, Comment) == _count(db, Favorite) == _count(db, Follow) == 0


def test_timestamps_round_trip_in_utc(db):
    author = make_user(db)
    paris = timezone(timedelta(hours=1))
    author.created_at = datetime(2026, 1, 2, 13, 30, tzinfo=paris)
    db.commit()
    db.expire_all()
    stored = db.get(User, author.id).created_at
    assert stored == datetime(2026, 1, 2, 12, 30, tzinfo=UTC)
    assert stored.tzinfo is UTC


def test_naive_timestamps_are_refused(db):
    author = make_user(db)
    author.created_at = datetime(2026, 1, 2, 12, 30)
    with pytest.raises(StatementError, match="timezone-aware"):
        db.commit()
    db.rollback()
