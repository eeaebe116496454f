"""Where every flow's cast goes: the heart of the design, pinned.

The API, the scheduler and three share managers (az1, az2, az3) run in
this process on fake:// and SQLite, as real RPC servers; every cast any of
them sends is recorded (method, target server) at the RPC client. The fake
backends share one root directory, so a manager that got another's cast
would do the work just as well: only these records tell a wrong route.

- create share -> scheduler -> create_share_instance to the chosen pool's
  manager;
- create replica -> scheduler -> add_replica to the ACTIVE's manager (not
  the new replica's);
- delete replica, resync (update_replica), extend, snapshot -> the
  ACTIVE's manager;
- promote -> the NEW active's manager; after it, all of the above go to
  the new active's manager;
- delete share -> delete_share_instance to each instance's own manager.
"""
import threading
import time

import pytest
import webtest

from manila_repl.api import app as api_app
from manila_repl.conf import CONF
from manila_repl import coordination
from manila_repl import policies
from manila_repl import rpc
from manila_repl.scheduler import manager as scheduler_manager
from manila_repl import service
from manila_repl.share import api as share_api
from manila_repl.share import manager as share_manager
from tests.unit.db import fixtures

SCHEDULER = rpc.SCHEDULER_TOPIC
SHARE = rpc.SHARE_TOPIC
NODE = fixtures.NODE


def manager_of(backend):
    return '%s@%s' % (NODE, backend)


class Recorder:
    """Wraps rpc.get_client: every cast and call, as (topic, server,
    method), in the order sent. Fanouts (pool reports) are left out."""

    def __init__(self, get_client):
        self._get_client = get_client
        self._lock = threading.Lock()
        self._sent = []

    def get_client(self, target, version_cap=None):
        return _Client(self._get_client(target, version_cap=version_cap),
                       self)

    def add(self, target, method):
        if not target.fanout:
            with self._lock:
                self._sent.append((target.topic, target.server, method))

    def take(self):
        """What was sent since the last take."""
        with self._lock:
            sent, self._sent = self._sent, []
        return sent


class _Client:
    def __init__(self, client, recorder):
        self._client = client
        self._recorder = recorder

    def prepare(self, **kwargs):
        return _Context(self._client.prepare(**kwargs), self._recorder)

    def __getattr__(self, name):
        return getattr(self._client, name)


class _Context:
    def __init__(self, context, recorder):
        self._context = context
        self._recorder = recorder

    def cast(self, ctxt, method, **kwargs):
        self._recorder.add(self._context.target, method)
        return self._context.cast(ctxt, method, **kwargs)

    def call(self, ctxt, method, **kwargs):
        self._recorder.add(self._context.target, method)
        return self._context.call(ctxt, method, **kwargs)


class Api:
    """The WSGI app with Manila's headers (admin of p1)."""

    def __init__(self):
        self.app = webtest.TestApp(api_app.setup_app(CONF))
        self.headers = {'X-Auth-Token': 'u:p1',
                        'X-OpenStack-Manila-API-Version': '2.95'}

    def post(self, path, body, status=None):
        response = self.app.post_json('/v2' + path, body,
                                      headers=self.headers,
                                      status=status or '2*')
        return response.json if response.body else None

    def get(self, path):
        return self.app.get('/v2' + path, headers=self.headers).json

    def delete(self, path):
        self.app.delete('/v2' + path, headers=self.headers, status=202)

    def gone(self, path):
        return self.app.get('/v2' + path, headers=self.headers,
                            expect_errors=True).status_int == 404


