import pytest

from tests.unit.db import fixtures


@pytest.fixture
def conf_db(tmp_path):
    with fixtures.temp_database(tmp_path) as overrides:
        yield overrides


@pytest.fixture
def rows(conf_db):
    return fixtures.Rows()


@pytest.fixture
def drivers(conf_db, tmp_path):
    """Fake backends az1, az2, az3 (one AZ each, one replication domain).
    """
    return fixtures.make_backends(conf_db, tmp_path / 'backends')
