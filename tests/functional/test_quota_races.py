"""Quotas are exact under concurrency on PostgreSQL and MariaDB: requests
of one project racing through two API processes for its last units never
pass the limit together (quotas.py: every check locks the project's row
before it counts)."""
import concurrent.futures
import uuid

import pytest
import requests

from tests.functional import deployment
from tests.functional import services
from tests.functional import workflow


@pytest.fixture(scope='module', params=['postgresql', 'mariadb'])
def deployed(request, tmp_path_factory):
    """The processes of a deployment, plus a second API process."""
    with services.rabbit_vhost() as transport_url, \
            services.database(request.param) as db_url:
        tmp = tmp_path_factory.mktemp('quota-' + request.param)
        dep = deployment.Deployment(tmp, transport_url, db_url)
        port = deployment.free_port()
        second = tmp / 'api2.conf'
        second.write_text('[api]\nbind_port = %d\n' % port)
        dep.processes['api2'] = deployment.Process(
            'api2', [deployment.script('manila-repl-api'), '--config-file',
                     dep.config, '--config-file', str(second)],
            str(tmp / 'api2.log'))
        api2 = deployment.ApiClient('http://127.0.0.1:%d/v2' % port)
        try:
            dep.start()
            api2.wait_until_up()
            yield dep, (dep.api.endpoint, api2.endpoint)
        except BaseException:
            print(dep.logs())
            raise
        finally:
            dep.stop()


def _race(requests_to_send):
    """Send every (endpoint, path, body, token) at once; their responses."""
    def send(request):
        endpoint, path, body, token = request
        return requests.post(endpoint + path, json=body, timeout=60,
                             headers={'X-Auth-Token': token,
                                      'X-OpenStack-Manila-API-Version':
                                          '2.95'})

    with concurrent.futures.ThreadPoolExecutor(len(requests_to_send)) as pool:
        return list(pool.map(send, requests_to_send))


def _assert_exactly(responses, accepted, code, resource):
    """``accepted`` answered ``code``, every other 413 with Manila's
    overLimit body naming ``resource``."""
    codes = sorted(r.status_code for r in responses)
    assert codes == [code] * accepted + [413] * (len(responses) - accepted
                                                 ), codes
    for response in responses:
        if response.status_code == 413:
            fault = response.json()['overLimit']
            assert fault['code'] == 413 and fault['retryAfter'] == '0'
            assert resource in fault['message']


def _project():
    project = 'quota-' + uuid.uuid4().hex[:8]
    return project, 'u:%s' % project


def _set_quota(api, project, **limits):
    r = api.request('PUT', '/quota-sets/%s' % project,
                    json={'quota_set': limits})
    assert r.status_code == 200, r.text


def _in_use(api, project, resource):
    r = api.get('/quota-sets/%s/detail' % project)
    assert r.status_code == 200, r.text
    return r.json()['quota_set'][resource]['in_use']


def test_fifty_creates_against_a_quota_of_ten(deployed):
    dep, endpoints = deployed
    api = dep.api
    project, token = _project()
    _set_quota(api, project, shares=10)
    body = {'share': {'share_proto': 'NFS', 'size': 1}}
    responses = _race([(endpoints[i % 2], '/shares', body, token)
                       for i in range(50)])
    _assert_exactly(responses, 10, 200, 'shares')
    assert _in_use(api, project, 'shares') == 10
    listed = api.get('/shares', headers={'X-Auth-Token': token})
    assert len(listed.json()['shares']) == 10


def test_replicas_of_several_shares_against_one_quota(deployed):
    """Replicas of different shares: no share row serialises them, only
    the project's quota lock does."""
    dep, endpoints = deployed
    api = dep.api
    project, token = _project()
    client = deployment.ApiClient(api.endpoint, token=token)
    type_id = workflow.create_replicated_type(api)
    shares = [workflow.create_share(client, type_id) for _ in range(3)]
    # The three active replicas count; room for three more.
    _set_quota(api, project, share_replicas=6)
    attempts = [(endpoints[i % 2], '/share-replicas',
                 {'share_replica': {'share_id': shares[i % 3],
                                    'availability_zone': ('az2', 'az3')[
                                        i % 2]}}, token)
                for i in range(12)]
    responses = _race(attempts)
    _assert_exactly(responses, 3, 202, 'share_replicas')
    assert _in_use(api, project, 'share_replicas') == 6
