"""Share instances, availability zones, services and pools."""
import datetime

import oslo_messaging
import pytest
from oslo_utils import timeutils

from manila_repl import rpc
from manila_repl.api.controllers import scheduler_stats
from manila_repl.db import models
from tests.unit.api.conftest import assert_fault


def test_share_instances(client, db):
    type_id = db.share_type()
    share_id = db.share(type_id=type_id)
    active = db.instance(share_id, paths=['10.0.0.1:/a'])
    listed = client.get('/v2/share_instances').json['share_instances']
    assert [i['id'] for i in listed] == [active]
    instance = listed[0]
    assert instance['host'] == 'node@az1#pool0'
    assert instance['replica_state'] == 'active'
    assert instance['share_type_id'] == type_id
    assert client.get(f'/v2/share_instances/{active}').json == {
        'share_instance': instance}
    assert client.get(f'/v2/shares/{share_id}/instances').json[
        'share_instances'] == [instance]
    (location,) = client.get(f'/v2/share_instances/{active}/'
                             'export_locations').json['export_locations']
    assert location['path'] == '10.0.0.1:/a'
    for path in ('/v2/share_instances', f'/v2/share_instances/{active}',
                 f'/v2/shares/{share_id}/instances'):
        assert_fault(client.get(path, roles='member', status=403), 403,
                     'forbidden')
    assert_fault(client.get('/v2/share_instances/nope', status=404), 404,
                 'itemNotFound')


def test_availability_zones(client, db):
    db.zone('az2')
    db.zone('az1')
    zones = client.get('/v2/availability-zones',
                       roles='member').json['availability_zones']
    assert [z['name'] for z in zones] == ['az1', 'az2']
    assert set(zones[0]) == {'id', 'name', 'created_at', 'updated_at'}
    old = client.get('/v2/os-availability-zone', version='2.6').json
    assert old['availability_zones'] == zones


def test_services(client, db):
    now = timeutils.utcnow()
    db.add(models.Service(host='node@az1', binary='manila-repl-share',
                          topic='t', availability_zone='az1',
                          updated_at=now))
    db.add(models.Service(host='node', binary='manila-repl-scheduler',
                          topic='t', disabled=True,
                          created_at=now - datetime.timedelta(hours=1),
                          updated_at=now - datetime.timedelta(hours=1)))
    services = client.get('/v2/services').json['services']
    assert [(s['binary'], s['state'], s['status']) for s in services] == [
        ('manila-share', 'up', 'enabled'),
        ('manila-scheduler', 'down', 'disabled')]
    assert set(services[0]) == {'id', 'binary', 'host', 'zone', 'status',
                                'state', 'updated_at'}
    assert services[0]['zone'] == 'az1'
    # Manila's names on the wire and in the binary filter.
    for query, binaries in (('state=up', ['manila-share']),
                            ('status=disabled', ['manila-scheduler']),
                            ('zone=az1', ['manila-share']),
                            ('host=node', ['manila-scheduler']),
                            ('binary=manila-share', ['manila-share']),
                            ('binary=manila-scheduler',
                             ['manila-scheduler']),
                            ('binary=nope', [])):
        found = client.get(f'/v2/services?{query}').json['services']
        assert [s['binary'] for s in found] == binaries
    assert client.get('/v2/os-services', version='2.6').json['services']
    assert_fault(client.get('/v2/services', version='2.6', status=404),
                 404, 'itemNotFound')
    assert_fault(client.get('/v2/services', roles='member', status=403),
                 403, 'forbidden')


class FakeScheduler:
    target = oslo_messaging.Target(version='1.0')

    def __init__(self):
        self.filters = []

    def get_pools(self, context, filters):
        self.filters.append(filters)
        return [{'name': 'node@az1#pool0', 'host': 'node',
                 'backend': 'az1', 'pool': 'pool0',
                 'capabilities': {'replication_type': 'readable'}}]


@pytest.fixture
def scheduler_server(db):
    endpoint = FakeScheduler()
    server = rpc.get_server(
        oslo_messaging.Target(topic=rpc.SCHEDULER_TOPIC, server='test'),
        [endpoint])
    server.start()
    yield endpoint
    server.stop()
    server.wait()


def test_pools(client, scheduler_server):
    pools = client.get('/v2/scheduler-stats/pools?host=node').json
    assert pools == {'pools': [{'name': 'node@az1#pool0', 'host': 'node',
                                'backend': 'az1', 'pool': 'pool0'}]}
    assert scheduler_server.filters[-1] == {'host': 'node'}
    detail = client.get('/v2/scheduler-stats/pools/detail').json['pools']
    assert detail[0]['capabilities'] == {'replication_type': 'readable'}
    assert_fault(client.get('/v2/scheduler-stats/pools', roles='member',
                            status=403), 403, 'forbidden')


def test_pools_scheduler_timeout_503(client, monkeypatch):
    class Timeout:
        def get_pools(self, context, filters=None):
            raise oslo_messaging.MessagingTimeout('no answer')
    monkeypatch.setattr(scheduler_stats, '_rpc', Timeout())
    assert_fault(client.get('/v2/scheduler-stats/pools', status=503), 503,
                 'serviceUnavailable')


def test_a_share_service_down_says_why(client, db):
    from manila_repl.db import services as services_db
    from manila_repl import service

    class Manager:
        healthy = True
        down_reason = None

    manager = Manager()
    svc = service.Service(manager, binary='manila-repl-share', topic='t',
                          server='node@bt1', availability_zone='az1')
    services_db.heartbeat('node@bt1', 'manila-repl-share', 't', 'az1')
    manager.healthy = False
    manager.down_reason = 'the host key of 10.0.0.5 does not match'
    svc._report_state()
    shown = client.get('/v2/services').json['services']
    assert [(s['state'], s['state_reason']) for s in shown] == [
        ('down', 'the host key of 10.0.0.5 does not match')]
    # Back: the next heartbeat clears it.
    manager.healthy = True
    svc._report_state()
    shown = client.get('/v2/services').json['services']
    assert [s['state'] for s in shown] == ['up']
    assert 'state_reason' not in shown[0]
