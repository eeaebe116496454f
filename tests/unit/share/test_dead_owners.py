"""Pending work whose owner's service is down (dead_owners.py) on SQLite
with fake backends: a promote to a dead backend is given up by the
active's manager, other work is failed with a message after its longer
timeout by one live manager, and no one is judged down by a manager whose
own heartbeats have not gone through for service_down_time (a database
outage stops everyone's)."""
import datetime
import json

import pytest
from oslo_utils import timeutils

from manila_repl import constants as c
from manila_repl import coordination
from manila_repl.db import models
from manila_repl import service
from manila_repl.share import access
from manila_repl.share import dead_owners
from manila_repl.share import replica_status
from tests.unit.db import fixtures

AZ1, AZ2, AZ3 = (fixtures.backend_host(b) for b in ('az1', 'az2', 'az3'))
DOWN_TIME = 60
storage = fixtures.with_storage


class Steady:
    """service.Heartbeats whose own heartbeats went through (or not)."""

    def __init__(self, steady=True):
        self.steady = steady
        self.asked = []

    def steady_for(self, seconds):
        self.asked.append(seconds)
        return self.steady


@pytest.fixture
def beats(conf_db, rows):
    """{backend: seconds since its last heartbeat}: the services table."""
    conf_db.set('service_down_time', DOWN_TIME)
    conf_db.set('pending_work_min_age', 120, group='share')
    conf_db.set('dead_owner_work_timeout', 1800, group='share')

    def set_ages(**ages):
        now = timeutils.utcnow()
        for name, age in ages.items():
            when = now - datetime.timedelta(seconds=age)
            with fixtures.session.transaction() as s:
                row = s.query(models.Service).filter_by(
                    host=fixtures.backend_host(name)).one_or_none()
                if row is None:
                    s.add(models.Service(
                        host=fixtures.backend_host(name),
                        binary=c.BINARY_SHARE, topic=c.BINARY_SHARE,
                        report_count=1, created_at=when, updated_at=when))
                else:
                    row.updated_at = when
    set_ages(az1=1, az2=1, az3=1)
    return set_ages


def fake_file(tmp_path, backend, instance_id):
    with open(tmp_path / 'backends' / backend / (instance_id + '.json')) as f:
        return json.load(f)


def set_writable(tmp_path, backend, instance_id, writable):
    path = tmp_path / 'backends' / backend / (instance_id + '.json')
    data = json.loads(path.read_text())
    data['writable'] = writable
    path.write_text(json.dumps(data))


@pytest.fixture
def half_promoted(drivers, rows, tmp_path):
    """A share active on az1 whose az2 replica's promote stopped inside
    set_active_replica: the target already writable, the active frozen
    (read-only) by it."""
    share = rows.share(task_state=c.TASK_REPLICATION_CHANGE)
    active = storage(drivers, rows.instance(
        share, backend='az1', status=c.STATUS_REPLICATION_CHANGE))
    target = rows.instance(share, backend='az2',
                           status=c.STATUS_REPLICATION_CHANGE,
                           replica_state=c.REPLICA_STATE_IN_SYNC)
    storage(drivers, target)
    rows.update(models.Share, share, task_instance_id=target)
    set_writable(tmp_path, 'az1', active, False)
    return share, active, target


def test_a_promote_to_a_dead_backend_is_given_up_by_the_actives_manager(
        drivers, rows, beats, half_promoted, tmp_path):
    share, active, target = half_promoted
    beats(az2=DOWN_TIME + 30)
    taken = dead_owners.run(drivers['az1'], AZ1, Steady())
    assert fixtures.flows(taken) == [('promote_replica', target)]
    assert rows.share_row(share).task_state is None
    kept = rows.instance_row(active)
    assert (kept.status, kept.replica_state) == (
        c.STATUS_AVAILABLE, c.REPLICA_STATE_ACTIVE)
    failed = rows.instance_row(target)
    assert (failed.status, failed.replica_state) == (
        c.STATUS_AVAILABLE, c.REPLICA_STATE_ERROR)
    assert failed.status_message.startswith(
        'Promotion of replica %s abandoned: its backend %s has been down '
        'since ' % (target, AZ2)), failed.status_message
    # The active takes writes again; nothing is left to do.
    assert fake_file(tmp_path, 'az1', active)['writable'] is True
    assert fixtures.pending(AZ2) == []
    assert dead_owners.run(drivers['az1'], AZ1, Steady()) == []
    # The next status cycle makes the half promoted target a replica
    # again (its backend answers here).
    assert fake_file(tmp_path, 'az2', target)['writable'] is True
    replica_status.run_cycle(drivers['az1'], AZ1, 10)
    back = rows.instance_row(target)
    assert (back.replica_state, back.status_message) == (
        c.REPLICA_STATE_IN_SYNC, None)
    assert fake_file(tmp_path, 'az2', target)['writable'] is False


