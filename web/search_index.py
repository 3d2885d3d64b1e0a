"""Keep the full-text index in step with articles (SQLite FTS5, PostgreSQL tsvector, or
on MySQL/MariaDB a table of each article's words and their weights).

The domain functions that write articles call these, so every writer (pages, API,
seed) keeps the index current. The tables are created by migration 0003.
"""

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

_SQLITE_TAGS = (
    "(SELECT coalesce(group_concat(t.name, ' '), '') FROM article_tag AS at "
    "JOIN tag AS t ON t.id = at.tag_id WHERE at.article_id = a.id)"
)
_POSTGRES_TAGS = _SQLITE_TAGS.replace("group_concat(t.name, ' ')", "string_agg(t.name, ' ')")

_SQLITE_INDEX = (
    "INSERT INTO article_fts (rowid, title, description, body, tags) "
    f"SELECT a.id, a.title, a.description, a.body, {_SQLITE_TAGS} FROM article AS a "
)
_POSTGRES_INDEX = (
    "INSERT INTO article_fts (article_id, document) SELECT a.id, "
    "setweight(to_tsvector('english', a.title), 'A') || "
    f"setweight(to_tsvector('english', {_POSTGRES_TAGS}), 'B') || "
    "setweight(to_tsvector('english', a.description), 'B') || "
    "setweight(to_tsvector('english', a.body), 'C') FROM article AS a "
)
_MYSQL_TAGS = _SQLITE_TAGS.replace(
    "group_concat(t.name, ' ')", "group_concat(t.name SEPARATOR ' ')"
)
# MySQL: the text of published articles, to be cut into words here.
_MYSQL_TEXT = f"SELECT a.id, a.title, {_MYSQL_TAGS}, a.description, a.body FROM article AS a "
_POSTGRES_UPSERT = " ON CONFLICT (article_id) DO UPDATE SET document = excluded.document"
# Drafts are never searchable: they enter the index when they are published; hidden
# articles leave it (web.moderation) and enter again when they are shown.
_PUBLISHED = "WHERE NOT a.draft AND NOT a.hidden "
_SQLITE_REINDEX = _SQLITE_INDEX + _PUBLISHED + "AND a.id = :id"
_POSTGRES_REINDEX = _POSTGRES_INDEX + _PUBLISHED + "AND a.id = :id" + _POSTGRES_UPSERT
_INDEX = {"sqlite": _SQLITE_INDEX, "postgresql": _POSTGRES_INDEX}
# A word's weight in an article: in its title, tags, description, and each use in its
# body (at most ten), as SQLite's bm25 weighs the columns (web.search).
TITLE, TAGS, DESCRIPTION, BODY_USES = 10, 6, 4, 10
LONGEST_WORD = 84  # longer "words" (hashes, runs of letters) are not indexed
BATCH = 500  # articles read and indexed at once by index_everything


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_article(*, session: Session, article_id: int) -> None:
    """(Re)index one article, after its title, text or tags changed (flushed, not committed)."""
    if dialect(session) == "sqlite":
        session.execute(text("DELETE FROM article_fts WHERE rowid = :id"), {"id": article_id})
        session.execute(text(_SQLITE_REINDEX), {"id": article_id})
    elif dialect(session) == "mysql":
        session.execute(text("DELETE FROM article_fts WHERE article_id = :id"), {"id": article_id})
        rows = session.execute(
            text(_MYSQL_TEXT + _PUBLISHED + "AND a.id = :id"), {"id": article_id}
        )
        _add_words(session, rows.all())
    else:  # an article no longer listed (hidden) leaves the index: nothing is upserted
        session.execute(text("DELETE FROM article_fts WHERE article_id = :id"), {"id": article_id})
        session.execute(text(_POSTGRES_REINDEX), {"id": article_id})


def unindex_article(*, session: Session, article_id: int) -> None:
    """Drop a deleted article from the index (PostgreSQL's and MySQL's rows go by cascade)."""
    if dialect(session) == "sqlite":
        session.execute(text("DELETE FROM article_fts WHERE rowid = :id"), {"id": article_id})


def index_everything(*, session: Session) -> None:
    """Rebuild the whole index in one statement (after a bulk load); the caller commits."""
    session.execute(text("DELETE FROM article_fts"))
    if dialect(session) != "mysql":
        session.execute(text(_INDEX[dialect(session)] + _PUBLISHED))
        return
    last = 0
    while rows := session.execute(
        text(_MYSQL_TEXT + _PUBLISHED + "AND a.id > :last ORDER BY a.id LIMIT :batch"),
        {"last": last, "batch": BATCH},
    ).all():
        _add_words(session, rows)
        last = rows[-1][0]


def words_of(text_: str) -> list[str]:
    """The words search knows (web.search.terms cuts a query the same way)."""
    return [w for w in re.findall(r"[^\W_]+", text_.casefold()) if len(w) <= LONGEST_WORD]


def weights(title: str, tags: str, description: str, body: str) -> dict[str, int]:
    """Each word of an article and its weight there."""
    found: Counter[str] = Counter()
    for part, weight in ((title, TITLE), (tags, TAGS), (description, DESCRIPTION)):
        for word in set(words_of(part)):
            found[word] += weight
    for word, uses in Counter(words_of(body)).items():
        found[word] += min(uses, BODY_USES)
    return dict(found)


def _add_words(session: Session, rows: Sequence[Any]) -> None:
    values = [
        {"id": article_id, "word": word, "weight": weight}
        for article_id, title, tags, description, body in rows
        for word, weight in weights(title, tags, description, body).items()
    ]
    if values:
        session.execute(
            text("INSERT INTO article_fts (article_id, word, weight) VALUES (:id, :word, :weight)"),
            values,
        )
