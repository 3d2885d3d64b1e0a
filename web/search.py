"""Full-text search over titles, descriptions, bodies and tags, best match first.

SQLite: FTS5 with bm25 ranking and snippet(); PostgreSQL: a weighted tsvector with a
GIN index, ts_rank_cd and ts_headline; MySQL/MariaDB: a table of each article's words
and their weights (web.search_index), ranked by the sum of the weights, with snippets
cut here. The reader's words become a safe query (only word characters reach the
database, and always as bound parameters): every word must match, the last one as a
prefix (it may be half typed), the others whole (stemmed on SQLite and PostgreSQL, so
"plants" finds "plant"; MySQL's words are not stemmed).

Ranking reads every match, so it is bounded: the newest `window` matches are ranked
(all of them for any query narrower than that; the SEARCH_WINDOW setting), and a
search costs the same at a hundred thousand articles as at a thousand.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlmodel import Session

from web.articles import ArticlePreview, previews_by_id
from web.bounds import SEARCH_WINDOW
from web.pagination import Page, check_in_range, offset_for
from web.search_index import LONGEST_WORD, dialect

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
# MySQL/MariaDB: the window's matches, newest first, driven by the rarest of the words:
# an exact word's entries come in article order (newest first, stopping at `cap`); a
# prefix's few are sorted; a prefix matching many drives from the newest articles.
PROBE = 20_000  # index entries a word is counted up to, to find the rarest
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
    """`find_matches` on MySQL's word table (web.search_index): the words the last one
    begins, the words' sizes, the ranked page with the count, then the previews. Snippets
    are cut here (MySQL has no function for them)."""
    if any(len(word) > LONGEST_WORD for word in words):
        return [], 0  # longer than any indexed word: nothing has every word
    params: dict[str, object] = {"prefix": f"{words[-1]}%", "cap": window, "probe": PROBE}
    completions = session.execute(text(_MYSQL_COMPLETIONS), {
        **params, "most": MOST_COMPLETIONS + 1,
    }).scalars().all()  # fmt: skip
    if not completions:
        return [], 0
    terms = [_Term.exact(f"w{n}", word, params) for n, word in enumerate(dict.fromkeys(words[:-1]))]
    terms.append(_Term.prefix(completions, params, scored_already=words[:-1]))
    sizes: Sequence[int] = [PROBE] * len(terms)
    if len(terms) > 1 or len(terms[0].names) != 1:  # a choice to make: count up to PROBE
        sizes = session.execute(text("SELECT " + ", ".join(
            f"(SELECT count(*) FROM (SELECT 1 FROM article_fts WHERE {term.where('word')} "
            f"LIMIT :probe) AS c{n})" for n, term in enumerate(terms)
        )), params).one()  # fmt: skip
    rarest = min(range(len(terms)), key=lambda n: sizes[n])
    if sizes[rarest] == 0:
        return [], 0
    matches = _mysql_window(terms, rarest, broad=sizes[rarest] >= PROBE)
    rows = session.execute(
        text(
            "SELECT a.id, a.title, a.description, a.body, best.total FROM (SELECT m.article_id, "
            f"m.score, count(*) OVER () AS total FROM ({matches}) AS m "
            "ORDER BY m.score DESC, m.article_id DESC LIMIT :limit OFFSET :offset) AS best "
            "JOIN article AS a ON a.id = best.article_id ORDER BY best.score DESC, a.id DESC"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    # The count comes with the page (one query fewer); a page past the end counts apart.
    count = f"SELECT count(*) FROM ({matches}) AS w"
    total = rows[0][4] if rows else offset and session.execute(text(count), params).scalar_one()
    if not total:
        return [], 0
    previews = previews_by_id(session=session, ids=[row[0] for row in rows], viewer_id=viewer_id)
    items = [
        SearchResult(
            article=previews[article_id],
            snippet=highlight(snippet(f"{title}. {description} {body}", words)),
        )
        for article_id, title, description, body, _total in rows
        if article_id in previews
    ]
    return items, int(total)


# The indexed words the last word of a query begins (ordered: the same query, the same
# words), one more than are looked up one by one.
_MYSQL_COMPLETIONS = (
    "SELECT DISTINCT word FROM article_fts WHERE word LIKE :prefix ORDER BY word LIMIT :most"
)
MOST_COMPLETIONS = 8


@dataclass(frozen=True)
class _Term:
    """One word of a query as the window looks for it: the indexed words (bound parameter
    names) any of which an article must have; none for a prefix that begins more words
    than MOST_COMPLETIONS, matched with LIKE instead."""

    names: tuple[str, ...]
    unscored: frozenset[str] = frozenset()  # words of the query already in the score

    @classmethod
    def exact(cls, name: str, word: str, params: dict[str, object]) -> "_Term":
        params[name] = word
        return cls((name,))

    @classmethod
    def prefix(
        cls, completions: Sequence[str], params: dict[str, object], scored_already: list[str]
    ) -> "_Term":
        if len(completions) > MOST_COMPLETIONS:
            return cls(())
        names = tuple(f"p{n}" for n in range(len(completions)))
        params.update(zip(names, completions, strict=True))
        pairs = zip(names, completions, strict=True)
        unscored = {name for name, word in pairs if word in scored_already}
        return cls(names, frozenset(unscored))

    def where(self, column: str) -> str:
        if not self.names:
            return f"{column} LIKE :prefix"
        if len(self.names) == 1:
            return f"{column} = :{self.names[0]}"
        return f"{column} IN ({', '.join(f':{name}' for name in self.names)})"


def _mysql_window(terms: list[_Term], rarest: int, *, broad: bool) -> str:
    """The window's matches (`article_id` and `score`, the sum of the matched words'
    weights; newest first, at most :cap), driven by term number `rarest`.

    A one-word driver's entries come in article order (newest first, stopping at :cap);
    a prefix's few articles are sorted; a prefix many articles have drives from the
    newest articles. Each other word is looked up on the driving article by the primary
    key (word, article_id), in a join kept in that order (STRAIGHT_JOIN): MariaDB would
    otherwise start from the larger side, or run a subquery per row, several times slower.
    """
    driver = terms[rarest]
    joins: list[str] = []
    checks: list[str] = []
    scores: list[str] = []
    if len(driver.names) == 1:
        source, article = "article_fts AS d", "d.article_id"
        checks, scores = [f"d.word = :{driver.names[0]}"], ["d.weight"]
        others = [term for n, term in enumerate(terms) if n != rarest]
    else:
        article, others = "d.id", terms
        source = "article AS d"
        if not broad:  # a prefix few articles have: among those alone
            few = f"SELECT DISTINCT article_id FROM article_fts WHERE {driver.where('word')}"
            source, article = f"({few}) AS d", "d.article_id"
    for n, term in enumerate(others):
        if not term.names:  # a prefix of many words: summed (NULL: none) on each article
            scores.append(
                f"(SELECT sum(x.weight) FROM article_fts AS x WHERE x.article_id = {article} "
                f"AND {term.where('x.word')})"
            )
            continue
        kind = "JOIN" if len(term.names) == 1 else "LEFT JOIN"
        found = []
        for k, name in enumerate(term.names):
            alias = f"t{n}_{k}"
            joins.append(
                f"{kind} article_fts AS {alias} "
                f"ON {alias}.word = :{name} AND {alias}.article_id = {article}"
            )
            if name not in term.unscored:
                scores.append(f"coalesce({alias}.weight, 0)")
            found.append(f"{alias}.article_id IS NOT NULL")
        if kind != "JOIN":
            checks.append(f"({' OR '.join(found)})")
    select = f"SELECT STRAIGHT_JOIN {article} AS article_id, {' + '.join(scores)} AS score"
    sql = f"{select} FROM {source} {' '.join(joins)}"
    if checks:
        sql += f" WHERE {' AND '.join(checks)}"
    if any(not term.names for term in others):
        sql += " HAVING score IS NOT NULL"
    return f"{sql} ORDER BY {article} DESC LIMIT :cap"


def snippet(text_: str, words: list[str], size: int = SNIPPET_WORDS) -> str:
    """About `size` words of `text_` around the first match, each match marked: whole
    words for all but the last, which may be a prefix (the text is searched once)."""
    choices = [*(re.escape(word) for word in words[:-1]), re.escape(words[-1]) + r"[^\W_]*"]
    found = re.compile(rf"(?<![^\W_])(?:{'|'.join(choices)})(?![^\W_])", re.IGNORECASE)
    first = found.search(text_)
    at = first.start() if first else 0
    before = text_[:at].split()[-(size // 4) :] if at else []
    after = text_[at:].split()
    shown = " ".join([*before, *after[: size - len(before)]])
    marked = found.sub(lambda match: f"{MARK_START}{match.group(0)}{MARK_END}", shown)
    cut_before = len(before) < len(text_[:at].split())
    return ("… " if cut_before else "") + marked + (" …" if len(after) > size - len(before) else "")
