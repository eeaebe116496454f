"""Every asynchronous failure a project causes or suffers leaves it a user
message (messages.py), with Manila's action and detail ids where Manila
has them, once per failure (never at every status cycle): the scheduler
finding no valid host (saying which filter), the replica, share,
snapshot, access and resize flows of the share managers, the status loop
and the work of dead owners."""
import datetime
import json

import pytest
import sqlalchemy as sa
from oslo_utils import timeutils

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl.db import models, session
from manila_repl import message_fields as fields
from manila_repl.share import access, dead_owners, instance_db, lifecycle
from manila_repl.share import replica_status, replication, resize
from manila_repl.share import snapshots
from tests.unit.db import fixtures

ADMIN = ctx_mod.get_admin_context()
AZ1 = fixtures.backend_host('az1')
Detail, Action = fields.Detail, fields.Action


def user_messages():
    """(resource_type, resource_id, action_id, detail_id, project) of
    every message, oldest first."""
    with session.reader() as r:
        return [(m.resource_type, m.resource_id, m.action_id, m.detail_id,
                 m.project_id)
                for m in r.scalars(sa.select(models.Message).order_by(
                    models.Message.created_at)).all()]


def about(resource_type, resource_id, action, detail, project='p7'):
    return (resource_type, resource_id, action.id, detail.id, project)


@pytest.fixture
def share(drivers, rows):
    """A readable share of project p7: active on az1, in_sync on az2,
    each with storage."""
    type_id = rows.share_type(replication_type='readable')
    share_id = rows.share(project='p7', size=2, type_id=type_id)
    ids = {'id': share_id, 'active': rows.instance(share_id, backend='az1'),
           'r2': rows.instance(share_id, backend='az2',
                               replica_state=c.REPLICA_STATE_IN_SYNC)}
    _, active = instance_db.load(ids['active'])
    drivers['az1'].create_share(active)
    drivers['az1'].add_replica(active, instance_db.load(ids['r2'])[1])
    return ids


def new_replica(rows, share, backend='az3', placed=True):
    return rows.instance(share['id'], backend=backend, placed=placed,
                         status=c.STATUS_CREATING,
                         replica_state=c.REPLICA_STATE_OUT_OF_SYNC)


# -- the scheduler: no valid host, and why ----------------------------------

@pytest.mark.parametrize('case, detail', [
    ('capacity', Detail.FILTER_CAPACITY),
    ('zone', Detail.FILTER_AVAILABILITY),
    ('capability', Detail.FILTER_CAPABILITIES),
    ('replication', Detail.FILTER_REPLICATION)])
