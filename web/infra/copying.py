"""Copy every row from one database to another (`flask db copy`): moving a site from
SQLite to PostgreSQL or MySQL/MariaDB, or between any two of them.

The target is migrated first and must hold no accounts. Rows are copied table by table
in the order their foreign keys need, in batches, in one transaction on the target (all
or nothing); then the ids the target gives out next continue past the copied ones, and
the search index is rebuilt there.
What is only ever temporary (rate-limit counters) and the cache's generation, which
each database keeps for itself, are not copied.
"""

from collections.abc import Callable

from sqlalchemy import Connection, Engine, Table, func, insert, select, text
from sqlmodel import Session, SQLModel

from web.search_index import index_everything

KEPT_APART = {"rate_limit", "site_state"}
BATCH = 1000


class NotEmpty(Exception):
    """The target already holds accounts: copying would mix two sites."""


def tables() -> list[Table]:
    """The tables to copy, each after those it refers to."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name not in KEPT_APART]


def copy_database(
    source: Engine, target: Engine, *, said: Callable[[str, int], None] = lambda *_: None
) -> dict[str, int]:
    """Copy the rows of `tables()` from `source` to `target`; how many, by table.
    Raises NotEmpty when the target already holds accounts."""
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        users = SQLModel.metadata.tables["user"]
        if writing.execute(select(func.count()).select_from(users)).scalar_one():
            raise NotEmpty("the target database already holds accounts")
        for table in tables():
            rows = reading.execution_options(yield_per=BATCH).execute(
                select(table).order_by(*table.primary_key.columns)
            )
            copied[table.name] = 0
            for batch in rows.partitions(BATCH):
                writing.execute(insert(table), [row._asdict() for row in batch])
                copied[table.name] += len(batch)
            said(table.name, copied[table.name])
        if writing.dialect.name == "postgresql":
            _continue_ids(writing)
        index_everything(session=Session(bind=writing))
    return copied


def _continue_ids(connection: Connection) -> None:
    """PostgreSQL's sequences do not see explicit ids: move each past its table's."""
    for table in tables():
        if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'coalesce(max(id), 0) + 1, false) FROM "{table.name}"'
                )
            )
