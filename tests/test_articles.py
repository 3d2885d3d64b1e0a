import pytest

from tests.factories import favorite, make_articles, make_user
from web.articles import (
    create_article,
    list_articles,
    normalise_tags,
    popular_tags,
    slugify,
    unique_slug,
)
from web.models import Article
from web.pagination import Page, PageOutOfRange


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("How to train your dragon", "how-to-train-your-dragon"),
        ("  Ça va, 東京!  ", "ça-va-東京"),
        ("Straße & Ölfeld", "strasse-ölfeld"),
        ("snake_case and --dashes--", "snake-case-and-dashes"),
        ("!!!", "article"),
        ("ﬁne ligatures", "fine-ligatures"),
    ],
)
def test_slugify_keeps_letters_of_every_script(title, slug):
    assert slugify(title) == slug


def test_slugify_limits_length():
    assert len(slugify("word " * 100)) <= 80


def test_unique_slug_adds_a_short_suffix_on_collision(db):
    author = make_user(db)
    first = create_article(session=db, author_id=author.id, title="Same", description="d", body="b")
    second = create_article(
        session=db, author_id=author.id, title="Same", description="d", body="b"
    )
    assert first.slug == "same"
    assert second.slug.startswith("same-")
    assert len(second.slug) == len("same-") + 6
    assert unique_slug(db, "Fresh title") == "fresh-title"


def test_normalise_tags():
    assert normalise_tags([" Python", "#htmx", "python", "", "  ", "HTMX"]) == ["htmx", "python"]


def test_create_article_links_existing_and_new_tags(db):
    author = make_user(db)
    make_articles(db, author, 1, tags=["flask"])
    make_articles(db, author, 1, tags=["Flask", "htmx"], title="Other")
    assert popular_tags(session=db) == ["flask", "htmx"]


def test_list_articles_newest_first_with_exact_total(db):
    author = make_user(db, "writer", image="https://example.com/me.png")
    ids = make_articles(db, author, 12, tags=["b", "a"])
    favorite(db, author, ids[-1])

    page = list_articles(session=db, page=1, size=5)

    assert page.total == 12
    assert page.pages == 3
    assert [a.title for a in page.items] == [f"Article {n}" for n in range(12, 7, -1)]
    newest = page.items[0]
    assert newest.tags == ["a", "b"]
    assert newest.favorites_count == 1
    assert page.items[1].favorites_count == 0
    assert newest.author.username == "writer"
    assert newest.author.image == "https://example.com/me.png"
    assert newest.created_at.tzinfo is not None


def test_list_articles_last_page_and_out_of_range(db):
    make_articles(db, make_user(db), 12)
    assert len(list_articles(session=db, page=3, size=5).items) == 2
    for number in (0, -1, 4):
        with pytest.raises(PageOutOfRange):
            list_articles(session=db, page=number, size=5)


def test_empty_list_has_one_empty_page(db):
    page = list_articles(session=db, page=1, size=5)
    assert page.items == []
    assert page.pages == 1
    with pytest.raises(PageOutOfRange):
        list_articles(session=db, page=2, size=5)


def test_tag_filter(db):
    author = make_user(db)
    make_articles(db, author, 3, tags=["htmx"], title="Hyper")
    make_articles(db, author, 2, tags=["flask"], title="Flask")
    page = list_articles(session=db, page=1, size=10, tag="htmx")
    assert page.total == 3
    assert {a.title for a in page.items} == {"Hyper 1", "Hyper 2", "Hyper 3"}
    assert list_articles(session=db, page=1, size=10, tag="nope").total == 0


def test_popular_tags_most_used_first_and_only_in_use(db):
    author = make_user(db)
    make_articles(db, author, 3, tags=["common"], title="A")
    make_articles(db, author, 2, tags=["medium", "beta"], title="B")
    [lonely] = make_articles(db, author, 1, tags=["alpha", "lonely"], title="C")
    assert popular_tags(session=db) == ["common", "beta", "medium", "alpha", "lonely"]
    assert popular_tags(session=db, limit=2) == ["common", "beta"]

    db.delete(db.get(Article, lonely))
    db.commit()
    assert popular_tags(session=db) == ["common", "beta", "medium"]


@pytest.mark.parametrize(
    ("number", "pages", "window"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 20, [1, 2, 3, None, 20]),
        (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),
        (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
    ],
)
def test_page_window(number, pages, window):
    page = Page(items=[], number=number, size=10, total=pages * 10)
    assert page.window() == window
    assert page.has_prev == (number > 1)
    assert page.has_next == (number < pages)
