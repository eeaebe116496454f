"""A share created from a snapshot (snapshot_api, the scheduler's pin and
the create flow of share/lifecycle.py) on SQLite with fake backends."""
import json

import pytest
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl import exception
from manila_repl.db import models, session
from manila_repl.share import instance_db, lifecycle, replication
from manila_repl.share import snapshot_api, snapshots
from tests.unit.db import fixtures

ADMIN = ctx_mod.get_admin_context()
#: The project's member, who owns the source share.
MEMBER = ctx_mod.RequestContext(user_id='p1-user', project_id='p1',
                                roles=['member'], overwrite=False)


@pytest.fixture
def no_cast(monkeypatch):
    monkeypatch.setattr(snapshot_api.share_api, 'cast',
                        lambda send, undo, what: None)


@pytest.fixture
def scheduler(drivers):
    return fixtures.scheduler_of(drivers)


@pytest.fixture
def source(drivers, rows, no_cast):
    """A readable share (active az1, in_sync az2) with an available
    snapshot on both replicas."""
    type_id = rows.share_type(driver_handles_share_servers='False',
                              replication_type='readable',
                              snapshot_support='True',
                              create_share_from_snapshot_support='True')
    share_id = rows.share(type_id=type_id, size=2)
    ids = {'share': share_id, 'type': type_id,
           'az1': rows.instance(share_id, backend='az1'),
           'az2': rows.instance(share_id, backend='az2',
                                replica_state=c.REPLICA_STATE_IN_SYNC)}
    _, active = instance_db.load(ids['az1'])
    drivers['az1'].create_share(active)
    drivers['az1'].add_replica(active, instance_db.load(ids['az2'])[1])
    snapshot = snapshot_api.create_snapshot(MEMBER, share_id)
    snapshots.create_snapshot(drivers['az1'], snapshot['id'])
    assert snapshot_api.get_snapshot(ADMIN, snapshot['id'])['status'] == \
        c.STATUS_AVAILABLE
    ids['snapshot'] = snapshot['id']
    return ids


def _make(drivers, rows, scheduler, snapshot_id, **kw):
    """API, scheduler and the chosen backend's manager, in turn."""
    share = snapshot_api.create_share_from_snapshot(MEMBER, snapshot_id,
                                                    **kw)
    (instance,) = rows.instances_of(share.id)
    scheduler.create_share_instance(ADMIN, instance.id)
    placed = rows.instance_row(instance.id)
    backend = placed.host.partition('@')[2].partition('#')[0]
    lifecycle.create_share_instance(drivers[backend], instance.id)
    return share, rows.instance_row(instance.id)


def test_made_on_the_backend_of_the_active_replica(drivers, rows, scheduler,
                                                   source, tmp_path):
    share, instance = _make(drivers, rows, scheduler, source['snapshot'])
    assert (share.snapshot_id, share.size, share.share_type_id,
            share.share_proto) == (source['snapshot'], 2, source['type'],
                                   'NFS')
    # A replicated type: the new share is a new chain, active on its own.
    assert share.replication_type == 'readable'
    assert (instance.status, instance.replica_state, instance.host) == (
        c.STATUS_AVAILABLE, c.REPLICA_STATE_ACTIVE, fixtures.host('az1'))
    assert rows.export_paths(instance.id)
    data = json.loads((tmp_path / 'backends' / 'az1' /
                       (instance.id + '.json')).read_text())
    assert data['source_snapshot_id'] == source['snapshot']
    # It takes replicas as any share does.
    replica = rows.instance(share.id, backend='az3', status=c.STATUS_CREATING,
                            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    replication.add_replica(drivers['az1'], replica)
    assert rows.instance_row(replica).status == c.STATUS_AVAILABLE


def test_follows_the_active_replica(drivers, rows, scheduler, source):
    """After a promote the data is taken from the new active's copy, on
    its backend."""
    rows.update(models.ShareInstance, source['az1'],
                replica_state=c.REPLICA_STATE_IN_SYNC)
    rows.update(models.ShareInstance, source['az2'],
                replica_state=c.REPLICA_STATE_ACTIVE)
    share, instance = _make(drivers, rows, scheduler, source['snapshot'],
                            size=5)
    assert (share.size, instance.host, instance.availability_zone) == (
        5, fixtures.host('az2'), 'az2')
    assert instance.status == c.STATUS_AVAILABLE


def test_copy_gone_fails_visibly(drivers, rows, scheduler, source):
    share = snapshot_api.create_share_from_snapshot(MEMBER,
                                                    source['snapshot'])
    (instance,) = rows.instances_of(share.id)
    scheduler.create_share_instance(ADMIN, instance.id)
    rows.update(models.ShareSnapshotInstance, _on(source, 'az1'),
                status=c.STATUS_ERROR)
    lifecycle.create_share_instance(drivers['az1'], instance.id)
    row = rows.instance_row(instance.id)
    assert row.status == c.STATUS_ERROR
    assert source['snapshot'] in row.status_message


def test_snapshot_not_deleted_while_a_share_is_made_from_it(rows, source):
    share = snapshot_api.create_share_from_snapshot(MEMBER,
                                                    source['snapshot'])
    with pytest.raises(exception.Conflict, match=share.id):
        snapshot_api.delete_snapshot(MEMBER, source['snapshot'])
    (instance,) = rows.instances_of(share.id)
    rows.update(models.ShareInstance, instance.id,
                status=c.STATUS_AVAILABLE)
    snapshot_api.delete_snapshot(MEMBER, source['snapshot'])


def test_scheduler_fails_when_no_copy_on_the_active(drivers, rows, scheduler,
                                                    source):
    share = snapshot_api.create_share_from_snapshot(MEMBER,
                                                    source['snapshot'])
    (instance,) = rows.instances_of(share.id)
    rows.update(models.ShareSnapshotInstance, _on(source, 'az1'),
                share_instance_id=source['az2'])
    rows.update(models.ShareInstance, source['az2'],
                replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_share_instance(ADMIN, instance.id)
    row = rows.instance_row(instance.id)
    assert (row.status, row.host) == (c.STATUS_ERROR, None)
    assert 'No valid host' in row.status_message


def _on(source, backend):
    """The snapshot's instance on the replica on ``backend``."""
    return next(i.id for i in rows_of(source['snapshot'])
                if i.share_instance_id == source[backend])


def rows_of(snapshot_id):
    with session.reader() as r:
        return r.scalars(sa.select(models.ShareSnapshotInstance).where(
            models.ShareSnapshotInstance.snapshot_id == snapshot_id)).all()
