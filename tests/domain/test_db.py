import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from tests.conftest import BACKEND, ON_SERVER
from web.db import engine_of, get_session
from web.infra.migrate import include_object, is_current, upgrade


def test_one_session_per_app_context_closed_on_teardown(app):
    with app.app_context():
        session = get_session()
        assert get_session() is session
        session.exec(text("SELECT 1"))
        assert session.in_transaction()
    assert not session.in_transaction()
    with app.app_context():
        assert get_session() is not session


def test_a_connection_lost_before_teardown_never_turns_an_answer_into_a_500(
    app, client, monkeypatch
):
    """A database restarted under a finished request: closing the session fails, the
    answer already made stands, and the dead connection leaves the pool."""
    dropped: list[Session] = []

    def lost(self: Session) -> None:
        raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))

    invalidate = Session.invalidate

    def drop(self: Session) -> None:
        dropped.append(self)
        invalidate(self)  # really let the connection go (PostgreSQL would keep its locks)

    monkeypatch.setattr(Session, "close", lost)
    monkeypatch.setattr(Session, "invalidate", drop)
    response = client.get("/api/tags")
    assert response.status_code == 200
    assert len(dropped) == 1


@pytest.mark.skipif(ON_SERVER, reason="SQLite's pragmas; the servers have these built in")
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    with engine_of(app).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


# SQLAlchemy cannot reflect SQLite's expression indexes; they are checked by name below.
REFLECTION_GAP = [
    "ignore:Skipped unsupported reflection of expression-based index",
    "ignore:autogenerate skipping metadata-specified expression-based index",
]


def _same_type_ignoring_sqlite_lengths(context, _inspected, _metadata, inspected, declared):
    """SQLite stores but never enforces VARCHAR lengths, so a shorter declared length
    (tag names) is not migrated there; every other type difference still counts."""
    if context.dialect.name == "sqlite":
        lengths = (getattr(inspected, "length", None), getattr(declared, "length", None))
        if None not in lengths and type(inspected).__name__ == "VARCHAR":
            return False
    return None  # alembic's own comparison


@pytest.mark.filterwarnings(*REFLECTION_GAP)
def test_migrations_create_exactly_the_models_schema(app):
    engine = engine_of(app)
    with engine.connect() as connection:
        opts = {
            "include_object": include_object,
            "compare_type": _same_type_ignoring_sqlite_lengths,
        }
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    assert is_current(engine)


def test_expression_indexes_exist(app):
    catalogue = {
        "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'user'",
        "mysql": "SELECT index_name FROM information_schema.statistics "
        "WHERE table_schema = DATABASE() AND table_name = 'user'",
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'user'",
    }[BACKEND]
    with engine_of(app).connect() as connection:
        names = set(connection.execute(text(catalogue)).scalars())
    assert {"uq_user_username_lower", "uq_user_email_lower"} <= names


@pytest.mark.filterwarnings(*REFLECTION_GAP)
def test_every_foreign_key_column_is_indexed(app):
    inspector = inspect(engine_of(app))
    for table in SQLModel.metadata.sorted_tables:
        indexed = [ix["column_names"] for ix in inspector.get_indexes(table.name)]
        indexed.append(inspector.get_pk_constraint(table.name)["constrained_columns"])
        for fk in inspector.get_foreign_keys(table.name):
            column = fk["constrained_columns"][0]
            assert any(cols and cols[0] == column for cols in indexed), (table.name, column)


def test_downgrade_then_upgrade(app):
    from alembic import command

    from web.infra.migrate import alembic_config

    engine = engine_of(app)
    with app.app_context():
        command.downgrade(alembic_config(), "base")
        assert not is_current(engine)
        assert "article" not in inspect(engine).get_table_names()
        upgrade()
    assert is_current(engine)
    assert "article" in inspect(engine).get_table_names()


def test_cli_upgrade_and_current(runner):
    assert "up to date" in runner.invoke(args=["db", "upgrade"]).output
    assert "is up to date" in runner.invoke(args=["db", "current"]).output


def test_the_word_count_migration_counts_existing_articles(app):
    from alembic import command

    from web.infra.migrate import alembic_config

    engine = engine_of(app)
    with app.app_context():
        command.downgrade(alembic_config(), "0006")
        user = engine.dialect.identifier_preparer.quote("user")
        with engine.begin() as connection:
            connection.execute(text(
                f"INSERT INTO {user} (id, username, email, password_hash, created_at) "
                "VALUES (1, 'ana', 'ana@example.com', 'x', :now)"),
                {"now": "2026-11-23 10:00:00"})  # fmt: skip
            connection.execute(text(
                "INSERT INTO article (id, slug, title, description, body, author_id, created_at,"
                " updated_at) VALUES (1, 's', 't', 'd', :body, 1, :now, :now)"),
                {"body": "one two  three\nfour", "now": "2026-11-23 10:00:00"})  # fmt: skip
        upgrade()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT words FROM article")).scalar_one() == 4
