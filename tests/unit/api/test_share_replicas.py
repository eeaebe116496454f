import datetime

import pytest

from manila_repl import constants as c
from manila_repl.db import models
from tests.unit.api.conftest import assert_fault

MEMBER_FIELDS = {'id', 'share_id', 'availability_zone', 'created_at',
                 'updated_at', 'status', 'share_network_id',
                 'replica_state'}
ADMIN_FIELDS = MEMBER_FIELDS | {'host', 'share_server_id',
                                'cast_rules_to_readonly', 'last_sync_at',
                                'status_message'}


@pytest.fixture
def share(db):
    """A readable share of p1 with an available active replica in az1."""
    db.zone('az1')
    db.zone('az2')
    db.zone('az3')
    share_id = db.share()
    active = db.instance(share_id, paths=['10.0.0.1:/a'])
    return share_id, active


def _replica(db, share_id, state='in_sync', status='available', az='az2'):
    return db.instance(share_id, replica_state=state, status=status,
                       host=f'node@{az}#pool0', az=az, paths=[f'{az}:/r'],
                       created_at=datetime.datetime(2026, 1, 2))


def test_create(client, db, share):
    share_id, _active = share
    response = client.post('/v2/share-replicas', {'share_replica': {
        'share_id': share_id, 'availability_zone': 'az2'}}, status=202)
    replica = response.json['share_replica']
    assert set(replica) == ADMIN_FIELDS | {'metadata'}
    assert replica['status'] == 'creating'
    assert replica['replica_state'] == 'out_of_sync'
    assert replica['availability_zone'] == 'az2'
    assert replica['share_network_id'] is None
    assert replica['created_at'].count('.') == 1
    member = client.post('/v2/share-replicas', {'share_replica': {
        'share_id': share_id}}, roles='member', version='2.56', status=202)
    assert set(member.json['share_replica']) == MEMBER_FIELDS


def test_create_refused(client, db, share):
    share_id, _active = share
    plain = db.share(replication_type=None)
    db.instance(plain)
    other = db.share(project='p2')
    db.instance(other)
    before = db.count(models.ShareInstance)
    cases = [
        ({'share_id': plain}, 400, 'badRequest'),
        ({'share_id': share_id, 'availability_zone': 'az1'}, 400,
         'badRequest'),
        ({'share_id': share_id, 'availability_zone': 'mars'}, 400,
         'badRequest'),
        ({'share_id': 'nope'}, 404, 'itemNotFound'),
        ({'availability_zone': 'az2'}, 400, 'badRequest'),
        ({'share_id': 5}, 400, 'badRequest'),
    ]
    for body, code, name in cases:
        assert_fault(client.post('/v2/share-replicas',
                                 {'share_replica': body}, status=code),
                     code, name)
    assert_fault(client.post('/v2/share-replicas', raw=b'garbage',
                             headers={'Content-Type': 'application/json'},
                             status=400), 400, 'badRequest')
    assert_fault(client.post('/v2/share-replicas', {'share_replica': {
        'share_id': other}}, roles='member', status=404), 404,
        'itemNotFound')
    assert db.count(models.ShareInstance) == before


def test_type_availability_zones_400(client, db, share):
    """A share type's ``availability_zones`` bounds where its shares and
    replicas may be asked for: another zone is a 400 at the API (as
    Manila), and nothing is recorded."""
    type_id = db.share_type(name='zoned')
    db.add(models.ShareTypeExtraSpec(share_type_id=type_id,
                                     spec_key='availability_zones',
                                     spec_value='az1, az2'))
    share_id = db.share(type_id=type_id)
    db.instance(share_id)
    before = db.count(models.ShareInstance)
    message = assert_fault(client.post('/v2/share-replicas', {
        'share_replica': {'share_id': share_id, 'availability_zone': 'az3'}},
        status=400), 400, 'badRequest')
    assert 'az3' in message and 'az1, az2' in message
    message = assert_fault(client.post('/v2/shares', {'share': {
        'share_proto': 'NFS', 'size': 1, 'share_type': 'zoned',
        'availability_zone': 'az3'}}, status=400), 400, 'badRequest')
    assert 'zoned' in message
    assert db.count(models.ShareInstance) == before
    client.post('/v2/share-replicas', {'share_replica': {
        'share_id': share_id, 'availability_zone': 'az2'}}, status=202)
    client.post('/v2/shares', {'share': {
        'share_proto': 'NFS', 'size': 1, 'share_type': 'zoned',
        'availability_zone': 'az2'}})


