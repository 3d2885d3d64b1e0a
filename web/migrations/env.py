"""Alembic environment: runs against the Flask app's engine (called inside an app context)."""

from typing import Any

from alembic import context
from sqlmodel import SQLModel

import web.models  # noqa: F401 - registers the tables on SQLModel.metadata
from web.db import engine
from web.infra.migrate import include_object
from web.infra.mysql import collations
from web.models import UTCDateTime


def render_item(type_: str, obj: Any, _autogen_context: Any) -> str | bool:
    # UTCDateTime is stored as a plain timezone-aware DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    with engine().connect() as connection:
        if connection.dialect.name == "mysql":
            # Tables take the database's defaults: four-byte UTF-8, compared exactly.
            exact, _, _ = collations(connection)
            connection.exec_driver_sql(f"ALTER DATABASE CHARACTER SET utf8mb4 COLLATE {exact}")
            connection.commit()  # so that the migrations' own transaction is committed
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            render_item=render_item,
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
