"""What each replica operation costs in SQL statements, transactions and
RPC messages, per daemon: a regression fails here, not in a benchmark.

The API (webtest), the scheduler and the share managers of az1..az3 run in
this process on SQLite; every cast is recorded at the RPC client instead of
being sent, and delivered by the test to the manager it names, one at a
time, so that each daemon's statements are counted apart. A transaction is
a BEGIN (SQLite's writers and readers both open one); on PostgreSQL and
MariaDB a reader opens none (autocommit), and each statement is one round
trip.
"""
import contextlib

import pytest
import sqlalchemy as sa
import webtest

from manila_repl import constants as c
from manila_repl import coordination
from manila_repl import policies
from manila_repl import rpc
from manila_repl.api import app as api_app
from manila_repl.conf import CONF
from manila_repl.db import models, session
from manila_repl.scheduler import manager as scheduler_manager
from manila_repl.share import api as share_api
from manila_repl.share import manager as share_manager
from tests.unit.db import fixtures

HEADERS = {'X-Auth-Token': 'u:p1', 'X-OpenStack-Manila-API-Version': '2.95'}


class Bus:
    """Stands in for rpc.get_client: casts are kept, not sent."""

    def __init__(self):
        self.sent = []

    def get_client(self, target, version_cap=None):
        return _Client(self, target)


class _Client:
    def __init__(self, bus, target):
        self.bus, self.target = bus, target

    def prepare(self, server=None, fanout=False, **_kwargs):
        client = _Client(self.bus, self.target)
        client.server, client.fanout = server, fanout
        return client

    def cast(self, ctxt, method, **kwargs):
        if not self.fanout:
            self.bus.sent.append((self.target.topic, self.server, method,
                                  ctxt, kwargs))


class Counter:
    def __init__(self):
        self.statements = self.transactions = 0

    def __call__(self, conn, cursor, statement, params, context, many):
        if statement.lstrip().upper().startswith('BEGIN'):
            self.transactions += 1
        else:
            self.statements += 1

    def cost(self):
        return (self.statements, self.transactions)


@contextlib.contextmanager
def counted():
    counter = Counter()
    sa.event.listen(sa.engine.Engine, 'before_cursor_execute', counter)
    try:
        yield counter
    finally:
        sa.event.remove(sa.engine.Engine, 'before_cursor_execute', counter)


class World:
    def __init__(self, bus, scheduler, managers):
        self.bus = bus
        self.scheduler = scheduler
        self.managers = managers
        self.app = webtest.TestApp(api_app.setup_app(CONF))

    def request(self, method, path, body=None, status='2*'):
        """(response, (statements, transactions), casts sent)."""
        with counted() as counter:
            if body is None:
                response = getattr(self.app, method)(
                    '/v2' + path, headers=HEADERS, status=status)
            else:
                response = getattr(self.app, method + '_json')(
                    '/v2' + path, body, headers=HEADERS, status=status)
        return response, counter.cost(), self.take()

    def take(self):
        sent, self.bus.sent = self.bus.sent, []
        return sent

    def deliver(self):
        """Run every cast sent so far (and those they send), in order:
        [(daemon, method, (statements, transactions))]."""
        costs = []
        while self.bus.sent:
            topic, server, method, ctxt, kwargs = self.bus.sent.pop(0)
            if topic == rpc.SCHEDULER_TOPIC:
                daemon, endpoint = 'scheduler', self.scheduler
            else:
                daemon = server.partition('@')[2]
                endpoint = self.managers[daemon]
            with counted() as counter:
                getattr(endpoint, method)(ctxt, **kwargs)
            costs.append((daemon, method, counter.cost()))
        return costs


@pytest.fixture
def world(conf_db, drivers, monkeypatch):
    conf_db.set('host', fixtures.NODE)
    rpc.reset()
    coordination.reset()
    policies.reset()
    bus = Bus()
    monkeypatch.setattr(rpc, 'get_client', bus.get_client)
    monkeypatch.setattr(share_api, '_scheduler', None)
    monkeypatch.setattr(share_api, '_share', None)
    scheduler = scheduler_manager.SchedulerManager()
    managers = {}
    for name, driver in drivers.items():
        scheduler.host_manager.update(fixtures.backend_host(name),
                                      fixtures.stats(driver))
        managers[name] = share_manager.ShareManager(name)
        managers[name].driver_ready = True
    with session.transaction() as s:
        for name in drivers:
            s.add(models.AvailabilityZone(name=name))
    try:
        yield World(bus, scheduler, managers)
    finally:
        coordination.reset()
        rpc.reset()


