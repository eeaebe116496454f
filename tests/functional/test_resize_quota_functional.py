"""Extend, shrink and quotas end to end on manila-repl-all (explicit
config, fake backends az1..az3 in one replication domain): every
replica's fake file follows the share's size; a quota set with
python-manilaclient refuses the next share (413)."""
import json
import os
import time
import uuid

import pytest
from manilaclient import api_versions
from manilaclient import exceptions as mc_exceptions
from manilaclient.v2 import client as v2_client

from tests.client import server
from tests.functional import workflow


@pytest.fixture(scope='module')
def all_in_one(tmp_path_factory):
    with server.started(tmp_path_factory.mktemp('resize')) as running:
        yield running, running.api


def _size_on(running, backend, instance_id):
    with open(os.path.join(running.fake_root(backend),
                           instance_id + '.json')) as f:
        return json.load(f)['size']


def _manila(running, version='2.95', token='admin:admin'):
    return v2_client.Client(api_version=api_versions.APIVersion(version),
                            input_auth_token=token,
                            service_catalog_url=running.endpoint)


def test_extend_and_shrink_every_replica(all_in_one):
    running, api = all_in_one
    share_id, replica_id = workflow.replicated_share(
        api, 'rs-' + uuid.uuid4().hex[:6])
    active_id = next(r['id'] for r in api.replicas(share_id).values()
                     if r['replica_state'] == 'active')
    manila = _manila(running)

    def settled(size):
        share = api.get('/shares/%s' % share_id).json()['share']
        return share['status'] == 'available' and share['size'] == size

    manila.shares.extend(share_id, 3)
    api.wait(lambda: settled(3), 'the share to be extended')
    assert _size_on(running, 'az1', active_id) == 3
    assert _size_on(running, 'az2', replica_id) == 3
    assert {r['status'] for r in api.replicas(share_id).values()} == {
        'available'}

    manila.shares.shrink(share_id, 2)
    api.wait(lambda: settled(2), 'the share to be shrunk')
    assert _size_on(running, 'az1', active_id) == 2
    assert _size_on(running, 'az2', replica_id) == 2

    # Not larger than it is: 400.
    with pytest.raises(mc_exceptions.BadRequest):
        manila.shares.extend(share_id, 2)
    # A replica sync afterwards keeps the new size.
    time.sleep(1.5)
    assert _size_on(running, 'az2', replica_id) == 2


def test_quota_set_then_share_over_limit_413(all_in_one):
    running, api = all_in_one
    project = 'q' + uuid.uuid4().hex[:6]
    admin = _manila(running)
    admin.quotas.update(project, shares=5, gigabytes=3)
    shown = admin.quotas.get(project)
    assert (shown.shares, shown.gigabytes) == (5, 3)
    assert admin.quotas.defaults(project).gigabytes == 1000
    detail = admin.quotas.get(project, detail=True)
    assert detail.gigabytes == {'limit': 3, 'in_use': 0, 'reserved': 0}

    member = _manila(running, token='u:%s' % project)
    member.shares.create('NFS', 2)
    with pytest.raises(mc_exceptions.RequestEntityTooLarge) as raised:
        member.shares.create('NFS', 2)
    assert 'gigabytes' in str(raised.value)
    response = api.post('/shares', {'share': {'share_proto': 'NFS',
                                              'size': 2}},
                        headers={'X-Auth-Token': 'u:%s' % project})
    assert response.status_code == 413, response.text
    assert response.json()['overLimit']['retryAfter'] == '0'
    admin.quotas.delete(project)
    assert admin.quotas.get(project).gigabytes == 1000
