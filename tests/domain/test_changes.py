"""Domain writes say what they change (web.changes); only a commit makes it real: the
generation moves on once per transaction and live updates go out, and a rolled-back
write moves and tells nothing."""

import pytest
from flask import Flask

from tests.caching.test_live import hub, published
from tests.conftest import make_test_app
from tests.factories import make_user
from web import changes
from web.articles import create_article, set_favorite
from web.caching.generation import _read_generation
from web.db import dispose
from web.infra import live
from web.problems import Invalid
from web.reading_list import save
from web.users import AccountConflict, create_user, set_following


@pytest.fixture
def app(db_url: str):
    app = make_test_app(db_url)
    yield app
    live.shut_down(app)
    dispose(app)


def generation(app: Flask) -> int | None:
    with app.app_context():
        return _read_generation()


def test_a_committed_write_moves_the_generation_once_and_tells_open_pages(app, db):
    ana = make_user(db, "ana")
    with app.app_context():
        article = create_article(session=db, author_id=ana.id, title="Once", description="d",
                                 body="b")  # fmt: skip
        before, mark = generation(app), hub(app).last_id()
        set_favorite(session=db, slug=article.slug, user_id=ana.id, on=True)
        assert generation(app) == before + 1
        assert [e.kind for e in published(app, mark, article.slug)] == ["favorites"]


def test_a_write_that_fails_moves_and_tells_nothing(app, db):
    make_user(db, "ana")
    bo = make_user(db, "bo")
    with app.app_context():
        before = generation(app)
        with pytest.raises(AccountConflict):
            create_user(session=db, username="ana", email="other@example.com", password="pw-long-1")
        with pytest.raises(Invalid):  # following yourself is refused before any write
            set_following(session=db, follower_id=bo.id, username="bo", following=True)
        assert generation(app) == before
        assert changes.PENDING not in db.info


def test_notes_of_a_rolled_back_transaction_never_reach_a_later_commit(app, db):
    ana = make_user(db, "ana")
    with app.app_context():
        article = create_article(session=db, author_id=ana.id, title="Kept", description="d",
                                 body="b")  # fmt: skip
        mark = hub(app).last_id()
        changes.noted(db, "favorites", slug=article.slug, actor_id=ana.id)
        db.rollback()
        before = generation(app)
        save(session=db, user_id=ana.id, article_id=article.id)  # commits, notes no event
        assert generation(app) == before + 1
        assert published(app, mark, article.slug, wait=0.5) == []


def test_domain_functions_outside_the_app_simply_compute(db_url):
    from web.reuse import reused

    calls: list[int] = []
    assert reused("k", lambda: calls.append(1) or 7) == 7
    assert reused("k", lambda: calls.append(1) or 7) == 7
    assert calls == [1, 1]  # no app, no store: nothing is kept
