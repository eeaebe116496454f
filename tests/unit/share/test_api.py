"""share/api.py invariants on SQLite: one active replica at every instant,
409 while a promote runs, no deleting or resetting the active replica."""
import threading

import pytest
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl import exception
from manila_repl.db import models, session
from manila_repl.share import api as share_api
from manila_repl.share import instance_db, replication

ADMIN = ctx_mod.get_admin_context()


def member(project='p1'):
    return ctx_mod.RequestContext(project_id=project, user_id='u1',
                                  roles=['member'])


@pytest.fixture
def share(rows):
    """A readable share: active on az1, in_sync replicas on az2, az3."""
    share_id = rows.share()
    return {'id': share_id,
            'active': rows.instance(share_id, backend='az1'),
            'r2': rows.instance(share_id, backend='az2',
                                replica_state=c.REPLICA_STATE_IN_SYNC),
            'r3': rows.instance(share_id, backend='az3',
                                replica_state=c.REPLICA_STATE_IN_SYNC)}


def actives(share_id):
    with session.reader() as r:
        return r.scalars(sa.select(models.ShareInstance.id).where(
            models.ShareInstance.share_id == share_id,
            models.ShareInstance.replica_state == c.REPLICA_STATE_ACTIVE)
        ).all()


def test_promote_active_replica_is_a_no_op(rows, share):
    assert share_api.promote_replica(ADMIN, share['active']) is None
    assert rows.share_row(share['id']).task_state is None
    assert rows.instance_row(share['active']).status == c.STATUS_AVAILABLE


def test_promote_marks_the_share_busy(rows, share):
    assert share_api.promote_replica(ADMIN, share['r2']) is not None
    s = rows.share_row(share['id'])
    assert (s.task_state, s.task_instance_id) == (
        c.TASK_REPLICATION_CHANGE, share['r2'])
    for key in ('active', 'r2', 'r3'):
        assert rows.instance_row(share[key]).status == \
            c.STATUS_REPLICATION_CHANGE
    # Still exactly one active replica: the old one, until the driver ends.
    assert actives(share['id']) == [share['active']]

    busy = [lambda: share_api.promote_replica(ADMIN, share['r3']),
            lambda: share_api.promote_replica(ADMIN, share['r2']),
            lambda: share_api.delete_replica(ADMIN, share['r3']),
            lambda: share_api.delete_replica(ADMIN, share['r3'], force=True),
            lambda: share_api.delete_share(ADMIN, share['id']),
            lambda: share_api.create_replica(ADMIN, share['id'])]
    for call in busy:
        with pytest.raises(exception.ShareBusy) as raised:
            call()
        assert raised.value.code == 409
    assert rows.share_row(share['id']).task_instance_id == share['r2']
    assert len(rows.instances_of(share['id'])) == 3


def test_promote_then_driver_leaves_one_active(drivers, rows, share):
    _, active = instance_db.load(share['active'])
    drivers['az1'].create_share(active)
    for key in ('r2', 'r3'):
        drivers['az1'].add_replica(active, instance_db.load(share[key])[1])
    assert share_api.promote_replica(ADMIN, share['r2'])
    replication.promote_replica(drivers['az2'], share['r2'])

    assert actives(share['id']) == [share['r2']]
    states = {i.id: (i.status, i.replica_state)
              for i in rows.instances_of(share['id'])}
    assert states == {
        share['active']: (c.STATUS_AVAILABLE, c.REPLICA_STATE_OUT_OF_SYNC),
        share['r2']: (c.STATUS_AVAILABLE, c.REPLICA_STATE_ACTIVE),
        share['r3']: (c.STATUS_AVAILABLE, c.REPLICA_STATE_OUT_OF_SYNC)}
    s = rows.share_row(share['id'])
    assert (s.task_state, s.task_instance_id) == (None, None)
    assert rows.export_paths(share['r2']) == [f"fake:/az2/{share['r2']}"]
    # The share is free again: the old active can be promoted back (it is
    # out_of_sync now, which takes an admin).
    assert share_api.promote_replica(ADMIN, share['active'])


def test_promote_needs_an_available_replica(rows, share):
    rows.update(models.ShareInstance, share['r2'], status=c.STATUS_ERROR)
    with pytest.raises(exception.InvalidInput):
        share_api.promote_replica(ADMIN, share['r2'])
    assert rows.share_row(share['id']).task_state is None


@pytest.mark.parametrize('state', [c.REPLICA_STATE_OUT_OF_SYNC,
                                   c.REPLICA_STATE_ERROR])
