"""The replica flows of the share manager (replication.py) on SQLite with
fake backends: add, delete, promote, resync."""
import pytest

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl.db import models
from manila_repl.share import api as share_api
from manila_repl.share import instance_db, replication
from manila_repl.share.drivers import fake

ADMIN = ctx_mod.get_admin_context()


@pytest.fixture
def share(drivers, rows):
    """Readable share: active on az1 (with storage), in_sync replica on
    az2, and a replica on az3 being added."""
    share_id = rows.share()
    ids = {'id': share_id,
           'active': rows.instance(share_id, backend='az1'),
           'r2': rows.instance(share_id, backend='az2',
                               replica_state=c.REPLICA_STATE_IN_SYNC),
           'new': rows.instance(share_id, backend='az3',
                                status=c.STATUS_CREATING,
                                replica_state=c.REPLICA_STATE_OUT_OF_SYNC)}
    _, active = instance_db.load(ids['active'])
    drivers['az1'].create_share(active)
    drivers['az1'].add_replica(active, instance_db.load(ids['r2'])[1])
    return ids


def active_ids(rows, share_id):
    return [i.id for i in rows.instances_of(share_id)
            if i.replica_state == c.REPLICA_STATE_ACTIVE]


def test_add_replica(drivers, rows, share):
    replication.add_replica(drivers['az1'], share['new'])
    row = rows.instance_row(share['new'])
    assert (row.status, row.replica_state) == (c.STATUS_AVAILABLE,
                                               c.REPLICA_STATE_IN_SYNC)
    assert row.last_sync_at is not None
    assert rows.export_paths(share['new']) == [f"fake:/az3/{share['new']}"]
    # A repeated cast finds nothing to do.
    replication.add_replica(drivers['az1'], share['new'])
    assert rows.export_paths(share['new']) == [f"fake:/az3/{share['new']}"]


def test_add_replica_failure_is_visible(drivers, rows, share, tmp_path):
    (tmp_path / 'backends' / 'az3' / 'offline').touch()
    replication.add_replica(drivers['az1'], share['new'])
    row = rows.instance_row(share['new'])
    assert (row.status, row.replica_state) == (c.STATUS_ERROR,
                                               c.REPLICA_STATE_ERROR)
    assert row.status_message.startswith('Replica creation failed: ')
    assert 'az3' in row.status_message


def test_delete_replica(drivers, rows, share, conf_db):
    rows.update(models.ShareInstance, share['r2'], status=c.STATUS_DELETING)
    conf_db.set('fake_fail_methods', ['remove_replica'], group='az1')
    replication.delete_replica(drivers['az1'], share['r2'])
    row = rows.instance_row(share['r2'])
    assert row.status == c.STATUS_ERROR_DELETING
    assert row.status_message.startswith('Replica deletion failed: ')
    # Forced: the row goes despite the driver.
    rows.update(models.ShareInstance, share['r2'], status=c.STATUS_DELETING)
    replication.delete_replica(drivers['az1'], share['r2'], force=True)
    assert rows.instance_row(share['r2']) is None
    assert rows.share_row(share['id']) is not None


class TerseDriver(fake.FakeShareDriver):
    """A driver that answers set_active_replica for the new active only
    (or not at all): the control plane must still leave one active."""

    answer = 'new-only'

    def set_active_replica(self, share_instance, access_rules=None):
        updates = super().set_active_replica(share_instance)
        if self.answer is None:
            return None
        return [u for u in updates if u['id'] == share_instance.id]


@pytest.mark.parametrize('answer', ['new-only', None])
def test_promote_keeps_one_active_whatever_the_driver_answers(
        drivers, rows, share, answer):
    real = drivers['az2']
    driver = TerseDriver(real.configuration, real.conf, 'az2')
    driver.answer = answer
    assert share_api.promote_replica(ADMIN, share['r2'])
    replication.promote_replica(driver, share['r2'])
    assert active_ids(rows, share['id']) == [share['r2']]
    old = rows.instance_row(share['active'])
    assert (old.status, old.replica_state) == (
        c.STATUS_AVAILABLE, c.REPLICA_STATE_OUT_OF_SYNC)


