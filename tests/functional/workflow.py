"""The replication workflow a tenant and an operator drive over HTTP.

Shared by the multi-process tests (RabbitMQ with PostgreSQL or MariaDB) and
the all-in-one test (SQLite and fake://).
"""
import uuid

ACTIVE = 'active'


def create_replicated_type(api, name=None):
    name = name or 'readable-' + uuid.uuid4().hex[:6]
    r = api.post('/types', {'share_type': {
        'name': name, 'share_type_access:is_public': True,
        'extra_specs': {'driver_handles_share_servers': False,
                        'replication_type': 'readable',
                        'snapshot_support': True}}})
    assert r.status_code == 200, r.text
    assert r.json()['share_type']['extra_specs']['replication_type'] == \
        'readable'
    return r.json()['share_type']['id']


def create_share(api, type_id, az='az1'):
    r = api.post('/shares', {'share': {
        'share_proto': 'NFS', 'size': 1, 'name': 'ft-share',
        'share_type': type_id, 'availability_zone': az}})
    assert r.status_code == 200, r.text
    share_id = r.json()['share']['id']
    api.wait(lambda: api.get('/shares/%s' % share_id).json()['share']
             ['status'] == 'available', 'the share to be available')
    return share_id


def add_replica(api, share_id, az):
    r = api.post('/share-replicas', {'share_replica': {
        'share_id': share_id, 'availability_zone': az}})
    assert r.status_code == 202, r.text
    replica = r.json()['share_replica']
    assert replica['status'] == 'creating'
    return replica['id']


def wait_replica(api, replica_id, what, **expected):
    def matches():
        replica = api.replica(replica_id)
        if replica['status'] == 'error' and expected.get('status') != \
                'error':
            raise AssertionError('replica %s went to error: %s' %
                                 (replica_id, replica))
        return all(replica[k] == v for k, v in expected.items())
    api.wait(matches, what, timeout=30)


def actives(api, share_id):
    return [az for az, r in api.replicas(share_id).items()
            if r['replica_state'] == ACTIVE]


def promote(api, replica_id):
    r = api.post('/share-replicas/%s/action' % replica_id, {'promote': None})
    assert r.status_code == 202, r.text


def replicated_share(api, type_name):
    """A readable type named ``type_name``, a share in az1 and an in_sync
    replica in az2: (share id, replica id)."""
    share_id = create_share(api, create_replicated_type(api, type_name))
    replica_id = add_replica(api, share_id, 'az2')
    wait_replica(api, replica_id, 'the replica to be in_sync',
                 status='available', replica_state='in_sync')
    return share_id, replica_id


def run(api, take_down, bring_back):
    """The whole scenario; ``take_down(az)``/``bring_back(az)`` make a
    backend's manager (and its controller) go away and return."""
    type_id = create_replicated_type(api)
    share_id = create_share(api, type_id)
    share = api.get('/shares/%s' % share_id).json()['share']
    assert share['replication_type'] == 'readable'
    assert share['availability_zone'] == 'az1'

    r2 = add_replica(api, share_id, 'az2')
    r3 = add_replica(api, share_id, 'az3')
    for rid, az in ((r2, 'az2'), (r3, 'az3')):
        wait_replica(api, rid, 'replica in %s to be available' % az,
                     status='available')
    # in_sync is reached and kept through the periodic loop.
    for rid in (r2, r3):
        wait_replica(api, rid, 'in_sync', replica_state='in_sync')
    replicas = api.replicas(share_id)
    assert set(replicas) == {'az1', 'az2', 'az3'}
    assert actives(api, share_id) == ['az1']
    r1 = replicas['az1']['id']

    # A share with replicas cannot be deleted; the active replica neither.
    assert api.delete('/shares/%s' % share_id).status_code == 409
    assert api.delete('/share-replicas/%s' % r1).status_code == 400

    # Planned failover to az2: exactly one active replica afterwards.
    promote(api, r2)
    wait_replica(api, r2, 'az2 to be active', replica_state=ACTIVE,
                 status='available')
    assert actives(api, share_id) == ['az2']
    wait_replica(api, r1, 'old active az1 to be a replica again',
                 replica_state='in_sync')

    # An admin resync of a replica is accepted; of the active one refused.
    r = api.post('/share-replicas/%s/action' % r1, {'resync': None})
    assert r.status_code == 202, r.text
    r = api.post('/share-replicas/%s/action' % r2, {'resync': None})
    assert r.status_code == 400, r.text

    # az1's manager dies; promoting az3 must still work.
    take_down('az1')
    promote(api, r3)
    wait_replica(api, r3, 'az3 to be active', replica_state=ACTIVE,
                 status='available')
    assert actives(api, share_id) == ['az3']

    # az1 returns: its old instance is re-seeded as a replica.
    bring_back('az1')
    wait_replica(api, r1, 'az1 instance back in sync',
                 replica_state='in_sync', status='available')
    assert actives(api, share_id) == ['az3']

    # Tear down: replicas first, then the share.
    for rid in (r1, r2):
        r = api.delete('/share-replicas/%s' % rid)
        assert r.status_code == 202, r.text
    api.wait(lambda: list(api.replicas(share_id)) == ['az3'],
             'replicas to be deleted')
    r = api.delete('/shares/%s' % share_id)
    assert r.status_code == 202, r.text
    api.wait(lambda: api.get('/shares/%s' % share_id).status_code == 404,
             'the share to be deleted')
    r = api.delete('/types/%s' % type_id)
    assert r.status_code == 202, r.text
