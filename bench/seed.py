"""Fill a migrated, empty database fast, for the benchmark: 100,000 articles in about a
minute. Bulk inserts in batches (no per-article work), then the search index rebuilt
in one statement. Deterministic for a given size.
"""

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session, SQLModel
from werkzeug.security import generate_password_hash

from web.articles import count_words
from web.models import Article, ArticleTag, Comment, Favorite, Follow, Tag, User
from web.search_index import index_everything

PASSWORD = "bench password"
BATCH = 5000
WORDS = [
    "hypermedia",
    "server",
    "render",
    "request",
    "response",
    "html",
    "link",
    "form",
    "htmx",
    "flask",
    "python",
    "sqlite",
    "postgres",
    "cache",
    "index",
    "query",
    "page",
    "feed",
    "tag",
    "comment",
    "article",
    "writer",
    "reader",
    "design",
    "system",
    "simple",
    "fast",
    "test",
    "deploy",
    "nginx",
    "worker",
    "thread",
    "process",
    "memory",
    "latency",
    "budget",
    "accessible",
    "keyboard",
    "focus",
    "screen",
    "reader",
    "contrast",
    "theme",
    "layout",
    "grid",
    "column",
    "measure",
]
TAGS = [f"{word}" for word in WORDS[:40]]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _body(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 4)):
        parts.append(f"## {_sentence(rng, 4)[:-1]}")
        parts.append(" ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(5)))
    return "\n\n".join(parts)


def seed(engine: Engine, *, users: int, articles: int, comments: int) -> None:
    rng = random.Random(articles)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    password = generate_password_hash(PASSWORD)
    with engine.begin() as connection:

        def bulk(model: Any, rows: list[dict[str, Any]]) -> None:
            for at in range(0, len(rows), BATCH):
                connection.execute(insert(model), rows[at : at + BATCH])

        bulk(User, [{"id": n, "username": f"writer{n}", "email": f"writer{n}@example.com",
                     "password_hash": password, "bio": _sentence(rng, 8),
                     "created_at": start} for n in range(1, users + 1)])  # fmt: skip
        bulk(Tag, [{"id": n, "name": name} for n, name in enumerate(TAGS, 1)])
        span = timedelta(days=700) / max(articles, 1)
        article_rows, tag_rows = [], []
        for n in range(1, articles + 1):
            when = start + span * n
            title = f"{_sentence(rng, rng.randint(3, 7))[:-1]} {n}"
            article_rows.append({
                "id": n, "slug": f"article-{n}", "title": title,
                "description": _sentence(rng, 10), "body": (body := _body(rng)),
                "words": count_words(body),
                "author_id": rng.randint(1, users), "created_at": when, "updated_at": when,
            })  # fmt: skip
            for tag in rng.sample(range(1, len(TAGS) + 1), rng.randint(1, 3)):
                tag_rows.append({"article_id": n, "tag_id": tag})
            if len(article_rows) == BATCH:
                bulk(Article, article_rows)
                bulk(ArticleTag, tag_rows)
                article_rows, tag_rows = [], []
        bulk(Article, article_rows)
        bulk(ArticleTag, tag_rows)
        bulk(Comment, [{"body": _sentence(rng, 12), "article_id": rng.randint(1, articles),
                        "author_id": rng.randint(1, users), "created_at": start,
                        "updated_at": start} for _ in range(comments)])  # fmt: skip
        favorites = {(rng.randint(1, users), rng.randint(1, articles)) for _ in range(articles)}
        bulk(Favorite, [{"user_id": u, "article_id": a, "created_at": start}
                        for u, a in favorites])  # fmt: skip
        follows = {(rng.randint(1, users), rng.randint(1, users)) for _ in range(users * 5)}
        bulk(Follow, [{"follower_id": a, "followed_id": b, "created_at": start}
                      for a, b in follows if a != b])  # fmt: skip
    if engine.dialect.name == "postgresql":  # ids were given: move the sequences on
        with engine.begin() as connection:
            for table in ("user", "article", "tag", "comment"):
                quoted = f'"{table}"'
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), "
                    f"(SELECT max(id) FROM {quoted}))"
                )
    with Session(engine) as session:
        index_everything(session=session)
        session.commit()
    settle(engine)


def settle(engine: Engine) -> None:
    """What a database that has been up a while has done since a bulk load: the planner's
    statistics (autovacuum's ANALYZE), the dead rows vacuumed and the load written out
    to its files (a checkpoint), so that none of it happens in the middle of a round."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")
        elif engine.dialect.name == "mysql":
            tables = ", ".join(f"`{name}`" for name in SQLModel.metadata.tables)
            connection.exec_driver_sql(f"ANALYZE TABLE {tables}")
        else:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    os.sync()  # and the operating system's copy on disk
