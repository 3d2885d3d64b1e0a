"""Keep the full-text index in step with articles (SQLite FTS5, PostgreSQL tsvector or
MySQL/MariaDB FULLTEXT).

The domain functions that write articles call these, so every writer (pages, API,
seed) keeps the index current. The tables are created by migration 0003.
"""

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
_MYSQL_INDEX = (
    "INSERT INTO article_fts (article_id, title, tags, description, body) "
    f"SELECT a.id, a.title, {_MYSQL_TAGS}, a.description, a.body FROM article AS a "
)
_MYSQL_UPSERT = (
    " ON DUPLICATE KEY UPDATE title = VALUES(title), tags = VALUES(tags), "
    "description = VALUES(description), body = VALUES(body)"
)
_POSTGRES_UPSERT = " ON CONFLICT (article_id) DO UPDATE SET document = excluded.document"
# Drafts are never searchable: they enter the index when they are published.
_PUBLISHED = "WHERE NOT a.draft "
_SQLITE_REINDEX = _SQLITE_INDEX + _PUBLISHED + "AND a.id = :id"
_POSTGRES_REINDEX = _POSTGRES_INDEX + _PUBLISHED + "AND a.id = :id" + _POSTGRES_UPSERT
_MYSQL_REINDEX = _MYSQL_INDEX + _PUBLISHED + "AND a.id = :id" + _MYSQL_UPSERT
_INDEX = {"sqlite": _SQLITE_INDEX, "postgresql": _POSTGRES_INDEX, "mysql": _MYSQL_INDEX}


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_article(*, session: Session, article_id: int) -> None:
    """(Re)index one article, after its title, text or tags changed (flushed, not committed)."""
    if dialect(session) == "sqlite":
        session.execute(text("DELETE FROM article_fts WHERE rowid = :id"), {"id": article_id})
        session.execute(text(_SQLITE_REINDEX), {"id": article_id})
    elif dialect(session) == "mysql":
        session.execute(text(_MYSQL_REINDEX), {"id": article_id})
    else:
        session.execute(text(_POSTGRES_REINDEX), {"id": article_id})


def unindex_article(*, session: Session, article_id: int) -> None:
    """Drop a deleted article from the index (PostgreSQL's and MySQL's rows go by cascade)."""
    if dialect(session) == "sqlite":
        session.execute(text("DELETE FROM article_fts WHERE rowid = :id"), {"id": article_id})


def index_everything(*, session: Session) -> None:
    """Rebuild the whole index in one statement (after a bulk load); the caller commits."""
    session.execute(text("DELETE FROM article_fts"))
    session.execute(text(_INDEX[dialect(session)] + _PUBLISHED))
