"""Manila's own clients, unchanged, through the replication workflow
against a running manila-repl-all: python-manilaclient's Python API, and
`openstack share ...` (python-openstackclient with manilaclient's plugin).
"""
import json
import os
import subprocess
import uuid

import pytest
from manilaclient import api_versions
from manilaclient import exceptions as manila_exc
from manilaclient.v2 import client as v2_client

from tests.client import server
from tests.functional import deployment


@pytest.fixture(scope='module')
def all_in_one(tmp_path_factory):
    with server.started(tmp_path_factory.mktemp('clients')) as running:
        yield running


def test_python_manilaclient_workflow(all_in_one):
    manila = v2_client.Client(api_version=api_versions.APIVersion('2.95'),
                              input_auth_token='admin:admin',
                              service_catalog_url=all_in_one.endpoint)
    name = 'readable-' + uuid.uuid4().hex[:6]
    share_type = manila.share_types.create(
        name, spec_driver_handles_share_servers=False,
        extra_specs={'replication_type': 'readable'}, is_public=True)
    assert share_type.get_keys()['replication_type'] == 'readable'

    share = manila.shares.create('NFS', 1, name='mc-share',
                                 share_type=name, availability_zone='az1')
    server.until(lambda: manila.shares.get(share.id).status == 'available',
           'the share to be available')

    replica = manila.share_replicas.create(share, availability_zone='az2')
    assert replica.status == 'creating'
    server.until(lambda: manila.share_replicas.get(replica.id).replica_state ==
           'in_sync', 'the new replica to be in_sync')
    replicas = manila.share_replicas.list(share=share.id)
    assert sorted(r.availability_zone for r in replicas) == ['az1', 'az2']
    old_active = next(r for r in replicas if r.replica_state == 'active')

    manila.share_replicas.promote(replica)
    server.until(lambda: manila.share_replicas.get(replica.id).replica_state ==
           'active', 'the promoted replica to be active')
    manila.share_replicas.resync(old_active)
    server.until(lambda: manila.share_replicas.get(old_active.id).replica_state
           == 'in_sync', 'the old active to be in_sync again')

    locations = manila.share_replica_export_locations.list(replica)
    assert [loc.availability_zone for loc in locations] == ['az2']
    assert locations[0].replica_state == 'active'
    assert locations[0].path

    manila.share_replicas.delete(old_active)

    def gone(get, resource_id):
        try:
            get(resource_id)
        except manila_exc.NotFound:
            return True
        return False

    server.until(lambda: gone(manila.share_replicas.get, old_active.id),
           'the replica to be deleted')
    manila.shares.delete(share)
    server.until(lambda: gone(manila.shares.get, share.id),
           'the share to be deleted')


