"""/v2/quota-sets and quota enforcement at share and replica create."""
import pytest
import sqlalchemy as sa

from manila_repl import quotas
from manila_repl.db import models, session
from tests.unit.api.conftest import assert_fault

BASE = {'shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
        'share_networks', 'id'}


@pytest.fixture(autouse=True)
def no_quotas(db):
    with session.transaction() as s:
        s.execute(sa.delete(models.Quota))
    yield
    with session.transaction() as s:
        s.execute(sa.delete(models.Quota))


def test_show_defaults_fields_per_version(client, db):
    shown = client.get('/v2/quota-sets/p1').json['quota_set']
    assert shown == {'id': 'p1', 'shares': 50, 'gigabytes': 1000,
                     'snapshots': 50, 'snapshot_gigabytes': 1000,
                     'share_networks': 10, 'share_groups': 50,
                     'share_group_snapshots': 50, 'share_replicas': 100,
                     'replica_gigabytes': 1000, 'per_share_gigabytes': -1}
    old = client.get('/v2/quota-sets/p1', version='2.52').json['quota_set']
    assert set(old) == BASE | {'share_groups', 'share_group_snapshots'}
    older = client.get('/v2/quota-sets/p1', version='2.7').json['quota_set']
    assert set(older) == BASE
    legacy = client.get('/v2/os-quota-sets/p1', version='2.6')
    assert set(legacy.json['quota_set']) == BASE
    assert_fault(client.get('/v2/os-quota-sets/p1', status=404), 404,
                 'itemNotFound')
    assert_fault(client.get('/v2/quota-sets/p1', version='2.6',
                            status=404), 404, 'itemNotFound')
    defaults = client.get('/v2/quota-sets/p9/defaults').json['quota_set']
    assert defaults['id'] == 'p9' and defaults['shares'] == 50
    # Project-scoped path too.
    client.get('/v2/p1/quota-sets/p1')


def test_detail_counts_usage(client, db):
    db.share(size=3)                                   # unreplicated
    replicated = db.share(size=2)
    db.instance(replicated)
    db.instance(replicated, replica_state='in_sync', az='az2',
                host='node@az2#pool0')
    db.share(project='p2', size=100)
    detail = client.get('/v2/quota-sets/p1/detail').json['quota_set']
    assert detail['shares'] == {'limit': 50, 'in_use': 2, 'reserved': 0}
    assert detail['gigabytes']['in_use'] == 5
    assert detail['share_replicas']['in_use'] == 2
    assert detail['replica_gigabytes']['in_use'] == 4
    assert detail['snapshots']['in_use'] == 0
    assert_fault(client.get('/v2/quota-sets/p1/detail', version='2.24',
                            status=404), 404, 'itemNotFound')


def test_put_sets_and_validates(client, db):
    response = client.put('/v2/quota-sets/p1', {'quota_set': {
        'shares': 3, 'gigabytes': '-1', 'share_replicas': 7}})
    body = response.json['quota_set']
    assert body['shares'] == 3 and body['gigabytes'] == -1
    assert body['share_replicas'] == 7 and 'id' not in body
    shown = client.get('/v2/quota-sets/p1').json['quota_set']
    assert shown['shares'] == 3
    for bad in ({'shares': -2}, {'shares': 'x'}, {'bogus': 1},
                {'shares': True}, {'shares': 2 ** 31}):
        assert_fault(client.put('/v2/quota-sets/p1', {'quota_set': bad},
                                status=400), 400, 'badRequest')
    assert_fault(client.put('/v2/quota-sets/p1', {'nothing': {}},
                            status=400), 400, 'badRequest')
    # share_replicas before 2.53 is a bad key.
    assert_fault(client.put('/v2/quota-sets/p1', {'quota_set': {
        'share_replicas': 1}}, version='2.52', status=400), 400,
        'badRequest')
    assert_fault(client.put('/v2/quota-sets/p1?share_type=x', {
        'quota_set': {'shares': 1}}, status=400), 400, 'badRequest')


def test_put_below_usage_needs_force(client, db):
    db.share(size=5)
    message = assert_fault(client.put('/v2/quota-sets/p1', {'quota_set': {
        'gigabytes': 4}}, status=400), 400, 'badRequest')
    assert 'smaller than already used' in message
    client.put('/v2/quota-sets/p1', {'quota_set': {'gigabytes': 4,
                                                   'force': True}})
    assert quotas.limits('p1')['gigabytes'] == 4


def test_member_may_read_own_only_and_not_write(client, db):
    client.get('/v2/quota-sets/p1', roles='member')
    client.get('/v2/quota-sets/p1/detail', roles='member')
    client.get('/v2/quota-sets/p1/defaults', roles='member')
    assert_fault(client.get('/v2/quota-sets/p2', roles='member',
                            status=403), 403, 'forbidden')
    assert_fault(client.put('/v2/quota-sets/p1', {'quota_set': {
        'shares': 1}}, roles='member', status=403), 403, 'forbidden')
    assert_fault(client.delete('/v2/quota-sets/p1', roles='member',
                               status=403), 403, 'forbidden')


