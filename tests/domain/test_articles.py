import pytest
from sqlalchemy import select, text
from sqlmodel import col

from tests.factories import favorite, follow, make_articles, make_user
from web.articles import (
    create_article,
    delete_article,
    editable_article,
    favorites_count,
    find_article,
    find_articles,
    get_article,
    list_articles,
    listed,
    normalise_tags,
    parse_tags,
    popular_tags,
    set_favorite,
    slugify,
    unique_slug,
    unlisted,
    update_article,
)
from web.models import Article
from web.pagination import Page, PageOutOfRange
from web.problems import Moved, NotAllowed, NotFound


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
    assert unique_slug(session=db, title="Fresh title") == "fresh-title"


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


def test_parse_tags_accepts_commas_and_spaces():
    assert parse_tags("Python, htmx  flask,,#CSS python") == ["css", "flask", "htmx", "python"]


def test_rename_gives_a_new_slug_and_keeps_the_old_one_findable(db):
    author = make_user(db)
    article = create_article(
        session=db, author_id=author.id, title="First", description="d", body="b"
    )
    article = update_article(session=db, slug="first", editor_id=author.id, title="Second title")
    assert article.slug == "second-title"
    with pytest.raises(Moved) as moved:
        find_article(session=db, slug="first", viewer_id=None)
    assert moved.value.slug == "second-title"
    assert find_article(session=db, slug="second-title", viewer_id=None).id == article.id
    # A new article cannot take the retired slug: the old URL keeps pointing home.
    other = create_article(
        session=db, author_id=author.id, title="First", description="d", body="b"
    )
    assert other.slug.startswith("first-")
    # Going back to the first title takes the first slug back.
    article = update_article(session=db, slug=article.slug, editor_id=author.id, title="First")
    assert article.slug == "first"


def test_only_the_author_may_edit_or_delete(db):
    author, other = make_user(db), make_user(db)
    [article_id] = make_articles(db, author, 1)
    slug = db.get(Article, article_id).slug
    with pytest.raises(NotAllowed):
        update_article(session=db, slug=slug, editor_id=other.id, title="Mine now")
    with pytest.raises(NotAllowed):
        delete_article(session=db, slug=slug, editor_id=other.id)
    with pytest.raises(NotAllowed):
        editable_article(session=db, slug=slug, user_id=other.id)
    assert editable_article(session=db, slug=slug, user_id=author.id).title == "Article 1"
    assert get_article(session=db, slug=slug, viewer_id=None).title == "Article 1"


@pytest.mark.parametrize(
    "call",
    [
        lambda db, user: get_article(session=db, slug="gone", viewer_id=user),
        lambda db, _user: find_article(session=db, slug="gone", viewer_id=None),
        lambda db, user: update_article(session=db, slug="gone", editor_id=user, title="x"),
        lambda db, user: delete_article(session=db, slug="gone", editor_id=user),
        lambda db, user: set_favorite(session=db, slug="gone", user_id=user, on=True),
    ],
)
def test_a_missing_article_is_not_found(db, call):
    user = make_user(db)
    with pytest.raises(NotFound) as missing:
        call(db, user.id)
    assert missing.value.subject == "article"
    assert not isinstance(missing.value, Moved)


def test_update_replaces_tags_and_keeps_what_is_not_given(db):
    author = make_user(db)
    [article_id] = make_articles(db, author, 1, tags=["old", "keep"])
    slug = db.get(Article, article_id).slug
    update_article(session=db, slug=slug, editor_id=author.id, tags=["keep", "new"])
    detail = get_article(session=db, slug=slug, viewer_id=None)
    assert detail.tags == ["keep", "new"]
    assert detail.title == "Article 1"
    assert popular_tags(session=db) == ["keep", "new"]


def test_get_article_as_seen_by_a_viewer(db):
    author, reader = make_user(db, "author"), make_user(db, "reader")
    [article_id] = make_articles(db, author, 1, tags=["b", "a"])
    slug = db.get(Article, article_id).slug
    favorite(db, reader, article_id)
    follow(db, reader, author)
    seen = get_article(session=db, slug=slug, viewer_id=reader.id)
    assert (seen.favorited, seen.favorites_count, seen.author.following) == (True, 1, True)
    assert seen.tags == ["a", "b"]
    anonymous = get_article(session=db, slug=slug, viewer_id=None)
    assert (anonymous.favorited, anonymous.author.following) == (False, False)