@pytest.fixture(scope='module')
def openstack(all_in_one):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('OS_')}
    env['HOME'] = str(all_in_one.tmp)     # no clouds.yaml of the user's
    command = [deployment.script('openstack'), '--os-auth-type', 'none',
               '--os-endpoint-override', all_in_one.endpoint]

    def run(*args):
        proc = subprocess.run(command + list(args), capture_output=True,
                              text=True, timeout=120, env=env,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc.stdout

    def run_json(*args):
        return json.loads(run(*args, '-f', 'json'))

    run.json = run_json
    return run


def test_openstack_share_workflow(openstack):
    name = 'osc-' + uuid.uuid4().hex[:6]
    share_type = openstack.json('share', 'type', 'create', name, 'false',
                                '--extra-specs', 'replication_type=readable')
    assert share_type['name'] == name
    # OSC's --wait polls every 5 s: it is used once below (promote, as
    # api.md describes it); elsewhere the test polls with show/list.
    share = openstack.json('share', 'create', 'NFS', '1', '--name', name,
                           '--share-type', name, '--availability-zone',
                           'az1')
    server.until(lambda: openstack.json('share', 'show', share['id'])['status']
           == 'available', 'the share to be available')
    # By name: the client also lists ?is_soft_deleted=True from 2.69, and
    # must find the share in one of the two lists only.
    assert openstack.json('share', 'show', name)['id'] == share['id']
    listed = openstack.json('share', 'list', '--name', name)
    assert [s['ID'] for s in listed] == [share['id']]

    replica = openstack.json('share', 'replica', 'create', share['id'],
                             '--availability-zone', 'az2')
    assert replica['status'] == 'creating'

    def states():
        return {r['ID']: r['Replica State'] for r in openstack.json(
            'share', 'replica', 'list', '--share', share['id'])}

    listed = server.until(lambda: (lambda s: s if s[replica['id']] == 'in_sync'
                             else None)(states()), 'in_sync')
    old_active = next(r for r, s in listed.items() if s == 'active')

    openstack('share', 'replica', 'promote', replica['id'], '--wait')
    assert states()[replica['id']] == 'active'
    openstack('share', 'replica', 'resync', old_active)
    server.until(lambda: states()[old_active] == 'in_sync', 'resync')

    locations = openstack.json('share', 'replica', 'export', 'location',
                               'list', replica['id'])
    assert [(loc['Availability Zone'], loc['Replica State'])
            for loc in locations] == [('az2', 'active')]
    shown = openstack.json('share', 'replica', 'show', replica['id'])
    assert shown['replica_state'] == 'active'

    openstack('share', 'replica', 'delete', old_active)
    server.until(lambda: list(states()) == [replica['id']],
           'the replica to be deleted')
    openstack('share', 'delete', share['id'])
    server.until(lambda: share['id'] not in [
        s['ID'] for s in openstack.json('share', 'list')],
        'the share to be deleted')


def test_user_messages_through_manilas_clients(all_in_one, openstack):
    """A replica whose add fails leaves a message that python-manilaclient
    and `openstack share message list/show/delete` read unchanged."""
    manila = v2_client.Client(api_version=api_versions.APIVersion('2.95'),
                              input_auth_token='admin:admin',
                              service_catalog_url=all_in_one.endpoint)
    name = 'msg-' + uuid.uuid4().hex[:6]
    manila.share_types.create(
        name, spec_driver_handles_share_servers=False,
        extra_specs={'replication_type': 'readable'}, is_public=True)
    share = manila.shares.create('NFS', 1, share_type=name,
                                 availability_zone='az1')
    server.until(lambda: manila.shares.get(share.id).status == 'available',
                 'the share to be available')
    inject = os.path.join(all_in_one.fake_root('az1'), 'inject.json')
    with open(inject, 'w') as f:
        json.dump({'fail': ['add_replica']}, f)
    try:
        replica = manila.share_replicas.create(share,
                                               availability_zone='az3')
        server.until(lambda: manila.share_replicas.get(
            replica.id).status == 'error', 'the replica add to fail')
    finally:
        os.unlink(inject)

    (message,) = manila.messages.list(search_opts={'resource_id':
                                                   replica.id})
    assert (message.resource_type, message.action_id, message.detail_id,
            message.message_level) == ('SHARE_REPLICA', '002', '103',
                                       'ERROR')
    assert message.user_message.startswith('create: The share driver')
    assert manila.messages.get(message.id).resource_id == replica.id

    listed = openstack.json('share', 'message', 'list', '--resource-id',
                            replica.id)
    assert [(m['ID'], m['Resource Type'], m['Action ID'], m['Detail ID'])
            for m in listed] == [(message.id, 'SHARE_REPLICA', '002',
                                  '103')]
    assert openstack.json('share', 'message', 'list', '--since',
                          '2999-01-01T00:00:00') == []
    shown = openstack.json('share', 'message', 'show', message.id)
    assert (shown['resource_id'], shown['request_id']) == (
        replica.id, message.request_id)
    openstack('share', 'message', 'delete', message.id)
    assert manila.messages.list(search_opts={'resource_id':
                                             replica.id}) == []
    manila.share_replicas.delete(replica)
