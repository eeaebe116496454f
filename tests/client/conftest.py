import pytest

from tests.client import server


@pytest.fixture(scope='module')
def all_in_one(tmp_path_factory):
    deployment = server.AllInOne(tmp_path_factory.mktemp('cli'))
    try:
        deployment.start()
        yield deployment
    except BaseException:
        print(deployment.log()[-8000:])
        raise
    finally:
        deployment.stop()
