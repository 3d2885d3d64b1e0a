"""What every database keeps the same (run on SQLite, and on PostgreSQL and MariaDB in
CI): four-byte text whole, names unique whatever their case but not their accents,
microsecond timestamps in UTC, and values past a column's length never cut."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from tests.conftest import ON_MYSQL, ON_SERVER
from tests.factories import make_user
from web.articles import create_article, get_article
from web.comments import add_comment, list_comments
from web.db import engine_of
from web.models import Article, RateLimit, User
from web.users import find_by_username

FOUR_BYTES = "𠀋𠀌 🎉🦀"  # CJK extension B and emoji: outside the Basic Multilingual Plane


def test_four_byte_characters_round_trip_everywhere(db):
    author = make_user(db, "𠀋writer", email="writer@example.com")
    article = create_article(
        session=db, author_id=author.id, title=f"Title {FOUR_BYTES}",
        description=f"About {FOUR_BYTES}", body=f"Body {FOUR_BYTES} " * 2000,
        tags=["𠀋tag"],
    )  # fmt: skip
    add_comment(session=db, slug=article.slug, author=author, body=f"Nice {FOUR_BYTES}")
    db.expire_all()
    stored = get_article(session=db, slug=article.slug, viewer_id=None)
    assert stored.title == f"Title {FOUR_BYTES}"
    assert stored.description == f"About {FOUR_BYTES}"
    assert stored.body == f"Body {FOUR_BYTES} " * 2000  # longer than MySQL's TEXT holds
    assert stored.tags == ["𠀋tag"]
    assert stored.author.username == "𠀋writer"
    [comment] = list_comments(session=db, article_id=article.id)
    assert comment.body == f"Nice {FOUR_BYTES}"
    assert find_by_username(session=db, username="𠀋WRITER") is not None


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [("Ana", "ana", True), ("ANA", "ana", True), ("ana", "aná", False), ("ana", "ana_", False)],
)
def test_names_are_unique_whatever_their_case_only(db, first, second, same):
    make_user(db, first, email=f"{first}@example.com")
    assert (find_by_username(session=db, username=second) is not None) is same
    if same:
        with pytest.raises(DBAPIError):
            make_user(db, second, email="other@example.com")
        db.rollback()
    else:
        make_user(db, second, email="other@example.com")
        assert find_by_username(session=db, username=second).username == second


def test_timestamps_keep_microseconds_in_utc(db):
    author = make_user(db)
    moment = datetime(2026, 12, 6, 10, 11, 12, 345678, tzinfo=UTC)
    author.created_at = moment
    db.commit()
    db.expire_all()
    assert db.get(User, author.id).created_at == moment


def test_a_value_past_its_column_is_refused_not_cut(db):
    """The forms and the API refuse long values first; below them the database refuses
    too (SQLite does not check lengths, but it keeps the value whole)."""
    author = make_user(db)
    db.add(Article(slug="s", title="t" * 300, description="d", body="b", author_id=author.id))
    if ON_SERVER:
        with pytest.raises(DBAPIError):
            db.commit()
        db.rollback()
        assert db.exec(select(Article)).all() == []
    else:
        db.commit()
        assert db.exec(select(Article.title)).one() == "t" * 300


@pytest.mark.skipif(not ON_MYSQL, reason="MySQL/MariaDB's connection settings")
def test_mysql_connections_are_strict_four_byte_and_utc(app):
    with engine_of(app).connect() as connection:
        mode, zone, charset = connection.execute(
            text("SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@character_set_connection")
        ).one()
        assert "STRICT_ALL_TABLES" in mode
        assert zone == "+00:00"
        assert charset == "utf8mb4"
        tables = connection.execute(
            text("SELECT table_name, table_collation FROM information_schema.tables "
                 "WHERE table_schema = DATABASE()")
        ).all()  # fmt: skip
        assert all(collation.startswith("utf8mb4_") for _name, collation in tables), tables


def test_seconds_since_the_epoch_keep_their_fraction(db):
    """Rate-limit windows end at a float time: MySQL's FLOAT would round it to minutes."""
    db.add(RateLimit(key="window", hits=1, expires_at=1_780_000_000.125))
    db.commit()
    db.expire_all()
    assert db.get(RateLimit, "window").expires_at == 1_780_000_000.125
