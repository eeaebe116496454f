"""Malformed requests on every route: never a 5xx, always a Manila fault
body, and a rejected request changes nothing in the database.

The route table is collected from the controllers (tests/unit/api/
routes_table.py); each route has valid requests (``VALID`` in
malformed.py: a new route without one fails the test), and a table of
mutations (malformed.py) is applied to every one of them: wrong methods,
bad path ids, bad query parameters, bad bodies (every leaf and key of the
JSON body replaced in turn), bad headers.
Before and after each request the database is summed up (row counts and
a checksum of every row); a request answered 4xx must leave it as it was.
A request that still succeeded (a mutation can be harmless) may change
it: the world is then seeded again.

On SQLite the whole table runs; against PostgreSQL (whose column types
are strict: NUL characters, integers beyond 64 bits, strings longer than
their column were 500s there) the mutations of that class run.
"""
import datetime
import hashlib

import oslo_messaging
import pytest
import sqlalchemy as sa
import webtest

from manila_repl import policies, rpc
from manila_repl.api import app as api_app
from manila_repl.api import bus, faults
from manila_repl.conf import CONF
from manila_repl.db import migration, models, session

from . import malformed
from .malformed import IDS


# -- the world and its checksum --------------------------------------------

def clear():
    with session.transaction() as s:
        for table in reversed(models.Base.metadata.sorted_tables):
            s.execute(table.delete())


def seed():
    """The rows every route's valid request refers to."""
    clear()
    when = datetime.datetime(2026, 1, 1)
    with session.transaction() as s:
        for name in ('az1', 'az2', 'az3'):
            s.add(models.AvailabilityZone(name=name))
        share_type = models.ShareType(id=IDS['type'], name='replicated',
                                      is_public=True)
        share_type.extra_specs = [
            models.ShareTypeExtraSpec(spec_key=k, spec_value=v)
            for k, v in (('driver_handles_share_servers', 'False'),
                         ('replication_type', 'readable'),
                         ('snapshot_support', 'True'))]
        s.add(share_type)
        s.flush()
        s.add(models.Share(id=IDS['share'], project_id='p1',
                           user_id='p1-user', size=2, share_proto='NFS',
                           replication_type='readable',
                           share_type_id=IDS['type'], display_name='s',
                           metadata_={}))
        s.flush()
        for key, az, state in (('active', 'az1', 'active'),
                               ('replica', 'az2', 'in_sync')):
            instance = models.ShareInstance(
                id=IDS[key], share_id=IDS['share'], replica_state=state,
                status='available', host='node@%s#pool0' % az,
                availability_zone=az, created_at=when,
                cast_rules_to_readonly=state != 'active')
            if key == 'active':
                instance.export_locations = [models.ShareExportLocation(
                    uuid=IDS['export_location'], path='10.0.0.1:/s',
                    preferred=True, is_admin_only=False)]
            s.add(instance)
        s.flush()
        snapshot = models.ShareSnapshot(
            id=IDS['snapshot'], share_id=IDS['share'], project_id='p1',
            user_id='p1-user', display_name='n', size=2, share_proto='NFS')
        snapshot.instances = [models.ShareSnapshotInstance(
            id=IDS['snapshot_instance'], share_instance_id=IDS['active'],
            status='available', progress='100%')]
        s.add(snapshot)
        rule = models.ShareAccessRule(
            id=IDS['rule'], share_id=IDS['share'], access_type='ip',
            access_to='10.0.0.1', access_level='rw', metadata_={})
        rule.instance_mappings = [
            models.ShareInstanceAccessMap(share_instance_id=IDS[k],
                                          state='active')
            for k in ('active', 'replica')]
        s.add(rule)
        s.add(models.Service(host='node@az1', binary='manila-repl-share',
                             topic='manila-repl-share',
                             availability_zone='az1'))
        s.add(models.Quota(project_id='p1', resource='shares',
                           hard_limit=100))
        s.add(models.Message(
            id=IDS['message'], project_id='p1', request_id='req-1',
            resource_type='SHARE_REPLICA', resource_id=IDS['replica'],
            action_id='002', detail_id='103', message_level='ERROR',
            created_at=when, expires_at=datetime.datetime(2100, 1, 1)))


def checksum():
    """Row counts and a digest of every row of every table."""
    digest = hashlib.sha256()
    counts = {}
    with session.reader() as r:
        for table in models.Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in
                          r.execute(sa.select(table)).all())
            counts[table.name] = len(rows)
            for row in rows:
                digest.update(row.encode())
    return counts, digest.hexdigest()


class FakeScheduler:
    target = oslo_messaging.Target(version='1.0')

    def get_pools(self, context, filters):
        return [{'name': 'node@az1#pool0', 'host': 'node', 'backend': 'az1',
                 'pool': 'pool0', 'capabilities': {}}]


@pytest.fixture
def scheduler(database):
    server = rpc.get_server(
        oslo_messaging.Target(topic=rpc.SCHEDULER_TOPIC, server='fuzz'),
        [FakeScheduler()])
    server.start()
    yield
    server.stop()
    server.wait()


# -- the test ------------------------------------------------------------

def send(app, request):
    return app.request(request.url(), method=request.method,
                       body=request.encoded(),
                       headers=malformed.headers(request),
                       expect_errors=True)


def check(app, request, before):
    """Send; assert what the client sees and what the database keeps.
    Returns the checksum to compare the next request with."""
    response = send(app, request)
    assert response.status_int < 500, (request, response.status,
                                       response.body[:300])
    if response.status_int >= 400 and request.method != 'HEAD':
        assert response.content_type == 'application/json', request
        body = response.json
        [(name, fault)] = body.items()
        # Manila names codes without a name of their own computeFault.
        assert name == faults.FAULT_NAMES.get(response.status_int,
                                              'computeFault'), (request, body)
        assert fault['code'] == response.status_int and fault['message']
        if response.status_int == 405:
            assert response.headers['Allow'], request
        assert checksum() == before, ('changed by a rejected request',
                                      request, response.status)
        return before
    if request.method in ('GET', 'HEAD'):
        return before
    seed()
    return checksum()


def run(app, kinds):
    sent = 0
    before = checksum()
    for request in malformed.requests():
        if request.kind in kinds:
            before = check(app, request, before)
            sent += 1
    return sent


@pytest.fixture
def app(database, scheduler):
    bus.reset()
    policies.reset()
    seed()
    yield webtest.TestApp(api_app.setup_app(CONF))
    clear()


def test_malformed_requests_on_sqlite(app):
    sent = run(app, kinds=('valid', 'column', 'other'))
    print('malformed requests sent:', sent)
    assert sent >= 2000


@pytest.fixture
def postgresql(database):
    from tests.functional import services
    sqlite_url = CONF.database.connection
    with services.database('postgresql') as url:
        CONF.set_override('connection', url, group='database')
        session.reset()
        migration.upgrade()
        try:
            yield url
        finally:
            session.reset()
            CONF.set_override('connection', sqlite_url, group='database')


def test_malformed_requests_on_postgresql(postgresql, app):
    sent = run(app, kinds=('valid', 'column'))
    print('malformed requests sent:', sent)
    assert sent >= 500
