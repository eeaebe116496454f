from manila_repl.db import models
from tests.unit.api.conftest import assert_fault


def _body(name='gold', **specs):
    extra = {'driver_handles_share_servers': False,
             'replication_type': 'readable', 'snapshot_support': True}
    extra.update(specs)
    return {'share_type': {'name': name, 'extra_specs': extra,
                           'share_type_access:is_public': True}}


def test_create_show_list(client):
    body = _body()
    body['share_type']['description'] = 'd'
    response = client.post('/v2/types', body)
    view = response.json['share_type']
    assert response.json['volume_type'] == view
    assert view['name'] == 'gold'
    assert view['extra_specs'] == {'driver_handles_share_servers': 'False',
                                   'replication_type': 'readable',
                                   'snapshot_support': 'True'}
    assert view['required_extra_specs'] == {
        'driver_handles_share_servers': 'False'}
    assert view['share_type_access:is_public'] is True
    assert view['description'] == 'd'
    shown = client.get(f"/v2/types/{view['id']}").json
    assert shown['share_type'] == view
    listed = client.get('/v2/types').json
    assert listed['share_types'] == [view] == listed['volume_types']
    old = client.get(f"/v2/types/{view['id']}", version='2.6').json
    assert old['share_type']['os-share-type-access:is_public'] is True
    assert 'description' not in old['share_type']


def test_create_validation(client, db):
    bad = [
        _body(replication_type='sideways'),
        _body(driver_handles_share_servers='maybe'),
        _body(snapshot_support='perhaps'),
        {'share_type': {'name': 'x', 'extra_specs': {}}},
        {'share_type': {'name': '', 'extra_specs': {
            'driver_handles_share_servers': False}}},
        _body(name='   '),
        _body(name='\t \n'),
        {'share_type': {'extra_specs': {
            'driver_handles_share_servers': False}}},
        {'type': {}},
        [],
    ]
    for body in bad:
        assert_fault(client.post('/v2/types', body, status=400), 400,
                     'badRequest')
    for raw in (b'{not json', b''):
        assert_fault(client.post('/v2/types', raw=raw, status=400,
                                 headers={'Content-Type':
                                          'application/json'}),
                     400, 'badRequest')
    assert_fault(client.post('/v2/types', raw=b'name=x', status=400,
                             headers={'Content-Type': 'text/plain'}),
                 400, 'badRequest')
    assert db.count(models.ShareType) == 0
    message = assert_fault(client.post('/v2/types', _body(name=' '),
                                       status=400), 400, 'badRequest')
    assert 'blank' in message


def test_create_accepts_string_booleans(client):
    view = client.post('/v2/types', _body(
        driver_handles_share_servers='true')).json['share_type']
    assert view['extra_specs']['driver_handles_share_servers'] == 'true'


def test_duplicate_409(client):
    client.post('/v2/types', _body())
    assert_fault(client.post('/v2/types', _body(), status=409), 409,
                 'conflictingRequest')


def test_member_cannot_write(client, db):
    assert_fault(client.post('/v2/types', _body(), roles='member',
                             status=403), 403, 'forbidden')
    type_id = db.share_type()
    assert_fault(client.delete(f'/v2/types/{type_id}', roles='member',
                               status=403), 403, 'forbidden')
    assert_fault(client.post(f'/v2/types/{type_id}/extra_specs',
                             {'extra_specs': {'a': 'b'}}, roles='member',
                             status=403), 403, 'forbidden')


def test_member_sees_public_types_only(client, db):
    public = db.share_type('public')
    db.share_type('private', is_public=False)
    listed = client.get('/v2/types', roles='member').json['share_types']
    assert [t['id'] for t in listed] == [public]
    admin_all = client.get('/v2/types?is_public=all').json['share_types']
    assert {t['name'] for t in admin_all} == {'public', 'private'}


def test_extra_specs(client, db):
    type_id = db.share_type()
    path = f'/v2/types/{type_id}/extra_specs'
    assert client.get(path).json == {'extra_specs': {
        'driver_handles_share_servers': 'False',
        'replication_type': 'readable'}}
    response = client.post(path, {'extra_specs': {'snapshot_support': True,
                                                  'k': 'v'}})
    assert response.json == {'extra_specs': {'snapshot_support': 'True',
                                             'k': 'v'}}
    assert client.get(f'{path}/k').json == {'k': 'v'}
    client.delete(f'{path}/k', status=202)
    assert_fault(client.get(f'{path}/k', status=404), 404, 'itemNotFound')
    assert_fault(client.delete(f'{path}/k', status=404), 404,
                 'itemNotFound')
    assert_fault(client.delete(f'{path}/driver_handles_share_servers',
                               status=403), 403, 'forbidden')
    assert_fault(client.post(path, {'extra_specs': {
        'replication_type': 'bad'}}, status=400), 400, 'badRequest')
    assert_fault(client.post(path, {'extra_specs': {}}, status=400), 400,
                 'badRequest')
    assert client.get(path).json['extra_specs']['replication_type'] == \
        'readable'


def test_update_one_extra_spec(client, db):
    """PUT /v2/types/{id}/extra_specs/{key} (tempest sets a type's
    availability_zones this way)."""
    type_id = db.share_type()
    path = f'/v2/types/{type_id}/extra_specs'
    assert client.put(f'{path}/availability_zones', {
        'availability_zones': 'az1,az2'}).json == {
            'availability_zones': 'az1,az2'}
    assert client.put(f'{path}/snapshot_support', {
        'snapshot_support': True}).json == {'snapshot_support': 'True'}
    assert client.get(path).json['extra_specs']['availability_zones'] == \
        'az1,az2'
    for key, body in (('a', {'b': 'c'}), ('a', {'a': 'b', 'c': 'd'}),
                      ('a', {}), ('a', {'a': {'nested': 1}}),
                      ('replication_type', {'replication_type': 'bad'})):
        assert_fault(client.put(f'{path}/{key}', body, status=400), 400,
                     'badRequest')
    assert_fault(client.put(f'{path}/a', {'a': 'b'}, roles='member',
                            status=403), 403, 'forbidden')
    assert_fault(client.put('/v2/types/nope/extra_specs/a', {'a': 'b'},
                            status=404), 404, 'itemNotFound')
    assert set(client.get(path).json['extra_specs']) == {
        'driver_handles_share_servers', 'replication_type',
        'availability_zones', 'snapshot_support'}


def test_delete(client, db):
    type_id = db.share_type()
    client.delete(f'/v2/types/{type_id}', status=202)
    assert_fault(client.get(f'/v2/types/{type_id}', status=404), 404,
                 'itemNotFound')
    assert_fault(client.delete(f'/v2/types/{type_id}', status=404), 404,
                 'itemNotFound')


def test_delete_in_use_400(client, db):
    type_id = db.share_type()
    db.share(type_id=type_id)
    assert_fault(client.delete(f'/v2/types/{type_id}', status=400), 400,
                 'badRequest')
    assert db.get(models.ShareType, type_id) is not None
