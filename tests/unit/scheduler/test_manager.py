"""SchedulerManager on a real database, fed by fake backends' reports."""
import pytest
from oslo_utils import timeutils

from manila_repl import constants as c
from manila_repl import context as ctx_mod
from manila_repl.db import models
from manila_repl.scheduler import manager as scheduler_manager
from tests.unit.db import fixtures


@pytest.fixture
def scheduler(drivers):
    return fixtures.scheduler_of(drivers)


@pytest.fixture
def pinned_type(rows):
    """A replicated type pinned to backend az1, as operators write them."""
    return rows.share_type(replication_type='readable',
                           share_backend_name='az1',
                           driver_handles_share_servers='False',
                           snapshot_support='<is> True')


def _ctx():
    return ctx_mod.get_admin_context()


def test_get_pools_lists_reported_pools(scheduler):
    pools = scheduler.get_pools(_ctx(), {})
    assert [p['name'] for p in pools] == [
        'node@az1#pool0', 'node@az2#pool0', 'node@az3#pool0']
    assert pools[0]['capabilities']['replication_domain'] == 'domain1'
    assert [p['name'] for p in scheduler.get_pools(
        _ctx(), {'backend': 'az2'})] == ['node@az2#pool0']


def test_get_pools_of_a_share_type(scheduler):
    """?share_type= (extra_specs from the API): the pools that could hold
    a share of that type, as Manila matches extra specs to capabilities."""
    def names(extra_specs):
        return [p['name'] for p in scheduler.get_pools(
            _ctx(), {'share_type': 'id', 'extra_specs': extra_specs})]
    every = ['node@az1#pool0', 'node@az2#pool0', 'node@az3#pool0']
    assert names({'driver_handles_share_servers': 'False',
                  'replication_type': 'readable'}) == every
    assert names({'share_backend_name': 'az2'}) == ['node@az2#pool0']
    assert names({'availability_zones': 'az1, az3'}) == [
        'node@az1#pool0', 'node@az3#pool0']
    assert names({'driver_handles_share_servers': 'True'}) == []
    assert names({'capabilities:no_such_capability': 'x'}) == []


def test_type_availability_zones_restrict_placement(scheduler, rows):
    zoned = rows.share_type(availability_zones='az3')
    share = rows.share(type_id=zoned)
    instance = rows.instance(share, status=c.STATUS_CREATING, placed=False)
    scheduler.create_share_instance(_ctx(), instance)
    assert rows.instance_row(instance).availability_zone == 'az3'


def test_new_share_honours_the_backend_pin(scheduler, rows, pinned_type):
    share = rows.share(type_id=pinned_type)
    instance = rows.instance(share, status=c.STATUS_CREATING, placed=False)
    scheduler.create_share_instance(_ctx(), instance)
    row = rows.instance_row(instance)
    assert (row.host, row.availability_zone) == ('node@az1#pool0', 'az1')
    assert row.status == c.STATUS_CREATING


def test_replica_drops_the_backend_pin(scheduler, rows, pinned_type):
    share = rows.share(type_id=pinned_type)
    rows.instance(share, backend='az1')
    first = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                          replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(_ctx(), first)
    row = rows.instance_row(first)
    assert row.host in ('node@az2#pool0', 'node@az3#pool0')
    assert row.availability_zone == row.host[5:8]
    assert row.status == c.STATUS_CREATING
    assert row.status_message is None

    # The next replica goes to the one backend left.
    second = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                           replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(_ctx(), second)
    hosts = {rows.instance_row(i).host for i in (first, second)}
    assert hosts == {'node@az2#pool0', 'node@az3#pool0'}

    # Every backend holds one now: the user sees why the third failed.
    third = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                          replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(_ctx(), third)
    row = rows.instance_row(third)
    assert row.host is None
    assert (row.status, row.replica_state) == (c.STATUS_ERROR,
                                               c.REPLICA_STATE_ERROR)
    assert row.status_message == ('No valid host was found. No pool '
                                  'passed the ShareReplicationFilter.')


def test_replica_in_the_requested_zone(scheduler, rows, pinned_type):
    share = rows.share(type_id=pinned_type)
    rows.instance(share, backend='az1')
    replica = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                            zone='az2',
                            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(_ctx(), replica)
    assert rows.instance_row(replica).host == 'node@az2#pool0'


def test_replica_when_active_backend_is_not_reporting(drivers, rows,
                                                      pinned_type):
    manager = scheduler_manager.SchedulerManager()
    for name in ('az2', 'az3'):
        manager.update_service_capabilities(
            _ctx(), fixtures.backend_host(name),
            fixtures.stats(drivers[name]))
    share = rows.share(type_id=pinned_type)
    rows.instance(share, backend='az1')
    replica = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    manager.create_replica(_ctx(), replica)
    row = rows.instance_row(replica)
    assert (row.status, row.replica_state) == (c.STATUS_ERROR,
                                               c.REPLICA_STATE_ERROR)
    assert 'node@az1' in row.status_message
    assert 'not reporting' in row.status_message


def test_replica_of_share_without_active(scheduler, rows):
    share = rows.share()
    replica = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                            replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(_ctx(), replica)
    row = rows.instance_row(replica)
    assert row.status == c.STATUS_ERROR
    assert row.status_message == 'The share has no active replica.'


def test_placed_or_deleted_replica_needs_no_placement(scheduler, rows):
    share = rows.share()
    rows.instance(share, backend='az1')
    placed = rows.instance(share, backend='az2', status=c.STATUS_CREATING,
                           replica_state=c.REPLICA_STATE_OUT_OF_SYNC)
    scheduler.create_replica(_ctx(), placed)
    scheduler.create_replica(_ctx(), 'no-such-replica')
    row = rows.instance_row(placed)
    assert (row.host, row.status) == ('node@az2#pool0', c.STATUS_CREATING)


def test_new_share_without_room(scheduler, rows):
    share = rows.share(replication_type=None, size=10 ** 6)
    instance = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                             replica_state=None)
    scheduler.create_share_instance(_ctx(), instance)
    row = rows.instance_row(instance)
    assert (row.status, row.replica_state) == (c.STATUS_ERROR, None)
    assert row.status_message == ('No valid host was found. No pool '
                                  'passed the CapacityFilter.')


def test_sweep_places_instances_whose_cast_was_lost(scheduler, rows):
    share = rows.share(replication_type=None)
    old = rows.instance(share, status=c.STATUS_CREATING, placed=False,
                        replica_state=None)
    fresh_share = rows.share(replication_type=None)
    fresh = rows.instance(fresh_share, status=c.STATUS_CREATING,
                          placed=False, replica_state=None)
    # rows.instance dates instances in 2026-01-01; make one brand new.
    rows.update(models.ShareInstance, fresh, created_at=timeutils.utcnow())
    scheduler.place_forgotten()
    assert rows.instance_row(old).host is not None
    # A fresh one may still have its cast in flight: left alone.
    assert rows.instance_row(fresh).host is None
