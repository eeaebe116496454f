"""/v2/snapshots and /v2/snapshot-instances: codes, views, guards."""
import pytest
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models, session
from tests.unit.api.conftest import assert_fault

MEMBER_FIELDS = {'id', 'share_id', 'share_size', 'created_at', 'status',
                 'name', 'description', 'size', 'share_proto', 'links',
                 'user_id', 'project_id', 'metadata'}
INSTANCE_FIELDS = {'id', 'snapshot_id', 'created_at', 'updated_at',
                   'status', 'share_id', 'share_instance_id', 'progress',
                   'provider_location', 'status_message'}


# Manila names a 422 fault computeFault (no name of its own).


def _type(db, snapshot_support='True'):
    type_id = db.share_type(name='snap-' + snapshot_support)
    db.add(models.ShareTypeExtraSpec(share_type_id=type_id,
                                     spec_key='snapshot_support',
                                     spec_value=snapshot_support))
    return type_id


@pytest.fixture
def share(db):
    """p1's readable share: active az1, in_sync az2, out_of_sync az3."""
    share_id = db.share(type_id=_type(db))
    ids = {'id': share_id, 'active': db.instance(share_id)}
    for az, state in (('az2', 'in_sync'), ('az3', 'out_of_sync')):
        ids[az] = db.instance(share_id, replica_state=state,
                              host=f'node@{az}#pool0', az=az)
    return ids


def _create(client, share_id, status=202, **kw):
    return client.post('/v2/snapshots', {'snapshot': {
        'share_id': share_id, 'name': 'n', 'description': 'd'}},
        status=status, **kw)


def _instances(db, snapshot_id):
    with session.reader() as r:
        return r.scalars(sa.select(models.ShareSnapshotInstance).where(
            models.ShareSnapshotInstance.snapshot_id == snapshot_id)).all()


def test_create_one_instance_per_synced_replica(client, db, share):
    body = _create(client, share['id']).json['snapshot']
    assert set(body) == MEMBER_FIELDS | {'provider_location'}
    assert body['status'] == 'creating'
    assert (body['name'], body['description']) == ('n', 'd')
    assert body['share_size'] == body['size'] == 1
    assert body['links'][0]['href'].endswith('/snapshots/' + body['id'])
    instances = _instances(db, body['id'])
    assert sorted(i.share_instance_id for i in instances) == sorted(
        [share['active'], share['az2']])
    assert {i.status for i in instances} == {'creating'}
    member = _create(client, share['id'], roles='member').json['snapshot']
    assert set(member) == MEMBER_FIELDS
    old = _create(client, share['id'], version='2.11').json['snapshot']
    assert 'user_id' not in old and 'metadata' not in old


def test_create_refused(client, db, share):
    plain = db.share(type_id=_type(db, 'False'))
    db.instance(plain)
    untyped = db.share()
    db.instance(untyped)
    busy = db.share(type_id=_type(db, 'true'))
    db.instance(busy, status=c.STATUS_CREATING)
    other = db.share(project='p2', type_id=_type(db, 'TRUE'))
    db.instance(other)
    assert_fault(_create(client, plain, status=422), 422,
                 'computeFault')
    assert_fault(_create(client, untyped, status=422), 422,
                 'computeFault')
    assert_fault(_create(client, busy, status=400), 400, 'badRequest')
    assert_fault(_create(client, 'nope', status=404), 404, 'itemNotFound')
    assert_fault(_create(client, other, roles='member', status=404), 404,
                 'itemNotFound')
    for body in ({}, {'snapshot': {}}, {'snapshot': {'share_id': 5}},
                 {'snapshot': {'share_id': share['id'], 'force': 'maybe'}},
                 {'snapshot': {'share_id': share['id'], 'name': 'x' * 256}}):
        assert_fault(client.post('/v2/snapshots', body, status=400), 400,
                     'badRequest')
    assert db.count(models.ShareSnapshot) == 0


def test_create_during_promote_is_409(client, db, share):
    db.update(models.Share, share['id'], task_state='replication_change')
    assert_fault(_create(client, share['id'], status=409), 409,
                 'conflictingRequest')
    assert db.count(models.ShareSnapshot) == 0


def test_status_is_worst_over_active_and_in_sync(client, db, share):
    snapshot_id = _create(client, share['id']).json['snapshot']['id']
    by_replica = {i.share_instance_id: i.id
                  for i in _instances(db, snapshot_id)}
    inst = models.ShareSnapshotInstance

    def status():
        return client.get(f'/v2/snapshots/{snapshot_id}'
                          ).json['snapshot']['status']

    for i in by_replica.values():
        db.update(inst, i, status='available')
    assert status() == 'available'
    # An out_of_sync replica's instance does not count.
    db.add(inst(snapshot_id=snapshot_id, share_instance_id=share['az3'],
                status='error'))
    assert status() == 'available'
    db.update(inst, by_replica[share['az2']], status='creating')
    assert status() == 'creating'
    db.update(inst, by_replica[share['active']], status='error')
    assert status() == 'error'


