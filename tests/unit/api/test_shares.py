from manila_repl import constants as c
from manila_repl.db import models
from tests.unit.api.conftest import assert_fault


def _create(client, **fields):
    body = {'share_proto': 'nfs', 'size': 1}
    body.update(fields)
    return client.post('/v2/shares', {'share': body})


def test_create_show_list_detail(client, db):
    type_id = db.share_type('gold')
    db.zone('az1')
    share = _create(client, share_type='gold', name='n', description='d',
                    availability_zone='az1', metadata={'k': 'v'},
                    size='2').json['share']
    assert share['size'] == 2
    assert share['share_proto'] == 'NFS'
    assert share['share_type'] == type_id
    assert share['share_type_name'] == 'gold'
    assert share['volume_type'] == 'gold'
    assert share['status'] == 'creating'
    assert share['availability_zone'] == 'az1'
    assert share['replication_type'] == 'readable'
    assert share['has_replicas'] is False
    assert share['metadata'] == {'k': 'v'}
    assert share['project_id'] == 'p1'
    assert share['user_id'] == 'p1-user'
    assert share['host'] is None
    assert 'export_locations' not in share
    shown = client.get(f"/v2/shares/{share['id']}").json['share']
    assert shown == share
    listed = client.get('/v2/shares').json['shares']
    assert [(s['id'], s['name']) for s in listed] == [(share['id'], 'n')]
    assert client.get('/v2/shares/detail').json['shares'] == [share]
    member = client.get(f"/v2/shares/{share['id']}",
                        roles='member').json['share']
    assert 'host' not in member and 'share_server_id' not in member
    old = client.get(f"/v2/shares/{share['id']}", version='2.5').json
    assert old['share']['share_type'] == 'gold'
    assert 'share_type_name' not in old['share']
    assert old['share']['export_locations'] == []
    assert 'replication_type' not in old['share']


def test_create_without_type(client):
    share = _create(client).json['share']
    assert share['share_type'] is None
    assert share['replication_type'] is None


def test_create_validation(client, db):
    db.share_type('gold')
    bad = [
        {'share': {'share_proto': 'nfs', 'size': 0}},
        {'share': {'share_proto': 'nfs', 'size': -1}},
        {'share': {'share_proto': 'nfs', 'size': '0'}},
        {'share': {'share_proto': 'nfs', 'size': 'big'}},
        {'share': {'share_proto': 'nfs', 'size': 1.5}},
        {'share': {'share_proto': 'nfs', 'size': True}},
        {'share': {'share_proto': 'xfs', 'size': 1}},
        {'share': {'size': 1}},
        {'share': {'share_proto': 'nfs'}},
        {'share': {'share_proto': 'nfs', 'size': 1, 'metadata': []}},
        {'share': {'share_proto': 'nfs', 'size': 1, 'name': 5}},
        {'share': {'share_proto': 'nfs', 'size': 1,
                   'availability_zone': 'nowhere'}},
        {'share': 'x'},
        {},
    ]
    for body in bad:
        response = client.post('/v2/shares', body, status=400)
        assert_fault(response, 400, 'badRequest')
    assert_fault(client.post('/v2/shares', raw=b'{"share": ', status=400,
                             headers={'Content-Type': 'application/json'}),
                 400, 'badRequest')
    response = client.post('/v2/shares', {'share': {
        'share_proto': 'nfs', 'size': 1, 'share_type': 'nope'}},
        status=404)
    assert_fault(response, 404, 'itemNotFound')
    assert db.count(models.Share) == 0


def test_other_project_is_404(client, db):
    share_id = db.share(project='p2')
    db.instance(share_id)
    assert_fault(client.get(f'/v2/shares/{share_id}', roles='member',
                            status=404), 404, 'itemNotFound')
    assert_fault(client.delete(f'/v2/shares/{share_id}', roles='member',
                               status=404), 404, 'itemNotFound')
    assert client.get('/v2/shares', roles='member').json == {'shares': []}


def test_list_filters_and_paging(client, db):
    for n in range(3):
        db.instance(db.share())
    shares = client.get('/v2/shares/detail').json['shares']
    assert len(shares) == 3
    page = client.get('/v2/shares?limit=2&offset=1').json['shares']
    assert [s['id'] for s in page] == [s['id'] for s in shares[1:]]
    assert_fault(client.get('/v2/shares?limit=x', status=400), 400,
                 'badRequest')
    assert client.get('/v2/shares?status=error').json['shares'] == []


