"""Bounded retries of a flow's final write (db/retry.py): connection
errors are retried with backoff for [database]/final_write_retry_timeout
seconds, each try in a new transaction; other errors are not."""
import pytest
import sqlalchemy as sa

from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from tests.unit.db import fixtures


@pytest.fixture
def conf_db(tmp_path):
    with fixtures.temp_database(tmp_path) as overrides:
        yield overrides


def gone(statement='UPDATE shares'):
    return sa.exc.OperationalError(
        statement, {}, Exception('server closed the connection'))


def test_connection_errors_are_retried_in_new_transactions(conf_db):
    tries = []

    def write(s):
        s.add(models.AvailabilityZone(name='az-%d' % len(tries)))
        tries.append(s)
        if len(tries) < 3:
            s.flush()
            raise gone()
        return 'saved'

    assert retry.transaction(write) == 'saved'
    assert len(set(map(id, tries))) == 3
    with session.reader() as r:
        # The failed tries were rolled back.
        assert r.scalars(sa.select(models.AvailabilityZone.name)).all() == [
            'az-2']


def test_other_errors_are_not_retried(conf_db):
    tries = []

    def write(s):
        tries.append(1)
        raise sa.exc.IntegrityError('INSERT', {}, Exception('duplicate'))

    with pytest.raises(sa.exc.IntegrityError):
        retry.transaction(write)
    assert tries == [1]


def test_retries_are_bounded(conf_db):
    conf_db.set('final_write_retry_timeout', 1, group='database')
    tries = []

    def write(s):
        tries.append(1)
        raise gone()

    with pytest.raises(sa.exc.OperationalError):
        retry.transaction(write)
    assert 1 < len(tries) < 10
    conf_db.set('final_write_retry_timeout', 0, group='database')
    tries.clear()
    with pytest.raises(sa.exc.OperationalError):
        retry.transaction(write)
    assert tries == [1]