def test_writable_promote_keeps_every_active(drivers, rows):
    share_id = rows.share(replication_type='writable')
    first = rows.instance(share_id, backend='az1')
    second = rows.instance(share_id, backend='az2',
                           replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    drivers['az1'].create_share(instance_db.load(first)[1])
    real = drivers['az2']
    driver = TerseDriver(real.configuration, real.conf, 'az2')
    assert share_api.promote_replica(ADMIN, second)
    replication.promote_replica(driver, second)
    assert sorted(active_ids(rows, share_id)) == sorted([first, second])


def test_promote_without_pending_task_does_nothing(drivers, rows, share):
    replication.promote_replica(drivers['az2'], share['r2'])
    assert active_ids(rows, share['id']) == [share['active']]


def test_resync(drivers, rows, share, tmp_path):
    rows.update(models.ShareInstance, share['r2'],
                replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    replication.update_replica(drivers['az1'], share['r2'])
    row = rows.instance_row(share['r2'])
    assert (row.replica_state, row.status_message) == ('in_sync', None)

    (tmp_path / 'backends' / 'az1' / f"{share['active']}.json").unlink()
    replication.update_replica(drivers['az1'], share['r2'])
    row = rows.instance_row(share['r2'])
    assert row.replica_state == c.REPLICA_STATE_ERROR
    assert row.status_message.startswith('Replica update failed: ')

    # The active replica is never resynced.
    replication.update_replica(drivers['az1'], share['active'])
    assert rows.instance_row(share['active']).replica_state == 'active'



def test_backend_whose_driver_cannot_set_up_reports_down(conf_db, tmp_path):
    """A driver that fails do_setup: the manager stops heartbeating (the
    services API shows it down) and reports no pools; once the operator
    fixes the cause, the next report sets it up and it is back."""
    import os

    import sqlalchemy as sa

    from manila_repl.db import models, session
    from manila_repl import service
    from manila_repl.share import manager as share_manager
    from tests.unit.db import fixtures

    root = tmp_path / 'b'
    fixtures.make_backends(conf_db, root, names=('az1',))
    # The fake root is a file, not a directory: do_setup fails.
    conf_db.set('fake_root_path', str(tmp_path / 'not-a-dir'), group='az1')
    (tmp_path / 'not-a-dir').write_text('')
    m = share_manager.ShareManager('az1', host='node')
    svc = service.Service(m, 'manila-repl-share', 'topic', m.host)

    def beats():
        with session.reader() as r:
            return r.scalar(sa.select(models.Service.report_count).where(
                models.Service.host == m.host)) or 0

    m.init_host()
    assert not m.healthy
    svc._report_state()
    m.publish_stats()
    assert not m.healthy
    assert beats() == 0
    os.unlink(tmp_path / 'not-a-dir')
    m.publish_stats()
    assert m.healthy
    svc._report_state()
    assert beats() == 1


def test_old_active_marked_error_says_why_at_once(drivers, rows, share,
                                                  tmp_path):
    """An unplanned promote: the old active's backend is down. It reads
    error with the reason from the promote's own transaction on, and the
    status loop (its backend still down, no reason from the driver) keeps
    that reason."""
    from manila_repl.share import replica_status
    (tmp_path / 'backends' / 'az1' / 'offline').touch()
    assert share_api.promote_replica(ADMIN, share['r2'])
    replication.promote_replica(drivers['az2'], share['r2'])
    old = rows.instance_row(share['active'])
    assert (old.status, old.replica_state) == (c.STATUS_AVAILABLE,
                                               c.REPLICA_STATE_ERROR)
    assert old.status_message.startswith(
        f"Replica {share['r2']} was promoted while this replica, the "
        "active one until then, could not be reached")
    message = old.status_message
    replica_status.run_cycle(drivers['az2'], 'node@az2', 10)
    old = rows.instance_row(share['active'])
    assert (old.replica_state, old.status_message) == (
        c.REPLICA_STATE_ERROR, message)
    # Back: re-seeded from the new active, and the reason goes.
    (tmp_path / 'backends' / 'az1' / 'offline').unlink()
    replica_status.run_cycle(drivers['az2'], 'node@az2', 10)
    old = rows.instance_row(share['active'])
    assert (old.replica_state, old.status_message) == (
        c.REPLICA_STATE_IN_SYNC, None)


def test_promote_recorded_once(drivers, rows, share):
    """The promote's record is conditional on the share still waiting for
    it: a promote whose driver call returns after the same promote was
    recorded (a redo, a lost commit answer) changes nothing."""
    real = drivers['az2']

    class Raced(fake.FakeShareDriver):
        def set_active_replica(self, share_instance, access_rules=None):
            replication.promote_replica(real, share_instance.id)
            return [{'id': share['active'],
                     'replica_state': c.REPLICA_STATE_ERROR}]

    assert share_api.promote_replica(ADMIN, share['r2'])
    replication.promote_replica(
        Raced(real.configuration, real.conf, 'az2'), share['r2'])
    assert active_ids(rows, share['id']) == [share['r2']]
    old = rows.instance_row(share['active'])
    assert (old.status, old.replica_state, old.status_message) == (
        c.STATUS_AVAILABLE, c.REPLICA_STATE_OUT_OF_SYNC, None)


def test_promote_keeps_the_drivers_reason(drivers, rows, share):
    real = drivers['az2']

    class Explains(fake.FakeShareDriver):
        def set_active_replica(self, share_instance, access_rules=None):
            updates = super().set_active_replica(share_instance)
            for update in updates:
                if update['id'] == share['active']:
                    update.update(replica_state=c.REPLICA_STATE_ERROR,
                                  message='its final sync failed: full')
            return updates

    assert share_api.promote_replica(ADMIN, share['r2'])
    replication.promote_replica(
        Explains(real.configuration, real.conf, 'az2'), share['r2'])
    old = rows.instance_row(share['active'])
    assert (old.replica_state, old.status_message) == (
        c.REPLICA_STATE_ERROR, 'its final sync failed: full')
