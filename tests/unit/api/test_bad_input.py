"""Every malformed request answers a Manila-style 4xx and changes nothing.

Table-driven over the write calls and a set of bodies a confused client or
a fuzzer sends; the database row counts are compared before and after.
"""
import json

import pytest

from manila_repl.db import models

from .conftest import assert_fault

BAD_BODIES = [
    b'', b'not json', b'[]', b'null', b'42', b'"string"', b'{',
    b'{"x": 1}', b'{"share": null}', b'{"share": []}',
    b'{"share_replica": "x"}', b'{"share_type": {"name": 7}}',
    json.dumps({'share': {'size': -1, 'share_proto': 'NFS'}}).encode(),
    json.dumps({'share': {'size': 10 ** 30, 'share_proto': 'NFS'}}).encode(),
    json.dumps({'share': {'size': 1, 'share_proto': 'NFS',
                          'availability_zone': {'a': 1}}}).encode(),
    json.dumps({'share_replica': {'share_id': ['x']}}).encode(),
    json.dumps({'share_replica': {'share_id': 'x' * 5000}}).encode(),
    json.dumps({'promote': {'quiesce_wait_time': 'soon'}}).encode(),
    json.dumps({'reset_replica_state': {'replica_state': 'active!'}}).encode(),
    json.dumps({'reset_status': {'status': None}}).encode(),
    json.dumps({'no_such_action': None}).encode(),
    json.dumps({'promote': None, 'resync': None}).encode(),
    json.dumps({'extra_specs': {'replication_type': 'sideways'}}).encode(),
    json.dumps({'extra_specs': {'k' * 300: 'v'}}).encode(),
    '{"share": {"name": "\udcff"}}'.encode('utf-8', 'surrogatepass'),
]

MODELS = (models.Share, models.ShareInstance, models.ShareType,
          models.ShareTypeExtraSpec, models.ShareExportLocation)


@pytest.fixture
def world(db):
    type_id = db.share_type()
    db.zone('az1')
    db.zone('az2')
    share_id = db.share(type_id=type_id)
    replica_id = db.instance(share_id)
    return {'type': type_id, 'share': share_id, 'replica': replica_id}


def _paths(world):
    return [
        '/v2/shares', '/v2/types', '/v2/share-replicas',
        '/v2/shares/%s/action' % world['share'],
        '/v2/share-replicas/%s/action' % world['replica'],
        '/v2/types/%s/extra_specs' % world['type'],
        '/v2/types/%s/action' % world['type'],
    ]


def test_malformed_bodies_answer_4xx_and_change_nothing(client, db, world):
    before = {m: db.count(m) for m in MODELS}
    for path in _paths(world):
        for body in BAD_BODIES:
            response = client.app.post(
                path, body, headers=dict(client.headers(),
                                         **{'Content-Type':
                                            'application/json'}),
                expect_errors=True)
            assert 400 <= response.status_int < 500, (
                path, body, response.status_int, response.body[:300])
            assert response.content_type == 'application/json', (path, body)
            name = next(iter(response.json))
            assert_fault(response, response.status_int, name)
    assert {m: db.count(m) for m in MODELS} == before


def test_wrong_content_type_and_methods(client, world):
    response = client.app.post(
        '/v2/shares', b'share_proto=NFS',
        headers=dict(client.headers(),
                     **{'Content-Type': 'application/x-www-form-urlencoded'}),
        expect_errors=True)
    assert 400 <= response.status_int < 500
    for verb in ('put', 'patch'):
        response = getattr(client.app, verb)(
            '/v2/share-replicas/%s' % world['replica'], b'{}',
            headers=client.headers(), expect_errors=True)
        assert_fault(response, 405, 'badMethod')
        assert response.headers['Allow'] == 'GET, DELETE'


@pytest.mark.parametrize('path', [
    '/v2/share-replicas/%00', '/v2/shares/..%2f..%2fetc',
    '/v2/share-replicas/detail?limit=-1', '/v2/share-replicas?limit=abc',
    '/v2/share-replicas?offset=-5', '/v2/shares/detail?limit=1e9',
    '/v2/types/' + 'x' * 4000,
])
def test_odd_urls_never_500(client, world, path):
    response = client.app.get(path, headers=client.headers(),
                              expect_errors=True)
    assert response.status_int < 500, (path, response.body[:300])


def _raw(client, method, path, body=None, headers=None):
    headers = dict(client.headers(), **(headers or {}))
    if body is not None:
        headers.setdefault('Content-Type', 'application/json')
    return client.app.request(path, method=method, body=body or b'',
                              headers=headers, expect_errors=True)


