import pytest
from sqlmodel import func, select

from tests.factories import make_articles, make_user
from web.models import Article

HTMX_MAIN = {"HX-Request": "true", "HX-Target": "main"}


@pytest.fixture
def articles(db):
    make_articles(db, make_user(db, "writer"), 14, title="Flask tips")
    make_articles(db, make_user(db, "other"), 3, title="Cooking")


@pytest.mark.usefixtures("articles")
def test_search_page(client):
    response = client.get("/search?q=flask")
    html = response.text
    assert response.status_code == 200
    assert "<title>Search: flask — Conduit</title>" in html
    assert "Results for “flask”" in html
    # The separator stands outside the page count (an inline block, which would drop
    # a space inside it): "14 articles found · Page 1 of 2".
    assert '14 articles found · <span class="feed-page">page 1 of 2</span>' in html
    assert html.count('<article class="preview"') == 10
    assert 'class="preview-description snippet"' in html
    assert 'value="flask"' in html  # the header box keeps the words
    assert (
        'href="/search?page=2&amp;q=flask"' in html or 'href="/search?q=flask&amp;page=2"' in html
    )


def test_empty_search_invites_typing(client):
    html = client.get("/search").text
    assert "Type words in the search box to find articles" in html
    assert client.get("/search?q=%20%20").status_code == 200


@pytest.mark.usefixtures("articles")
def test_search_as_you_type_swaps_main_only(client):
    response = client.get("/search?q=cook", headers=HTMX_MAIN)
    html = response.text
    assert "<html" not in html
    assert "<header" not in html  # the search box itself is not replaced: focus stays
    assert "Results for “cook”" in html
    assert "3 articles found for “cook”." in html  # announced
    assert "HX-Replace-Url" not in response.headers
    again = client.get(
        "/search?q=cooki", headers={**HTMX_MAIN, "HX-Current-URL": "http://localhost/search?q=cook"}
    )
    assert again.headers["HX-Replace-Url"] == "/search?q=cooki"


@pytest.mark.usefixtures("articles")
def test_results_pages_swap_the_feed(client):
    html = client.get(
        "/search?q=flask&page=2", headers={"HX-Request": "true", "HX-Target": "feed"}
    ).text
    assert html.count('<article class="preview"') == 4
    assert "Results for" not in html


@pytest.mark.usefixtures("articles")
def test_past_the_last_page_is_404(client):
    assert client.get("/search?q=flask&page=3").status_code == 404


@pytest.mark.usefixtures("articles")
@pytest.mark.parametrize("size", [5, 20])
def test_search_costs_constant_queries(app, client, queries, size):
    app.config["FEED_PAGE_SIZE"] = size
    client.get("/search?q=flask")
    # the window of matches, the ranked page, previews, tags (+ the generation); on
    # PostgreSQL a query matching fewer than the window looks twice for its window
    postgres = app.config["DATABASE_URL"].startswith("postgres")
    assert len(queries) <= (5 if postgres else 4), queries


@pytest.mark.usefixtures("articles")
def test_long_and_hostile_queries(client, db):
    long = client.get("/search", query_string={"q": "flask " + "x" * 50_000})
    assert long.status_code == 200
    # Only the first SEARCH_MAX characters count: "flask" and a long non-word.
    assert "Results for “flask xxx" in long.text
    assert "0 articles found" in long.text
    hostile = client.get("/search", query_string={"q": "flask'); DELETE FROM article;--"})
    assert hostile.status_code == 200
    assert "0 articles found" in hostile.text  # every word must match: none has them all
    assert "Results for “flask&#39;); DELETE FROM article;--”" in hostile.text  # escaped
    quoted = client.get("/search", query_string={"q": '"flask*" (tips'})
    assert "14 articles found" in quoted.text  # FTS syntax is just words here
    assert db.exec(select(func.count()).select_from(Article)).one() > 0  # nothing dropped