def test_no_valid_host_for_a_replica_names_the_filter(drivers, rows, share,
                                                      case, detail):
    scheduler = fixtures.scheduler_of(drivers)
    zone = {'zone': 'az9', 'replication': 'az1'}.get(case)
    if case == 'capacity':
        rows.update(models.Share, share['id'], size=10 ** 6)
    if case == 'capability':
        type_id = rows.share_type(name='other', replication_type='readable',
                                  **{'capabilities:no_such': 'x'})
        rows.update(models.Share, share['id'], share_type_id=type_id)
    replica = rows.instance(share['id'], placed=False, zone=zone,
                            status=c.STATUS_CREATING,
                            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(ADMIN, replica)
    row = rows.instance_row(replica)
    assert (row.status, row.replica_state) == ('error', 'error')
    assert user_messages() == [about('SHARE_REPLICA', replica,
                                     Action.ALLOCATE_HOST, detail)]
    # Placing it again (a sweep) changes nothing and says nothing more.
    scheduler.create_replica(ADMIN, replica)
    assert len(user_messages()) == 1


def test_no_valid_host_for_a_share(drivers, rows):
    scheduler = fixtures.scheduler_of(drivers)
    share_id = rows.share(project='p7', size=10 ** 6)
    instance = rows.instance(share_id, placed=False,
                             status=c.STATUS_CREATING)
    scheduler.create_share_instance(ADMIN, instance)
    assert user_messages() == [about('SHARE', share_id, Action.ALLOCATE_HOST,
                                     Detail.FILTER_CAPACITY)]


def test_no_pool_reported_yet(conf_db, rows):
    from manila_repl.scheduler import manager
    share_id = rows.share(project='p7')
    instance = rows.instance(share_id, placed=False,
                             status=c.STATUS_CREATING)
    manager.SchedulerManager().create_share_instance(ADMIN, instance)
    assert user_messages() == [about('SHARE', share_id, Action.ALLOCATE_HOST,
                                     Detail.SHARE_BACKEND_NOT_READY_YET)]


def test_the_actives_backend_is_not_reporting(drivers, rows, share):
    scheduler = fixtures.scheduler_of({'az2': drivers['az2'],
                                       'az3': drivers['az3']})
    replica = new_replica(rows, share, placed=False)
    scheduler.create_replica(ADMIN, replica)
    assert user_messages() == [about('SHARE_REPLICA', replica,
                                     Action.ALLOCATE_HOST,
                                     Detail.ACTIVE_REPLICA_BACKEND_DOWN)]


# -- replica flows ----------------------------------------------------------

def test_add_replica_failure(drivers, rows, share, tmp_path):
    replica = new_replica(rows, share)
    (tmp_path / 'backends' / 'az3' / 'offline').touch()
    replication.add_replica(drivers['az1'], replica)
    replication.add_replica(drivers['az1'], replica)    # a late cast
    assert user_messages() == [about('SHARE_REPLICA', replica, Action.CREATE,
                                     Detail.DRIVER_FAILED_ADD_REPLICA)]


def test_delete_replica_failure(drivers, rows, share, conf_db):
    rows.update(models.ShareInstance, share['r2'], status=c.STATUS_DELETING)
    conf_db.set('fake_fail_methods', ['remove_replica'], group='az1')
    replication.delete_replica(drivers['az1'], share['r2'])
    assert user_messages() == [about('SHARE_REPLICA', share['r2'],
                                     Action.DELETE,
                                     Detail.DRIVER_FAILED_DELETE_REPLICA)]


def promoting(rows, share, target):
    rows.update(models.Share, share['id'],
                task_state=c.TASK_REPLICATION_CHANGE,
                task_instance_id=target)
    for key in ('active', 'r2'):
        rows.update(models.ShareInstance, share[key],
                    status=c.STATUS_REPLICATION_CHANGE)


def test_promote_failure(drivers, rows, share, conf_db):
    promoting(rows, share, share['r2'])
    conf_db.set('fake_fail_methods', ['set_active_replica'], group='az2')
    replication.promote_replica(drivers['az2'], share['r2'])
    assert user_messages() == [about('SHARE_REPLICA', share['r2'],
                                     Action.PROMOTE,
                                     Detail.DRIVER_FAILED_PROMOTE)]


def test_an_unreachable_old_active_after_a_promote(drivers, rows, share,
                                                   tmp_path):
    promoting(rows, share, share['r2'])
    (tmp_path / 'backends' / 'az1' / 'offline').touch()
    replication.promote_replica(drivers['az2'], share['r2'])
    old = rows.instance_row(share['active'])
    assert old.replica_state == c.REPLICA_STATE_ERROR
    assert user_messages() == [about(
        'SHARE_REPLICA', share['active'], Action.PROMOTE,
        Detail.REPLICA_UNREACHABLE_AT_PROMOTE)]


def test_resync_failure(drivers, rows, share, tmp_path):
    (tmp_path / 'backends' / 'az2' / 'offline').touch()
    replication.update_replica(drivers['az1'], share['r2'])
    assert user_messages() == [about('SHARE_REPLICA', share['r2'],
                                     Action.UPDATE, Detail.REPLICA_ERROR)]


# -- the status loop: on transitions only -------------------------------------

def test_status_loop_says_so_once_when_a_replica_breaks(drivers, rows,
                                                        share, tmp_path):
    (tmp_path / 'backends' / 'az2' / 'offline').touch()
    for _cycle in range(3):
        replica_status.run_cycle(drivers['az1'], AZ1, 10)
    assert user_messages() == [about('SHARE_REPLICA', share['r2'],
                                     Action.UPDATE, Detail.REPLICA_ERROR)]
    # Repaired, then broken again: a new message.
    (tmp_path / 'backends' / 'az2' / 'offline').unlink()
    replica_status.run_cycle(drivers['az1'], AZ1, 10)
    assert rows.instance_row(share['r2']).replica_state == 'in_sync'
    (tmp_path / 'backends' / 'az2' / 'offline').touch()
    replica_status.run_cycle(drivers['az1'], AZ1, 10)
    assert len(user_messages()) == 2


def test_status_loop_says_so_once_when_a_replica_falls_behind(
        drivers, rows, share, monkeypatch):
    driver = drivers['az1']
    behind = {'replica_state': c.REPLICA_STATE_OUT_OF_SYNC}
    monkeypatch.setattr(driver, 'update_replica_status', lambda view: behind)
    for _cycle in range(3):
        replica_status.run_cycle(driver, AZ1, 10)
    assert user_messages() == [about('SHARE_REPLICA', share['r2'],
                                     Action.UPDATE,
                                     Detail.REPLICA_OUT_OF_SYNC)]


def test_a_new_replica_catching_up_is_no_failure(drivers, rows, share):
    rows.update(models.ShareInstance, share['r2'],
                replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    replica_status.run_cycle(drivers['az1'], AZ1, 10)
    assert rows.instance_row(share['r2']).replica_state == 'in_sync'
    assert user_messages() == []


# -- shares, snapshots, access rules, resizes ---------------------------------

def test_create_and_delete_share_failures(drivers, rows, conf_db):
    share_id = rows.share(project='p7', replication_type=None)
    instance = rows.instance(share_id, backend='az2', replica_state=None,
                             status=c.STATUS_CREATING)
    conf_db.set('fake_fail_methods', ['create_share', 'delete_share'],
                group='az2')
    lifecycle.create_share_instance(drivers['az2'], instance)
    rows.update(models.ShareInstance, instance, status=c.STATUS_DELETING)
    lifecycle.delete_share_instance(drivers['az2'], instance)
    assert user_messages() == [
        about('SHARE', share_id, Action.CREATE, Detail.DRIVER_FAILED_CREATE),
        about('SHARE', share_id, Action.DELETE, Detail.DRIVER_FAILED_DELETE)]


def snapshot_of(rows, share, status):
    snapshot_id = rows.add(models.ShareSnapshot(
        share_id=share['id'], project_id='p7', user_id='u', size=2,
        share_proto='NFS'))
    for key in ('active', 'r2'):
        rows.add(models.ShareSnapshotInstance(
            snapshot_id=snapshot_id, share_instance_id=share[key],
            status=status))
    return snapshot_id


def test_snapshot_failures_one_message_each(drivers, rows, share, conf_db):
    conf_db.set('fake_fail_methods', ['create_snapshot', 'delete_snapshot'],
                group='az1')
    conf_db.set('fake_fail_methods', ['create_snapshot', 'delete_snapshot'],
                group='az2')
    created = snapshot_of(rows, share, c.STATUS_CREATING)
    snapshots.create_snapshot(drivers['az1'], created)
    deleted = snapshot_of(rows, share, c.STATUS_DELETING)
    snapshots.delete_snapshot(drivers['az1'], deleted)
    assert user_messages() == [
        about('SHARE_SNAPSHOT', created, Action.CREATE,
              Detail.DRIVER_FAILED_SNAPSHOT),
        about('SHARE_SNAPSHOT', deleted, Action.DELETE,
              Detail.DRIVER_FAILED_DELETE_SNAPSHOT)]


def test_access_rules_that_could_not_be_applied(drivers, rows, share,
                                                conf_db):
    rule = rows.add(models.ShareAccessRule(
        share_id=share['id'], access_type='ip', access_to='10.0.0.1',
        access_level='rw', metadata_={}))
    for key in ('active', 'r2'):
        rows.add(models.ShareInstanceAccessMap(
            share_instance_id=share[key], access_id=rule,
            state=access.QUEUED_TO_APPLY))
    conf_db.set('fake_fail_methods', ['update_access'], group='az1')
    conf_db.set('fake_fail_methods', ['update_access'], group='az2')
    access.update_access(drivers['az1'], share['id'])
    # One message for the share, not one per replica; none when the
    # rules already read error.
    access.update_access(drivers['az1'], share['id'])
    assert user_messages() == [about('SHARE', share['id'],
                                     Action.UPDATE_ACCESS_RULES,
                                     Detail.DRIVER_FAILED_ACCESS)]


def resizing(rows, share, status, size):
    rows.update(models.Share, share['id'], task_state=status,
                task_size=size)
    for key in ('active', 'r2'):
        rows.update(models.ShareInstance, share[key], status=status)


def test_extend_failure(drivers, rows, share, conf_db):
    resizing(rows, share, c.STATUS_EXTENDING, 4)
    conf_db.set('fake_fail_methods', ['extend_share'], group='az1')
    resize.extend_share(drivers['az1'], share['id'], 4)
    resize.extend_share(drivers['az1'], share['id'], 4)    # a late cast
    assert user_messages() == [about('SHARE', share['id'], Action.EXTEND,
                                     Detail.DRIVER_FAILED_EXTEND)]


def test_shrink_refused_and_failed(drivers, rows, share, conf_db,
                                   tmp_path):
    path = tmp_path / 'backends' / 'az1' / f"{share['active']}.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps(dict(data, used=2)))
    resizing(rows, share, c.STATUS_SHRINKING, 1)
    resize.shrink_share(drivers['az1'], share['id'], 1)
    path.write_text(json.dumps(data))
    conf_db.set('fake_fail_methods', ['shrink_share'], group='az1')
    resizing(rows, share, c.STATUS_SHRINKING, 1)
    resize.shrink_share(drivers['az1'], share['id'], 1)
    assert user_messages() == [
        about('SHARE', share['id'], Action.SHRINK,
              Detail.DRIVER_REFUSED_SHRINK),
        about('SHARE', share['id'], Action.SHRINK,
              Detail.DRIVER_FAILED_SHRINKING)]


# -- work of a dead owner -----------------------------------------------------

class Steady:
    def steady_for(self, seconds):
        return True


def test_work_of_a_dead_backend_given_up(drivers, rows, share, conf_db):
    conf_db.set('service_down_time', 60)
    conf_db.set('dead_owner_work_timeout', 1800, group='share')
    long_ago = timeutils.utcnow() - datetime.timedelta(hours=2)
    for backend, age in (('az1', 1), ('az2', 1), ('az3', 7200)):
        when = timeutils.utcnow() - datetime.timedelta(seconds=age)
        rows.add(models.Service(
            host=fixtures.backend_host(backend), binary=c.BINARY_SHARE,
            topic=c.BINARY_SHARE, report_count=1, created_at=when,
            updated_at=when))
    # A share whose only instance, on the dead az3, is being created.
    lost = rows.share(project='p7', replication_type=None)
    instance = rows.instance(lost, backend='az3', replica_state=None,
                             status=c.STATUS_CREATING)
    rows.update(models.ShareInstance, instance, updated_at=long_ago,
                created_at=long_ago)
    taken = dead_owners.run(drivers['az1'], AZ1, Steady())
    assert fixtures.flows(taken) == [('create_share_instance', instance)]
    assert user_messages() == [about('SHARE', lost, Action.CREATE,
                                     Detail.BACKEND_DOWN)]


def test_a_promote_given_up(drivers, rows, share):
    promoting(rows, share, share['r2'])
    assert replication.abandon_promote(drivers['az1'], share['r2'],
                                       'Promotion abandoned: down')
    assert user_messages() == [about('SHARE_REPLICA', share['r2'],
                                     Action.PROMOTE, Detail.BACKEND_DOWN)]
