"""The fake driver, for real: files under a shared root, reachability by
controller.pid and the ``offline`` marker, injected failures."""
import datetime
import json
import os
import subprocess
import sys

import pytest
from oslo_utils import timeutils

from manila_repl import exception
from manila_repl.share import views
from tests.unit.db import fixtures


@pytest.fixture
def root(drivers, tmp_path):
    return tmp_path / 'backends'


def make_views(*instances, share_id='share-1', size=1):
    """Views of one share's instances: (id, backend, replica_state)."""
    rows = [{'id': id_, 'share_id': share_id, 'host': fixtures.host(backend),
             'availability_zone': backend, 'status': 'available',
             'replica_state': state, 'size': size, 'share_proto': 'NFS',
             'replication_type': 'readable'}
            for id_, backend, state in instances]
    return {v.id: v for v in views.from_rows(rows)}


def stored(root, backend, instance_id):
    path = root / backend / f'{instance_id}.json'
    return json.loads(path.read_text()) if path.exists() else None


@pytest.fixture
def replicated(drivers, root):
    """Share with its active on az1 and replicas on az2 and az3."""
    v = make_views(('a1', 'az1', 'active'), ('r2', 'az2', 'out_of_sync'),
                   ('r3', 'az3', 'out_of_sync'))
    drivers['az1'].create_share(v['a1'])
    drivers['az1'].add_replica(v['a1'], v['r2'])
    drivers['az1'].add_replica(v['a1'], v['r3'])
    return v


def test_setup_and_stats(drivers, root):
    driver = drivers['az1']
    pid = (root / 'az1' / 'controller.pid').read_text()
    assert pid == str(os.getpid())
    stats = driver.get_stats()
    assert stats['share_backend_name'] == 'az1'
    assert stats['replication_domain'] == 'domain1'
    assert set(stats['replication_type'].split()) == {
        'readable', 'dr', 'writable'}
    (pool,) = stats['pools']
    assert pool['pool_name'] == 'pool0'
    assert pool['free_capacity_gb'] == pool['total_capacity_gb'] == 10000
    driver.create_share(make_views(('a1', 'az1', 'active'), size=40)['a1'])
    (pool,) = driver.get_stats()['pools']
    assert pool['allocated_capacity_gb'] == 40
    assert pool['free_capacity_gb'] == 10000 - 40


def test_create_and_delete_share(drivers, root):
    view = make_views(('a1', 'az1', None))['a1']
    update = drivers['az1'].create_share(view)
    assert update == {'export_locations': [
        {'path': 'fake:/az1/a1', 'is_admin_only': False, 'preferred': True}]}
    assert stored(root, 'az1', 'a1')['writable'] is True
    drivers['az1'].delete_share(view)
    assert stored(root, 'az1', 'a1') is None
    # Already gone counts as deleted.
    drivers['az1'].delete_share(view)


def test_add_replica(drivers, root):
    v = make_views(('a1', 'az1', 'active'), ('r2', 'az2', 'out_of_sync'))
    drivers['az1'].create_share(v['a1'])
    before = timeutils.utcnow()
    update = drivers['az1'].add_replica(v['a1'], v['r2'])
    assert update['replica_state'] == 'in_sync'
    assert before <= update['last_sync_at'] <= timeutils.utcnow()
    assert update['export_locations'][0]['path'] == 'fake:/az2/r2'
    # The copy is on the replica's backend, read-only, same generation.
    copy = stored(root, 'az2', 'r2')
    assert copy['writable'] is False
    assert copy['generation'] == stored(root, 'az1', 'a1')['generation']


def test_add_replica_without_active_storage(drivers):
    v = make_views(('a1', 'az1', 'active'), ('r2', 'az2', 'out_of_sync'))
    with pytest.raises(exception.ShareDriverError, match='no storage'):
        drivers['az1'].add_replica(v['a1'], v['r2'])