def test_list_detail_show_fields(client, db, share):
    share_id, active = share
    replica = _replica(db, share_id)
    summary = client.get('/v2/share-replicas').json['share_replicas']
    assert [set(r) for r in summary] == [
        {'id', 'share_id', 'status', 'replica_state'}] * 2
    for roles, fields in (('member', MEMBER_FIELDS), (None, ADMIN_FIELDS)):
        detail = client.get('/v2/share-replicas/detail', roles=roles,
                            version='2.94').json['share_replicas']
        assert [r['id'] for r in detail] == [active, replica]
        assert all(set(r) == fields for r in detail)
        shown = client.get(f'/v2/share-replicas/{replica}', roles=roles,
                           version='2.94').json['share_replica']
        assert set(shown) == fields
        assert shown == detail[1]
    admin = client.get(f'/v2/share-replicas/{replica}', version='2.29',
                       headers={'X-OpenStack-Manila-API-Experimental':
                                'true'}).json['share_replica']
    assert set(admin) == ADMIN_FIELDS - {'cast_rules_to_readonly'}
    assert admin['host'] == 'node@az2#pool0'
    latest = client.get(f'/v2/share-replicas/{replica}').json
    assert latest['share_replica']['metadata'] == {}


def test_list_filters_and_paging(client, db, share):
    share_id, active = share
    replica = _replica(db, share_id)
    other = db.share()
    db.instance(other)
    rows = client.get(f'/v2/share-replicas/detail?share_id={share_id}'
                      ).json['share_replicas']
    assert [r['id'] for r in rows] == [active, replica]
    page = client.get(f'/v2/share-replicas/detail?share_id={share_id}'
                      '&limit=1&offset=1').json['share_replicas']
    assert [r['id'] for r in page] == [replica]
    hidden = client.get('/v2/share-replicas', roles='member',
                        project='p2').json
    assert hidden == {'share_replicas': []}


def test_unknown_and_foreign_and_unreplicated_404(client, db, share):
    _share_id, active = share
    plain = db.share(replication_type=None)
    plain_instance = db.instance(plain)
    paths = ('/v2/share-replicas/nope',
             f'/v2/share-replicas/{plain_instance}')
    for path in paths:
        assert_fault(client.get(path, status=404), 404, 'itemNotFound')
    assert_fault(client.get(f'/v2/share-replicas/{active}', roles='member',
                            project='p2', status=404), 404, 'itemNotFound')
    assert_fault(client.delete('/v2/share-replicas/nope', status=404), 404,
                 'itemNotFound')
    assert_fault(client.post('/v2/share-replicas/nope/action',
                             {'promote': None}, status=404), 404,
                 'itemNotFound')


def test_promote(client, db, share):
    share_id, active = share
    replica = _replica(db, share_id)
    path = f'/v2/share-replicas/{active}/action'
    response = client.post(path, {'promote': None}, status=200)
    assert response.json['share_replica']['replica_state'] == 'active'
    assert db.get(models.Share, share_id).task_state is None
    response = client.post(f'/v2/share-replicas/{replica}/action',
                           {'promote': {'quiesce_wait_time': 5}},
                           status=202)
    assert response.json['share_replica']['status'] == \
        c.STATUS_REPLICATION_CHANGE
    assert db.get(models.Share, share_id).task_state == \
        c.TASK_REPLICATION_CHANGE
    assert db.get(models.ShareInstance, active).status == \
        c.STATUS_REPLICATION_CHANGE


