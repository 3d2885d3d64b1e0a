"""Old slugs that redirect, and the full-text search index.

SQLite: an FTS5 table `article_fts` (rowid = article id).
PostgreSQL: a table `article_fts` with a weighted tsvector and a GIN index.
MySQL/MariaDB: a table `article_fts` of each article's words and their weights (InnoDB's
own FULLTEXT reads every match of a common word: seconds at 100,000 articles).
All are filled from the existing articles and kept in sync by web/search.py.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from web.search_index import weights

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAGS_OF = (
    "(SELECT coalesce(string_agg(t.name, ' '), '') FROM article_tag AS at "
    "JOIN tag AS t ON t.id = at.tag_id WHERE at.article_id = a.id)"
)
SQLITE_TAGS_OF = TAGS_OF.replace("string_agg(t.name, ' ')", "group_concat(t.name, ' ')")
MYSQL_TAGS_OF = TAGS_OF.replace("string_agg(t.name, ' ')", "group_concat(t.name SEPARATOR ' ')")


def upgrade() -> None:
    op.create_table(
        "article_slug",
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_slug_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_article_slug")),
    )
    op.create_index(op.f("ix_article_slug_article_id"), "article_slug", ["article_id"])

    if op.get_bind().dialect.name == "mysql":
        # Each article's words and their weights (web.search_index); newest first by word.
        op.execute(
            "CREATE TABLE article_fts ("
            "word varchar(84) NOT NULL, article_id integer NOT NULL, weight smallint NOT NULL, "
            "CONSTRAINT pk_article_fts PRIMARY KEY (word, article_id), "
            "INDEX ix_article_fts_article_id_word (article_id, word), "
            "CONSTRAINT fk_article_fts_article_id_article FOREIGN KEY (article_id) "
            "REFERENCES article (id) ON DELETE CASCADE)"
        )
        rows = op.get_bind().execute(
            sa.text(
                f"SELECT a.id, a.title, {MYSQL_TAGS_OF}, a.description, a.body FROM article AS a"
            )
        )
        for article_id, *parts in rows.all():
            found = [{"id": article_id, "word": w, "weight": n} for w, n in weights(*parts).items()]
            if found:
                op.get_bind().execute(
                    sa.text("INSERT INTO article_fts (article_id, word, weight) "
                            "VALUES (:id, :word, :weight)"),
                    found,
                )  # fmt: skip
    elif op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE article_fts USING fts5("
            "title, description, body, tags, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "INSERT INTO article_fts (rowid, title, description, body, tags) "
            f"SELECT a.id, a.title, a.description, a.body, {SQLITE_TAGS_OF} FROM article AS a"
        )
    else:
        op.execute(
            "CREATE TABLE article_fts ("
            "article_id integer PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE, "
            "document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_article_fts_document ON article_fts USING gin (document)")
        op.execute(
            "INSERT INTO article_fts (article_id, document) SELECT a.id, "
            "setweight(to_tsvector('english', a.title), 'A') || "
            f"setweight(to_tsvector('english', {TAGS_OF}), 'B') || "
            "setweight(to_tsvector('english', a.description), 'B') || "
            "setweight(to_tsvector('english', a.body), 'C') FROM article AS a"
        )


def downgrade() -> None:
    op.execute("DROP TABLE article_fts")
    op.drop_table("article_slug")