def test_update_replica_status(drivers, replicated):
    update = drivers['az1'].update_replica_status(replicated['r2'])
    assert update['replica_state'] == 'in_sync'
    assert isinstance(update['last_sync_at'], datetime.datetime)


def test_update_replica_status_without_active(drivers):
    v = make_views(('r2', 'az2', 'out_of_sync'), ('r3', 'az3', 'error'))
    assert drivers['az1'].update_replica_status(v['r2']) is None


def test_set_active_replica_planned(drivers, root, replicated):
    generation = stored(root, 'az1', 'a1')['generation']
    updates = drivers['az2'].set_active_replica(replicated['r2'])
    by_id = {u['id']: u for u in updates}
    assert set(by_id) == {'a1', 'r2', 'r3'}
    assert by_id['r2']['replica_state'] == 'active'
    assert by_id['r2']['export_locations'][0]['path'] == 'fake:/az2/r2'
    assert by_id['a1']['replica_state'] == 'out_of_sync'
    assert by_id['r3']['replica_state'] == 'out_of_sync'
    assert stored(root, 'az2', 'r2')['writable'] is True
    assert stored(root, 'az2', 'r2')['generation'] == generation + 1
    assert stored(root, 'az1', 'a1')['writable'] is False


def test_set_active_replica_with_old_active_unreachable(drivers, root,
                                                        replicated):
    (root / 'az1' / 'offline').touch()
    updates = drivers['az2'].set_active_replica(replicated['r2'])
    by_id = {u['id']: u for u in updates}
    assert by_id['r2']['replica_state'] == 'active'
    assert by_id['a1']['replica_state'] == 'error'
    assert by_id['r3']['replica_state'] == 'out_of_sync'
    assert stored(root, 'az2', 'r2')['writable'] is True
    # The old active's storage is untouched: nobody could reach it.
    assert stored(root, 'az1', 'a1')['writable'] is True

    # It comes back: the new active's backend re-seeds it as a replica.
    (root / 'az1' / 'offline').unlink()
    after = make_views(('a1', 'az1', 'error'), ('r2', 'az2', 'active'),
                       ('r3', 'az3', 'out_of_sync'))
    update = drivers['az2'].update_replica_status(after['a1'])
    assert update['replica_state'] == 'in_sync'
    old = stored(root, 'az1', 'a1')
    assert old['writable'] is False
    assert old['generation'] == stored(root, 'az2', 'r2')['generation']


def test_lost_replica_is_reseeded(drivers, root, replicated):
    (root / 'az3' / 'r3.json').unlink()
    update = drivers['az1'].update_replica_status(replicated['r3'])
    assert update['replica_state'] == 'in_sync'
    assert stored(root, 'az3', 'r3')['writable'] is False


def test_unreachable_replica_reads_error(drivers, root, replicated):
    (root / 'az3' / 'offline').touch()
    assert drivers['az1'].update_replica_status(replicated['r3']) == {
        'replica_state': 'error'}
    assert drivers['az1'].update_replica_status(
        replicated['r2'])['replica_state'] == 'in_sync'


def test_unreachable_active_raises(drivers, root, replicated):
    (root / 'az1' / 'offline').touch()
    with pytest.raises(exception.ShareBackendUnreachable):
        drivers['az1'].update_replica_status(replicated['r2'])


def test_dead_controller_is_unreachable(drivers, root):
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    (root / 'az2' / 'controller.pid').write_text(str(dead.pid))
    v = make_views(('a1', 'az1', 'active'), ('r2', 'az2', 'out_of_sync'))
    drivers['az1'].create_share(v['a1'])
    with pytest.raises(exception.ShareBackendUnreachable, match='az2'):
        drivers['az1'].add_replica(v['a1'], v['r2'])
    with pytest.raises(exception.ShareBackendUnreachable):
        drivers['az2'].create_share(make_views(('x', 'az2', None))['x'])


def test_new_active_unreachable_fails_the_promote(drivers, root,
                                                  replicated):
    (root / 'az2' / 'offline').touch()
    with pytest.raises(exception.ShareBackendUnreachable):
        drivers['az2'].set_active_replica(replicated['r2'])