@pytest.fixture
def share(world, rows, drivers):
    """A readable share active on az1 with an in_sync replica on az2 (its
    storage made), and 49 more such shares: 100 replica rows."""
    type_id = rows.share_type(driver_handles_share_servers='False',
                              replication_type='readable')
    made = []
    for n in range(50):
        # The others in another project: p1's replica quota stays free.
        share_id = rows.share(type_id=type_id,
                              project='p1' if n == 0 else 'p2')
        active = rows.instance(share_id, backend='az1')
        replica = rows.instance(share_id, backend='az2',
                                replica_state=c.REPLICA_STATE_IN_SYNC)
        made.append((share_id, active, replica))
    share_id, active, replica = made[0]
    for instance_id in (active, replica):
        fixtures.with_storage(drivers, instance_id)
    return {'id': share_id, 'active': active, 'replica': replica}


def test_list_and_show_are_one_statement(world, share):
    response, cost, sent = world.request('get', '/share-replicas/detail')
    assert len(response.json['share_replicas']) == 100
    assert (cost, sent) == ((1, 1), [])
    response, cost, sent = world.request(
        'get', '/share-replicas/%s' % share['replica'])
    assert response.json['share_replica']['id'] == share['replica']
    assert (cost, sent) == ((1, 1), [])


def test_create_replica(world, share):
    response, cost, sent = world.request(
        'post', '/share-replicas', {'share_replica': {
            'share_id': share['id'], 'availability_zone': 'az3'}})
    replica_id = response.json['share_replica']['id']
    # share, zone, the type's zones, guard, instances, INSERT, quota lock,
    # limits and usage
    assert cost == (8, 1)
    assert [m[:3] for m in sent] == [
        (rpc.SCHEDULER_TOPIC, None, 'create_replica')]
    world.bus.sent = sent
    # scheduler: the share's instances + export paths, specs, the
    # disabled services (a read of its own), the placement; share manager
    # (the ACTIVE's): share_of (lock), the load (2), the outcome (UPDATE,
    # DELETE + INSERT export paths), the new replica's access maps (the
    # share's rules: none), its access rules applied (instances, export
    # paths, maps), the snapshots it lacks (2).
    assert world.deliver() == [
        ('scheduler', 'create_replica', (5, 3)),
        ('az1', 'add_replica', (12, 6))]
    row = world.request('get', '/share-replicas/%s' % replica_id)[0]
    assert row.json['share_replica']['status'] == c.STATUS_AVAILABLE


def test_promote(world, share):
    response, cost, sent = world.request(
        'post', '/share-replicas/%s/action' % share['replica'],
        {'promote': None}, status=202)
    assert response.json['share_replica']['status'] == \
        c.STATUS_REPLICATION_CHANGE
    # the replica, the guard, the target, the others, the answer's row
    assert cost == (5, 1)
    assert [m[:3] for m in sent] == [
        (rpc.SHARE_TOPIC, fixtures.backend_host('az2'), 'promote_replica')]
    world.bus.sent = sent
    # the NEW active's manager: share_of (lock), the load (2), the rules
    # the driver gets, the final write (guard, instances, 2 UPDATEs,
    # DELETE + INSERT export paths), access rules re-applied (instances,
    # export paths, maps: no rule, so no write).
    assert world.deliver() == [('az2', 'promote_replica', (13, 5))]
    row = world.request('get', '/share-replicas/%s' % share['replica'])[0]
    assert row.json['share_replica']['replica_state'] == \
        c.REPLICA_STATE_ACTIVE


def test_delete_replica(world, share):
    response, cost, sent = world.request(
        'delete', '/share-replicas/%s' % share['replica'], status=202)
    # the replica, the guard, the instances, the UPDATE
    assert cost == (4, 1)
    assert [m[:3] for m in sent] == [
        (rpc.SHARE_TOPIC, fixtures.backend_host('az1'), 'delete_replica')]
    world.bus.sent = sent
    # the ACTIVE's manager: share_of (lock), the load (2), its snapshot
    # instances, then the rows go (share_of, export paths, the instance,
    # the count of the share's instances left).
    assert world.deliver() == [('az1', 'delete_replica', (8, 4))]
    world.request('get', '/share-replicas/%s' % share['replica'],
                  status=404)


def test_costs_do_not_grow_with_the_table(world, share, rows):
    """The create's costs with 50 or with 550 shares stored."""
    for _ in range(500):
        share_id = rows.share(project='p3')
        rows.instance(share_id, backend='az1')
    _response, cost, world.bus.sent = world.request(
        'post', '/share-replicas', {'share_replica': {
            'share_id': share['id'], 'availability_zone': 'az3'}})
    assert cost == (8, 1)
    assert [cost for _d, _m, cost in world.deliver()] == [(5, 3), (12, 6)]
    _response, cost, _sent = world.request('get', '/share-replicas/detail')
    assert cost == (1, 1)
