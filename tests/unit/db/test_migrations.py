"""Alembic migrations against the models, on SQLite (PostgreSQL and MariaDB
are covered in tests/functional)."""
import os
import pathlib
import subprocess
import sys

import pytest
import sqlalchemy as sa

from alembic import autogenerate
from alembic import migration as alembic_migration
from manila_repl.db import migration, models, session

MANAGE = pathlib.Path(sys.executable).with_name('manila-repl-manage')


@pytest.fixture
def engine(tmp_path):
    engine = session.create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    yield engine
    engine.dispose()


def test_empty_database_has_no_version(engine):
    assert migration.version(engine) is None


def test_upgrade_matches_models(engine):
    migration.upgrade(engine=engine)
    assert migration.version(engine) == migration.head()
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'compare_type': True})
        diff = autogenerate.compare_metadata(context, models.Base.metadata)
    assert diff == []
    tables = set(sa.inspect(engine).get_table_names())
    assert set(models.Base.metadata.tables) <= tables
    assert 'alembic_version' in tables


def test_upgrade_is_idempotent(engine):
    migration.upgrade(engine=engine)
    migration.upgrade(engine=engine)
    assert migration.version(engine) == migration.head()


def test_head_is_a_single_revision():
    head = migration.head()
    assert head
    assert ',' not in head


@pytest.mark.skipif(not MANAGE.exists(), reason='console script missing')
def test_manage_db_sync_and_version(tmp_path):
    database = tmp_path / 'manage.sqlite'
    conf = tmp_path / 'manila-repl.conf'
    conf.write_text(f'[DEFAULT]\nstate_path = {tmp_path}\n'
                    f'[database]\nconnection = sqlite:///{database}\n')
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)

    def manage(*args):
        result = subprocess.run(
            [str(MANAGE), '--config-file', str(conf), *args],
            cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        # The answer is the last line; oslo.log may write to stdout too.
        return result.stdout.strip().splitlines()[-1]

    head = migration.head()
    assert manage('db', 'version') == 'None'
    assert manage('db', 'sync') == f'Database at revision {head}'
    assert manage('db', 'version') == head
    assert database.exists()