def test_promote_of_unsynced_replica_is_admin_only(rows, share, state):
    rows.update(models.ShareInstance, share['r2'], replica_state=state)
    with pytest.raises(exception.NotAuthorized):
        share_api.promote_replica(member(), share['r2'])
    assert rows.share_row(share['id']).task_state is None
    assert share_api.promote_replica(ADMIN, share['r2']) is not None


def test_other_projects_replica_is_not_found(rows, share):
    with pytest.raises(exception.ShareReplicaNotFound):
        share_api.promote_replica(member('p2'), share['r2'])
    assert share_api.promote_replica(member('p1'), share['r2']) is not None


@pytest.mark.parametrize('force', [False, True])
def test_last_active_replica_cannot_be_deleted(rows, share, force):
    with pytest.raises(exception.InvalidInput) as raised:
        share_api.delete_replica(ADMIN, share['active'], force=force)
    assert raised.value.code == 400
    assert 'active replica' in str(raised.value)
    assert rows.instance_row(share['active']).status == c.STATUS_AVAILABLE


def test_last_active_replica_of_lone_share_cannot_be_deleted(rows):
    share_id = rows.share()
    active = rows.instance(share_id, status=c.STATUS_ERROR)
    with pytest.raises(exception.InvalidInput):
        share_api.delete_replica(ADMIN, active, force=True)
    assert rows.instance_row(active) is not None


def test_delete_replica_and_share_with_replicas(rows, share):
    with pytest.raises(exception.Conflict):
        share_api.delete_share(ADMIN, share['id'])
    share_api.delete_replica(ADMIN, share['r3'])
    assert rows.instance_row(share['r3']).status == c.STATUS_DELETING
    # Not placed yet: nothing exists on a backend, the row just goes.
    unplaced = rows.instance(share['id'], placed=False,
                             status=c.STATUS_ERROR,
                             replica_state=c.REPLICA_STATE_ERROR)
    share_api.delete_replica(ADMIN, unplaced)
    assert rows.instance_row(unplaced) is None


def test_reset_replica_state_refuses_the_active_replica(rows, share):
    for state in (c.REPLICA_STATE_ERROR, c.REPLICA_STATE_OUT_OF_SYNC):
        with pytest.raises(exception.InvalidInput) as raised:
            share_api.reset_replica_state(ADMIN, share['active'], state)
        assert 'is the active replica' in str(raised.value)
    assert rows.instance_row(share['active']).replica_state == 'active'


def test_reset_replica_state_refuses_a_second_active(rows, share):
    with pytest.raises(exception.InvalidInput) as raised:
        share_api.reset_replica_state(ADMIN, share['r2'], 'active')
    assert 'promotion only' in str(raised.value)
    assert actives(share['id']) == [share['active']]


def test_reset_replica_state_of_a_replica(rows, share):
    share_api.reset_replica_state(ADMIN, share['r2'], 'error')
    assert rows.instance_row(share['r2']).replica_state == 'error'
    with pytest.raises(exception.InvalidInput):
        share_api.reset_replica_state(ADMIN, share['r2'], 'bogus')


def test_writable_replicas_may_be_reset_to_active(rows):
    share_id = rows.share(replication_type='writable')
    rows.instance(share_id, backend='az1')
    other = rows.instance(share_id, backend='az2',
                          replica_state=c.REPLICA_STATE_ERROR)
    share_api.reset_replica_state(ADMIN, other, 'active')
    assert rows.instance_row(other).replica_state == 'active'


def test_concurrent_promotes_one_wins(rows):
    count = 8
    share_id = rows.share()
    rows.instance(share_id, backend='az1')
    replicas = [rows.instance(share_id, backend=('az2', 'az3')[n % 2],
                              replica_state=c.REPLICA_STATE_IN_SYNC)
                for n in range(count)]
    barrier = threading.Barrier(count)
    results = {}

    def promote(replica_id):
        barrier.wait()
        try:
            results[replica_id] = share_api.promote_replica(ADMIN,
                                                            replica_id)
        except Exception as e:  # noqa: BLE001 - recorded, asserted below
            results[replica_id] = e

    threads = [threading.Thread(target=promote, args=(r,))
               for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == count
    winners = [r for r, v in results.items()
               if not isinstance(v, Exception)]
    assert len(winners) == 1, results
    losers = [v for r, v in results.items() if r not in winners]
    assert all(isinstance(v, exception.ShareBusy) for v in losers), losers
    s = rows.share_row(share_id)
    assert (s.task_state, s.task_instance_id) == (
        c.TASK_REPLICATION_CHANGE, winners[0])
    assert len(actives(share_id)) == 1
