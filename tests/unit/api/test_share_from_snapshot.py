"""POST /v2/shares with a snapshot_id: what it answers and records."""
import pytest
import sqlalchemy as sa

from manila_repl.db import models, session
from tests.unit.api.conftest import assert_fault


def _type(db, name, **specs):
    type_id = db.share_type(name=name)
    for key, value in specs.items():
        db.add(models.ShareTypeExtraSpec(share_type_id=type_id,
                                         spec_key=key, spec_value=value))
    return type_id


@pytest.fixture
def snapshot(client, db):
    """An available 2 GiB snapshot of p1's readable share (active az2,
    in_sync az1)."""
    for zone in ('az1', 'az2', 'az3'):
        db.zone(zone)
    type_id = _type(db, 'snappy', snapshot_support='True',
                    create_share_from_snapshot_support='True')
    share_id = db.share(type_id=type_id, size=2)
    db.instance(share_id, host='node@az2#pool0', az='az2')
    db.instance(share_id, replica_state='in_sync')
    snapshot = client.post('/v2/snapshots', {'snapshot': {
        'share_id': share_id}}, status=202).json['snapshot']
    with session.transaction() as s:
        s.execute(sa.update(models.ShareSnapshotInstance)
                  .where(models.ShareSnapshotInstance.snapshot_id ==
                         snapshot['id'])
                  .values(status='available'))
    return {'id': snapshot['id'], 'share': share_id, 'type': type_id}


def _create(client, status=200, **share):
    return client.post('/v2/shares', {'share': share}, status=status,
                       roles='member')


def test_create_from_snapshot(client, db, snapshot):
    share = _create(client, snapshot_id=snapshot['id'],
                    name='copy').json['share']
    assert share['snapshot_id'] == snapshot['id']
    assert (share['size'], share['share_proto'], share['share_type'],
            share['availability_zone'], share['status']) == (
        2, 'NFS', snapshot['type'], 'az2', 'creating')
    shown = client.get('/v2/shares/' + share['id']).json['share']
    assert shown['snapshot_id'] == snapshot['id']
    listed = client.get('/v2/shares/detail?snapshot_id=' + snapshot['id'])
    assert [s['id'] for s in listed.json['shares']] == [share['id']]
    bigger = _create(client, snapshot_id=snapshot['id'], size=3,
                     share_proto='nfs', share_type='snappy',
                     availability_zone='az2').json['share']
    assert bigger['size'] == 3


def test_create_from_snapshot_refused(client, db, snapshot):
    before = db.count(models.Share)
    _type(db, 'other', create_share_from_snapshot_support='True')
    foreign_share = db.share(project='p2', type_id=snapshot['type'])
    db.instance(foreign_share)
    foreign = client.post('/v2/snapshots', {'snapshot': {
        'share_id': foreign_share}}, project='p2', status=202).json[
            'snapshot']['id']
    cases = [
        ({'snapshot_id': 'nope'}, 404),
        ({'snapshot_id': foreign}, 404),
        ({'snapshot_id': snapshot['id'], 'size': 1}, 400),
        ({'snapshot_id': snapshot['id'], 'share_type': 'other'}, 400),
        ({'snapshot_id': snapshot['id'], 'share_proto': 'CIFS'}, 400),
        ({'snapshot_id': snapshot['id'], 'availability_zone': 'az1'}, 400),
        ({'snapshot_id': snapshot['id'], 'size': 0}, 400),
        ({'size': 1}, 400),
        ({'share_proto': 'NFS'}, 400),
    ]
    for body, code in cases:
        assert_fault(_create(client, status=code, **body), code,
                     'itemNotFound' if code == 404 else 'badRequest')
    # Its owner may, once it is available (it is still creating): 400.
    assert_fault(client.post('/v2/shares', {'share': {
        'snapshot_id': foreign}}, project='p2', roles='member', status=400),
        400, 'badRequest')
    assert db.count(models.Share) == before + 1


def test_source_type_without_the_capability(client, db, snapshot):
    with session.transaction() as s:
        s.execute(sa.update(models.ShareTypeExtraSpec)
                  .where(models.ShareTypeExtraSpec.spec_key ==
                         'create_share_from_snapshot_support')
                  .values(spec_value='False'))
    message = assert_fault(_create(client, status=400,
                                   snapshot_id=snapshot['id']),
                           400, 'badRequest')
    assert 'create_share_from_snapshot_support' in message


def test_over_quota(client, db, snapshot):
    client.put('/v2/quota-sets/p1', {'quota_set': {'gigabytes': 3}})
    try:
        response = _create(client, status=413, snapshot_id=snapshot['id'])
        assert_fault(response, 413, 'overLimit')
    finally:
        client.delete('/v2/quota-sets/p1', status=202)


def test_snapshot_delete_while_a_share_is_made_from_it(client, db,
                                                       snapshot):
    share = _create(client, snapshot_id=snapshot['id']).json['share']
    message = assert_fault(client.delete('/v2/snapshots/' + snapshot['id'],
                                         status=409), 409,
                           'conflictingRequest')
    assert share['id'] in message