def wait(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('timed out waiting for %s' % what)


@pytest.fixture
def conf_db(tmp_path):
    with fixtures.temp_database(tmp_path) as overrides:
        yield overrides


@pytest.fixture
def stack(conf_db, tmp_path, monkeypatch):
    """API, scheduler and the managers of az1..az3 on one fake root."""
    conf_db.set('host', NODE)
    conf_db.set('replica_status_interval', 3600, group='share')
    fixtures.make_backends(conf_db, tmp_path / 'one-root')
    rpc.reset()
    coordination.reset()
    policies.reset()
    recorder = Recorder(rpc.get_client)
    monkeypatch.setattr(rpc, 'get_client', recorder.get_client)
    # The API's clients are made on first use: made again, recorded.
    monkeypatch.setattr(share_api, '_scheduler', None)
    monkeypatch.setattr(share_api, '_share', None)
    scheduler = scheduler_manager.SchedulerManager()
    services = [service.Service(scheduler, 'manila-repl-scheduler',
                                SCHEDULER, NODE)]
    for backend in fixtures.BACKENDS:
        m = share_manager.ShareManager(backend)
        services.append(service.Service(m, 'manila-repl-share', SHARE,
                                        m.host, m.availability_zone))
    try:
        for svc in services:
            svc.start()
        wait(lambda: len(scheduler.host_manager.pools()) == 3,
             'the pools of the three backends')
        recorder.take()
        yield Api(), recorder
    finally:
        for svc in reversed(services):
            svc.stop()
        rpc.reset()
        coordination.reset()


def share_status(api, share_id, status='available'):
    return api.get('/shares/%s' % share_id)['share']['status'] == status


def replica(api, replica_id):
    return api.get('/share-replicas/%s' % replica_id)['share_replica']


def settled(api, replica_id, **expected):
    def matches():
        found = replica(api, replica_id)
        assert found['status'] not in ('error', 'error_deleting'), found
        return all(found[k] == v for k, v in expected.items())
    wait(matches, 'replica %s to be %s' % (replica_id, expected))


def test_create_and_delete_share_go_to_the_pools_own_manager(stack):
    api, sent = stack
    for zone in ('az2', 'az3'):
        share = api.post('/shares', {'share': {
            'share_proto': 'NFS', 'size': 1,
            'availability_zone': zone}})['share']
        wait(lambda: share_status(api, share['id']), 'the share')
        host = api.get('/shares/%s' % share['id'])['share']['host']
        assert host.startswith(manager_of(zone) + '#'), host
        assert sent.take() == [
            (SCHEDULER, None, 'create_share_instance'),
            (SHARE, manager_of(zone), 'create_share_instance')]
        api.delete('/shares/%s' % share['id'])
        wait(lambda: api.gone('/shares/%s' % share['id']), 'deleted')
        assert sent.take() == [
            (SHARE, manager_of(zone), 'delete_share_instance')]


def test_replica_flows_go_to_the_active_then_to_the_new_active(stack):
    api, sent = stack
    type_id = api.post('/types', {'share_type': {
        'name': 'readable', 'extra_specs': {
            'driver_handles_share_servers': False,
            'replication_type': 'readable',
            'snapshot_support': True}}})['share_type']['id']
    share_id = api.post('/shares', {'share': {
        'share_proto': 'NFS', 'size': 1, 'share_type': type_id,
        'availability_zone': 'az1'}})['share']['id']
    wait(lambda: share_status(api, share_id), 'the share')
    assert sent.take() == [(SCHEDULER, None, 'create_share_instance'),
                           (SHARE, manager_of('az1'),
                            'create_share_instance')]

    def add(zone):
        replica_id = api.post('/share-replicas', {'share_replica': {
            'share_id': share_id, 'availability_zone': zone}}
        )['share_replica']['id']
        settled(api, replica_id, status='available', replica_state='in_sync')
        assert replica(api, replica_id)['host'].startswith(
            manager_of(zone) + '#')
        return replica_id

    def resync(replica_id):
        api.post('/share-replicas/%s/action' % replica_id,
                 {'resync': None})
        settled(api, replica_id, status='available')

    def delete(replica_id):
        api.delete('/share-replicas/%s' % replica_id)
        wait(lambda: api.gone('/share-replicas/%s' % replica_id),
             'replica %s deleted' % replica_id)

    def extend(new_size):
        api.post('/shares/%s/action' % share_id,
                 {'extend': {'new_size': new_size}})
        wait(lambda: api.get('/shares/%s' % share_id)['share']['size'] ==
             new_size and share_status(api, share_id), 'the extend')

    def snapshot():
        snapshot_id = api.post('/snapshots', {'snapshot': {
            'share_id': share_id}})['snapshot']['id']
        wait(lambda: api.get('/snapshots/%s' % snapshot_id)['snapshot']
             ['status'] == 'available', 'the snapshot')

    # Active on az1: new replicas are made by az1's manager, not theirs.
    on_az2 = add('az2')
    on_az3 = add('az3')
    assert sent.take() == [(SCHEDULER, None, 'create_replica'),
                           (SHARE, manager_of('az1'), 'add_replica')] * 2
    resync(on_az3)
    assert sent.take() == [(SHARE, manager_of('az1'), 'update_replica')]
    extend(2)
    assert sent.take() == [(SHARE, manager_of('az1'), 'extend_share')]

    # Promote az2: its own manager (the new active's) does it.
    api.post('/share-replicas/%s/action' % on_az2, {'promote': None})
    settled(api, on_az2, status='available', replica_state='active')
    wait(lambda: all(r['status'] == 'available' for r in api.get(
        '/share-replicas/detail?share_id=%s' % share_id)['share_replicas']),
        'every replica available after the promote')
    assert sent.take() == [(SHARE, manager_of('az2'), 'promote_replica')]
    old_active = next(
        r['id'] for r in api.get('/share-replicas/detail?share_id=%s' %
                                 share_id)['share_replicas']
        if r['availability_zone'] == 'az1')

    # From now on everything goes to az2's manager.
    resync(old_active)
    assert sent.take() == [(SHARE, manager_of('az2'), 'update_replica')]
    delete(on_az3)
    assert sent.take() == [(SHARE, manager_of('az2'), 'delete_replica')]
    add('az3')
    assert sent.take() == [(SCHEDULER, None, 'create_replica'),
                           (SHARE, manager_of('az2'), 'add_replica')]
    extend(3)
    assert sent.take() == [(SHARE, manager_of('az2'), 'extend_share')]
    snapshot()
    assert sent.take() == [(SHARE, manager_of('az2'), 'create_snapshot')]
    delete(old_active)
    assert sent.take() == [(SHARE, manager_of('az2'), 'delete_replica')]
