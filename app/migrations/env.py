"""Alembic environment. Migrations run on the connection LianCha hands in (``app.db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from app.services.sqlite_search import include_name

connection = context.config.attributes.get("connection")

if connection is None:
    # Only for developers running `alembic` by hand (e.g. autogenerate against a scratch file).
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///scratch.sqlite3"
    from app.models import Base

    with create_engine(url).connect() as conn:
        context.configure(
            connection=conn, target_metadata=Base.metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
else:
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
