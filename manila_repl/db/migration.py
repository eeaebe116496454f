"""Schema migrations with alembic, from a checkout or an installed wheel.

The scripts live in the top-level alembic/ directory, installed as the
package ``manila_repl.db.alembic_scripts`` (see package_dir in setup.cfg).
"""
import importlib.resources

from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

from manila_repl.db import session


def _config(connection=None):
    location = importlib.resources.files('manila_repl.db.alembic_scripts')
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', str(location))
    cfg.attributes['connection'] = connection
    return cfg


def upgrade(revision='head', engine=None):
    engine = engine or session.get_engine()
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def version(engine=None):
    """The revision the database is at, or None before the first sync."""
    engine = engine or session.get_engine()
    with engine.connect() as connection:
        return migration.MigrationContext.configure(
            connection).get_current_revision()


def head():
    return script.ScriptDirectory.from_config(_config()).get_current_head()
