"""Version documents, microversions, paths, auth and faults."""
from tests.unit.api.conftest import assert_fault

REPLICA_HEADERS = {'X-OpenStack-Manila-API-Experimental': 'True'}


def _request_ids(response):
    rid = response.headers['x-openstack-request-id']
    assert rid.startswith('req-')
    assert response.headers['x-compute-request-id'] == rid
    return rid


def test_root_versions_document(client):
    response = client.app.get('/', status=300)
    _request_ids(response)
    (version,) = response.json['versions']
    assert version['id'] == 'v2.0'
    assert version['status'] == 'CURRENT'
    assert version['version'] == '2.95'
    assert version['min_version'] == '2.0'
    assert {'rel': 'self', 'href': 'http://localhost/v2/'} in \
        version['links']


def test_root_accepts_a_version_above_ours(client):
    headers = {'X-OpenStack-Manila-API-Version': '2.98',
               'OpenStack-API-Version': 'shared-file-system 2.98',
               'X-Auth-Token': 'notused'}
    response = client.app.get('/', headers=headers, status=300)
    assert response.json['versions'][0]['version'] == '2.95'


def test_v2_versions_document(client):
    for path in ('/v2', '/v2/'):
        response = client.app.get(path, status=200)
        assert response.json['versions'][0]['id'] == 'v2.0'


def test_root_document_skips_negotiation(client):
    for version in ('2.0.1', '9.9', 'junk'):
        response = client.app.get(
            '/', headers={'X-OpenStack-Manila-API-Version': version},
            status=300)
        assert 'X-OpenStack-Manila-API-Version' not in response.headers
        assert 'Vary' not in response.headers


def test_v2_document_negotiates(client):
    """As manila-tempest-plugin's test_microversions_v2_*: /v2 and /v2/
    echo the version asked (2.0 when none), refuse a malformed one (400)
    and one we do not serve (406)."""
    for path in ('/v2', '/v2/'):
        for asked, echoed in ((None, '2.0'), ('2.0', '2.0'),
                              ('2.95', '2.95'), ('latest', '2.95')):
            headers = ({'X-OpenStack-Manila-API-Version': asked}
                       if asked else {})
            response = client.app.get(path, headers=headers, status=200)
            assert response.headers['X-OpenStack-Manila-API-Version'] == \
                echoed
            assert response.headers['Vary'] == \
                'X-OpenStack-Manila-API-Version'
            (version,) = response.json['versions']
            assert version['min_version'] == '2.0'
        assert_fault(client.app.get(path, headers={
            'X-OpenStack-Manila-API-Version': '2.0.1'}, status=400),
            400, 'badRequest')
        assert_fault(client.app.get(path, headers={
            'X-OpenStack-Manila-API-Version': '3.1'}, status=406),
            406, 'computeFault')


def test_errors_carry_the_version(client):
    """Faults echo the negotiated version too, and every response under
    /v2 says it varies with the version header."""
    for response in (
            client.get('/v2/shares/nope', version='2.40', status=404),
            client.put('/v2/shares', {}, version='2.40', status=405),
            client.post('/v2/shares', {'share': {}}, version='2.40',
                        status=400),
            client.get('/v2/services', version='2.40', roles='member',
                       status=403)):
        assert response.headers['X-OpenStack-Manila-API-Version'] == '2.40'
        assert response.headers['Vary'] == 'X-OpenStack-Manila-API-Version'
    refused = client.get('/v2/types', version='2.x', status=400)
    assert 'X-OpenStack-Manila-API-Version' not in refused.headers
    assert refused.headers['Vary'] == 'X-OpenStack-Manila-API-Version'


def test_version_echo_and_vary(client):
    response = client.get('/v2/types', version='2.40')
    assert response.headers['X-OpenStack-Manila-API-Version'] == '2.40'
    assert 'X-OpenStack-Manila-API-Version' in response.headers['Vary']
    response = client.get('/v2/types', version=None)
    assert response.headers['X-OpenStack-Manila-API-Version'] == '2.0'
    response = client.get('/v2/types', version='latest')
    assert response.headers['X-OpenStack-Manila-API-Version'] == '2.95'


def test_openstack_api_version_header(client):
    response = client.get(
        '/v2/types', version=None,
        headers={'OpenStack-API-Version': 'shared-file-system 2.56'})
    assert response.headers['X-OpenStack-Manila-API-Version'] == '2.56'


def test_malformed_version_400(client):
    for bad in ('abc', '2', '2.x', '2.011'):
        response = client.get('/v2/types', version=bad, status=400)
        assert_fault(response, 400, 'badRequest')


