"""User messages over the real processes (api, scheduler, three share
managers over RabbitMQ and PostgreSQL): a replica whose add fails leaves a
message that its project sees and another project does not, that the
project may delete, and that expires: the scheduler purges it."""
import json
import os
import uuid

import pytest
import sqlalchemy as sa

from tests.functional import deployment
from tests.functional import services
from tests.functional import workflow

#: Long enough for the checks below, short enough to wait for the purge.
TTL = 20


@pytest.fixture(scope='module')
def deployed(tmp_path_factory):
    with services.rabbit_vhost() as transport_url, \
            services.database('postgresql') as db_url:
        dep = deployment.Deployment(
            tmp_path_factory.mktemp('messages'), transport_url, db_url,
            extra_config='[message]\nmessage_ttl = %d\n'
                         'message_reap_interval = 1\n' % TTL)
        with dep.running():
            yield dep, db_url


def tenant(dep, project, roles='member'):
    api = deployment.ApiClient(dep.api.endpoint,
                               token='%s-user:%s' % (project, project))
    api.session.headers['X-Roles'] = roles
    return api


def failed_replica(dep, api, share_id):
    """A replica of ``share_id`` whose add fails in az1's driver."""
    inject = os.path.join(dep.tmp, 'fake', 'az1', 'inject.json')
    with open(inject, 'w') as f:
        json.dump({'fail': ['add_replica']}, f)
    try:
        replica_id = workflow.add_replica(api, share_id, 'az3')
        workflow.wait_replica(api, replica_id, 'the replica add to fail',
                              status='error')
    finally:
        os.unlink(inject)
    return replica_id


def messages(api, query=''):
    response = api.get('/messages' + query)
    assert response.status_code == 200, response.text
    return response.json()['messages']


def test_a_failed_replica_leaves_its_project_a_message(deployed):
    dep, db_url = deployed
    type_id = workflow.create_replicated_type(
        dep.api, 'msg-' + uuid.uuid4().hex[:6])
    owner, other = tenant(dep, 'p1'), tenant(dep, 'p2')
    share_id = workflow.create_share(owner, type_id)
    first = failed_replica(dep, owner, share_id)
    second = failed_replica(dep, owner, share_id)

    mine = messages(owner)
    assert [m['resource_id'] for m in mine] == [second, first]
    message = mine[1]
    assert (message['project_id'], message['resource_type'],
            message['action_id'], message['detail_id'],
            message['message_level']) == ('p1', 'SHARE_REPLICA', '002',
                                          '103', 'ERROR')
    assert message['user_message'].startswith(
        'create: The share driver of the active replica failed')
    # The request id of the POST that asked for the replica, carried by
    # RPC through the scheduler to the active's manager.
    assert message['request_id'].startswith('req-')
    assert messages(owner, '?request_id=' + message['request_id']) == [
        message]

    # Another project sees nothing of it, and cannot delete it.
    assert messages(other) == []
    assert other.get('/messages/%s' % message['id']).status_code == 404
    assert other.delete('/messages/%s' % message['id']).status_code == 404
    # Administrators see every project's.
    assert {m['id'] for m in messages(dep.api)} >= {m['id'] for m in mine}

    # A reader may not delete; a member of the project may.
    reader = tenant(dep, 'p1', roles='reader')
    assert reader.delete('/messages/%s' % message['id']).status_code == 403
    assert owner.delete('/messages/%s' % message['id']).status_code == 204
    assert owner.get('/messages/%s' % message['id']).status_code == 404
    assert [m['resource_id'] for m in messages(owner)] == [second]

    # The other expires after message_ttl; the scheduler purges it.
    engine = sa.create_engine(db_url)
    try:
        def rows():
            with engine.connect() as connection:
                return connection.execute(sa.text(
                    'SELECT resource_id, expires_at - created_at '
                    'FROM messages')).all()
        (kept,) = rows()
        assert kept[0] == second and kept[1].total_seconds() == TTL
        dep.api.wait(lambda: not rows(), 'the expired message to be purged',
                     timeout=TTL + 30, interval=0.5)
    finally:
        engine.dispose()
    assert messages(owner) == []
    assert 'Purged 1 expired user message(s)' in \
        dep.processes['scheduler'].log()
