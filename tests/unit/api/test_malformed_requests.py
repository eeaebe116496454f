"""Malformed requests on every route: never a 5xx, always a Manila fault
body, and a rejected request changes nothing in the database.

The route table is collected from the controllers (tests/unit/api/
routes_table.py); each route has valid requests (``VALID`` below: a new
route without one fails the test), and a table of mutations is applied to
every one of them: wrong methods, bad path ids, bad query parameters,
bad bodies (every leaf of the JSON body replaced in turn), bad headers.
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
import json

import oslo_messaging
import pytest
import sqlalchemy as sa
import webtest

from manila_repl import policies, rpc
from manila_repl.api import app as api_app
from manila_repl.api import bus, faults, routes
from manila_repl.conf import CONF
from manila_repl.db import migration, models, session

from . import routes_table

IDS = {
    'type': '00000000-0000-4000-8000-000000000001',
    'share': '00000000-0000-4000-8000-000000000002',
    'active': '00000000-0000-4000-8000-000000000003',
    'replica': '00000000-0000-4000-8000-000000000004',
    'snapshot': '00000000-0000-4000-8000-000000000005',
    'snapshot_instance': '00000000-0000-4000-8000-000000000006',
    'rule': '00000000-0000-4000-8000-000000000007',
    'export_location': '00000000-0000-4000-8000-000000000008',
}
#: Path parameters of the route table, as the world's ids.
PARAMS = {
    'share_id': IDS['share'], 'replica_id': IDS['replica'],
    'type_id': IDS['type'], 'snapshot_id': IDS['snapshot'],
    'access_id': IDS['rule'], 'export_location_id': IDS['export_location'],
    'project_id': 'p1', 'key': 'snapshot_support',
    ('ShareInstancesController', 'instance_id'): IDS['active'],
    ('SnapshotInstancesController', 'instance_id'):
        IDS['snapshot_instance'],
}

SHARE = '/v2/shares/{share_id}/action'
REPLICA = '/v2/share-replicas/{replica_id}/action'
SNAPSHOT = '/v2/snapshots/{snapshot_id}/action'
QUOTA = {'quota_set': {'shares': 50, 'gigabytes': 1000, 'force': True}}
#: Valid bodies (or query strings, for GET) of the routes: every route of
#: the table must have one.
VALID = {
    ('POST', '/v2/shares'): [{'share': {
        'share_proto': 'NFS', 'size': 1, 'name': 'n', 'description': 'd',
        'share_type': 'replicated', 'availability_zone': 'az1',
        'metadata': {'k': 'v'}, 'is_public': False}}],
    ('POST', SHARE): [
        {'extend': {'new_size': 3}}, {'shrink': {'new_size': 1}},
        {'allow_access': {'access_type': 'ip', 'access_to': '10.0.0.9',
                          'access_level': 'ro', 'metadata': {'k': 'v'}}},
        {'deny_access': {'access_id': IDS['rule']}},
        {'reset_status': {'status': 'error'}}, {'force_delete': None}],
    ('POST', '/v2/share-replicas'): [{'share_replica': {
        'share_id': IDS['share'], 'availability_zone': 'az3',
        'scheduler_hints': {'only_host': 'node@az3#pool0'}}}],
    ('POST', REPLICA): [
        {'promote': {'quiesce_wait_time': 5}}, {'resync': None},
        {'reset_status': {'status': 'error'}},
        {'reset_replica_state': {'replica_state': 'out_of_sync'}},
        {'force_delete': None}],
    ('POST', '/v2/types'): [{'share_type': {
        'name': 'gold', 'description': 'd',
        'extra_specs': {'driver_handles_share_servers': False,
                        'replication_type': 'dr'},
        'share_type_access:is_public': True}}],
    ('POST', '/v2/types/{type_id}/extra_specs'): [
        {'extra_specs': {'snapshot_support': 'False', 'k': 'v'}}],
    ('POST', '/v2/snapshots'): [{'snapshot': {
        'share_id': IDS['share'], 'name': 'n', 'description': 'd',
        'force': 'true'}}],
    ('PUT', '/v2/snapshots/{snapshot_id}'): [
        {'snapshot': {'name': 'm', 'description': 'e'}}],
    ('POST', SNAPSHOT): [{'reset_status': {'status': 'error'}},
                         {'force_delete': None}],
    ('POST', '/v2/snapshot-instances/{instance_id}/action'): [
        {'reset_status': {'status': 'error'}}],
    ('PUT', '/v2/quota-sets/{project_id}'): [QUOTA],
    ('PUT', '/v2/os-quota-sets/{project_id}'): [QUOTA],
    # GETs: query strings.
    ('GET', '/v2/shares'): ['name=s&status=available&limit=5&offset=0'],
    ('GET', '/v2/shares/detail'): [
        'share_type=replicated&all_tenants=1&limit=5&offset=1'],
    ('GET', '/v2/share-replicas'): ['share_id=%s' % IDS['share']],
    ('GET', '/v2/share-replicas/detail'): ['share_id=%s&limit=1'
                                           % IDS['share']],
    ('GET', '/v2/snapshots'): ['name=n&limit=2'],
    ('GET', '/v2/snapshots/detail'): ['share_id=%s&all_tenants=true'
                                      % IDS['share']],
    ('GET', '/v2/snapshot-instances'): ['snapshot_id=%s' % IDS['snapshot']],
    ('GET', '/v2/snapshot-instances/detail'): ['limit=3'],
    ('GET', '/v2/share-access-rules'): ['share_id=%s' % IDS['share']],
    ('GET', '/v2/types'): ['is_public=all'],
    ('GET', '/v2/services'): ['host=node&binary=manila-repl-share&'
                              'state=up&status=enabled'],
    ('GET', '/v2/os-services'): ['zone=az1'],
    ('GET', '/v2/scheduler-stats/pools'): ['share_type=replicated'],
    ('GET', '/v2/scheduler-stats/pools/detail'): ['host=node&pool=pool0'],
    ('GET', '/v2/share_instances'): ['limit=1&offset=0'],
}

# -- the mutations ----------------------------------------------------------

NUL = 'a\x00b'
SURROGATE = '\ud800'
#: Replacements of one path id, URL-encoded as a client sends them.
PATH_IDS = ['a%00b', '%ED%A0%80', '%FF%FE', 'x' * 300, 'x' * 3000, '..',
            '%2E%2E', '%2F', '-1', '9' * 30, '%E2%98%83', '%20', '%25',
            'null']
#: (query string to add, class): "column" ones also run on PostgreSQL.
QUERIES = [
    ('limit=18446744073709551616', 'column'),
    ('offset=18446744073709551616', 'column'),
    ('offset=9223372036854775808', 'column'),
    ('limit=-1', 'other'), ('offset=abc', 'other'), ('limit=1e9', 'other'),
    ('name=a%00b', 'column'), ('share_id=%ED%A0%80', 'column'),
    ('name=' + 'n' * 300, 'column'), ('status=%FF', 'column'),
    ('all_tenants=maybe', 'other'), ('is_public=sideways', 'other'),
    ('share_type=a%00b', 'column'), ('host=%00', 'column'),
    ('_method=DELETE', 'other'), ('%00=1', 'column'),
]
#: Replacements of one leaf of a JSON body.
LEAVES = [(NUL, 'column'), (SURROGATE, 'column'), ('x' * 300, 'column'),
          ('x' * 5000, 'column'), (2 ** 64, 'column'),
          (-2 ** 63 - 1, 'column'), (2 ** 31, 'column'), (1e300, 'other'),
          (None, 'other'), ([], 'other'), ({}, 'other'), (True, 'other'),
          (-1, 'other'), ('', 'other'), ('☃', 'other')]
#: Whole bodies.
BODIES = [(b'', 'other'), (b'null', 'other'), (b'[]', 'other'),
          (b'{', 'other'), (b'{"a": NaN}', 'other'),
          (b'{"a": 1e400}', 'column'), (b'[' * 3000 + b']' * 3000, 'other'),
          (b'{"a":' * 40 + b'1' + b'}' * 40, 'other'),
          (b'"\xff\xfe"', 'other'), (b'\x00', 'column')]
HEADERS = [
    ({'X-OpenStack-Manila-API-Version': '2.x'}, 'other'),
    ({'X-OpenStack-Manila-API-Version': '9.0'}, 'other'),
    ({'X-Auth-Token': 'u' * 300 + ':p'}, 'column'),
    ({'X-Auth-Token': 'u:' + 'p' * 300}, 'column'),
    ({'X-Roles': 'member'}, 'other'),
    ({'Content-Type': 'text/plain'}, 'other'),
]


class Request:
    def __init__(self, method, path, query='', body=None, headers=None,
                 raw=None, kind='valid', why='valid'):
        self.method, self.path, self.query = method, path, query
        self.body, self.raw, self.kind, self.why = body, raw, kind, why
        self.headers = headers or {}

    def encoded(self):
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b''
        return json.dumps(self.body).encode()

    def url(self):
        return self.path + ('?' + self.query if self.query else '')

    def __repr__(self):
        return '%s %s %s (%s)' % (self.method, self.url()[:120],
                                  self.encoded()[:120], self.why)


def _keys(value, trail=()):
    """The key path of every value of a JSON body, and of every object."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield trail + (key,), item
            yield from _keys(item, trail + (key,))


