"""POST /v2/shares/{id}/action extend / shrink: the API side."""
import datetime

import oslo_messaging
import pytest
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models, session
from tests.unit.api.conftest import assert_fault


@pytest.fixture(autouse=True)
def no_quotas(db):
    with session.transaction() as s:
        s.execute(sa.delete(models.Quota))
    yield
    with session.transaction() as s:
        s.execute(sa.delete(models.Quota))


@pytest.fixture
def share(db):
    """A readable share of p1 (2 GiB): active in az1, replica in az2."""
    share_id = db.share(size=2)
    active = db.instance(share_id)
    replica = db.instance(share_id, replica_state='in_sync', az='az2',
                          host='node@az2#pool0',
                          created_at=datetime.datetime(2026, 1, 2))
    return share_id, active, replica


def _action(client, share_id, body, status=202, **kw):
    return client.post(f'/v2/shares/{share_id}/action', body,
                       status=status, **kw)


def test_extend_marks_every_replica(client, db, share):
    share_id, active, replica = share
    _action(client, share_id, {'extend': {'new_size': 5}}, roles='member')
    for instance_id in (active, replica):
        instance = db.get(models.ShareInstance, instance_id)
        assert instance.status == c.STATUS_EXTENDING
        assert instance.status_message == 'Extending to 5 GiB.'
    shared = db.get(models.Share, share_id)
    assert shared.task_state == c.STATUS_EXTENDING
    assert shared.size == 2          # changed by the manager when done
    shown = client.get(f'/v2/shares/{share_id}').json['share']
    assert shown['status'] == 'extending'
    # A second resize or a delete meanwhile: 409; a promote: 400 (the
    # replica is not available).
    assert_fault(_action(client, share_id, {'extend': {'new_size': 6}},
                         status=409), 409, 'conflictingRequest')
    assert_fault(client.delete(f'/v2/shares/{share_id}', status=409), 409,
                 'conflictingRequest')
    assert_fault(client.post(f'/v2/share-replicas/{replica}/action',
                             {'promote': None}, status=400), 400,
                 'badRequest')


def test_old_names_and_string_size(client, db, share):
    share_id, active, _ = share
    _action(client, share_id, {'os-extend': {'new_size': '3'}},
            version='2.6')
    assert db.get(models.ShareInstance, active).status == 'extending'


def test_shrink_marks_every_replica(client, db, share):
    share_id, active, replica = share
    _action(client, share_id, {'shrink': {'new_size': 1}})
    for instance_id in (active, replica):
        instance = db.get(models.ShareInstance, instance_id)
        assert instance.status == c.STATUS_SHRINKING
        assert instance.status_message == 'Shrinking to 1 GiB.'


def test_sizes_refused_400(client, db, share):
    share_id, _, _ = share
    for body in ({'extend': {'new_size': 2}}, {'extend': {'new_size': 1}},
                 {'shrink': {'new_size': 2}}, {'shrink': {'new_size': 3}},
                 {'shrink': {'new_size': 0}}, {'extend': {'new_size': -1}},
                 {'extend': {'new_size': 'x'}}, {'extend': {}},
                 {'extend': None}, {'shrink': {'new_size': True}}):
        assert_fault(_action(client, share_id, body, status=400), 400,
                     'badRequest')
    message = assert_fault(_action(client, share_id,
                                   {'extend': {'new_size': 2}},
                                   status=400), 400, 'badRequest')
    assert 'greater than the current size' in message
    # Nothing changed.
    assert db.get(models.Share, share_id).task_state is None


def test_not_available_400_and_error_replica_skipped(client, db, share):
    share_id, active, replica = share
    db.update(models.ShareInstance, replica, status=c.STATUS_CREATING)
    assert_fault(_action(client, share_id, {'extend': {'new_size': 3}},
                         status=400), 400, 'badRequest')
    db.update(models.ShareInstance, replica, status=c.STATUS_ERROR)
    _action(client, share_id, {'extend': {'new_size': 3}})
    assert db.get(models.ShareInstance, replica).status == c.STATUS_ERROR
    assert db.get(models.ShareInstance, active).status == 'extending'


def test_active_not_available_400(client, db, share):
    share_id, active, _ = share
    db.update(models.ShareInstance, active, status=c.STATUS_ERROR)
    message = assert_fault(_action(client, share_id,
                                   {'shrink': {'new_size': 1}},
                                   status=400), 400, 'badRequest')
    assert 'must be available' in message


def test_during_promote_409(client, db):
    share_id = db.share(size=2, task_state=c.TASK_REPLICATION_CHANGE)
    db.instance(share_id)
    message = assert_fault(_action(client, share_id,
                                   {'extend': {'new_size': 3}},
                                   status=409), 409, 'conflictingRequest')
    assert 'promotion' in message


