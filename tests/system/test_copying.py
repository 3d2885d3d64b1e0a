"""`flask db copy`: a whole site moved between databases (SQLite and, in CI's passes,
PostgreSQL or MariaDB: from the pass's database into SQLite, and from SQLite into it)."""

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from tests.conftest import migrate
from tests.factories import favorite, follow, make_articles, make_user
from web.comments import add_comment
from web.db import engine_of, make_engine
from web.infra.copying import copy_database, tables
from web.models import Article
from web.search import search_articles


def fill(session: Session) -> None:
    ana, bob = make_user(session, "ana"), make_user(session, "bob")
    ids = make_articles(session, ana, 3, tags=["moving", "databases"])
    favorite(session, bob, ids[0])
    follow(session, bob, ana)
    slug = session.get(Article, ids[0]).slug
    add_comment(session=session, slug=slug, author=bob, body="Moved with care 🎉")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables()
        }


def found(engine: Engine, query: str) -> int:
    with Session(engine) as session:
        return search_articles(session=session, query=query, page=1, size=10, viewer_id=None).total


def sqlite_database(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    migrate(url)
    return make_engine(url)


def test_a_site_copied_out_arrives_whole(app, db, runner, tmp_path):
    fill(db)
    target = sqlite_database(tmp_path)
    result = runner.invoke(args=["db", "copy", str(target.url)])
    assert result.exit_code == 0, result.output
    assert "article: 3" in result.output
    assert counts(target) == counts(engine_of(app))
    assert counts(target)["comment"] == 1
    assert found(target, "databases") == 3  # the index was rebuilt there
    with Session(target) as session:  # new rows take ids past the copied ones
        assert make_user(session, "carl").id == 3
    target.dispose()


def test_a_site_copied_in_takes_up_where_it_was(app, client, tmp_path):
    source = sqlite_database(tmp_path)
    with Session(source, expire_on_commit=False) as session:
        fill(session)
    copied = copy_database(source, engine_of(app))
    assert copied["user"] == 2
    assert copied["article"] == 3
    assert counts(engine_of(app)) == counts(source)
    assert found(engine_of(app), "moving") == 3
    signed_up = client.post(
        "/api/users",
        json={
            "user": {"username": "carl", "email": "carl@example.com", "password": "moved password"}
        },
    )
    assert signed_up.status_code == 201  # the ids go on past the copied ones
    token = signed_up.json["user"]["token"]
    written = client.post(
        "/api/articles",
        headers={"Authorization": f"Token {token}"},
        json={"article": {"title": "After", "description": "d", "body": "b"}},
    )
    assert written.status_code == 201, written.json
    source.dispose()


def test_copying_into_a_site_with_accounts_copies_nothing(app, db, runner, tmp_path):
    fill(db)
    target = sqlite_database(tmp_path)
    with Session(target) as session:
        make_user(session, "already")
    before = counts(target)
    result = runner.invoke(args=["db", "copy", str(target.url)])
    assert result.exit_code != 0
    assert "already holds accounts: nothing was copied" in result.output
    assert counts(target) == before
    target.dispose()


def test_copying_into_an_unmigrated_database_says_what_to_do(app, runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(args=["db", "copy", url])
    assert result.exit_code != 0
    assert "not migrated" in result.output
