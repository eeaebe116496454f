"""The whole stack on real data: api, scheduler and two manila-repl-share
processes over RabbitMQ and PostgreSQL, each backend a loopback btrfs file
system in its own AZ. Files written into the share arrive on the replica,
through a planned failover and a failover with the old active unmounted."""
import os

import pytest

from tests import btrfs_loop
from tests.functional import deployment
from tests.functional import services
from tests.functional import workflow

NAMES = ('bt1', 'bt2')


@pytest.fixture(scope='module')
def stack(tmp_path_factory):
    btrfs_loop.require_btrfs()
    tmp = tmp_path_factory.mktemp('btrfs-stack')
    # Sparse: the scheduler wants room for a 1 GiB share; little is used.
    with btrfs_loop.filesystems(tmp / 'fs', NAMES, size=2 << 30) as loops, \
            services.rabbit_vhost() as transport_url, \
            services.database('postgresql') as db_url:
        backends = {name: ['share_driver = btrfs',
                           'btrfs_mount_point = %s' % loops[name].mount_point,
                           'btrfs_pool_name = pool-%s' % name,
                           # Local paths; NFS: test_nfs_hosts.py.
                           'btrfs_nfs_server = none']
                    for name in NAMES}
        dep = deployment.Deployment(tmp / 'run', transport_url, db_url,
                                    backends=backends)
        try:
            dep.start()
            yield dep, loops
        except BaseException:
            print(dep.logs())
            raise
        finally:
            dep.stop()
            for fs in loops.values():
                if not fs.mounted:
                    fs.mount()


def write(root, files):
    for name, data in files.items():
        full = os.path.join(root, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'wb') as f:
            f.write(data)


def test_btrfs_replication_through_the_stack(stack):
    dep, loops = stack
    api = dep.api
    try:
        _scenario(api, loops)
    except BaseException:
        print(dep.logs())
        raise


def _scenario(api, loops):
    pools = api.get('/scheduler-stats/pools').json()['pools']
    assert {p['pool'] for p in pools} == {'pool-bt1', 'pool-bt2'}

    type_id = workflow.create_replicated_type(api)
    share_id = workflow.create_share(api, type_id, az='bt1')
    a = api.replicas(share_id)['bt1']['id']

    def root(backend, instance_id):
        return os.path.join(loops[backend].mount_point, 'shares',
                            instance_id)

    def same(what, x, y):
        api.wait(lambda: btrfs_loop.tree_digest(x) ==
                 btrfs_loop.tree_digest(y), what, timeout=30, interval=0.2)

    a_root = root('bt1', a)
    assert os.path.isdir(a_root)
    write(a_root, {'one': b'1' * 10000, 'dir/two': os.urandom(200000),
                   'gone': b'x'})

    r = workflow.add_replica(api, share_id, 'bt2')
    workflow.wait_replica(api, r, 'the replica in sync', status='available',
                          replica_state='in_sync')
    r_root = root('bt2', r)
    paths = api.get('/share-replicas/%s/export-locations' % r)
    assert paths.status_code == 200, paths.text
    assert r_root in [e['path'] for e in paths.json()['export_locations']]
    same('the first copy', r_root, a_root)

    # Changes reach the replica through the periodic status loop.
    write(a_root, {'one': b'changed', 'dir/three': os.urandom(50000)})
    os.unlink(os.path.join(a_root, 'gone'))
    same('the changes on the replica', r_root, a_root)

    # Planned failover: bt2 becomes the writable active.
    workflow.promote(api, r)
    workflow.wait_replica(api, r, 'bt2 active', replica_state='active',
                          status='available')
    assert workflow.actives(api, share_id) == ['bt2']
    write(r_root, {'written-on-bt2': b'hello'})
    workflow.wait_replica(api, a, 'bt1 a replica again',
                          replica_state='in_sync')
    same('bt2 writes on bt1', a_root, r_root)

    # Unplanned: bt1... is the replica now; fail back first, then lose it.
    workflow.promote(api, a)
    workflow.wait_replica(api, a, 'bt1 active again', replica_state='active',
                          status='available')
    write(a_root, {'back-on-bt1': b'yes'})
    same('the fail-back', r_root, a_root)
    loops['bt1'].unmount()
    try:
        workflow.promote(api, r)
        workflow.wait_replica(api, r, 'bt2 active without bt1',
                              replica_state='active', status='available')
        assert api.replica(a)['replica_state'] == 'error'
        write(r_root, {'while-bt1-away': b'kept'})
    finally:
        loops['bt1'].mount()
    workflow.wait_replica(api, a, 'bt1 re-seeded', replica_state='in_sync',
                          status='available')
    same('the re-seed of bt1', a_root, r_root)
    assert os.path.exists(os.path.join(a_root, 'while-bt1-away'))

    # Tear down: the replica, then the share; nothing left on disk.
    assert api.delete('/share-replicas/%s' % a).status_code == 202
    api.wait(lambda: list(api.replicas(share_id)) == ['bt2'],
             'the replica deleted')
    assert api.delete('/shares/%s' % share_id).status_code == 202
    api.wait(lambda: api.get('/shares/%s' % share_id).status_code == 404,
             'the share deleted')
    for name in NAMES:
        mount_point = loops[name].mount_point
        assert os.listdir(os.path.join(mount_point, 'shares')) == []
        assert os.listdir(os.path.join(mount_point, '.repl')) == []
