"""The replica status loop (replica_status.run_cycle) on SQLite with fake
backends az1, az2, az3: the manager of az1 owns the active replicas."""
import contextlib
import dataclasses

import pytest
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models, session
from manila_repl.share import replica_status, views
from tests.unit.db import fixtures

AZ1 = fixtures.backend_host('az1')


@dataclasses.dataclass
class Made:
    share: str
    active: str
    replicas: list


def make_shares(drivers, count, replica_backends=('az2',), active='az1',
                task_state=None):
    """``count`` replicated shares, active on ``active`` (with storage),
    one out_of_sync replica on each of ``replica_backends``; one
    transaction."""
    made = []
    with session.transaction() as s:
        for _ in range(count):
            share = models.Share(project_id='p1', user_id='u1', size=1,
                                 share_proto='NFS',
                                 replication_type='readable',
                                 task_state=task_state, metadata_={})
            s.add(share)
            s.flush()
            instances = [models.ShareInstance(
                share_id=share.id, host=fixtures.host(active),
                availability_zone=active, status=c.STATUS_AVAILABLE,
                replica_state=c.REPLICA_STATE_ACTIVE)]
            instances += [models.ShareInstance(
                share_id=share.id, host=fixtures.host(b),
                availability_zone=b, status=c.STATUS_AVAILABLE,
                replica_state=c.REPLICA_STATE_OUT_OF_SYNC,
                cast_rules_to_readonly=True) for b in replica_backends]
            s.add_all(instances)
            s.flush()
            made.append(Made(share.id, instances[0].id,
                             [i.id for i in instances[1:]]))
    for m in made:
        (view,) = views.from_rows([{
            'id': m.active, 'share_id': m.share,
            'host': fixtures.host(active), 'size': 1}])
        drivers[active].create_share(view)
    return made


def states(rows, ids):
    return [rows.instance_row(i).replica_state for i in ids]


def replica_ids(made):
    return [r for m in made for r in m.replicas]


