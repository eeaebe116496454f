"""The alembic migrations build exactly the models' schema on PostgreSQL and
MariaDB (SQLite is covered in tests/unit/db)."""
import pytest
import sqlalchemy as sa

from alembic import autogenerate
from alembic import migration as alembic_migration
from manila_repl.db import migration, models
from tests.functional import services


@pytest.mark.parametrize('kind', ['postgresql', 'mariadb'])
def test_empty_database_migrates_to_the_models(kind):
    with services.database(kind) as url:
        engine = sa.create_engine(url)
        try:
            assert migration.version(engine) is None
            migration.upgrade(engine=engine)
            assert migration.version(engine) == migration.head()
            with engine.connect() as connection:
                context = alembic_migration.MigrationContext.configure(
                    connection, opts={'compare_type': True})
                diff = autogenerate.compare_metadata(context,
                                                     models.Base.metadata)
            assert diff == []
        finally:
            engine.dispose()