def _replace(body, trail, new):
    """A copy of ``body`` with the value at ``trail`` replaced (``_GONE``:
    removed)."""
    body = json.loads(json.dumps(body))
    node = body
    for key in trail[:-1]:
        node = node[key]
    if new is _GONE:
        del node[trail[-1]]
    else:
        node[trail[-1]] = new
    return body


_GONE = object()


def mutations(valid, template, served):
    """Every malformed variant of one valid request; ``served``: the
    methods the route's path serves."""
    method, path, query = valid.method, valid.path, valid.query
    variants = []
    for other in routes.METHODS + ('HEAD', 'OPTIONS'):
        if other not in served:
            variants.append(Request(other, path, query, valid.body,
                                    kind='other', why='method'))
    segments = path.split('/')
    for index, segment in enumerate(template.split('/')):
        if segment.startswith('{'):
            for bad in PATH_IDS:
                mutated = '/'.join(segments[:index] + [bad] +
                                   segments[index + 1:])
                kind = 'column' if bad[0] in '%x9' else 'other'
                variants.append(Request(method, mutated, query, valid.body,
                                        kind=kind, why='path ' + bad[:20]))
    for extra, kind in QUERIES:
        variants.append(Request(method, path,
                                '&'.join(filter(None, (query, extra))),
                                valid.body, kind=kind, why='query ' + extra))
    for headers, kind in HEADERS:
        variants.append(Request(method, path, query, valid.body, headers,
                                kind=kind, why='header %s' % list(headers)))
    if method not in ('POST', 'PUT'):
        return variants
    for raw, kind in BODIES:
        variants.append(Request(method, path, query, raw=raw, kind=kind,
                                why='body %r' % raw[:20]))
    if not isinstance(valid.body, dict):
        return variants
    objects = [()] + [trail for trail, value in _keys(valid.body)
                      if isinstance(value, dict)]
    for trail in objects:
        for key, kind in (('k\x00', 'column'), ('unknown', 'other'),
                          ('\ud800', 'column'), ('k' * 300, 'column')):
            variants.append(Request(
                method, path, query, _replace(valid.body, trail + (key,), 1),
                kind=kind, why='key %r in /%s' % (key[:10], '/'.join(trail))))
    for trail, _value in _keys(valid.body):
        where = '/'.join(trail)
        variants.append(Request(method, path, query,
                                _replace(valid.body, trail, _GONE),
                                kind='other', why='without ' + where))
        for new, kind in LEAVES:
            variants.append(Request(method, path, query,
                                    _replace(valid.body, trail, new),
                                    kind=kind,
                                    why='%s=%r' % (where, str(new)[:20])))
    return variants


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