def test_delete_resets_to_defaults(client, db):
    client.put('/v2/quota-sets/p1', {'quota_set': {'shares': 1}})
    client.delete('/v2/quota-sets/p1', status=202)
    assert client.get('/v2/quota-sets/p1').json['quota_set']['shares'] == 50


def _create(client, size=1, share_type=None, status=200, **kw):
    body = {'share_proto': 'NFS', 'size': size}
    if share_type:
        body['share_type'] = share_type
    return client.post('/v2/shares', {'share': body}, status=status, **kw)


def test_share_create_over_quota_413(client, db):
    client.put('/v2/quota-sets/p1', {'quota_set': {'shares': 1,
                                                   'gigabytes': 5}})
    _create(client, size=2)
    response = _create(client, status=413)
    message = assert_fault(response, 413, 'overLimit')
    assert 'shares' in message
    assert response.json['overLimit']['retryAfter'] == '0'
    assert response.headers['Retry-After'] == '0'
    client.put('/v2/quota-sets/p1', {'quota_set': {'shares': 5}})
    message = assert_fault(_create(client, size=4, status=413), 413,
                           'overLimit')
    assert 'gigabytes' in message
    _create(client, size=3)
    assert db.count(models.Share) == 2          # the refused rolled back


def test_per_share_gigabytes(client, db):
    client.put('/v2/quota-sets/p1', {'quota_set': {
        'per_share_gigabytes': 2}})
    assert_fault(_create(client, size=3, status=413), 413, 'overLimit')
    _create(client, size=2)


def test_replicated_share_and_replica_quota(client, db):
    db.zone('az1')
    db.zone('az2')
    db.share_type()
    client.put('/v2/quota-sets/p1', {'quota_set': {'share_replicas': 2,
                                                   'replica_gigabytes': 2}})
    message = assert_fault(_create(client, size=3, share_type='replicated',
                                   status=413), 413, 'overLimit')
    assert 'replica_gigabytes' in message
    _create(client, size=1, share_type='replicated')
    # A replica of an available share: 2 replicas of 1 GiB fit.
    share_id = db.share(size=1)
    db.instance(share_id)
    message = assert_fault(client.post('/v2/share-replicas', {
        'share_replica': {'share_id': share_id}}, status=413), 413,
        'overLimit')
    assert 'share_replicas' in message
    client.put('/v2/quota-sets/p1', {'quota_set': {'share_replicas': 3,
                                                   'replica_gigabytes': 3}})
    client.post('/v2/share-replicas', {'share_replica': {
        'share_id': share_id}}, status=202)


def test_snapshot_create_over_quota_413(client, db):
    type_id = db.share_type(name='snap')
    db.add(models.ShareTypeExtraSpec(share_type_id=type_id,
                                     spec_key='snapshot_support',
                                     spec_value='True'))
    share_id = db.share(size=3, type_id=type_id)
    db.instance(share_id)
    client.put('/v2/quota-sets/p1', {'quota_set': {'snapshots': 1,
                                                   'snapshot_gigabytes': 5}})

    def snapshot(status):
        return client.post('/v2/snapshots', {'snapshot': {
            'share_id': share_id}}, status=status)

    snapshot(202)
    message = assert_fault(snapshot(413), 413, 'overLimit')
    assert 'snapshots' in message
    client.put('/v2/quota-sets/p1', {'quota_set': {'snapshots': 2}})
    message = assert_fault(snapshot(413), 413, 'overLimit')
    assert 'snapshot_gigabytes' in message
    assert db.count(models.ShareSnapshot) == 1      # refused: rolled back
    detail = client.get('/v2/quota-sets/p1/detail').json['quota_set']
    assert detail['snapshot_gigabytes']['in_use'] == 3


def test_extend_in_progress_counts_at_its_new_size(client, db):
    """An accepted extend is charged from the moment it is recorded, not
    when the manager finishes: a second extend cannot take the same GiB."""
    first, second = db.share(size=1, replication_type=None), db.share(
        size=1, replication_type=None)
    for share_id in (first, second):
        db.instance(share_id, replica_state=None)
    client.put('/v2/quota-sets/p1', {'quota_set': {'gigabytes': 4}})
    client.post('/v2/shares/%s/action' % first,
                {'extend': {'new_size': 3}}, status=202)
    detail = client.get('/v2/quota-sets/p1/detail').json['quota_set']
    assert detail['gigabytes']['in_use'] == 4
    message = assert_fault(client.post(
        '/v2/shares/%s/action' % second, {'extend': {'new_size': 2}},
        status=403), 403, 'forbidden')
    assert 'gigabytes' in message


def test_every_check_locks_the_projects_row(client, db):
    """Checks serialise on one row per project, made on first use."""
    def projects():
        with session.reader() as r:
            return set(r.scalars(sa.select(models.QuotaProject.project_id)))

    with session.transaction() as s:
        s.execute(sa.delete(models.QuotaProject))
    _create(client)
    _create(client, project='p2')
    _create(client)
    assert projects() == {'p1', 'p2'}
