"""Restart recovery: work a killed manager left in transition is finished,
or fails visibly (status error with a message)."""
import pytest

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.share import recovery, replication
from tests.unit.db import fixtures

AZ1 = fixtures.backend_host('az1')
AZ2 = fixtures.backend_host('az2')
with_storage = fixtures.with_storage


@pytest.fixture
def left_over(drivers, rows):
    """Every kind of work a manager of az1 (or az2, for the promote) can
    leave behind."""
    w = {}
    # A plain share's instance being created, and one being deleted.
    share = rows.share(replication_type=None)
    w['plain_creating'] = rows.instance(share, status=c.STATUS_CREATING,
                                        replica_state=None)
    share = rows.share(replication_type=None)
    w['plain_deleting_share'] = share
    w['plain_deleting'] = with_storage(drivers, rows.instance(
        share, status=c.STATUS_DELETING, replica_state=None))
    # The first instance of a replicated share, being created.
    share = rows.share()
    w['first_creating'] = rows.instance(share, status=c.STATUS_CREATING)
    # A replica being added, and one being removed (active on az1).
    share = rows.share()
    with_storage(drivers, rows.instance(share, backend='az1'))
    w['replica_creating'] = rows.instance(
        share, backend='az2', status=c.STATUS_CREATING,
        replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    w['replica_deleting'] = with_storage(drivers, rows.instance(
        share, backend='az3', status=c.STATUS_DELETING,
        replica_state=c.REPLICA_STATE_IN_SYNC))
    # A replicated share being deleted (its last, active instance).
    share = rows.share()
    w['active_deleting_share'] = share
    w['active_deleting'] = with_storage(drivers, rows.instance(
        share, status=c.STATUS_DELETING))
    # A promote to a replica on az2, cut short.
    share = rows.share()
    w['promote_share'] = share
    w['promote_old'] = with_storage(drivers, rows.instance(
        share, backend='az1', status=c.STATUS_REPLICATION_CHANGE))
    w['promote_new'] = rows.instance(
        share, backend='az2', status=c.STATUS_REPLICATION_CHANGE,
        replica_state=c.REPLICA_STATE_IN_SYNC)
    rows.update(models.Share, share, task_state=c.TASK_REPLICATION_CHANGE,
                task_instance_id=w['promote_new'])
    # Not az1's work: a replica not placed yet (the scheduler's), and a
    # replica on az2 being added to a share whose active is on az3.
    w['unplaced'] = rows.instance(
        w['promote_share'], status=c.STATUS_CREATING, placed=False,
        replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    share = rows.share()
    rows.instance(share, backend='az3')
    w['elsewhere'] = rows.instance(
        share, backend='az2', status=c.STATUS_CREATING,
        replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    return w


def test_pending_work(left_over):
    w = left_over
    assert sorted(fixtures.pending(AZ1)) == sorted([
        ('create_share_instance', w['plain_creating']),
        ('create_share_instance', w['first_creating']),
        ('delete_share_instance', w['plain_deleting']),
        ('delete_share_instance', w['active_deleting']),
        ('add_replica', w['replica_creating']),
        ('delete_replica', w['replica_deleting']),
    ])
    assert fixtures.pending(AZ2) == [
        ('promote_replica', w['promote_new'])]
    assert fixtures.pending(fixtures.backend_host('az3')) == [
        ('add_replica', w['elsewhere'])]


def test_recover_finishes_everything(drivers, rows, left_over, tmp_path):
    w = left_over
    recovery.recover(drivers['az1'], AZ1)
    recovery.recover(drivers['az2'], AZ2)

    for key in ('plain_creating', 'first_creating'):
        row = rows.instance_row(w[key])
        assert (row.status, row.status_message) == (c.STATUS_AVAILABLE,
                                                    None)
        assert rows.export_paths(w[key]) == [f'fake:/az1/{w[key]}']
    assert rows.instance_row(w['first_creating']).replica_state == 'active'

    added = rows.instance_row(w['replica_creating'])
    assert (added.status, added.replica_state) == (c.STATUS_AVAILABLE,
                                                   c.REPLICA_STATE_IN_SYNC)
    assert added.last_sync_at is not None
    assert rows.export_paths(added.id) == [f'fake:/az2/{added.id}']
    assert (tmp_path / 'backends' / 'az2' / f'{added.id}.json').exists()

    assert rows.instance_row(w['replica_deleting']) is None
    assert not (tmp_path / 'backends' / 'az3' /
                f"{w['replica_deleting']}.json").exists()
    for key in ('plain_deleting', 'active_deleting'):
        assert rows.instance_row(w[key]) is None
        assert rows.share_row(w[key + '_share']) is None

    new = rows.instance_row(w['promote_new'])
    old = rows.instance_row(w['promote_old'])
    assert (new.status, new.replica_state) == (c.STATUS_AVAILABLE,
                                               c.REPLICA_STATE_ACTIVE)
    assert (old.status, old.replica_state) == (
        c.STATUS_AVAILABLE, c.REPLICA_STATE_OUT_OF_SYNC)
    share = rows.share_row(w['promote_share'])
    assert (share.task_state, share.task_instance_id) == (None, None)

    # Others' work is left to them.
    assert rows.instance_row(w['unplaced']).host is None
    assert rows.instance_row(w['unplaced']).status == c.STATUS_CREATING
    assert rows.instance_row(w['elsewhere']).status == c.STATUS_CREATING

    # Nothing is left; a cast still queued for the same work does nothing.
    assert recovery.recover(drivers['az1'], AZ1) == []
    assert recovery.recover(drivers['az2'], AZ2) == []
    replication.add_replica(drivers['az1'], w['replica_creating'])
    replication.promote_replica(drivers['az2'], w['promote_new'])
    assert rows.instance_row(w['replica_creating']).replica_state == \
        c.REPLICA_STATE_IN_SYNC
    assert rows.instance_row(w['promote_new']).replica_state == \
        c.REPLICA_STATE_ACTIVE


def test_recover_fails_visibly(drivers, rows, left_over, conf_db):
    w = left_over
    conf_db.set('fake_fail_methods', ['create_share', 'delete_share',
                                      'add_replica', 'remove_replica'],
                group='az1')
    conf_db.set('fake_fail_methods', ['set_active_replica'], group='az2')
    assert len(recovery.recover(drivers['az1'], AZ1)) == 6
    assert len(recovery.recover(drivers['az2'], AZ2)) == 1

    def check(key, status, message, replica_state=None):
        row = rows.instance_row(w[key])
        assert row.status == status
        assert row.status_message.startswith(message)
        assert 'injected failure' in row.status_message
        if replica_state:
            assert row.replica_state == replica_state

    check('plain_creating', c.STATUS_ERROR, 'Share creation failed: ')
    check('first_creating', c.STATUS_ERROR, 'Share creation failed: ')
    check('plain_deleting', c.STATUS_ERROR_DELETING,
          'Share deletion failed: ')
    check('active_deleting', c.STATUS_ERROR_DELETING,
          'Share deletion failed: ')
    check('replica_creating', c.STATUS_ERROR, 'Replica creation failed: ',
          c.REPLICA_STATE_ERROR)
    check('replica_deleting', c.STATUS_ERROR_DELETING,
          'Replica deletion failed: ')
    check('promote_new', c.STATUS_AVAILABLE, 'Promotion failed: ',
          c.REPLICA_STATE_ERROR)
    # The promote failed: the old active is still the one active replica.
    old = rows.instance_row(w['promote_old'])
    assert (old.status, old.replica_state) == (c.STATUS_AVAILABLE,
                                               c.REPLICA_STATE_ACTIVE)
    share = rows.share_row(w['promote_share'])
    assert (share.task_state, share.task_instance_id) == (None, None)
    # Failed work is not retried at the next start.
    assert fixtures.pending(AZ1) == []
    assert fixtures.pending(AZ2) == []
    assert rows.instance_row(w['elsewhere']).status == c.STATUS_CREATING


def test_recovered_promote_with_old_active_down(drivers, rows, left_over,
                                                tmp_path):
    w = left_over
    (tmp_path / 'backends' / 'az1' / 'offline').touch()
    recovery.recover(drivers['az2'], AZ2)
    new = rows.instance_row(w['promote_new'])
    old = rows.instance_row(w['promote_old'])
    assert (new.status, new.replica_state) == ('available', 'active')
    assert (old.status, old.replica_state) == ('available', 'error')