def valid_requests(table):
    """(request, template) for every route of the table."""
    missing = []
    result = []
    for method, template, params in table:
        path = template.format(**{
            name: PARAMS.get((owner, name), PARAMS.get(name))
            for name, owner in params.items()})
        examples = VALID.get((method, template))
        if examples is None:
            if method in ('POST', 'PUT'):
                missing.append((method, template))
                continue
            examples = [''] if method == 'GET' else [None]
        for example in examples:
            if method == 'GET':
                result.append((Request(method, path, example), template))
            else:
                result.append((Request(method, path, body=example),
                               template))
    assert not missing, 'routes without a valid request in VALID: %s' % (
        missing,)
    return result


def _version(path):
    return '2.6' if '/os-' in path else '2.95'


def send(app, request):
    headers = {'X-Auth-Token': 'p1-user:p1',
               'X-OpenStack-Manila-API-Version': _version(request.path),
               'Content-Type': 'application/json'}
    headers.update(request.headers)
    return app.request(request.url(), method=request.method,
                       body=request.encoded(), headers=headers,
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
    table = routes_table.collect()
    assert len(table) >= 55, table
    served = {}
    for method, template, _params in table:
        served.setdefault(template, set()).add(method)
    sent = 0
    before = checksum()
    for valid, template in valid_requests(table):
        for request in [valid] + mutations(valid, template,
                                           served[template]):
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
