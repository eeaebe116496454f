"""The pending work sweep (sweep.py) and its selection (pending_db.py) on
SQLite with fake backends: work follows the routing owner of now (a dead
old active's pending add or delete belongs to the new active), only work
older than the minimum age is taken, a share whose lock is held is left
to its manager, and what cannot be redone fails with a message."""
import datetime

import pytest
from oslo_utils import timeutils

from manila_repl import constants as c
from manila_repl import coordination
from manila_repl.db import models
from manila_repl.share import access
from manila_repl.share import sweep
from tests.unit.db import fixtures

AZ1, AZ2, AZ3 = (fixtures.backend_host(b) for b in ('az1', 'az2', 'az3'))
MIN_AGE = 120
storage = fixtures.with_storage


@pytest.fixture
def promoted(drivers, rows):
    """Shares whose old active on az1 died with work pending, and whose az3
    replica was promoted since: one replica on az2 still ``creating``
    (an add), one still ``deleting`` (a delete)."""
    w = {}
    for kind, status in (('add', c.STATUS_CREATING),
                         ('delete', c.STATUS_DELETING)):
        share = rows.share()
        w[kind + '_share'] = share
        w[kind + '_old'] = rows.instance(
            share, backend='az1', replica_state=c.REPLICA_STATE_ERROR)
        w[kind + '_active'] = storage(drivers, rows.instance(
            share, backend='az3'))
        w[kind] = rows.instance(
            share, backend='az2', status=status,
            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    storage(drivers, w['delete'])
    return w


def test_pending_work_follows_the_current_active(promoted):
    w = promoted
    assert sorted(fixtures.pending(AZ3)) == sorted([
        ('add_replica', w['add']), ('delete_replica', w['delete'])])
    # Neither the dead old active nor the replica's own backend owns it.
    assert fixtures.pending(AZ1) == []
    assert fixtures.pending(AZ2) == []


def test_sweep_finishes_a_dead_old_actives_work(drivers, rows, promoted,
                                                tmp_path):
    w = promoted
    done, busy = sweep.run(drivers['az3'], AZ3, MIN_AGE)
    assert sorted(fixtures.flows(done)) == sorted([
        ('add_replica', w['add']), ('delete_replica', w['delete'])])
    assert busy == []
    added = rows.instance_row(w['add'])
    assert (added.status, added.replica_state) == (c.STATUS_AVAILABLE,
                                                   c.REPLICA_STATE_IN_SYNC)
    assert rows.export_paths(w['add']) == [f"fake:/az2/{w['add']}"]
    assert rows.instance_row(w['delete']) is None
    assert not (tmp_path / 'backends' / 'az2' /
                f"{w['delete']}.json").exists()
    # Nothing is left for the next sweep.
    assert sweep.run(drivers['az3'], AZ3, MIN_AGE) == ([], [])


def test_recent_work_is_left_for_its_request(drivers, rows, promoted):
    w = promoted
    rows.update(models.ShareInstance, w['add'],
                updated_at=timeutils.utcnow())
    done, _ = sweep.run(drivers['az3'], AZ3, MIN_AGE)
    assert fixtures.flows(done) == [('delete_replica', w['delete'])]
    assert rows.instance_row(w['add']).status == c.STATUS_CREATING
    done, _ = sweep.run(drivers['az3'], AZ3, 0)
    assert fixtures.flows(done) == [('add_replica', w['add'])]


def test_a_share_whose_lock_is_held_is_left_to_its_manager(
        drivers, rows, promoted):
    w = promoted
    lock = coordination.share_lock(w['add_share'])
    assert lock.acquire(blocking=False)
    try:
        done, busy = sweep.run(drivers['az3'], AZ3, MIN_AGE)
    finally:
        lock.release()
    assert fixtures.flows(busy) == [('add_replica', w['add'])]
    assert fixtures.flows(done) == [('delete_replica', w['delete'])]
    assert rows.instance_row(w['add']).status == c.STATUS_CREATING
    done, busy = sweep.run(drivers['az3'], AZ3, MIN_AGE)
    assert (fixtures.flows(done), busy) == ([('add_replica', w['add'])], [])
    assert rows.instance_row(w['add']).status == c.STATUS_AVAILABLE


def test_what_cannot_be_redone_fails_with_a_message(drivers, rows,
                                                    promoted, conf_db):
    w = promoted
    conf_db.set('fake_fail_methods', ['add_replica'], group='az3')
    sweep.run(drivers['az3'], AZ3, MIN_AGE)
    row = rows.instance_row(w['add'])
    assert (row.status, row.replica_state) == (c.STATUS_ERROR,
                                               c.REPLICA_STATE_ERROR)
    assert row.status_message.startswith('Replica creation failed: ')
    # Failed work is done with: the next sweep leaves it.
    assert fixtures.pending(AZ3) == []


@pytest.fixture
def every_kind(drivers, rows):
    """One piece of recent work of each kind az1 can own."""
    w = {}
    plain = rows.share(replication_type=None)
    w['create'] = rows.instance(plain, status=c.STATUS_CREATING,
                                replica_state=None)
    # A share with its active on az1 and a replica on az2: a snapshot
    # being taken, a rule being applied, and a resize.
    share = rows.share(task_state=c.STATUS_EXTENDING)
    rows.update(models.Share, share, task_size=2)
    w['share'] = share
    active = storage(drivers, rows.instance(share, backend='az1'))
    replica = rows.instance(share, backend='az2',
                            replica_state=c.REPLICA_STATE_IN_SYNC)
    snapshot = rows.add(models.ShareSnapshot(
        share_id=share, project_id='p1', user_id='u', size=1,
        share_proto='NFS'))
    w['snapshot'] = snapshot
    for instance in (active, replica):
        rows.add(models.ShareSnapshotInstance(
            snapshot_id=snapshot, share_instance_id=instance,
            status=c.STATUS_CREATING))
    rule = rows.add(models.ShareAccessRule(
        share_id=share, access_type='ip', access_to='10.0.0.1',
        access_level='rw'))
    rows.add(models.ShareInstanceAccessMap(
        share_instance_id=active, access_id=rule, state=access.APPLYING))
    # A promote to a replica on az1 of a share active on az3.
    other = rows.share(task_state=c.TASK_REPLICATION_CHANGE)
    storage(drivers, rows.instance(other, backend='az3',
                                   status=c.STATUS_REPLICATION_CHANGE))
    w['promote'] = rows.instance(other, backend='az1',
                                 status=c.STATUS_REPLICATION_CHANGE,
                                 replica_state=c.REPLICA_STATE_IN_SYNC)
    rows.update(models.Share, other, task_instance_id=w['promote'])
    for instance in (w['create'], w['promote']):
        # Rows.instance dates instances in the past: these are recent.
        rows.update(models.ShareInstance, instance,
                    updated_at=timeutils.utcnow())
    return w


def test_minimum_age_of_every_kind(every_kind):
    w = every_kind
    expected = sorted([('create_share_instance', w['create']),
                       ('create_snapshot', w['snapshot']),
                       ('update_access', w['share']),
                       ('resize_share', w['share']),
                       ('promote_replica', w['promote'])])
    now = timeutils.utcnow()
    # Made a moment ago: not yet the sweep's.
    assert fixtures.pending(AZ1, older_than=now - datetime.timedelta(
        seconds=MIN_AGE)) == []
    assert sorted(fixtures.pending(
        AZ1, older_than=now + datetime.timedelta(seconds=1))) == expected
    # Start-up recovery takes every age.
    assert sorted(fixtures.pending(AZ1)) == expected


def test_sweep_redoes_every_kind(drivers, rows, every_kind):
    w = every_kind
    done, busy = sweep.run(drivers['az1'], AZ1, 0)
    assert busy == [] and len(done) == 5
    assert rows.instance_row(w['create']).status == c.STATUS_AVAILABLE
    assert rows.instance_row(w['promote']).replica_state == \
        c.REPLICA_STATE_ACTIVE
    share = rows.share_row(w['share'])
    assert (share.size, share.task_state) == (2, None)
    assert fixtures.pending(AZ1) == []