@pytest.mark.parametrize('case', ['not steady', 'owner up', 'recent',
                                  'other active'])
def test_a_promote_is_left_alone(drivers, rows, beats, half_promoted,
                                 case):
    share, active, target = half_promoted
    beats(az2=DOWN_TIME + 30)
    heartbeats = Steady()
    if case == 'not steady':
        # E.g. the database just came back: everyone's heartbeat is old.
        heartbeats = Steady(False)
    elif case == 'owner up':
        beats(az2=DOWN_TIME - 5)
    elif case == 'recent':
        rows.update(models.ShareInstance, target,
                    updated_at=timeutils.utcnow())
    taker, taker_host = drivers['az1'], AZ1
    if case == 'other active':
        taker, taker_host = drivers['az3'], AZ3
    assert dead_owners.run(taker, taker_host, heartbeats) == []
    assert rows.share_row(share).task_state == c.TASK_REPLICATION_CHANGE
    if case == 'not steady':
        assert heartbeats.asked == [DOWN_TIME]


def test_a_busy_share_is_left_for_the_next_sweep(drivers, rows, beats,
                                                 half_promoted):
    share, active, target = half_promoted
    beats(az2=DOWN_TIME + 30)
    lock = coordination.share_lock(share)
    assert lock.acquire(blocking=False)
    try:
        assert dead_owners.run(drivers['az1'], AZ1, Steady()) == []
    finally:
        lock.release()
    assert rows.share_row(share).task_state == c.TASK_REPLICATION_CHANGE
    assert len(dead_owners.run(drivers['az1'], AZ1, Steady())) == 1
    assert rows.share_row(share).task_state is None


def test_a_promote_recorded_meanwhile_is_not_given_up(drivers, rows, beats,
                                                      half_promoted,
                                                      tmp_path):
    """The conditional write: a share no longer waiting for that promote
    (its manager finished it) is left as it is."""
    share, active, target = half_promoted
    from manila_repl.share import replication
    rows.update(models.Share, share, task_state=None, task_instance_id=None)
    assert replication.abandon_promote(drivers['az1'], target, 'm') is False
    assert rows.instance_row(target).status_message is None
    assert fake_file(tmp_path, 'az1', active)['writable'] is False


def test_the_actives_storage_failing_is_said_on_the_active(
        drivers, rows, beats, half_promoted, conf_db):
    share, active, target = half_promoted
    beats(az2=DOWN_TIME + 30)
    conf_db.set('fake_fail_methods', ['abandon_promote'], group='az1')
    assert len(dead_owners.run(drivers['az1'], AZ1, Steady())) == 1
    assert rows.share_row(share).task_state is None
    assert rows.instance_row(active).status_message.startswith(
        'The abandoned promotion of replica %s may have left this replica '
        'read-only: ' % target)