def test_list_show_update_and_other_projects(client, db, share):
    mine = _create(client, share['id']).json['snapshot']['id']
    other_share = db.share(project='p2', type_id=_type(db, 'yes'))
    db.instance(other_share)
    theirs = _create(client, other_share, project='p2').json['snapshot']
    summary = client.get('/v2/snapshots', roles='member').json['snapshots']
    assert [x['id'] for x in summary] == [mine]
    assert set(summary[0]) == {'id', 'name', 'links'}
    detail = client.get('/v2/snapshots/detail?all_tenants=1').json
    assert {x['id'] for x in detail['snapshots']} == {mine, theirs['id']}
    assert client.get('/v2/snapshots/detail?share_id=' + share['id']
                      ).json['snapshots'][0]['id'] == mine
    assert client.get('/v2/snapshots/detail?status=available'
                      ).json['snapshots'] == []
    assert_fault(client.get('/v2/snapshots/' + theirs['id'],
                            roles='member', status=404), 404,
                 'itemNotFound')
    updated = client.put(f'/v2/snapshots/{mine}', {'snapshot': {
        'display_name': 'new', 'description': None}}).json['snapshot']
    assert (updated['name'], updated['description']) == ('new', None)
    assert_fault(client.put(f'/v2/snapshots/{mine}', {'snapshot': {
        'size': 3}}, status=400), 400, 'badRequest')


def test_delete(client, db, share):
    snapshot_id = _create(client, share['id']).json['snapshot']['id']
    # Still creating: refused.
    assert_fault(client.delete(f'/v2/snapshots/{snapshot_id}', status=400),
                 400, 'badRequest')
    for i in _instances(db, snapshot_id):
        db.update(models.ShareSnapshotInstance, i.id, status='available')
    db.update(models.Share, share['id'], task_state='replication_change')
    assert_fault(client.delete(f'/v2/snapshots/{snapshot_id}', status=409),
                 409, 'conflictingRequest')
    db.update(models.Share, share['id'], task_state=None)
    assert_fault(client.delete(f'/v2/snapshots/{snapshot_id}',
                               roles='member', project='p2', status=404),
                 404, 'itemNotFound')
    client.delete(f'/v2/snapshots/{snapshot_id}', status=202)
    assert {i.status for i in _instances(db, snapshot_id)} == {'deleting'}
    assert client.get(f'/v2/snapshots/{snapshot_id}'
                      ).json['snapshot']['status'] == 'deleting'


def test_admin_actions(client, db, share):
    snapshot_id = _create(client, share['id']).json['snapshot']['id']
    path = f'/v2/snapshots/{snapshot_id}/action'
    assert_fault(client.post(path, {'reset_status': {'status': 'error'}},
                             roles='member', status=403), 403, 'forbidden')
    client.post(path, {'reset_status': {'status': 'error'}}, status=202)
    assert {i.status for i in _instances(db, snapshot_id)} == {'error'}
    assert_fault(client.post(path, {'reset_status': {'status': 'x'}},
                             status=400), 400, 'badRequest')
    assert_fault(client.post(path, {'explode': None}, status=400), 400,
                 'badRequest')
    client.post(path, {'reset_status': {'status': 'creating'}}, status=202)
    client.post(path, {'force_delete': None}, status=202)
    assert {i.status for i in _instances(db, snapshot_id)} == {'deleting'}


def test_snapshot_instances(client, db, share):
    snapshot_id = _create(client, share['id']).json['snapshot']['id']
    listed = client.get('/v2/snapshot-instances').json['snapshot_instances']
    assert len(listed) == 2
    assert set(listed[0]) == {'id', 'snapshot_id', 'status'}
    detail = client.get('/v2/snapshot-instances/detail?snapshot_id=' +
                        snapshot_id).json['snapshot_instances']
    assert {d['share_instance_id'] for d in detail} == {share['active'],
                                                        share['az2']}
    assert set(detail[0]) == INSTANCE_FIELDS
    assert detail[0]['share_id'] == share['id']
    one = detail[0]['id']
    shown = client.get(f'/v2/snapshot-instances/{one}'
                       ).json['snapshot_instance']
    assert shown == detail[0]
    client.post(f'/v2/snapshot-instances/{one}/action',
                {'reset_status': {'status': 'available'}}, status=202)
    assert client.get(f'/v2/snapshot-instances/{one}'
                      ).json['snapshot_instance']['status'] == 'available'
    assert_fault(client.get('/v2/snapshot-instances', roles='member',
                            status=403), 403, 'forbidden')
    assert_fault(client.get('/v2/snapshot-instances', version='2.18',
                            status=404), 404, 'itemNotFound')
    assert_fault(client.get('/v2/snapshot-instances/nope', status=404),
                 404, 'itemNotFound')


def test_share_with_snapshots_cannot_be_deleted(client, db):
    type_id = _type(db)
    share_id = db.share(replication_type=None, type_id=type_id)
    db.instance(share_id, replica_state=None)
    _create(client, share_id)
    message = assert_fault(client.delete(f'/v2/shares/{share_id}',
                                         status=403), 403, 'forbidden')
    assert 'dependent snapshot' in message
    assert db.get(models.Share, share_id) is not None
