"""User messages over HTTP (/v2/messages, 2.37+): fields, who sees what,
filters, paging and sorting, deletion, expiry; and how messages.record
finds a message's project and request id."""
import datetime
import threading

from oslo_utils import timeutils
import pytest

from manila_repl import context as ctx_mod
from manila_repl import rpc
from manila_repl.db import models
from manila_repl import message_fields as fields
from manila_repl import messages
from tests.unit.api.conftest import assert_fault

FIELDS = {'id', 'project_id', 'action_id', 'detail_id', 'message_level',
          'created_at', 'expires_at', 'request_id', 'links',
          'resource_type', 'resource_id', 'user_message'}
MEMBER, READER = 'member', 'reader'


def add(db, project='p1', resource_id='r1', action=fields.Action.CREATE,
        detail=fields.Detail.DRIVER_FAILED_ADD_REPLICA,
        resource_type='SHARE_REPLICA', request_id='req-1', age=0,
        ttl=3600):
    created = timeutils.utcnow() - datetime.timedelta(seconds=age)
    return db.add(models.Message(
        project_id=project, request_id=request_id,
        resource_type=resource_type, resource_id=resource_id,
        action_id=action.id, detail_id=detail.id, message_level='ERROR',
        created_at=created,
        expires_at=created + datetime.timedelta(seconds=ttl)))


def ids(response):
    return [m['id'] for m in response.json['messages']]


def test_below_2_37_there_are_no_messages(client, db):
    message_id = add(db)
    for call in (lambda: client.get('/v2/messages', version='2.36',
                                    status=404),
                 lambda: client.get(f'/v2/messages/{message_id}',
                                    version='2.36', status=404),
                 lambda: client.delete(f'/v2/messages/{message_id}',
                                       version='2.36', status=404)):
        assert_fault(call(), 404, 'itemNotFound')
    assert db.get(models.Message, message_id) is not None


def test_show_has_manilas_fields(client, db):
    message_id = add(db, resource_id='rep-1')
    shown = client.get(f'/v2/messages/{message_id}',
                       version='2.37').json['message']
    assert set(shown) == FIELDS
    assert shown['user_message'] == (
        'create: The share driver of the active replica failed to create '
        'this replica; its status is error. Delete it and add a replica '
        'again.')
    assert (shown['action_id'], shown['detail_id'], shown['resource_type'],
            shown['resource_id'], shown['message_level'],
            shown['request_id'], shown['project_id']) == (
        '002', '103', 'SHARE_REPLICA', 'rep-1', 'ERROR', 'req-1', 'p1')
    assert shown['links'][0]['href'].endswith(
        f'/v2/p1/messages/{message_id}')
    assert client.get('/v2/p1/messages').json['messages'] == [shown]


def test_a_project_sees_its_own_messages_only(client, db):
    mine = add(db, project='p1')
    theirs = add(db, project='p2')
    for roles in (READER, MEMBER):
        assert ids(client.get('/v2/messages', roles=roles)) == [mine]
        assert_fault(client.get(f'/v2/messages/{theirs}', roles=roles,
                                status=404), 404, 'itemNotFound')
    assert_fault(client.delete(f'/v2/messages/{theirs}', roles=MEMBER,
                               status=404), 404, 'itemNotFound')
    # Asking for another project's changes nothing for a tenant.
    assert ids(client.get('/v2/messages?project_id=p2',
                          roles=MEMBER)) == []
    assert db.get(models.Message, theirs) is not None
    # Administrators see every project's, and may narrow to one.
    assert set(ids(client.get('/v2/messages'))) == {mine, theirs}
    assert ids(client.get('/v2/messages?project_id=p2')) == [theirs]


def test_readers_read_members_delete(client, db):
    message_id = add(db)
    assert_fault(client.delete(f'/v2/messages/{message_id}', roles=READER,
                               status=403), 403, 'forbidden')
    response = client.delete(f'/v2/messages/{message_id}', roles=MEMBER,
                             status=204)
    assert response.body == b''
    assert db.get(models.Message, message_id) is None
    assert_fault(client.get(f'/v2/messages/{message_id}', status=404),
                 404, 'itemNotFound')
    assert_fault(client.delete(f'/v2/messages/{message_id}', status=404),
                 404, 'itemNotFound')


def test_filters(client, db):
    a = add(db, resource_id='r1', request_id='req-a')
    b = add(db, resource_id='r2', resource_type='SHARE',
            action=fields.Action.EXTEND,
            detail=fields.Detail.DRIVER_FAILED_EXTEND, request_id='req-b')
    for query, expected in (
            ('resource_id=r1', [a]), ('resource_type=share', [b]),
            ('resource_type=SHARE_REPLICA', [a]), ('action_id=008', [b]),
            ('detail_id=103', [a]), ('request_id=req-b', [b]),
            ('message_level=error', [b, a]), ('message_level=INFO', []),
            ('resource_id=r1&action_id=008', []),
            ('unknown=1', [b, a])):
        assert ids(client.get('/v2/messages?' + query)) == expected, query


