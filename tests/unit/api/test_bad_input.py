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
        assert response.status_int in (404, 405), verb
        assert response.content_type == 'application/json'


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
