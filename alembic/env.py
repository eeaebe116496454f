"""Alembic environment: runs on the connection manila_repl.db.migration
hands over (config.attributes['connection'])."""
from alembic import context

from manila_repl.db import models

config = context.config


def run_migrations_online():
    connection = config.attributes['connection']
    context.configure(connection=connection,
                      target_metadata=models.Base.metadata,
                      render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