def test_delete(client, db):
    share_id = db.share()
    db.instance(share_id)
    client.delete(f'/v2/shares/{share_id}', status=202)
    (instance,) = db.get(models.Share, share_id).instances
    assert instance.status == c.STATUS_DELETING


def test_delete_with_replicas_409(client, db):
    share_id = db.share()
    db.instance(share_id)
    db.instance(share_id, replica_state='in_sync', az='az2',
                host='node2@az2#pool0')
    assert_fault(client.delete(f'/v2/shares/{share_id}', status=409), 409,
                 'conflictingRequest')
    statuses = {i.status for i in db.get(models.Share, share_id).instances}
    assert statuses == {c.STATUS_AVAILABLE}


def test_actions(client, db):
    share_id = db.share()
    instance_id = db.instance(share_id)
    path = f'/v2/shares/{share_id}/action'
    assert_fault(client.post(path, {'reset_status': {'status': 'error'}},
                             roles='member', status=403), 403, 'forbidden')
    client.post(path, {'reset_status': {'status': 'error'}}, status=202)
    assert db.get(models.ShareInstance, instance_id).status == 'error'
    for body in ({'reset_status': {'status': 'bogus'}},
                 {'reset_status': None}, {'fly': None}, {},
                 {'reset_status': {'status': 'error'}, 'force_delete': None}):
        assert_fault(client.post(path, body, status=400), 400, 'badRequest')
    assert_fault(client.post(path, {'unmanage': None},
                             status=501), 501, 'notImplemented')
    assert_fault(client.post(path, {'force_delete': None}, roles='member',
                             status=403), 403, 'forbidden')
    client.post(path, {'os-force_delete': None}, status=202)
    assert_fault(client.post('/v2/shares/nope/action',
                             {'force_delete': None}, status=404),
                 404, 'itemNotFound')


def test_export_locations_are_the_active_replicas(client, db):
    share_id = db.share()
    db.instance(share_id, paths=['10.0.0.1:/a', 'admin:/a'])
    db.instance(share_id, replica_state='in_sync', az='az2',
                host='node2@az2#pool0', paths=['10.0.0.2:/b'])
    path = f'/v2/shares/{share_id}/export_locations'
    admin = client.get(path).json['export_locations']
    assert [e['path'] for e in admin] == ['10.0.0.1:/a', 'admin:/a']
    assert set(admin[0]) == {'id', 'path', 'preferred', 'metadata',
                             'share_instance_id', 'is_admin_only'}
    member = client.get(path, roles='member').json['export_locations']
    assert [e['path'] for e in member] == ['10.0.0.1:/a']
    assert set(member[0]) == {'id', 'path', 'preferred', 'metadata'}
    # Export location metadata from 2.87 (Manila's, less 'preferred').
    older = client.get(path, roles='member', version='2.86').json
    assert set(older['export_locations'][0]) == {'id', 'path', 'preferred'}
    one = client.get(f"{path}/{admin[0]['id']}").json['export_location']
    assert one['path'] == '10.0.0.1:/a' and 'created_at' in one
    assert one['metadata'] == {}
    assert_fault(client.get(f'{path}/nope', status=404), 404,
                 'itemNotFound')
    assert_fault(client.get(path, version='2.8', status=404), 404,
                 'itemNotFound')
    old = client.get(path, version='2.46').json['export_locations']
    assert len(old) == 3
    shown = client.get(f'/v2/shares/{share_id}').json['share']
    assert shown['has_replicas'] is True
    assert shown['host'] == 'node@az1#pool0'
    assert shown['status'] == 'available'


def test_a_writable_type_is_refused_until_a_driver_serves_it(client, db):
    """No driver keeps several active copies consistent: a share of a
    ``writable`` type answers 400 and nothing is recorded."""
    db.share_type('multi', replication_type='writable')
    message = assert_fault(client.post('/v2/shares', {'share': {
        'share_proto': 'nfs', 'size': 1, 'share_type': 'multi'}},
        status=400), 400, 'badRequest')
    assert 'replication_type=writable' in message
    assert 'readable or dr' in message
    assert db.count(models.Share) == 0
    assert db.count(models.ShareInstance) == 0
    # The type itself may exist (Manila's clients create such types).
    assert client.get('/v2/types').json['share_types'][0]['name'] == 'multi'
