"""Schema migrations (Alembic, scripts in web/migrations) and the `flask db` commands."""

from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask.cli import with_appcontext
from sqlalchemy import Engine

from web.config import normalise_database_url
from web.db import engine, make_engine
from web.infra.copying import NotEmpty, copy_database

SCRIPTS = Path(__file__).parent.parent / "migrations"


def include_object(_obj: Any, name: str | None, type_: str, *_args: Any) -> bool:
    """Leave the search index (and SQLite's FTS5 shadow tables) out of autogenerate:
    migrations manage it by hand, per database."""
    return not (type_ == "table" and name is not None and name.startswith("article_fts"))


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def upgrade(revision: str = "head") -> None:
    """Apply migrations up to `revision` on the app's database (needs an app context)."""
    command.upgrade(alembic_config(), revision)


def is_current(bind: Engine) -> bool:
    """True when the database is at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with bind.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


@click.group("db")
def db_command() -> None:
    """Manage the database schema."""


@db_command.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Apply migrations (to the newest by default)."""
    upgrade(revision)
    click.echo("Database is up to date.")


@db_command.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@with_appcontext
def revision_command(message: str) -> None:
    """Write a new migration from the difference between models and database."""
    command.revision(alembic_config(), message=message, autogenerate=True)


@db_command.command("current")
@with_appcontext
def current_command() -> None:
    """Say whether the database is at the newest migration."""
    state = "up to date" if is_current(engine()) else "behind: run `flask --app web db upgrade`"
    click.echo(f"Database is {state}.")


@db_command.command("copy")
@click.argument("target_url")
@with_appcontext
def copy_command(target_url: str) -> None:
    """Copy every row from this database (DATABASE_URL) into TARGET_URL's, which must
    be migrated (`DATABASE_URL=TARGET_URL flask --app web db upgrade`) and hold no
    accounts."""
    target = make_engine(normalise_database_url(target_url))
    try:
        if not is_current(target):
            raise click.ClickException(
                "the target database is not migrated: run "
                "`DATABASE_URL=<target> flask --app web db upgrade` first"
            )
        try:
            copy_database(engine(), target, said=lambda name, n: click.echo(f"{name}: {n}"))
        except NotEmpty as refused:
            raise click.ClickException(f"{refused}: nothing was copied") from None
    finally:
        target.dispose()
    click.echo("Copied; the search index was rebuilt there.")
