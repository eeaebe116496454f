"""Schema migrations with alembic, from a checkout or an installed wheel.

The scripts live in the top-level alembic/ directory of the checkout; a
wheel installs them as data under ``<prefix>/share/manila-repl/alembic``
(data_files in setup.cfg). That directory is not a Python package, so it
never shadows the alembic library.
"""
import os
import sys
import sysconfig

from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

from manila_repl.db import session


def script_location():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(here, os.pardir, os.pardir, 'alembic')]
    candidates += [os.path.join(base, 'share', 'manila-repl', 'alembic')
                   for base in (sysconfig.get_path('data'), sys.prefix,
                                sysconfig.get_path('data', 'posix_user'))]
    for path in candidates:
        if os.path.exists(os.path.join(path, 'env.py')):
            return os.path.normpath(path)
    raise RuntimeError('alembic migration scripts not found in: %s' %
                       ', '.join(candidates))


def _config(connection=None):
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', script_location())
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
