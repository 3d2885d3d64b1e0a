"""Full-text search over titles, descriptions, bodies and tags, best match first.

SQLite: FTS5 with bm25 ranking and snippet(); PostgreSQL: a weighted tsvector with a
GIN index, ts_rank_cd and ts_headline; MySQL/MariaDB: InnoDB FULLTEXT in boolean mode,
ranked by each part's relevance (titles first), with snippets cut here. The reader's
words become a safe query (only word characters reach the database, and always as
bound parameters): every word must match, the last one as a prefix (it may be half
typed), the others whole (stemmed on SQLite and PostgreSQL, so "plants" finds "plant";
InnoDB does not stem, and leaves out words shorter than three letters and its few
stopwords).

Ranking reads every match, so it is bounded: the newest `window` matches are ranked
(all of them for any query narrower than that; the SEARCH_WINDOW setting), and a
search costs the same at a hundred thousand articles as at a thousand.
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlmodel import Session

from web.articles import ArticlePreview, previews_by_id
from web.bounds import SEARCH_WINDOW
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


# The matches the window holds (at most `cap`), newest first, and the oldest of them.
_SQLITE_WINDOW = (
    "SELECT count(*), min(rowid) FROM (SELECT rowid FROM article_fts "
    "WHERE article_fts MATCH :q ORDER BY rowid DESC LIMIT :cap)"
)
_SQLITE_PAGE = (
    "SELECT rowid, snippet(article_fts, -1, :start, :end, '…', 24) FROM article_fts "
    "WHERE article_fts MATCH :q AND rowid >= :oldest "
    "ORDER BY bm25(article_fts, 10.0, 4.0, 1.0, 6.0), rowid DESC LIMIT :limit OFFSET :offset"
)
# Broad queries first look among the newest articles alone, walking the key backwards:
# that stops at `cap` matches, where the text index would fetch every match to sort them.
_POSTGRES_NEWEST = (
    "SELECT count(*), min(article_id) FROM (SELECT article_id FROM (SELECT article_id, "
    "document FROM article_fts ORDER BY article_id DESC LIMIT :probe) AS newest "
    "WHERE document @@ to_tsquery('english', :q) ORDER BY article_id DESC LIMIT :cap) AS w"
)
_POSTGRES_WINDOW = (
    "SELECT count(*), min(article_id) FROM (SELECT article_id FROM article_fts "
    "WHERE document @@ to_tsquery('english', :q) ORDER BY article_id DESC LIMIT :cap) AS w"
)
# A page of the window: rank the matches on the index's table alone, then read the page's
# articles (ten, not thousands of bodies) and make their snippets. `{matches}` is where
# the matches come from: for a broad query, the window's range of the key, read in key
# order and filtered (OFFSET 0 keeps the planner from asking the text index for every
# match ever written); for a narrower one, the text index.
_POSTGRES_PAGE = (
    "SELECT a.id, ts_headline('english', a.title || '. ' || a.description || ' ' || a.body, "
    "query, "
    "'StartSel=' || :start || ', StopSel=' || :end || ', MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "\') '
    "FROM (SELECT m.article_id, ts_rank_cd(m.document, query) AS rank "
    "FROM {matches} AS m, to_tsquery('english', :q) AS query "
    "WHERE m.document @@ query AND m.article_id >= :oldest "
    "ORDER BY rank DESC, m.article_id DESC LIMIT :limit OFFSET :offset) AS best "
    "JOIN article AS a ON a.id = best.article_id, to_tsquery('english', :q) AS query "
    "ORDER BY best.rank DESC, a.id DESC"
)
# InnoDB: `{all}` matches every word (a required word each), `{any}` weighs any of them.
_MYSQL_ALL = "MATCH (title, tags, description, body) AGAINST (:q IN BOOLEAN MODE)"
_MYSQL_WINDOW = (
    f"SELECT count(*), min(article_id) FROM (SELECT article_id FROM article_fts WHERE {_MYSQL_ALL} "
    "ORDER BY article_id DESC LIMIT :cap) AS w"
)
_MYSQL_PAGE = (
    "SELECT f.article_id, f.title, f.description, f.body FROM (SELECT article_id, "
    "10 * MATCH (title) AGAINST (:any IN BOOLEAN MODE) "
    "+ 4 * MATCH (tags, description) AGAINST (:any IN BOOLEAN MODE) "
    "+ MATCH (body) AGAINST (:any IN BOOLEAN MODE) AS rank "
    f"FROM article_fts WHERE {_MYSQL_ALL} AND article_id >= :oldest "
    "ORDER BY rank DESC, article_id DESC LIMIT :limit OFFSET :offset) AS best "
    "JOIN article_fts AS f ON f.article_id = best.article_id "
    "ORDER BY best.rank DESC, best.article_id DESC"
)
SNIPPET_WORDS = 30
_POSTGRES_BROAD_PAGE = _POSTGRES_PAGE.format(
    matches="(SELECT article_id, document FROM article_fts WHERE article_id >= :oldest OFFSET 0)"
)
_POSTGRES_NARROW_PAGE = _POSTGRES_PAGE.format(matches="article_fts")


def search_articles(
    *,
    session: Session,
    query: str,
    page: int,
    size: int,
    viewer_id: int | None,
    window: int = SEARCH_WINDOW,
) -> Page[SearchResult]:
    """Page `page` of `find_matches`. Raises PageOutOfRange for a page past the end."""
    items, total = find_matches(
        session=session,
        query=query,
        offset=offset_for(page, size),
        limit=size,
        viewer_id=viewer_id,
        window=window,
    )
    return check_in_range(Page(items=items, number=page, size=size, total=total))


def find_matches(
    *,
    session: Session,
    query: str,
    offset: int,
    limit: int,
    viewer_id: int | None,
    window: int = SEARCH_WINDOW,
) -> tuple[list[SearchResult], int]:
    """Matches, most relevant first, and how many there are (at most `window`, the
    newest): four queries (five on PostgreSQL for a narrower query), any `limit`.

    No words (an empty or punctuation-only query) means no results.
    """
    words = terms(query)
    if not words:
        return [], 0
    if dialect(session) == "mysql":
        return _mysql_matches(session, words, offset, limit, viewer_id, window)
    if dialect(session) == "sqlite":
        match = " ".join([*(f'"{word}"' for word in words[:-1]), f'"{words[-1]}"*'])
        total, oldest = session.execute(text(_SQLITE_WINDOW), {"q": match, "cap": window}).one()
        page_sql = _SQLITE_PAGE
    else:
        match = " & ".join([*words[:-1], f"{words[-1]}:*"])
        bounds = {"q": match, "cap": window, "probe": 4 * window}
        total, oldest = session.execute(text(_POSTGRES_NEWEST), bounds).one()
        page_sql = _POSTGRES_BROAD_PAGE
        if total < window:  # a narrower query: its matches are few, the index finds them
            total, oldest = session.execute(text(_POSTGRES_WINDOW), bounds).one()
            page_sql = _POSTGRES_NARROW_PAGE
    if not total:
        return [], 0
    rows = session.execute(
        text(page_sql),
        {"q": match, "oldest": oldest, "start": MARK_START, "end": MARK_END,
         "limit": limit, "offset": offset},
    ).all()  # fmt: skip
    previews = previews_by_id(session=session, ids=[row[0] for row in rows], viewer_id=viewer_id)
    items = [
        SearchResult(article=previews[article_id], snippet=highlight(snippet))
        for article_id, snippet in rows
        if article_id in previews
    ]
    return items, total


def _mysql_matches(
    session: Session, words: list[str], offset: int, limit: int, viewer_id: int | None,
    window: int,
) -> tuple[list[SearchResult], int]:  # fmt: skip
    """`find_matches` on InnoDB: the window, then a page of it with the text to cut the
    snippets from (InnoDB has no snippet function)."""
    whole = [word for word in words[:-1] if len(word) >= MYSQL_SHORTEST]
    last = words[-1]
    if any(len(word) > MYSQL_LONGEST for word in words):
        return [], 0  # a word longer than any the index holds: nothing has every word
    bounds = {
        "q": " ".join([*(f"+{word}" for word in whole), f"+{last}*"]),
        "any": " ".join([*whole, f"{last}*"]),
        "cap": window,
    }
    total, oldest = session.execute(text(_MYSQL_WINDOW), bounds).one()
    if not total:
        return [], 0
    rows = session.execute(
        text(_MYSQL_PAGE), {**bounds, "oldest": oldest, "limit": limit, "offset": offset}
    ).all()
    previews = previews_by_id(session=session, ids=[row[0] for row in rows], viewer_id=viewer_id)
    items = [
        SearchResult(
            article=previews[article_id],
            snippet=highlight(snippet(f"{title}. {description} {body}", [*whole, last])),
        )
        for article_id, title, description, body in rows
        if article_id in previews
    ]
    return items, total


# InnoDB's innodb_ft_min_token_size and innodb_ft_max_token_size: shorter words are not
# indexed (so not required), longer ones neither (so never found).
MYSQL_SHORTEST, MYSQL_LONGEST = 3, 84


def snippet(text_: str, words: list[str], size: int = SNIPPET_WORDS) -> str:
    """About `size` words of `text_` around the first match, each match marked: whole
    words for all but the last, which may be a prefix."""
    tokens = text_.split()
    whole, last = set(words[:-1]), words[-1]

    def matches(token: str) -> bool:
        return any(w in whole or w.startswith(last) for w in terms(token))

    hits = [n for n, token in enumerate(tokens) if matches(token)]
    start = max(0, (hits[0] if hits else 0) - size // 4)
    shown = [
        f"{MARK_START}{token}{MARK_END}" if matches(token) else token
        for token in tokens[start : start + size]
    ]
    return ("… " if start else "") + " ".join(shown) + (" …" if start + size < len(tokens) else "")
