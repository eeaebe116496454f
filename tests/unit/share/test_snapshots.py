"""Snapshot flows (share/snapshots.py) on SQLite with fake backends: one
instance per replica, failures visible, new replicas catch up."""
import os

import pytest
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl.db import models, session
from manila_repl.share import instance_db, recovery, replica_status
from manila_repl.share import replication, snapshot_api, snapshots
from tests.unit.db import fixtures

ADMIN = ctx_mod.get_admin_context()
SnapshotInstance = models.ShareSnapshotInstance


@pytest.fixture
def share(drivers, rows):
    """Readable share: active az1, in_sync az2, out_of_sync az3 (all with
    storage)."""
    type_id = rows.share_type(driver_handles_share_servers='False',
                              replication_type='readable',
                              snapshot_support='True')
    share_id = rows.share(type_id=type_id)
    ids = {'id': share_id, 'az1': rows.instance(share_id, backend='az1'),
           'az2': rows.instance(share_id, backend='az2',
                                replica_state=c.REPLICA_STATE_IN_SYNC),
           'az3': rows.instance(share_id, backend='az3',
                                replica_state=c.REPLICA_STATE_OUT_OF_SYNC)}
    _, active = instance_db.load(ids['az1'])
    drivers['az1'].create_share(active)
    for backend in ('az2', 'az3'):
        drivers['az1'].add_replica(active, instance_db.load(ids[backend])[1])
    return ids


@pytest.fixture
def no_cast(monkeypatch):
    monkeypatch.setattr(snapshot_api.share_api, 'cast',
                        lambda send, undo, what: None)


def instances(snapshot_id):
    with session.reader() as r:
        return {i.share_instance_id: i for i in r.scalars(
            sa.select(SnapshotInstance).where(
                SnapshotInstance.snapshot_id == snapshot_id)).all()}


def snapshot_file(root, backend, snapshot_instance_id):
    return root / 'backends' / backend / 'snapshots' / (
        snapshot_instance_id + '.json')


def test_create_and_delete_one_instance_per_replica(drivers, share, no_cast,
                                                     tmp_path):
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'], name='s1')
    assert snapshot['status'] == c.STATUS_CREATING
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    made = instances(snapshot['id'])
    assert set(made) == {share['az1'], share['az2']}
    for replica, row in made.items():
        backend = 'az1' if replica == share['az1'] else 'az2'
        assert row.status == c.STATUS_AVAILABLE
        assert row.provider_location == 'fake:/%s/snapshots/%s' % (
            backend, row.id)
        assert snapshot_file(tmp_path, backend, row.id).exists()
    assert snapshot_api.get_snapshot(ADMIN, snapshot['id'])['status'] == \
        c.STATUS_AVAILABLE
    # A repeated cast finds nothing to do.
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])

    snapshot_api.delete_snapshot(ADMIN, snapshot['id'])
    snapshots.delete_snapshot(drivers['az1'], snapshot['id'])
    assert instances(snapshot['id']) == {}
    assert session.reader().__enter__().get(
        models.ShareSnapshot, snapshot['id']) is None
    for replica, row in made.items():
        assert not any(snapshot_file(tmp_path, b, row.id).exists()
                       for b in ('az1', 'az2'))


def test_failure_is_visible_and_worst_status(drivers, share, no_cast,
                                             conf_db):
    conf_db.set('fake_fail_methods', ['create_snapshot'], group='az1')
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'])
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    made = instances(snapshot['id'])
    assert made[share['az1']].status == c.STATUS_ERROR
    assert made[share['az1']].status_message.startswith(
        'Snapshot creation failed: ')
    assert 'injected failure' in made[share['az1']].status_message
    assert snapshot_api.get_snapshot(ADMIN, snapshot['id'])['status'] == \
        c.STATUS_ERROR


def test_not_supported_by_the_driver(drivers, share, no_cast,
                                     monkeypatch):
    def unsupported(snapshot_instance):
        raise NotImplementedError('create_snapshot')
    monkeypatch.setattr(drivers['az1'], 'create_snapshot', unsupported)
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'])
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    assert {i.status_message for i in instances(snapshot['id']).values()} \
        == {snapshots.NOT_SUPPORTED}