def test_favorites_are_idempotent_and_counted_exactly(db):
    author, a, b = make_user(db), make_user(db), make_user(db)
    [article_id] = make_articles(db, author, 1)
    slug = db.get(Article, article_id).slug
    seen = [set_favorite(session=db, slug=slug, user_id=u.id, on=True) for u in (a, a, b)]
    assert [(s.favorited, s.favorites_count) for s in seen] == [(True, 1), (True, 1), (True, 2)]
    assert favorites_count(session=db, article_id=article_id) == 2
    for _ in range(2):
        seen = [set_favorite(session=db, slug=slug, user_id=a.id, on=False)]
    assert (seen[0].favorited, seen[0].favorites_count) == (False, 1)
    assert favorites_count(session=db, article_id=article_id) == 1


def test_followed_feed_and_favorited_flags(db):
    me, followed, stranger = make_user(db), make_user(db), make_user(db)
    mine = make_articles(db, followed, 3, title="Followed")
    make_articles(db, stranger, 2, title="Stranger")
    follow(db, me, followed)
    favorite(db, me, mine[0])
    page = list_articles(session=db, page=1, size=10, viewer_id=me.id, followed_by=me.id)
    assert {a.title for a in page.items} == {"Followed 1", "Followed 2", "Followed 3"}
    assert [a.favorited for a in page.items] == [False, False, True]
    assert list_articles(session=db, page=1, size=10, followed_by=stranger.id).total == 0


def test_favorited_by_filter(db):
    author, fan = make_user(db), make_user(db)
    ids = make_articles(db, author, 3)
    favorite(db, fan, ids[1])
    page = list_articles(session=db, page=1, size=10, favorited_by=fan.id)
    assert [a.title for a in page.items] == ["Article 2"]
    by_name = list_articles(session=db, page=1, size=10, favorited_by=fan.username.upper())
    assert [a.title for a in by_name.items] == ["Article 2"]
    assert list_articles(session=db, page=1, size=10, favorited_by="nobody").total == 0


def test_author_filter_by_name_or_id(db):
    ana, bob = make_user(db, "ana"), make_user(db, "bob")
    make_articles(db, ana, 2, title="Ana")
    make_articles(db, bob, 1, title="Bob")
    assert list_articles(session=db, page=1, size=10, author="ANA").total == 2
    assert list_articles(session=db, page=1, size=10, author_id=bob.id).total == 1
    assert list_articles(session=db, page=1, size=10, author="nobody").total == 0


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (230, 1), (231, 2), (2300, 10)])
def test_reading_time_is_words_over_230_at_least_a_minute(db, words, minutes):
    author = make_user(db, "reader")
    create_article(session=db, author_id=author.id, title="Long", description="d",
                   body=" ".join(["word"] * words) or "-")  # fmt: skip
    db.commit()
    preview = find_articles(session=db, offset=0, limit=1)[0][0]
    assert preview.reading_minutes == minutes


def test_editing_the_body_recounts_its_words(db, client):
    author = make_user(db, "reader")
    create_article(session=db, author_id=author.id, title="Grows", description="d", body="a b")
    update_article(session=db, slug="grows", editor_id=author.id, body="word " * 700)
    assert get_article(session=db, slug="grows", viewer_id=None).reading_minutes == 4
    page = client.get("/article/grows").text
    assert "4 min read" in page
    assert "4 min read" in client.get("/").text  # the preview too


FEED_INDEX = "ix_article_draft_hidden_created_at_id"


def _plan(db, statement) -> str:
    """The database's own plan for `statement`, as one text."""
    bind = db.get_bind()
    sql = str(statement.compile(bind, compile_kwargs={"literal_binds": True}))
    if bind.dialect.name == "sqlite":
        return " ".join(row[-1] for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    if bind.dialect.name == "postgresql":
        for costly in ("seqscan", "bitmapscan"):  # a tiny table: ask for the index alone
            db.execute(text(f"SET LOCAL enable_{costly} = off"))
        return " ".join(row[0] for row in db.execute(text(f"EXPLAIN {sql}")))
    rows = db.execute(text(f"EXPLAIN {sql}")).mappings()
    return " ".join(f"{row['type']} {row['key']} {row['Extra']}" for row in rows)


def test_the_feeds_filters_read_the_feed_index_on_every_database(db):
    """Published-and-listed is a range of the feed index, in key order, on all three
    databases (MySQL reads every entry for `draft IS false`, and sorts them)."""
    make_articles(db, make_user(db, "writer"), 3)
    newest = select(Article.id).where(listed()).order_by(
        col(Article.created_at).desc(), col(Article.id).desc()
    ).limit(10)  # fmt: skip
    plan = _plan(db, newest)
    assert FEED_INDEX in plan
    assert not any(sort in plan for sort in ("TEMP B-TREE", "Sort", "filesort")), plan
    if db.get_bind().dialect.name == "mysql":
        assert plan.split()[0] in ("ref", "range"), plan  # not "index": the whole of it
        hidden = select(Article.id).where(unlisted())
        assert _plan(db, hidden).split()[0] == "range"
    db.rollback()