def test_marker_and_gate(drivers, root):
    """A call says it is inside (with the ids it acts on) and waits while
    its gate exists: what functional tests synchronise on."""
    import threading
    v = make_views(('a1', 'az1', 'active'), ('r2', 'az2', 'out_of_sync'))
    drivers['az1'].create_share(v['a1'])
    gate = root / 'az1' / 'gate-add_replica'
    marker = root / 'az1' / 'inside-add_replica'
    gate.touch()
    call = threading.Thread(target=drivers['az1'].add_replica,
                            args=(v['a1'], v['r2']))
    call.start()
    try:
        deadline = timeutils.utcnow() + datetime.timedelta(seconds=10)
        while not marker.exists():
            assert timeutils.utcnow() < deadline, 'no marker'
            call.join(0.01)
        assert json.loads(marker.read_text()) == {
            'ids': ['a1', 'r2'], 'pid': os.getpid()}
        # Held at the gate: nothing done yet.
        assert call.is_alive()
        assert stored(root, 'az2', 'r2') is None
    finally:
        gate.unlink()
        call.join(10)
    assert not call.is_alive()
    assert stored(root, 'az2', 'r2')['generation'] == 1


def test_injected_failure_at_run_time(drivers, root, replicated):
    inject = root / 'az1' / 'inject.json'
    inject.write_text(json.dumps({'fail': ['update_replica_status']}))
    with pytest.raises(exception.ShareDriverError) as raised:
        drivers['az1'].update_replica_status(replicated['r2'])
    assert 'injected failure of update_replica_status on az1' in str(
        raised.value)
    # Other methods, and other backends, are unaffected.
    drivers['az1'].remove_replica(replicated['r3'])
    assert drivers['az2'].set_active_replica(replicated['r2'])
    inject.unlink()
    assert drivers['az1'].update_replica_status(replicated['r2'])


def test_injected_failure_in_config(drivers, conf_db, replicated):
    conf_db.set('fake_fail_methods', ['remove_replica'], group='az1')
    with pytest.raises(exception.ShareDriverError, match='remove_replica'):
        drivers['az1'].remove_replica(replicated['r2'])


def test_remove_replica(drivers, root, replicated):
    drivers['az1'].remove_replica(replicated['r2'])
    assert stored(root, 'az2', 'r2') is None
    # A replica already gone counts as removed.
    drivers['az1'].remove_replica(replicated['r2'])
    assert stored(root, 'az3', 'r3') is not None


def test_create_share_from_snapshot(drivers, root, replicated):
    """The new share holds the snapshot's generation, not the source's
    later writes; its replicas form a new chain."""
    active = replicated['a1']
    snapshot = {'id': 'si1', 'snapshot_id': 's1', 'share_instance': active,
                'size': 1}
    drivers['az1'].create_snapshot(snapshot)
    generation = stored(root, 'az1', 'a1')['generation']
    (root / 'az1' / 'a1.json').write_text(json.dumps(
        dict(stored(root, 'az1', 'a1'), generation=generation + 5)))
    assert drivers['az1'].get_stats()['pools'][0][
        'create_share_from_snapshot_support'] is True
    new = make_views(('n1', 'az1', 'active'), ('n2', 'az2', 'out_of_sync'),
                     share_id='share-2', size=2)
    update = drivers['az1'].create_share_from_snapshot(new['n1'], snapshot)
    assert update['export_locations'][0]['path']
    data = stored(root, 'az1', 'n1')
    assert (data['generation'], data['size'], data['source_snapshot_id']) \
        == (generation, 2, 's1')
    drivers['az1'].add_replica(new['n1'], new['n2'])
    assert stored(root, 'az2', 'n2')['generation'] == generation
    with pytest.raises(exception.ShareDriverError):
        drivers['az1'].create_share_from_snapshot(
            new['n1'], dict(snapshot, id='missing'))