def test_created_since_and_before_from_2_52(client, db):
    old = add(db, age=7200, ttl=36000)
    new = add(db)
    hour_ago = (timeutils.utcnow() - datetime.timedelta(hours=1)
                ).isoformat() + 'Z'
    assert ids(client.get('/v2/messages?created_since=' + hour_ago,
                          version='2.52')) == [new]
    assert ids(client.get('/v2/messages?created_before=' + hour_ago,
                          version='2.52')) == [old]
    # Before 2.52 Manila ignores them.
    assert ids(client.get('/v2/messages?created_since=' + hour_ago,
                          version='2.51')) == [new, old]
    message = assert_fault(client.get(
        '/v2/messages?created_since=yesterday', version='2.52', status=400),
        400, 'badRequest')
    assert 'created_since' in message


def test_paging_and_sorting(client, db):
    made = [add(db, resource_id='r%d' % n, age=10 - n) for n in range(5)]
    newest_first = list(reversed(made))
    assert ids(client.get('/v2/messages')) == newest_first
    assert ids(client.get('/v2/messages?limit=2&offset=1')) == \
        newest_first[1:3]
    assert ids(client.get('/v2/messages?sort_key=resource_id&'
                          'sort_dir=asc')) == made
    assert_fault(client.get('/v2/messages?sort_key=nope', status=400),
                 400, 'badRequest')
    assert_fault(client.get('/v2/messages?sort_dir=up', status=400),
                 400, 'badRequest')


def test_expired_messages_are_gone(client, db):
    live = add(db)
    expired = add(db, age=100, ttl=10)
    assert ids(client.get('/v2/messages')) == [live]
    assert_fault(client.get(f'/v2/messages/{expired}', status=404),
                 404, 'itemNotFound')
    assert messages.purge_expired() == 1
    assert db.get(models.Message, expired) is None
    assert db.get(models.Message, live) is not None


# -- recording --------------------------------------------------------------

def test_record_finds_the_project_of_the_resource(db):
    share_id = db.share(project='p7')
    replica_id = db.instance(share_id)
    snapshot_id = db.add(models.ShareSnapshot(
        share_id=share_id, project_id='p7', user_id='u', size=1,
        share_proto='NFS'))
    for record, resource_id in ((messages.share, share_id),
                                (messages.replica, replica_id),
                                (messages.snapshot, snapshot_id)):
        message_id = record(resource_id, messages.Action.CREATE,
                            messages.Detail.UNKNOWN_ERROR)
        row = db.get(models.Message, message_id)
        assert (row.project_id, row.resource_id) == ('p7', resource_id)
    # An instance's message is about its share.
    row = db.get(models.Message, messages.instance(
        replica_id, messages.Action.CREATE,
        messages.Detail.DRIVER_FAILED_CREATE))
    assert (row.resource_type, row.resource_id) == ('SHARE', share_id)
    # A resource already gone gets none.
    assert messages.replica('gone', messages.Action.CREATE,
                            messages.Detail.UNKNOWN_ERROR) is None


def in_thread(func):
    """func() in a thread of its own (contexts are per thread)."""
    result = []
    thread = threading.Thread(target=lambda: result.append(func()))
    thread.start()
    thread.join()
    return result[0]


def test_record_takes_the_request_id_of_the_rpc_served(db):
    share_id = db.share()
    sent = ctx_mod.RequestContext(request_id='req-from-api',
                                  project_id='p1', overwrite=False)

    def served():
        # What the RPC server does before it calls the endpoint.
        rpc.ContextSerializer().deserialize_context(sent.to_dict())
        return messages.share(share_id, messages.Action.EXTEND,
                              messages.Detail.DRIVER_FAILED_EXTEND)
    row = db.get(models.Message, in_thread(served))
    assert row.request_id == 'req-from-api'
    assert row.expires_at - row.created_at == datetime.timedelta(
        seconds=2592000)
    # A periodic task serves no request.
    row = db.get(models.Message, in_thread(lambda: messages.share(
        share_id, messages.Action.EXTEND,
        messages.Detail.DRIVER_FAILED_EXTEND)))
    assert row.request_id is None


def test_record_never_fails_its_caller(db, monkeypatch):
    from manila_repl.db import messages as messages_db

    def broken(values):
        raise RuntimeError('database on fire')
    monkeypatch.setattr(messages_db, 'create', broken)
    assert messages.share('s', messages.Action.CREATE,
                          messages.Detail.UNKNOWN_ERROR,
                          project_id='p1') is None


@pytest.mark.parametrize('name', sorted(fields.ACTIONS))
def test_every_action_has_text(name):
    assert fields.user_message(name, '001').endswith(
        'An unknown error occurred.')
