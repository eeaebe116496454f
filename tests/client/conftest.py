import pytest

from tests.client import server


@pytest.fixture(scope='module')
def all_in_one(tmp_path_factory):
    with server.started(tmp_path_factory.mktemp('cli')) as running:
        yield running