def test_foreign_or_unknown_404(client, db):
    other = db.share(project='p2')
    db.instance(other)
    assert_fault(_action(client, other, {'extend': {'new_size': 3}},
                         roles='member', status=404), 404, 'itemNotFound')
    assert_fault(_action(client, 'nope', {'extend': {'new_size': 3}},
                         status=404), 404, 'itemNotFound')


def test_force_is_admin_only(client, db, share):
    share_id, _, _ = share
    assert_fault(_action(client, share_id,
                         {'extend': {'new_size': 3, 'force': True}},
                         roles='member', status=403), 403, 'forbidden')
    _action(client, share_id, {'extend': {'new_size': 3, 'force': True}})


def test_extend_over_quota_403(client, db, share):
    """Manila answers 403 (ShareSizeExceedsAvailableQuota ->
    HTTPForbidden) to an extend over quota."""
    share_id, _, _ = share
    client.put('/v2/quota-sets/p1', {'quota_set': {'gigabytes': 4}})
    message = assert_fault(_action(client, share_id,
                                   {'extend': {'new_size': 5}},
                                   status=403), 403, 'forbidden')
    assert 'gigabytes' in message
    _action(client, share_id, {'extend': {'new_size': 4}})


def test_extend_counts_every_replica(client, db, share):
    """2 instances of 2 GiB use 4 replica GiB; +2 GiB each needs 8."""
    share_id, _, _ = share
    client.put('/v2/quota-sets/p1', {'quota_set': {'replica_gigabytes': 7}})
    message = assert_fault(_action(client, share_id,
                                   {'extend': {'new_size': 4}},
                                   status=403), 403, 'forbidden')
    assert 'replica_gigabytes' in message
    client.put('/v2/quota-sets/p1', {'quota_set': {'replica_gigabytes': 8}})
    _action(client, share_id, {'extend': {'new_size': 4}})


def test_broker_down_undoes_503(client, db, share, monkeypatch):
    from manila_repl.share import api as share_api

    class Down:
        def extend_share(self, *a, **kw):
            raise oslo_messaging.MessageDeliveryFailure('no broker')

    monkeypatch.setattr(share_api, '_share', Down())
    share_id, active, replica = share
    assert_fault(_action(client, share_id, {'extend': {'new_size': 3}},
                         status=503), 503, 'serviceUnavailable')
    for instance_id in (active, replica):
        instance = db.get(models.ShareInstance, instance_id)
        assert instance.status == c.STATUS_AVAILABLE
        assert instance.status_message is None
    assert db.get(models.Share, share_id).task_state is None


@pytest.mark.parametrize('task, named', [
    (c.STATUS_EXTENDING, 'an extend is in progress'),
    (c.STATUS_SHRINKING, 'a shrink is in progress'),
    (c.TASK_REPLICATION_CHANGE, 'a replica promotion is in progress'),
])
def test_busy_share_409_names_the_task(client, db, task, named):
    """Whatever a task-guarded request meets, its 409 names the task that
    holds the share (an extend was reported as a promotion)."""
    type_id = db.share_type()
    db.add(models.ShareTypeExtraSpec(share_type_id=type_id,
                                     spec_key='snapshot_support',
                                     spec_value='True'))
    db.zone('az1')
    db.zone('az2')
    share_id = db.share(size=2, type_id=type_id)
    db.instance(share_id)
    replica = db.instance(share_id, replica_state='in_sync', az='az2',
                          host='node@az2#pool0')
    rule = client.post(f'/v2/shares/{share_id}/action', {'allow_access': {
        'access_type': 'ip', 'access_to': '10.0.0.1'}}).json['access']
    db.update(models.Share, share_id, task_state=task)
    refused = [
        client.post('/v2/snapshots', {'snapshot': {'share_id': share_id}},
                    status=409),
        client.post('/v2/share-replicas', {'share_replica': {
            'share_id': share_id, 'availability_zone': 'az2'}}, status=409),
        client.delete(f'/v2/share-replicas/{replica}', status=409),
        client.delete(f'/v2/shares/{share_id}', status=409),
        _action(client, share_id, {'allow_access': {
            'access_type': 'ip', 'access_to': '10.0.0.2'}}, status=409),
        _action(client, share_id, {'deny_access': {'access_id': rule['id']}},
                status=409),
        _action(client, share_id, {'extend': {'new_size': 3}}, status=409),
    ]
    for response in refused:
        message = assert_fault(response, 409, 'conflictingRequest')
        assert named in message, (response.request.path, message)