def test_version_out_of_range_406(client):
    for bad in ('2.96', '3.0', '1.0'):
        response = client.get('/v2/types', version=bad, status=406)
        assert_fault(response, 406, 'computeFault')
        _request_ids(response)


def test_method_not_at_version_404(client):
    assert_fault(client.get('/v2/availability-zones', version='2.6',
                            status=404), 404, 'itemNotFound')
    client.get('/v2/os-availability-zone', version='2.6')
    assert_fault(client.get('/v2/os-availability-zone', version='2.7',
                            status=404), 404, 'itemNotFound')
    assert_fault(client.get('/v2/share_instances', version='2.2',
                            status=404), 404, 'itemNotFound')


def test_replicas_experimental_rule(client):
    assert_fault(client.get('/v2/share-replicas', version='2.10',
                            headers=REPLICA_HEADERS, status=404),
                 404, 'itemNotFound')
    assert_fault(client.get('/v2/share-replicas', version='2.11',
                            status=404), 404, 'itemNotFound')
    assert_fault(client.get('/v2/share-replicas/detail', version='2.55',
                            status=404), 404, 'itemNotFound')
    response = client.get('/v2/share-replicas', version='2.11',
                          headers=REPLICA_HEADERS)
    assert response.json == {'share_replicas': []}
    assert response.headers['X-OpenStack-Manila-API-Experimental'] == \
        'True'
    client.get('/v2/share-replicas', version='2.56')


def test_project_id_in_path(client, db):
    type_id = db.share_type()
    by_project = client.get('/v2/p1/types').json
    plain = client.get('/v2/types').json
    assert by_project == plain
    assert by_project['share_types'][0]['id'] == type_id
    client.get(f'/v2/p1/types/{type_id}')
    client.get('/v2/p1/share-replicas/detail')
    assert_fault(client.get('/v2/p1', status=404), 404, 'itemNotFound')


def test_project_in_path_must_be_the_callers(client, db):
    """Manila answers 400 to /v2/{project_id}/... naming another project
    than the token's, an administrator's too."""
    type_id = db.share_type()
    for path in ('/v2/p2/types', f'/v2/p2/types/{type_id}',
                 '/v2/p2/shares/detail', '/v2/p2/share-replicas'):
        message = assert_fault(client.get(path, status=400), 400,
                               'badRequest')
        assert 'p2' in message
    assert_fault(client.get('/v2/p2/shares', roles='member', status=400),
                 400, 'badRequest')
    client.get('/v2/p2/types', project='p2')


def test_unserved_collections_501(client):
    """Manila's collections this service does not serve say so (501),
    on every method, with or without a project id; not 404."""
    for verb, path in (('get', '/v2/share-networks'),
                       ('get', '/v2/share-networks/detail'),
                       ('get', '/v2/p1/share-servers'),
                       ('delete', '/v2/p1/security-services/x'),
                       ('get', '/v2/share-groups/x/y'),
                       ('get', '/v2/share-transfers'),
                       ('get', '/v2/resource-locks?resource_id=x')):
        message = assert_fault(getattr(client, verb)(path, status=501),
                               501, 'notImplemented')
        assert 'not supported by this service' in message
    message = assert_fault(client.post('/v2/share-networks', {
        'share_network': {'name': 'n'}}, status=501), 501, 'notImplemented')
    assert 'Share networks' in message
    assert 'driver_handles_share_servers=False' in message


def test_unknown_path_404(client):
    for path in ('/v2/bogus', '/v2/p1/bogus/x', '/v3/', '/v2/shares/a/b/c'):
        assert_fault(client.get(path, status=404), 404, 'itemNotFound')


def test_wrong_method_405(client):
    assert_fault(client.put('/v2/shares', {}, status=405), 405,
                 'badMethod')
    assert_fault(client.put('/v2/types', {}, status=405), 405,
                 'badMethod')


def test_noauth_without_token_401(client):
    response = client.app.get('/v2/shares', status=401)
    assert_fault(response, 401, 'unauthorized')
    _request_ids(response)


def test_member_forbidden_403(client):
    response = client.get('/v2/services', roles='member', status=403)
    assert_fault(response, 403, 'forbidden')
    client.get('/v2/services', roles='member,admin')


def test_uncaught_exception_is_compute_fault(client, monkeypatch):
    from manila_repl import share_types

    def boom(**kwargs):
        raise RuntimeError('boom')
    monkeypatch.setattr(share_types, 'list_types', boom)
    response = client.get('/v2/types', status=500)
    message = assert_fault(response, 500, 'computeFault')
    assert 'boom' not in message
    _request_ids(response)