def test_promote_while_busy_409(client, db, share):
    share_id, _active = share
    replica = _replica(db, share_id)
    db.update(models.Share, share_id, task_state=c.TASK_REPLICATION_CHANGE)
    assert_fault(client.post(f'/v2/share-replicas/{replica}/action',
                             {'promote': None}, status=409), 409,
                 'conflictingRequest')
    assert db.get(models.ShareInstance, replica).status == 'available'
    assert_fault(client.delete(f'/v2/share-replicas/{replica}',
                               status=409), 409, 'conflictingRequest')


def test_member_promoting_out_of_sync_403(client, db, share):
    share_id, _active = share
    replica = _replica(db, share_id, state='out_of_sync')
    path = f'/v2/share-replicas/{replica}/action'
    assert_fault(client.post(path, {'promote': None}, roles='member',
                             status=403), 403, 'forbidden')
    client.post(path, {'promote': None}, status=202)


def test_delete(client, db, share):
    share_id, active = share
    replica = _replica(db, share_id)
    for body in (None, {'force_delete': None}):
        if body is None:
            response = client.delete(f'/v2/share-replicas/{active}',
                                     status=400)
        else:
            response = client.post(f'/v2/share-replicas/{active}/action',
                                   body, status=400)
        assert_fault(response, 400, 'badRequest')
    assert db.get(models.ShareInstance, active).status == 'available'
    client.delete(f'/v2/share-replicas/{replica}', status=202)
    assert db.get(models.ShareInstance, replica).status == 'deleting'
    other = _replica(db, share_id, az='az3')
    client.post(f'/v2/share-replicas/{other}/action',
                {'force_delete': None}, status=202)


def test_admin_actions(client, db, share):
    share_id, active = share
    replica = _replica(db, share_id)
    path = f'/v2/share-replicas/{replica}/action'
    for body in ({'resync': None}, {'force_delete': None},
                 {'reset_status': {'status': 'error'}},
                 {'reset_replica_state': {'replica_state': 'error'}}):
        assert_fault(client.post(path, body, roles='member', status=403),
                     403, 'forbidden')
    client.post(path, {'resync': None}, status=202)
    client.post(path, {'reset_replica_state': {'replica_state':
                                               'out_of_sync'}}, status=202)
    assert db.get(models.ShareInstance, replica).replica_state == \
        'out_of_sync'
    client.post(path, {'reset_status': {'status': 'error'}}, status=202)
    assert db.get(models.ShareInstance, replica).status == 'error'
    active_path = f'/v2/share-replicas/{active}/action'
    assert_fault(client.post(active_path, {'reset_replica_state': {
        'replica_state': 'in_sync'}}, status=400), 400, 'badRequest')
    assert db.get(models.ShareInstance, active).replica_state == 'active'
    assert_fault(client.post(active_path, {'resync': None}, status=400),
                 400, 'badRequest')
    for body in ({'reset_status': {'status': 'bogus'}},
                 {'reset_replica_state': {}}, {'dance': None},
                 {'promote': 'now'}):
        assert_fault(client.post(path, body, status=400), 400, 'badRequest')
    assert_fault(client.post(path, raw=b'{"promote"', status=400,
                             headers={'Content-Type': 'application/json'}),
                 400, 'badRequest')


def test_export_locations(client, db, share):
    share_id, _active = share
    replica = _replica(db, share_id)
    path = f'/v2/share-replicas/{replica}/export-locations'
    (location,) = client.get(path).json['export_locations']
    assert location['path'] == 'az2:/r'
    assert location['replica_state'] == 'in_sync'
    assert location['availability_zone'] == 'az2'
    assert location['share_instance_id'] == replica
    (member,) = client.get(path, roles='member').json['export_locations']
    assert set(member) == {'id', 'path', 'preferred', 'replica_state',
                           'availability_zone', 'metadata'}
    assert member['metadata'] == {}
    (older,) = client.get(path, roles='member',
                          version='2.86').json['export_locations']
    assert set(older) == set(member) - {'metadata'}
    one = client.get(f"{path}/{location['id']}").json['export_location']
    assert one['id'] == location['id'] and 'created_at' in one
    assert_fault(client.get(path, version='2.46', status=404), 404,
                 'itemNotFound')
