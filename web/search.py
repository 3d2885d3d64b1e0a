"""Full-text search over titles, descriptions, bodies and tags, best match first.

SQLite: FTS5 with bm25 ranking and snippet(); PostgreSQL: a weighted tsvector with a
GIN index, ts_rank_cd and ts_headline. The reader's words become a safe prefix query
(only word characters reach the database, and always as bound parameters).
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlmodel import Session

from web.articles import ArticlePreview, previews_by_id
from web.pagination import Page, check_in_range, offset_for
from web.search_index import dialect

MAX_TERMS = 12
MARK_START, MARK_END = "\x02", "\x03"
# Heading, quote and list markers, emphasis and code fences, as seen in raw markdown.
_MARKDOWN_PUNCTUATION = re.compile(r"(?:^|(?<=\s))[#>*+-]+(?=\s)|\*\*|`+|~~")


@dataclass(frozen=True)
class SearchResult:
    article: ArticlePreview
    snippet: Markup


def terms(query: str) -> list[str]:
    """The words to look for: letters and digits of any script, at most MAX_TERMS."""
    return re.findall(r"[^\W_]+", query.casefold())[:MAX_TERMS]


def highlight(snippet: str) -> Markup:
    """Plain text of a snippet (markdown punctuation dropped), escaped, with the match
    markers turned into <mark> elements."""
    plain = _MARKDOWN_PUNCTUATION.sub(" ", snippet.replace("\n", " "))
    escaped = str(escape(" ".join(plain.split())))
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


_SQLITE_COUNT = "SELECT count(*) FROM article_fts WHERE article_fts MATCH :q"
_SQLITE_PAGE = (
    "SELECT rowid, snippet(article_fts, -1, :start, :end, '…', 24) FROM article_fts "
    "WHERE article_fts MATCH :q "
    "ORDER BY bm25(article_fts, 10.0, 4.0, 1.0, 6.0), rowid DESC LIMIT :limit OFFSET :offset"
)
_POSTGRES_COUNT = "SELECT count(*) FROM article_fts WHERE document @@ to_tsquery('english', :q)"
_POSTGRES_PAGE = (
    "SELECT a.id, ts_headline('english', a.title || '. ' || a.description || ' ' || a.body, "
    "query, "
    "'StartSel=' || :start || ', StopSel=' || :end || ', MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "\') '
    "FROM article_fts AS f JOIN article AS a ON a.id = f.article_id, "
    "to_tsquery('english', :q) AS query "
    "WHERE f.document @@ query ORDER BY ts_rank_cd(f.document, query) DESC, a.id DESC "
    "LIMIT :limit OFFSET :offset"
)


def search_articles(
    *, session: Session, query: str, page: int, size: int, viewer_id: int | None
) -> Page[SearchResult]:
    """Page `page` of `find_matches`. Raises PageOutOfRange for a page past the end."""
    items, total = find_matches(
        session=session,
        query=query,
        offset=offset_for(page, size),
        limit=size,
        viewer_id=viewer_id,
    )
    return check_in_range(Page(items=items, number=page, size=size, total=total))


def find_matches(
    *, session: Session, query: str, offset: int, limit: int, viewer_id: int | None
) -> tuple[list[SearchResult], int]:
    """Matches, most relevant first, and how many in all: four queries, any `limit`.

    No words (an empty or punctuation-only query) means no results.
    """
    words = terms(query)
    if not words:
        return [], 0
    if dialect(session) == "sqlite":
        match = " ".join(f'"{word}"*' for word in words)
        count_sql, page_sql = _SQLITE_COUNT, _SQLITE_PAGE
    else:
        match = " & ".join(f"{word}:*" for word in words)
        count_sql, page_sql = _POSTGRES_COUNT, _POSTGRES_PAGE
    total = session.execute(text(count_sql), {"q": match}).scalar_one()
    rows = session.execute(
        text(page_sql),
        {"q": match, "start": MARK_START, "end": MARK_END, "limit": limit, "offset": offset},
    ).all()
    previews = previews_by_id(session=session, ids=[row[0] for row in rows], viewer_id=viewer_id)
    items = [
        SearchResult(article=previews[article_id], snippet=highlight(snippet))
        for article_id, snippet in rows
        if article_id in previews
    ]
    return items, total