def test_delete_failure_then_force(drivers, share, no_cast, conf_db):
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'])
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    conf_db.set('fake_fail_methods', ['delete_snapshot'], group='az1')
    snapshot_api.delete_snapshot(ADMIN, snapshot['id'])
    snapshots.delete_snapshot(drivers['az1'], snapshot['id'])
    assert {i.status for i in instances(snapshot['id']).values()} == {
        c.STATUS_ERROR_DELETING}
    snapshot_api.delete_snapshot(ADMIN, snapshot['id'], force=True)
    snapshots.delete_snapshot(drivers['az1'], snapshot['id'], force=True)
    assert instances(snapshot['id']) == {}


def test_new_replica_gets_existing_snapshots(drivers, rows, share, no_cast,
                                            tmp_path):
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'])
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    rows.update(models.ShareInstance, share['az3'],
                status=c.STATUS_CREATING)
    replication.add_replica(drivers['az1'], share['az3'])
    made = instances(snapshot['id'])
    assert made[share['az3']].status == c.STATUS_AVAILABLE
    assert snapshot_file(tmp_path, 'az3', made[share['az3']].id).exists()
    # Removing the replica removes its snapshot instance, file and row.
    rows.update(models.ShareInstance, share['az3'],
                status=c.STATUS_DELETING)
    replication.delete_replica(drivers['az1'], share['az3'])
    assert share['az3'] not in instances(snapshot['id'])
    assert not snapshot_file(tmp_path, 'az3',
                             made[share['az3']].id).exists()


def test_status_cycle_syncs_snapshots_of_in_sync_replicas(
        drivers, rows, share, no_cast, conf_db):
    conf_db.set('fake_fail_methods', ['create_snapshot'], group='az1')
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'])
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    # The active's failed: the snapshot is not available, nothing to sync.
    conf_db.set('fake_fail_methods', [], group='az1')
    rows.update(SnapshotInstance, instances(snapshot['id'])[share['az1']].id,
                status=c.STATUS_AVAILABLE)
    replica_status.run_cycle(drivers['az1'], 'node@az1', 10)
    made = instances(snapshot['id'])
    # az2 (in_sync) had its error retried, az3 got its instance.
    assert {made[k].status for k in (share['az2'], share['az3'])} == {
        c.STATUS_AVAILABLE}
    assert rows.instance_row(share['az3']).replica_state == \
        c.REPLICA_STATE_IN_SYNC


def test_replica_that_cannot_take_snapshots_is_out_of_sync(
        drivers, rows, share, no_cast, tmp_path):
    snapshot = snapshot_api.create_snapshot(ADMIN, share['id'])
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    (tmp_path / 'backends' / 'az3' / 'snapshots').mkdir(exist_ok=True)
    # A file where the snapshot directory should be: writes fail.
    os.rename(tmp_path / 'backends' / 'az3' / 'snapshots',
              tmp_path / 'backends' / 'az3' / 'snapshots.old')
    (tmp_path / 'backends' / 'az3' / 'snapshots').write_text('x')
    replica_status.run_cycle(drivers['az1'], 'node@az1', 10)
    row = rows.instance_row(share['az3'])
    assert row.replica_state == c.REPLICA_STATE_OUT_OF_SYNC
    assert row.status_message == 'The replica lacks snapshots.'
    assert instances(snapshot['id'])[share['az3']].status == c.STATUS_ERROR


def test_recovery_finishes_snapshots(drivers, share, no_cast):
    created = snapshot_api.create_snapshot(ADMIN, share['id'])
    work = fixtures.pending('node@az1')
    assert ('create_snapshot', created['id']) in work
    assert fixtures.pending('node@az2') == []
    recovery.recover(drivers['az1'], 'node@az1')
    assert snapshot_api.get_snapshot(ADMIN, created['id'])['status'] == \
        c.STATUS_AVAILABLE
    snapshot_api.delete_snapshot(ADMIN, created['id'])
    assert ('delete_snapshot', created['id']) in \
        fixtures.pending('node@az1')
    recovery.recover(drivers['az1'], 'node@az1')
    assert instances(created['id']) == {}
