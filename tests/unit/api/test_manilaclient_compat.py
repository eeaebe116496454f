"""python-manilaclient against the app served over HTTP (cheroot)."""
import socket
import threading

import manilaclient
import pytest
from cheroot import wsgi
from manilaclient import api_versions
from manilaclient import client as manila_client
from manilaclient.v2 import client as v2_client

from manila_repl.api import app as api_app
from manila_repl.conf import CONF


@pytest.fixture
def endpoint(db):
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    server = wsgi.Server(('127.0.0.1', port), api_app.setup_app(CONF),
                         numthreads=4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{port}/v2'
    server.stop()
    thread.join(5)


def test_types_and_shares(endpoint, db):
    # manilaclient.v2.client.Client takes the version as api_version (its
    # first positional argument is a user name); the generic
    # manilaclient.client.Client takes it first.
    manila = v2_client.Client(api_version=api_versions.APIVersion('2.95'),
                              input_auth_token='admin:admin',
                              service_catalog_url=endpoint)
    assert manila.share_types.list() == []
    share_type = manila.share_types.create(
        'replicated', spec_driver_handles_share_servers=False,
        extra_specs={'replication_type': 'readable'}, is_public=True)
    assert share_type.get_keys() == {
        'driver_handles_share_servers': 'False',
        'replication_type': 'readable'}
    assert [t.id for t in manila.share_types.list()] == [share_type.id]
    share = manila.shares.create('NFS', 1, name='s1',
                                 share_type='replicated')
    assert share.status == 'creating'
    assert share.replication_type == 'readable'
    shown = manila.shares.get(share.id)
    assert shown.name == 's1'
    assert [s.id for s in manila.shares.list()] == [share.id]
    assert manila.share_replicas.list(share=share.id)[0].replica_state == \
        'active'


def test_generic_client_at_2_56(endpoint, db):
    db.share_type('gold')
    manila = manila_client.Client('2.56', input_auth_token='admin:admin',
                                  service_catalog_url=endpoint)
    share = manila.shares.create('NFS', 1, share_type='gold')
    assert share.share_type_name == 'gold'
    (replica,) = manila.share_replicas.list(share=share.id)
    assert replica.replica_state == 'active'
    assert manila.availability_zones.list() == []


def test_client_discovers_our_version(endpoint, db):
    manila = manila_client.Client('2.0', input_auth_token='admin:admin',
                                  service_catalog_url=endpoint)
    version = api_versions.discover_version(
        manila, manilaclient.API_MAX_VERSION)
    assert version.get_string() == '2.95'
