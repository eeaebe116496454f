"""Malformed requests for every route: the valid requests of each route,
a table of mutations and the generator that applies them. Used by
test_malformed_requests.py (WebTest on SQLite and PostgreSQL) and by
benchmarks/malformed_soak.py (20,000 requests against a running
manila-repl-all).

Valid requests refer to the world of ``IDS`` (fixed ids) and the share
type ``replicated``; a caller with other ids or names replaces them in
the request's text (``Request.replacing``).
"""
import json

from manila_repl.api import routes

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
    'message': '00000000-0000-4000-8000-000000000009',
}
#: Path parameters of the route table, as the world's ids.
PARAMS = {
    'share_id': IDS['share'], 'replica_id': IDS['replica'],
    'type_id': IDS['type'], 'snapshot_id': IDS['snapshot'],
    'access_id': IDS['rule'], 'export_location_id': IDS['export_location'],
    'project_id': 'p1', 'key': 'snapshot_support',
    'message_id': IDS['message'],
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
    ('PUT', '/v2/types/{type_id}/extra_specs/{key}'): [
        {'snapshot_support': 'True'}],
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
    ('GET', '/v2/messages'): [
        'resource_type=share_replica&resource_id=%s&action_id=002&'
        'detail_id=103&message_level=ERROR&request_id=req-1&limit=5&'
        'offset=0&sort_key=created_at&sort_dir=asc&'
        'created_since=2026-01-01T00:00:00Z' % IDS['replica']],
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
    ('created_since=2026-13-45', 'other'),
    ('created_before=9999-12-31T23:59:59-01:00', 'other'),
    ('created_since=0001-01-01T00:00:00', 'column'),
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

    def replacing(self, texts):
        """A copy with each ``old: new`` of ``texts`` replaced in its path,
        query and body (e.g. the fixed ids of ``IDS`` by others)."""
        def swap(text):
            for old, new in texts.items():
                text = text.replace(old, new)
            return text
        body = self.encoded().decode('utf-8', 'surrogateescape')
        return Request(self.method, swap(self.path), swap(self.query),
                       headers=self.headers, kind=self.kind, why=self.why,
                       raw=swap(body).encode('utf-8', 'surrogateescape'))

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


def headers(request, token='p1-user:p1'):
    """What a request sends: the world's project, the newest version (the
    os-* routes exist up to 2.6 only), JSON, then the request's own."""
    sent = {'X-Auth-Token': token,
            'X-OpenStack-Manila-API-Version':
                '2.6' if '/os-' in request.path else '2.95',
            'Content-Type': 'application/json'}
    sent.update(request.headers)
    return sent


def requests():
    """Every valid request of every route, each followed by its
    mutations."""
    table = routes_table.collect()
    assert len(table) >= 55, table
    served = {}
    for method, template, _params in table:
        served.setdefault(template, set()).add(method)
    for valid, template in valid_requests(table):
        yield valid
        yield from mutations(valid, template, served[template])
