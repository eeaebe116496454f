"""What the status loop and the flows tell operators: the replica gauges
and lag of a backend, the sync-age histogram and driver call metrics
(prometheus_client's own registry, parsed), and notifications (through
oslo.messaging's in-memory ``test`` notification driver; RabbitMQ in
tests/functional/test_operations.py)."""
import datetime

import pytest
from oslo_messaging.notify import _impl_test as test_notifier
from oslo_utils import timeutils

from manila_repl import constants as c
from manila_repl.conf import CONF
from manila_repl.db import models
from manila_repl import metrics
from manila_repl import notifications
from manila_repl.share import replica_metrics, replica_status, replication
from tests.unit.db import fixtures
from tests.unit.share.test_replica_status import AZ1, make_shares

AZ2 = fixtures.backend_host('az2')


@pytest.fixture
def measured(conf_db):
    conf_db.set('enabled', True, group='metrics')
    metrics.reset()
    metrics.setup(CONF)
    yield metrics.get()
    metrics.reset()


@pytest.fixture
def notified(conf_db):
    notifications.register_opts(CONF)
    conf_db.set('driver', ['test'], group='oslo_messaging_notifications')
    test_notifier.reset()
    yield lambda: [(message['event_type'], priority.upper(),
                    message['publisher_id'], message['payload'])
                   for _ctx, message, priority, _retry in
                   test_notifier.NOTIFICATIONS]
    notifications.reset()


def value(measured, name, **labels):
    return measured.registry.get_sample_value(name, labels)


def test_gauges_and_lag_of_a_backend(measured, drivers, rows):
    made = make_shares(drivers, 3)
    synced = timeutils.utcnow() - datetime.timedelta(seconds=120)
    rows.update(models.ShareInstance, made[0].replicas[0], last_sync_at=synced)
    rows.update(models.ShareInstance, made[1].replicas[0],
                last_sync_at=synced + datetime.timedelta(seconds=60))
    replica_metrics.refresh(AZ2)
    assert value(measured, 'manila_repl_replicas', backend=AZ2,
                 replica_state='out_of_sync') == 3
    assert value(measured, 'manila_repl_replicas', backend=AZ2,
                 replica_state='active') == 0
    assert 119 < value(measured, 'manila_repl_replication_lag_seconds',
                       backend=AZ2) < 130
    replica_metrics.refresh(AZ1)
    assert value(measured, 'manila_repl_replicas', backend=AZ1,
                 replica_state='active') == 3
    assert value(measured, 'manila_repl_replication_lag_seconds',
                 backend=AZ1) == 0


def test_a_cycle_is_measured(measured, drivers, rows):
    make_shares(drivers, 2)
    driver = metrics.instrument_driver(drivers['az1'], AZ1)
    with metrics.status_cycle(AZ1):
        replica_status.run_cycle(driver, AZ1, 500)
    assert value(measured, 'manila_repl_driver_call_duration_seconds_count',
                 backend=AZ1, method='update_replica_status') == 2
    assert value(measured, 'manila_repl_replica_sync_age_seconds_count',
                 backend=AZ2) == 2
    assert value(measured,
                 'manila_repl_replica_status_cycle_duration_seconds_count',
                 backend=AZ1) == 1


def test_a_failing_check_counts(measured, drivers, rows, conf_db):
    make_shares(drivers, 1)
    conf_db.set('fake_fail_methods', ['update_replica_status'], group='az1')
    driver = metrics.instrument_driver(drivers['az1'], AZ1)
    replica_status.run_cycle(driver, AZ1, 500)
    assert value(measured, 'manila_repl_driver_call_failures_total',
                 backend=AZ1, method='update_replica_status') == 1
    assert value(measured, 'manila_repl_replica_status_errors_total',
                 backend=AZ1) == 1


def test_state_changes_are_notified_once(notified, drivers, rows):
    made = make_shares(drivers, 1)
    replica_status.run_cycle(drivers['az1'], AZ1, 500)
    replica_status.run_cycle(drivers['az1'], AZ1, 500)
    (event,) = notified()
    name, level, publisher, payload = event
    assert (name, level, publisher) == (
        'share_replica.state_change', 'INFO', 'share.%s@az1' % CONF.host)
    assert payload['share_instance_id'] == made[0].replicas[0]
    assert (payload['old_replica_state'], payload['replica_state']) == (
        c.REPLICA_STATE_OUT_OF_SYNC, c.REPLICA_STATE_IN_SYNC)
    assert 0 <= payload['lag_seconds'] < 30
    assert payload['payload_version'] == notifications.PAYLOAD_VERSION


def test_a_failed_promote_is_notified_at_error_level(notified, drivers,
                                                     rows, conf_db):
    made = make_shares(drivers, 1)
    replica = made[0].replicas[0]
    rows.update(models.ShareInstance, replica,
                status=c.STATUS_REPLICATION_CHANGE)
    rows.update(models.Share, made[0].share,
                task_state=c.TASK_REPLICATION_CHANGE,
                task_instance_id=replica)
    conf_db.set('fake_fail_methods', ['set_active_replica'], group='az2')
    replication.promote_replica(drivers['az2'], replica)
    events = [(name, level) for name, level, _, _ in notified()]
    assert events == [('share_replica.promote.start', 'INFO'),
                      ('share_replica.promote.error', 'ERROR')]
    payload = notified()[-1][3]
    assert payload['project_id'] == 'p1'
    assert 'error_message' in payload


def test_nothing_is_sent_while_notifications_are_off(conf_db, drivers,
                                                     rows):
    test_notifier.reset()
    make_shares(drivers, 1)
    replica_status.run_cycle(drivers['az1'], AZ1, 500)
    assert test_notifier.NOTIFICATIONS == []
    assert not notifications.enabled()