@contextlib.contextmanager
def count_statements():
    """SELECTs and UPDATEs sent to the database (both engines)."""
    counts = {'SELECT': 0, 'UPDATE': 0, 'executemany': 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in counts:
            counts[verb] += 1
        if executemany:
            counts['executemany'] += 1

    sa.event.listen(sa.engine.Engine, 'before_cursor_execute', before)
    try:
        yield counts
    finally:
        sa.event.remove(sa.engine.Engine, 'before_cursor_execute', before)


def test_cycle_marks_replicas_in_sync(drivers, rows):
    made = make_shares(drivers, 5, replica_backends=('az2', 'az3'))
    assert {rows.instance_row(r).last_sync_at
            for r in replica_ids(made)} == {None}
    updated, batches = replica_status.run_cycle(drivers['az1'], AZ1, 100)
    assert (updated, batches) == (10, 1)
    for replica_id in replica_ids(made):
        row = rows.instance_row(replica_id)
        assert row.replica_state == c.REPLICA_STATE_IN_SYNC
        assert row.status == c.STATUS_AVAILABLE
        assert row.last_sync_at is not None
        assert row.status_message is None
    assert set(states(rows, [m.active for m in made])) == {'active'}


def test_cycle_only_touches_shares_whose_active_is_ours(drivers, rows):
    ours = make_shares(drivers, 2)
    theirs = make_shares(drivers, 2, active='az2', replica_backends=('az1',))
    # A backend whose name starts like ours is another backend.
    lookalike = rows.share()
    rows.add(models.ShareInstance(
        share_id=lookalike, host='node@az11#pool0', availability_zone='az1',
        status=c.STATUS_AVAILABLE, replica_state=c.REPLICA_STATE_ACTIVE))
    lookalike_replica = rows.instance(
        lookalike, backend='az2', replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    assert replica_status.run_cycle(drivers['az1'], AZ1, 100) == (2, 1)
    assert set(states(rows, replica_ids(ours))) == {'in_sync'}
    assert set(states(rows, replica_ids(theirs) + [lookalike_replica])) == {
        'out_of_sync'}


@pytest.mark.parametrize('status', [
    c.STATUS_CREATING, c.STATUS_DELETING, c.STATUS_REPLICATION_CHANGE,
    c.STATUS_ERROR_DELETING, c.STATUS_EXTENDING, c.STATUS_ERROR])
def test_replicas_not_available_are_skipped(drivers, rows, status):
    skipped, done = make_shares(drivers, 2)
    rows.update(models.ShareInstance, skipped.replicas[0], status=status)
    replica_status.run_cycle(drivers['az1'], AZ1, 100)
    row = rows.instance_row(skipped.replicas[0])
    assert (row.status, row.replica_state, row.last_sync_at) == (
        status, c.REPLICA_STATE_OUT_OF_SYNC, None)
    assert states(rows, done.replicas) == ['in_sync']


def test_shares_with_a_task_are_skipped(drivers, rows):
    busy = make_shares(drivers, 1, task_state=c.TASK_REPLICATION_CHANGE)
    idle = make_shares(drivers, 1)
    assert replica_status.run_cycle(drivers['az1'], AZ1, 100) == (1, 1)
    assert states(rows, replica_ids(busy)) == ['out_of_sync']
    assert states(rows, replica_ids(idle)) == ['in_sync']


def test_one_failing_replica_does_not_stop_the_others(drivers, rows,
                                                      tmp_path):
    made = make_shares(drivers, 6, replica_backends=('az2', 'az3'))
    # Share 0: the driver raises for its replicas (the active's storage
    # is gone). Share 1's az3 replica: its backend is offline.
    (tmp_path / 'backends' / 'az1' / f'{made[0].active}.json').unlink()
    (tmp_path / 'backends' / 'az3' / 'offline').touch()
    replica_status.run_cycle(drivers['az1'], AZ1, 2)

    raised, offline = (rows.instance_row(r) for r in made[0].replicas)
    assert raised.replica_state == c.REPLICA_STATE_ERROR
    assert raised.status == c.STATUS_AVAILABLE
    assert raised.status_message.startswith('Replica update failed: ')
    assert 'has no storage' in raised.status_message
    assert offline.replica_state == c.REPLICA_STATE_ERROR
    for m in made[1:]:
        az2, az3 = (rows.instance_row(r) for r in m.replicas)
        assert az2.replica_state == c.REPLICA_STATE_IN_SYNC
        assert az3.replica_state == c.REPLICA_STATE_ERROR
        assert az3.status_message is None

    # Repaired: the next cycle clears the error and its message.
    (tmp_path / 'backends' / 'az3' / 'offline').unlink()
    (view,) = views.from_rows([{'id': made[0].active, 'share_id': 'x',
                                'host': fixtures.host('az1'), 'size': 1}])
    drivers['az1'].create_share(view)
    replica_status.run_cycle(drivers['az1'], AZ1, 2)
    for replica_id in replica_ids(made):
        row = rows.instance_row(replica_id)
        assert (row.replica_state, row.status_message) == ('in_sync', None)


class Meanwhile:
    """The real driver; before it answers for replica ``target``, ``act``
    runs (what another API worker or manager did meanwhile)."""

    def __init__(self, driver, target, act):
        self.driver, self.target, self.act = driver, target, act

    def update_replica_status(self, view):
        if view.id == self.target:
            self.act()
        return self.driver.update_replica_status(view)


def test_replica_deleted_meanwhile_is_not_resurrected(drivers, rows):
    made = make_shares(drivers, 3, replica_backends=('az2', 'az3'))
    victim = made[1].replicas[0]
    driver = Meanwhile(drivers['az1'], victim,
                       lambda: rows.delete_instance(victim))
    replica_status.run_cycle(driver, AZ1, 100)
    assert rows.instance_row(victim) is None
    others = [r for r in replica_ids(made) if r != victim]
    assert set(states(rows, others)) == {'in_sync'}
    with session.reader() as r:
        assert r.scalar(sa.select(sa.func.count()).select_from(
            models.ShareInstance)) == 8


def test_share_deleted_meanwhile(drivers, rows):
    made = make_shares(drivers, 2)
    gone = made[0]

    def delete_share():
        with session.transaction() as s:
            s.execute(sa.delete(models.ShareInstance).where(
                models.ShareInstance.share_id == gone.share))
            s.execute(sa.delete(models.Share).where(
                models.Share.id == gone.share))

    driver = Meanwhile(drivers['az1'], gone.replicas[0], delete_share)
    replica_status.run_cycle(driver, AZ1, 100)
    assert rows.share_row(gone.share) is None
    assert rows.instance_row(gone.replicas[0]) is None
    assert states(rows, made[1].replicas) == ['in_sync']


@pytest.mark.parametrize('values', [
    {'status': c.STATUS_DELETING},
    {'status': c.STATUS_REPLICATION_CHANGE},
    {'replica_state': c.REPLICA_STATE_ACTIVE},
])
def test_replica_changed_meanwhile_is_left_alone(drivers, rows, values):
    (made,) = make_shares(drivers, 1)
    target = made.replicas[0]
    driver = Meanwhile(drivers['az1'], target, lambda: rows.update(
        models.ShareInstance, target, **values))
    replica_status.run_cycle(driver, AZ1, 100)
    row = rows.instance_row(target)
    expected = {'status': c.STATUS_AVAILABLE,
                'replica_state': c.REPLICA_STATE_OUT_OF_SYNC, **values}
    assert (row.status, row.replica_state, row.last_sync_at) == (
        expected['status'], expected['replica_state'], None)


@pytest.mark.parametrize('shares,batch,selects,updates', [
    (250, 100, 3, 3),      # 100 + 100 + 50: the short batch ends it
    (200, 100, 3, 2),      # 100 + 100 + an empty read
    (250, 1000, 1, 1),
    (50, 1000, 1, 1),
])
def test_statements_grow_with_batches_not_replicas(drivers, rows, shares,
                                                   batch, selects,
                                                   updates):
    make_shares(drivers, shares)
    with count_statements() as counts:
        updated, batches = replica_status.run_cycle(drivers['az1'], AZ1,
                                                    batch)
    assert updated == shares
    assert batches == selects
    assert counts['SELECT'] == selects
    assert counts['UPDATE'] == updates
    assert counts['executemany'] == updates


def test_statements_do_not_grow_with_replicas_per_share(drivers, rows):
    make_shares(drivers, 40, replica_backends=('az2', 'az3'))
    with count_statements() as counts:
        assert replica_status.run_cycle(drivers['az1'], AZ1, 1000) == (
            80, 1)
    assert (counts['SELECT'], counts['UPDATE']) == (1, 1)


def test_a_share_locked_by_another_manager_waits_a_cycle(drivers, rows):
    """While another manager holds a share's lock (a promote, a resize),
    the loop leaves that share's replicas for the next cycle."""
    import threading

    from manila_repl import coordination

    busy, idle = make_shares(drivers, 2)
    held, release = threading.Event(), threading.Event()

    def other_manager():
        with coordination.share_lock(busy.share):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=other_manager)
    thread.start()
    try:
        assert held.wait(10)
        assert replica_status.run_cycle(drivers['az1'], AZ1, 100) == (1, 1)
        assert states(rows, busy.replicas) == ['out_of_sync']
        assert states(rows, idle.replicas) == ['in_sync']
    finally:
        release.set()
        thread.join()
    replica_status.run_cycle(drivers['az1'], AZ1, 100)
    assert states(rows, busy.replicas) == ['in_sync']