@pytest.mark.parametrize('method, path, allow', [
    ('DELETE', '/v2/shares', 'GET, POST'),
    ('PUT', '/v2/shares', 'GET, POST'),
    ('DELETE', '/v2/share-replicas', 'GET, POST'),
    ('PUT', '/v2/snapshots', 'GET, POST'),
    ('PATCH', '/v2/types', 'GET, POST'),
    ('POST', '/v2/shares/{share}', 'GET, DELETE'),
    ('PUT', '/v2/share-replicas/{replica}', 'GET, DELETE'),
    ('GET', '/v2/shares/{share}/action', 'POST'),
    ('DELETE', '/v2/share-replicas/{replica}/action', 'POST'),
    ('POST', '/v2/quota-sets/p1', 'GET, PUT, DELETE'),
    ('POST', '/', 'GET'),
    ('DELETE', '/v2', 'GET'),
    ('POST', '/v2/scheduler-stats/pools', 'GET'),
    ('OPTIONS', '/v2/shares', 'GET, POST'),
])
def test_wrong_method_405_with_allow(client, world, db, method, path,
                                     allow):
    before = {m: db.count(m) for m in MODELS}
    response = _raw(client, method, path.format(**world), body=b'{}')
    assert_fault(response, 405, 'badMethod')
    assert response.headers['Allow'] == allow
    assert {m: db.count(m) for m in MODELS} == before


def test_no_id_from_the_query_string(client, world, db):
    """pecan fills a handler's missing path argument from a query
    parameter of its name: DELETE /v2/shares?share_id=X is no delete."""
    response = _raw(client, 'DELETE', '/v2/shares?share_id=%s' %
                    world['share'])
    assert_fault(response, 405, 'badMethod')
    assert db.get(models.Share, world['share']) is not None


def test_body_over_the_limit_413_before_parsing(client, world):
    from manila_repl.conf import CONF
    limit = CONF.api.max_request_body_size
    body = b'{"share": {"name": "' + b'x' * limit + b'"}}'
    response = _raw(client, 'POST', '/v2/shares', body=body)
    message = assert_fault(response, 413, 'overLimit')
    assert 'max_request_body_size' in message
    # Without a Content-Length (chunked): refused while it is read.
    import webob
    request = webob.Request.blank(
        '/v2/shares', method='POST', body=body,
        headers=dict(client.headers(), **{'Content-Type':
                                          'application/json'}))
    request.content_length = None
    request.is_body_readable = True
    response = client.app.do_request(request, expect_errors=True)
    assert_fault(response, 413, 'overLimit')


NUL_AND_FRIENDS = [
    ('POST', '/v2/shares', b'{"share": {"share_proto": "NFS", "size": 1, '
                           b'"name": "a\\u0000b"}}'),
    ('POST', '/v2/shares', b'{"share": {"share_proto": "NFS", "size": 1, '
                           b'"name": "\\ud800"}}'),
    ('POST', '/v2/types', b'{"share_type": {"name": "t", "extra_specs": '
                          b'{"driver_handles_share_servers": "false", '
                          b'"k\\u0000": "v"}}}'),
    ('POST', '/v2/shares', b'[' * 5000 + b']' * 5000),
    ('POST', '/v2/shares', b'{"a":' * 50 + b'1' + b'}' * 50),
    ('POST', '/v2/shares', b'{"share": {"share_proto": "NFS", "size": '
                           b'1e400}}'),
    ('POST', '/v2/shares', b'{"share": {"share_proto": "NFS", "size": '
                           b'NaN}}'),
    ('PUT', '/v2/quota-sets/p1', b'{"quota_set": {"shares": '
                                 b'99999999999999999999999}}'),
    ('GET', '/v2/shares/a%00b', None),
    ('GET', '/v2/shares/%ED%A0%80', None),
    ('GET', '/v2/shares/%FF', None),
    ('GET', '/v2/shares?name=a%00b', None),
    ('GET', '/v2/shares?name=%FF', None),
    ('GET', '/v2/shares/detail?offset=18446744073709551616', None),
    ('GET', '/v2/share-replicas?limit=9223372036854775808', None),
    ('GET', '/v2/shares?name=' + 'n' * 300, None),
    ('GET', '/v2/quota-sets/' + 'p' * 300, None),
    ('PUT', '/v2/quota-sets/' + 'p' * 300, b'{"quota_set": {"shares": 1}}'),
    ('DELETE', '/v2/quota-sets/p%00', None),
]


@pytest.mark.parametrize('method, path, body', NUL_AND_FRIENDS)
def test_what_no_column_holds_is_400(client, world, db, method, path, body):
    before = {m: db.count(m) for m in MODELS}
    assert_fault(_raw(client, method, path, body=body), 400, 'badRequest')
    assert {m: db.count(m) for m in MODELS} == before


@pytest.mark.parametrize('token', ['u' * 300 + ':p', 'u:' + 'p' * 300,
                                   'u:p\x00'])
def test_noauth_token_no_column_holds_401(client, world, token):
    response = client.app.get('/v2/shares', headers={'X-Auth-Token': token},
                              expect_errors=True)
    assert_fault(response, 401, 'unauthorized')
