"""The probe of unreachable backends: a returning backend's replicas of
the manager's shares are re-synced at the first answer, not at the next
status loop; a busy share waits for the next probe."""
import os

from manila_repl import constants as c
from manila_repl import coordination
from manila_repl.share import instance_db
from manila_repl.share import returning
from manila_repl.share.drivers import fake
from tests.unit.db import fixtures

MANAGER = fixtures.backend_host('az1')


class Remembers(fake.FakeShareDriver):
    """The fake driver, remembering the backends it found unreachable as
    the btrfs driver does (the fake's own reachability: an ``offline``
    file in the backend's directory)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.down = {}

    def _reachable(self, backend_name):
        answers = super()._reachable(backend_name)
        if not answers:
            self.down[backend_name] = 'controller is down'
        return answers

    def down_backends(self):
        return dict(self.down)

    def probe_backend(self, backend_name):
        if not super()._reachable(backend_name):
            return False
        self.down.pop(backend_name, None)
        return True


def offline(driver, backend, on=True):
    path = os.path.join(driver.configuration.fake_root_path, backend,
                        'offline')
    if on:
        open(path, 'w').close()
    else:
        os.unlink(path)


def test_a_returning_backend_is_resynced_at_its_first_answer(
        drivers, rows):
    base = drivers['az1']
    driver = Remembers(base.configuration, base.conf, 'az1')
    share_id = rows.share()
    active = rows.instance(share_id, backend='az1')
    old = rows.instance(share_id, backend='az2',
                        replica_state=c.REPLICA_STATE_ERROR)
    other = rows.share()
    rows.instance(other, backend='az3')
    not_ours = rows.instance(other, backend='az2',
                             replica_state=c.REPLICA_STATE_ERROR)
    driver.create_share(instance_db.load(active)[1])

    offline(driver, 'az2')
    assert driver.update_replica_status(instance_db.load(old)[1]) == {
        'replica_state': 'error'}
    watched = set()
    assert returning.probe(driver, MANAGER, watched) == []
    assert watched == {'az2'}
    assert rows.instance_row(old).replica_state == c.REPLICA_STATE_ERROR

    offline(driver, 'az2', on=False)
    # Another flow holds the share: the replica waits for the next probe.
    lock = coordination.share_lock(share_id)
    assert lock.acquire(blocking=False)
    try:
        assert returning.probe(driver, MANAGER, watched) == ['az2']
        assert watched == {'az2'}
        assert rows.instance_row(old).replica_state == \
            c.REPLICA_STATE_ERROR
    finally:
        lock.release()
    assert returning.probe(driver, MANAGER, watched) == ['az2']
    assert watched == set()
    assert rows.instance_row(old).replica_state == c.REPLICA_STATE_IN_SYNC
    # Only the replicas of this manager's shares: not another's.
    assert rows.instance_row(not_ours).replica_state == \
        c.REPLICA_STATE_ERROR
    assert instance_db.replicas_on(MANAGER, 'az2') == [old]
    assert instance_db.replica_backends_in_error(MANAGER) == set()
    assert instance_db.replica_backends_in_error(
        fixtures.backend_host('az3')) == {'az2'}
