"""Filters, weigher and FilterScheduler on pools as backends report them.
"""
import time

import pytest

from manila_repl import exception
from manila_repl.scheduler import filter_scheduler, host_state
from manila_repl.scheduler.filters import (
    availability_zone,
    capabilities,
    capacity,
    replication,
)
from manila_repl.scheduler.request_spec import RequestSpec
from manila_repl.scheduler.weighers import capacity as capacity_weigher


def report(name, zone=None, free=100, domain='d1',
           replication_type='readable dr writable', **pool_caps):
    """What the share manager of backend ``name`` sends the scheduler."""
    pool = {'pool_name': 'pool0', 'total_capacity_gb': 1000,
            'free_capacity_gb': free, 'snapshot_support': True,
            'replication_type': replication_type,
            'replication_domain': domain}
    pool.update(pool_caps)
    return {'share_backend_name': name,
            'driver_handles_share_servers': False,
            'replication_type': replication_type,
            'replication_domain': domain,
            'availability_zone': zone or name,
            'pools': [pool]}


def host_manager(*reports):
    manager = host_state.HostManager()
    for caps in reports:
        manager.update('node@' + caps['share_backend_name'], caps)
    return manager


def pool(caps):
    (only,) = host_manager(caps).pools()
    return only


def replica_spec(active='az1', existing=('az1',), domain='d1', **kw):
    kw.setdefault('extra_specs', {'replication_type': 'readable'})
    return RequestSpec(size=1, is_replica=True, share_id='s1',
                       active_replica_host=f'node@{active}#pool0',
                       active_replica_az=active,
                       active_replica_domain=domain,
                       existing_backends=frozenset(
                           'node@' + e for e in existing), **kw)


# -- host state -------------------------------------------------------------

def test_pool_state_from_report():
    p = pool(report('az1', free=42))
    assert p.host == 'node@az1#pool0'
    assert p.backend == 'node@az1'
    assert p.availability_zone == 'az1'
    assert p.free_capacity_gb == 42
    assert p.replication_domain == 'd1'
    as_dict = p.as_dict()
    assert as_dict['name'] == 'node@az1#pool0'
    assert (as_dict['host'], as_dict['backend'], as_dict['pool']) == (
        'node', 'az1', 'pool0')
    assert as_dict['capabilities']['snapshot_support'] is True
    assert 'timestamp' in as_dict['capabilities']


def test_report_replaces_backend_pools_and_stale_backends_disappear():
    manager = host_manager(report('az1'), report('az2'))
    manager.update('node@az1', report('az1', free=7))
    by_host = {p.host: p for p in manager.pools()}
    assert sorted(by_host) == ['node@az1#pool0', 'node@az2#pool0']
    assert by_host['node@az1#pool0'].free_capacity_gb == 7
    by_host['node@az2#pool0'].updated = time.time() - 3600
    assert [p.host for p in manager.pools()] == ['node@az1#pool0']


# -- availability zone --------------------------------------------------------

def test_az_filter():
    f = availability_zone.AvailabilityZoneFilter()
    p = pool(report('az1'))
    assert f.host_passes(p, RequestSpec(size=1, extra_specs={}))
    assert f.host_passes(p, RequestSpec(size=1, extra_specs={},
                                        availability_zone='az1'))
    assert not f.host_passes(p, RequestSpec(size=1, extra_specs={},
                                            availability_zone='az2'))


# -- capacity -----------------------------------------------------------------

@pytest.mark.parametrize('free,size,passes', [
    (100, 100, True), (100, 101, False), (0, 1, False),
    ('unknown', 10 ** 6, True), ('infinite', 10 ** 6, True)])
def test_capacity_filter(free, size, passes):
    f = capacity.CapacityFilter()
    p = pool(report('az1', free=free))
    assert f.host_passes(p, RequestSpec(size=size, extra_specs={})) is passes


# -- capabilities -------------------------------------------------------------

@pytest.mark.parametrize('specs,passes', [
    ({}, True),
    ({'snapshot_support': 'True'}, True),
    ({'snapshot_support': '<is> True'}, True),
    ({'snapshot_support': '<is> true'}, True),
    ({'snapshot_support': '<is> False'}, False),
    ({'capabilities:snapshot_support': '<is> True'}, True),
    ({'driver_handles_share_servers': 'False'}, True),
    ({'driver_handles_share_servers': 'True'}, False),
    ({'share_backend_name': 'az1'}, True),
    ({'share_backend_name': 'AZ1'}, True),
    ({'share_backend_name': 'az2'}, False),
    ({'capabilities:share_backend_name': 'az2'}, False),
    # A space-separated capability matches by member.
    ({'compression': 'lz4'}, True),
    ({'compression': 'zstd'}, False),
    ({'dedupe': 'True'}, False),
    # Other scopes are not capabilities.
    ({'provisioning:max_share_size': '5'}, True),
    # Left to the replication filter.
    ({'replication_type': 'nonsense'}, True),
])
def test_capabilities_filter(specs, passes):
    f = capabilities.CapabilitiesFilter()
    p = pool(report('az1', compression='lz4 gzip'))
    assert f.host_passes(p, RequestSpec(size=1, extra_specs=specs)) is passes


def test_capabilities_missing_snapshot_support_means_false():
    f = capabilities.CapabilitiesFilter()
    caps = report('az1')
    del caps['pools'][0]['snapshot_support']
    p = pool(caps)
    assert not f.host_passes(p, RequestSpec(
        size=1, extra_specs={'snapshot_support': '<is> True'}))
    assert f.host_passes(p, RequestSpec(
        size=1, extra_specs={'snapshot_support': '<is> False'}))


# -- replication --------------------------------------------------------------

