"""Access rules end to end on manila-repl-all (explicit config, fake
backends az1..az3 in one replication domain): a readable share and a
replica, a rule applied on both (read-only on the replica, as the fake
driver's access files show), denied, and the same through
python-manilaclient."""
import json
import os
import uuid

import pytest
from manilaclient import api_versions
from manilaclient.v2 import client as v2_client

from tests.client import server
from tests.functional import workflow


@pytest.fixture(scope='module')
def all_in_one(tmp_path_factory):
    with server.started(tmp_path_factory.mktemp('access')) as running:
        yield running, running.api


def _access_file(running, backend, instance_id):
    path = os.path.join(running.fake_root(backend), 'access',
                        instance_id + '.json')
    try:
        with open(path) as f:
            return {(r['access_to'], r['access_level'])
                    for r in json.load(f)}
    except FileNotFoundError:
        return None


def test_rule_on_every_replica(all_in_one):
    running, api = all_in_one
    share_id, replica_id = workflow.replicated_share(
        api, 'acc-' + uuid.uuid4().hex[:6])
    active_id = next(r['id'] for r in api.replicas(share_id).values()
                     if r['replica_state'] == 'active')
    response = api.post('/shares/%s/action' % share_id, {'allow_access': {
        'access_type': 'ip', 'access_to': '10.0.0.0/24',
        'access_level': 'rw'}})
    assert response.status_code == 200, response.text
    rule = response.json()['access']
    api.wait(lambda: api.get('/share-access-rules/%s' % rule['id']).json()[
        'access']['state'] == 'active', 'the rule to be active')
    assert _access_file(running, 'az1', active_id) == {('10.0.0.0/24',
                                                        'rw')}
    assert _access_file(running, 'az2', replica_id) == {('10.0.0.0/24',
                                                         'ro')}
    assert api.get('/shares/%s' % share_id).json()['share'][
        'access_rules_status'] == 'active'

    response = api.post('/shares/%s/action' % share_id, {'deny_access': {
        'access_id': rule['id']}})
    assert response.status_code == 202, response.text
    api.wait(lambda: api.get('/share-access-rules/%s' % rule['id'])
             .status_code == 404, 'the rule to be gone')
    assert _access_file(running, 'az1', active_id) == set()
    assert _access_file(running, 'az2', replica_id) == set()


def test_python_manilaclient(all_in_one):
    running, api = all_in_one
    share_id, replica_id = workflow.replicated_share(
        api, 'mc-acc-' + uuid.uuid4().hex[:6])
    manila = v2_client.Client(api_version=api_versions.APIVersion('2.95'),
                              input_auth_token='admin:admin',
                              service_catalog_url=running.endpoint)
    share = manila.shares.get(share_id)
    rule = manila.shares.allow(share, 'user', 'alice', 'ro')
    assert rule['access_to'] == 'alice'
    rules = manila.share_access_rules
    server.until(lambda: [r.state for r in rules.access_list(share)] ==
           ['active'], 'the rule to be active')
    # The access_list action is for API versions up to 2.44.
    legacy = v2_client.Client(api_version=api_versions.APIVersion('2.44'),
                              input_auth_token='admin:admin',
                              service_catalog_url=running.endpoint)
    assert [r.access_to for r in legacy.shares.access_list(share_id)] == \
        ['alice']
    assert _access_file(running, 'az2', replica_id) == {('alice', 'ro')}
    manila.shares.deny(share, rule['id'])
    server.until(lambda: rules.access_list(share) == [],
           'the rule to be gone')
