"""Alembic's environment for the study store: migrations run on the connection that
search.store_schema.migrate opened (and locked), never on one of their own."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