def test_replication_filter_without_replication_type_passes_everything():
    f = replication.ShareReplicationFilter()
    plain = RequestSpec(size=1, extra_specs={'snapshot_support': 'True'})
    for caps in (report('az1'), report('az2', domain=None),
                 report('az3', replication_type=None, domain=None)):
        assert f.host_passes(pool(caps), plain)


def test_replication_filter_new_share():
    f = replication.ShareReplicationFilter()
    spec = RequestSpec(size=1, extra_specs={'replication_type': 'readable'})
    assert f.host_passes(pool(report('az1')), spec)
    # No replication domain: the backend cannot replicate.
    assert not f.host_passes(pool(report('az1', domain=None)), spec)
    # The pool must offer the type.
    assert not f.host_passes(pool(report('az1', replication_type='dr')),
                             spec)
    assert f.host_passes(pool(report('az1', replication_type='dr')),
                         RequestSpec(size=1,
                                     extra_specs={'replication_type': 'dr'}))


def test_replication_filter_replica_placement():
    f = replication.ShareReplicationFilter()
    spec = replica_spec(active='az1', existing=('az1', 'az3'))
    # Another backend, another AZ, same domain: fine.
    assert f.host_passes(pool(report('az2')), spec)
    # Another replication domain.
    assert not f.host_passes(pool(report('az2', domain='d2')), spec)
    # No replication domain at all.
    assert not f.host_passes(pool(report('az2', domain=None)), spec)
    # A backend that already holds an instance of the share.
    assert not f.host_passes(pool(report('az3')), spec)
    assert not f.host_passes(pool(report('az1')), spec)
    # Another backend, but in the active replica's AZ.
    assert not f.host_passes(pool(report('az4', zone='az1')), spec)


# -- weigher and scheduler ----------------------------------------------

def test_capacity_weigher():
    w = capacity_weigher.CapacityWeigher()
    spec = RequestSpec(size=1, extra_specs={})
    assert w.weigh(pool(report('az1', free=12)), spec) == 12.0
    assert w.weigh(pool(report('az1', free='unknown')), spec) == \
        float('inf')


@pytest.fixture
def scheduler():
    def make(*reports):
        return filter_scheduler.FilterScheduler(host_manager(*reports))
    return make


def test_scheduler_picks_most_free(scheduler):
    s = scheduler(report('az1', free=100), report('az2', free=500),
                  report('az3', free=300))
    spec = RequestSpec(size=10, extra_specs={})
    assert s.select(spec).host == 'node@az2#pool0'


def test_scheduler_counts_placements_until_next_report(scheduler):
    s = scheduler(report('az1', free=100), report('az2', free=105))
    spec = RequestSpec(size=10, extra_specs={})
    assert s.select(spec).host == 'node@az2#pool0'
    # az2 has 95 GB left now: az1 is the roomiest.
    assert s.select(spec).host == 'node@az1#pool0'


def test_scheduler_unknown_capacity_weighs_most(scheduler):
    s = scheduler(report('az1', free=10 ** 6),
                  report('az2', free='unknown'))
    assert s.select(RequestSpec(size=1, extra_specs={})).host == \
        'node@az2#pool0'


def test_scheduler_applies_every_filter(scheduler):
    s = scheduler(report('az1', free=500), report('az2', free=100),
                  report('az3', free=900, domain=None))
    spec = RequestSpec(size=10, availability_zone=None,
                       extra_specs={'replication_type': 'readable',
                                    'snapshot_support': '<is> True'})
    # az3 is roomiest but cannot replicate.
    assert s.select(spec).host == 'node@az1#pool0'
    spec.availability_zone = 'az2'
    assert s.select(spec).host == 'node@az2#pool0'


@pytest.mark.parametrize('spec,filter_name', [
    (RequestSpec(size=1, extra_specs={}, availability_zone='nowhere'),
     'AvailabilityZoneFilter'),
    (RequestSpec(size=5000, extra_specs={}), 'CapacityFilter'),
    (RequestSpec(size=1, extra_specs={'share_backend_name': 'other'}),
     'CapabilitiesFilter'),
    (RequestSpec(size=1, extra_specs={'replication_type': 'readable'}),
     'ShareReplicationFilter'),
])
def test_no_valid_host_names_the_filter(scheduler, spec, filter_name):
    s = scheduler(report('az1', domain=None), report('az2', domain=None))
    with pytest.raises(exception.NoValidHost) as raised:
        s.select(spec)
    assert raised.value.code == 400
    assert str(raised.value) == (
        f'No valid host was found. No pool passed the {filter_name}.')


def test_no_valid_host_for_a_replica_next_to_the_active(scheduler):
    s = scheduler(report('az1'), report('az2', zone='az1'))
    with pytest.raises(exception.NoValidHost) as raised:
        s.select(replica_spec(active='az1', existing=('az1',)))
    assert 'ShareReplicationFilter' in str(raised.value)


def test_no_valid_host_without_reports(scheduler):
    with pytest.raises(exception.NoValidHost) as raised:
        scheduler().select(RequestSpec(size=1, extra_specs={}))
    assert 'No backend has reported its pools' in str(raised.value)


def test_only_host(scheduler):
    s = scheduler(report('az1', free=10), report('az2', free=900))
    spec = RequestSpec(size=1, extra_specs={}, only_host='node@az1')
    assert s.select(spec).host == 'node@az1#pool0'
    spec.only_host = 'node@az1#pool0'
    assert s.select(spec).host == 'node@az1#pool0'
    spec.only_host = 'node@az9'
    with pytest.raises(exception.NoValidHost) as raised:
        s.select(spec)
    assert 'node@az9 is unknown, down or disabled' in str(raised.value)
