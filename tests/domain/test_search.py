"""Full-text search, the same expectations on SQLite (FTS5), PostgreSQL (tsvector) and
MySQL/MariaDB (a word table), whichever is the suite's database."""

import pytest
from sqlmodel import func, select

import web.search as search_module
from tests.factories import make_user
from web.articles import create_article, delete_article, update_article
from web.models import Article
from web.search import highlight, search_articles, terms


@pytest.fixture
def library(db):
    author = make_user(db, "writer")

    def write(title, description="A description", body="Some body text.", tags=()):
        article = create_article(
            session=db,
            author_id=author.id,
            title=title,
            description=description,
            body=body,
            tags=tags,
        )
        db.commit()
        return article

    write("Hypermedia systems with htmx", body="Links and forms drive the state.")
    write("Cooking pasta", description="Boil water, mention htmx once", body="Salt it.")
    write("Gardening", body="Water the plants. htmx is not a plant.", tags=["weekend"])
    write("Weekend reading", body="Books.", tags=["htmx"])
    return write, author


def search(db, query, page=1, size=10, window=5000):
    return search_articles(
        session=db, query=query, page=page, size=size, viewer_id=None, window=window
    )


def titles(result):
    return [r.article.title for r in result.items]


def test_finds_words_in_title_description_body_and_tags(db, library):
    found = search(db, "htmx")
    assert found.total == 4
    assert set(titles(found)) == {
        "Hypermedia systems with htmx",
        "Cooking pasta",
        "Gardening",
        "Weekend reading",
    }


def test_title_matches_rank_first(db, library):
    assert titles(search(db, "htmx"))[0] == "Hypermedia systems with htmx"


def test_all_words_must_match_and_prefixes_count(db, library):
    assert titles(search(db, "water plant")) == ["Gardening"]
    assert titles(search(db, "hyperm")) == ["Hypermedia systems with htmx"]


def test_snippets_mark_matches_and_escape_the_text(db, library):
    write, _ = library
    write("Markup", body="Use <script>alert(1)</script> carefully with htmx tags.")
    result = next(r for r in search(db, "carefully").items if r.article.title == "Markup")
    snippet = str(result.snippet)
    assert "<mark>" in snippet
    assert "<script>" not in snippet  # escaped (SQLite) or dropped as markup (PostgreSQL)


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", "'; DROP TABLE article; --", '"', "AND OR NOT", "x" * 10_000,
              "htmx\" OR 1=1 --", "NEAR(htmx pasta)", "col:htmx", "*", "htmx & | !"],
)  # fmt: skip
def test_hostile_empty_and_long_queries_are_safe(db, library, query):
    result = search(db, query)
    assert result.total >= 0
    assert db.exec(select(func.count()).select_from(Article)).one() == 4


def test_index_follows_updates_and_deletes(db, library):
    write, author = library
    article = write("Temporary", body="zebra crossing")
    assert titles(search(db, "zebra")) == ["Temporary"]
    update_article(
        session=db, slug=article.slug, editor_id=author.id, body="giraffe", tags=["savanna"]
    )
    assert search(db, "zebra").total == 0
    assert titles(search(db, "giraffe savanna")) == ["Temporary"]
    delete_article(session=db, slug=article.slug, editor_id=author.id)
    assert search(db, "giraffe").total == 0


def test_pagination_of_results(db, library):
    assert len(search(db, "htmx", page=2, size=3).items) == 1
    assert search(db, "htmx", page=2, size=3).pages == 2


def test_terms_and_highlight():
    assert terms("Hello, wörld! 東京 a_b") == ["hello", "wörld", "東京", "a", "b"]
    assert len(terms("w " * 100)) == 12
    assert (
        str(highlight("## Intro \x02htmx\x03 & <b>")) == "Intro <mark>htmx</mark> &amp; &lt;b&gt;"
    )


def test_a_broad_search_ranks_the_newest_window_of_matches(app, client, db, library, monkeypatch):
    write, _ = library
    monkeypatch.setitem(app.config, "SEARCH_WINDOW", 3)
    write("Old htmx notes, htmx and htmx again")  # the best match, but not among the newest
    for n in range(3):
        write(f"Fresh {n}", body="htmx")
    found = search(db, "htmx", size=2, window=3)
    assert found.total == 3
    assert found.pages == 2
    assert {r.article.title for r in [*found.items, *search(db, "htmx", 2, 2, 3).items]} == {
        "Fresh 0", "Fresh 1", "Fresh 2",
    }  # fmt: skip
    assert "Old htmx notes" not in client.get("/search?q=htmx").text
    assert "The newest 3 matching articles, best first" in client.get("/search?q=htmx").text
    narrow = client.get("/search?q=notes").text  # fewer matches than the window: all ranked
    assert "Old htmx notes" in narrow
    assert "The newest" not in narrow
    api = client.get("/api/articles?q=htmx").json
    assert api["articlesCount"] == 3


def test_a_broad_search_pages_through_its_window_best_first(db, library):
    write, _ = library
    write("Zebra zebra", description="Zebras, zebras", body="Zebra herds, zebra stripes.")
    write("Fresh plain", body="Zebras again.")
    write("Fresh other", body="Zebras again.")
    write("Zebra notes", body="Zebras again.")
    # The window is the newest three matches: the best of them first, ties newest first,
    # and each page is the next slice of that one ranking.
    ranked = ["Zebra notes", "Fresh other", "Fresh plain"]
    assert titles(search(db, "zebra", size=3, window=3)) == ranked
    assert [titles(search(db, "zebra", page=n, size=1, window=3)) for n in (1, 2, 3)] == [
        [title] for title in ranked
    ]
    assert search(db, "zebra", window=3).total == 3  # "Zebra zebra", the fourth newest, is out


@pytest.mark.parametrize("probe", [search_module.PROBE, 1], ids=["counted", "all-broad"])
def test_a_last_word_that_begins_several_or_many_words(db, library, monkeypatch, probe):
    """The last word matches every word it begins, however many (MySQL looks a few up one
    by one and matches more with LIKE), whichever word leads the search (a probe of 1 makes
    every word look common)."""
    monkeypatch.setattr(search_module, "PROBE", probe)
    write, _ = library
    for ending in ("w", "ws", "wn"):
        write(f"Gro{ending}", body=f"Water gro{ending} everything.")
    many = [f"Plan{letter}" for letter in "abcdfghkmopqu"]  # more than a lookup takes
    for title in many:
        write(title, body="Water it.")
    assert set(titles(search(db, "gro"))) == {"Grow", "Grows", "Grown"}
    assert set(titles(search(db, "water gro"))) == {"Grow", "Grows", "Grown"}
    assert titles(search(db, "grown water")) == ["Grown"]
    planned = search(db, "water plan", size=20)
    assert set(titles(planned)) == {*many, "Gardening"}  # "plants" begins with "plan" too
    assert planned.total == len(many) + 1
    assert titles(search(db, "plan", size=20))[0] in many  # in a title: ranked first
    assert search(db, "water planx").total == 0