@pytest.fixture
def dead_backends_work(drivers, rows):
    """Work of every other kind owned by az2, whose manager died."""
    w = {}
    plain = rows.share(replication_type=None)
    w['create'] = rows.instance(plain, backend='az2',
                                status=c.STATUS_CREATING, replica_state=None)
    plain = rows.share(replication_type=None)
    w['delete'] = rows.instance(plain, backend='az2',
                                status=c.STATUS_DELETING, replica_state=None)
    share = rows.share(task_state=c.STATUS_EXTENDING)
    rows.update(models.Share, share, task_size=2)
    w['share'] = share
    active = rows.instance(share, backend='az2',
                           status=c.STATUS_EXTENDING)
    w['add'] = rows.instance(share, backend='az3', status=c.STATUS_CREATING,
                             replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    snapshot = rows.add(models.ShareSnapshot(
        share_id=share, project_id='p1', user_id='u', size=1,
        share_proto='NFS'))
    w['snapshot'] = rows.add(models.ShareSnapshotInstance(
        snapshot_id=snapshot, share_instance_id=active,
        status=c.STATUS_CREATING))
    rule = rows.add(models.ShareAccessRule(
        share_id=share, access_type='ip', access_to='10.0.0.1',
        access_level='rw'))
    w['map'] = rows.add(models.ShareInstanceAccessMap(
        share_instance_id=active, access_id=rule, state=access.APPLYING))
    w['active'] = active
    # Made long ago, as rows.instance makes instances.
    old = datetime.datetime(2026, 1, 1)
    for model, key in ((models.Share, 'share'),
                       (models.ShareSnapshotInstance, 'snapshot'),
                       (models.ShareInstanceAccessMap, 'map')):
        rows.update(model, w[key], created_at=old, updated_at=None)
    return w


def test_other_work_of_a_dead_backend_fails_after_its_timeout(
        drivers, rows, beats, dead_backends_work, conf_db):
    w = dead_backends_work
    beats(az2=DOWN_TIME + 30)
    # Older than the minimum age, not than the timeout: left.
    conf_db.set('dead_owner_work_timeout', 10 ** 9, group='share')
    assert dead_owners.run(drivers['az1'], AZ1, Steady()) == []
    conf_db.set('dead_owner_work_timeout', 1800, group='share')
    # One live manager fails it: the first up by host name.
    assert dead_owners.run(drivers['az3'], AZ3, Steady()) == []
    taken = dead_owners.run(drivers['az1'], AZ1, Steady())
    assert sorted(w.flow for w in taken) == sorted([
        'create_share_instance', 'delete_share_instance', 'add_replica',
        'create_snapshot', 'update_access', 'resize_share'])
    since = 'abandoned: its backend %s has been down since ' % AZ2
    created = rows.instance_row(w['create'])
    assert created.status == c.STATUS_ERROR
    assert created.status_message.startswith('Share creation ' + since)
    deleted = rows.instance_row(w['delete'])
    assert deleted.status == c.STATUS_ERROR_DELETING
    assert deleted.status_message.startswith('Share deletion ' + since)
    added = rows.instance_row(w['add'])
    assert (added.status, added.replica_state) == (c.STATUS_ERROR,
                                                   c.REPLICA_STATE_ERROR)
    assert added.status_message.startswith('Replica creation ' + since)
    snapshot = rows.get(models.ShareSnapshotInstance, w['snapshot'])
    assert snapshot.status == c.STATUS_ERROR
    assert snapshot.status_message.startswith('Snapshot creation ' + since)
    assert rows.get(models.ShareInstanceAccessMap, w['map']).state == \
        access.ERROR
    resized = rows.instance_row(w['active'])
    assert resized.status == c.STATUS_EXTENDING_ERROR
    assert resized.status_message.startswith('Resize ' + since)
    share = rows.share_row(w['share'])
    assert (share.task_state, share.size) == (None, 1)
    for backend in (AZ1, AZ2, AZ3):
        assert fixtures.pending(backend) == []


def test_heartbeats_are_steady_only_after_a_run_without_a_miss(
        monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(service.time, 'monotonic', lambda: clock[0])
    beats = service.Heartbeats()
    assert not beats.steady_for(0)
    beats.record(True)
    clock[0] += 30
    beats.record(True)
    assert beats.steady_for(30) and not beats.steady_for(31)
    beats.record(False)             # the database went away
    assert not beats.steady_for(0)
    beats.record(True)
    clock[0] += 59
    assert not beats.steady_for(60)
    clock[0] += 1
    assert beats.steady_for(60)
