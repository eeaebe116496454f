"""The btrfs driver on real loopback btrfs file systems: data written on the
active arrives on the replicas (checksums of every file), through syncs,
planned failover and failback, and a failover with the old active's file
system unmounted, which is re-seeded once it returns."""
import os
import subprocess

import pytest
from oslo_utils import uuidutils

from manila_repl.conf import CONF, backend_config
from manila_repl import exception
from manila_repl.share import manager
from manila_repl.share.drivers import btrfs  # noqa: F401  (options)
from manila_repl.share import views
from tests import btrfs_loop
from tests.unit.db import fixtures

NAMES = ('bt1', 'bt2', 'bt3')


@pytest.fixture(scope='module')
def loops(tmp_path_factory):
    with btrfs_loop.filesystems(tmp_path_factory.mktemp('btrfs'),
                                NAMES) as made:
        yield made


@pytest.fixture
def drivers(loops):
    fixtures._ensure_parsed()
    overrides = fixtures.Overrides()
    try:
        for name in NAMES:
            backend_config(CONF, name)
            overrides.set('share_driver', 'btrfs', group=name)
            overrides.set('backend_availability_zone', name, group=name)
            overrides.set('replication_domain', 'd1', group=name)
            overrides.set('btrfs_mount_point', loops[name].mount_point,
                          group=name)
            # NFS exports are tested on real hosts (functional tests).
            overrides.set('btrfs_nfs_server', 'none', group=name)
        made = {}
        for name in NAMES:
            made[name] = manager.load_driver(name)
            made[name].do_setup()
        yield made
    finally:
        overrides.restore()
        for fs in loops.values():
            if not fs.mounted:
                fs.mount()


class Share:
    """Views of one share's instances, kept as the manager would."""

    def __init__(self, placement, replication_type='readable', size=1):
        self.share_id = uuidutils.generate_uuid()
        self.replication_type = replication_type
        self.size = size
        self.rows = {}
        for backend, state in placement:
            self.rows[backend] = {
                'id': uuidutils.generate_uuid(), 'share_id': self.share_id,
                'host': fixtures.host(backend), 'availability_zone': backend,
                'status': 'available', 'replica_state': state, 'size': size,
                'share_proto': 'NFS', 'replication_type': replication_type}

    def view(self, backend):
        by_id = {v.id: v for v in views.from_rows(list(self.rows.values()))}
        return by_id[self.rows[backend]['id']]

    def apply(self, updates):
        by_id = {r['id']: r for r in self.rows.values()}
        for update in updates:
            by_id[update['id']]['replica_state'] = update['replica_state']


def path(loops, backend, instance_id):
    return os.path.join(loops[backend].mount_point, 'shares', instance_id)


def write(root, files):
    for name, data in files.items():
        full = os.path.join(root, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'wb') as f:
            f.write(data)


def snapshots(loops, backend, instance_id):
    directory = os.path.join(loops[backend].mount_point, '.repl',
                             instance_id)
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def test_setup_refuses_a_path_that_is_not_btrfs(drivers, tmp_path):
    backend_config(CONF, 'notbtrfs')
    overrides = fixtures.Overrides()
    try:
        overrides.set('share_driver', 'btrfs', group='notbtrfs')
        overrides.set('btrfs_mount_point', str(tmp_path), group='notbtrfs')
        driver = manager.load_driver('notbtrfs')
        with pytest.raises(exception.ShareDriverError,
                           match='not a mounted btrfs'):
            driver.do_setup()
    finally:
        overrides.restore()


def test_create_share_quota_and_stats(drivers, loops):
    share = Share([('bt1', 'active')], size=2)
    view = share.view('bt1')
    update = drivers['bt1'].create_share(view)
    root = path(loops, 'bt1', view.id)
    assert update['export_locations'][0]['path'] == root
    assert update['export_locations'][1]['path'].endswith(':' + root)
    show = subprocess.run(['btrfs', 'qgroup', 'show', '-re', root],
                          capture_output=True, text=True, check=True).stdout
    assert '2.00GiB' in show
    (pool,) = drivers['bt1'].get_stats()['pools']
    assert pool['pool_name'] == 'btrfs'
    assert 0 < pool['free_capacity_gb'] <= pool['total_capacity_gb']
    drivers['bt1'].delete_share(view)
    assert not os.path.lexists(root)
    drivers['bt1'].delete_share(view)          # already gone: success


def _limit_of(root):
    show = subprocess.run(['btrfs', 'qgroup', 'show', '-ref', root],
                          capture_output=True, text=True, check=True).stdout
    return show.splitlines()[-1].split()[3]


def test_extend_and_shrink_set_every_replicas_qgroup_limit(
        drivers, loops, monkeypatch):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    drivers['bt1'].add_replica(a, r)
    roots = [path(loops, 'bt1', a.id),
             os.path.realpath(path(loops, 'bt2', r.id))]
    assert [_limit_of(p) for p in roots] == ['1.00GiB', '1.00GiB']
    for view in (a, r):
        drivers['bt1'].extend_share(view, 3)
    assert [_limit_of(p) for p in roots] == ['3.00GiB', '3.00GiB']
    for view in (a, r):
        drivers['bt1'].shrink_share(view, 2)
    assert [_limit_of(p) for p in roots] == ['2.00GiB', '2.00GiB']
    # Referenced data over the new size: refused, nothing changed.
    monkeypatch.setattr(type(drivers['bt1']), 'referenced',
                        staticmethod(lambda store, p: 5 << 30))
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss):
        drivers['bt1'].shrink_share(a, 1)
    assert _limit_of(roots[0]) == '2.00GiB'
    drivers['bt1'].remove_replica(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))


def test_replicate_failover_failback_and_unreachable_old_active(
        drivers, loops):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    a_root, r_root = path(loops, 'bt1', a.id), path(loops, 'bt2', r.id)
    write(a_root, {'one': b'1' * 5000, 'dir/two': os.urandom(300000),
                   'dir/three': b'', 'gone': b'soon deleted'})

    update = drivers['bt1'].add_replica(a, r)
    assert update['replica_state'] == 'in_sync'
    assert update['export_locations'][0]['path'] == r_root
    assert btrfs_loop.tree_digest(r_root) == btrfs_loop.tree_digest(a_root)
    with pytest.raises(OSError):              # read-only replica
        write(r_root, {'x': b'no'})

    # Modify, delete, add; the status loop's call brings them over.
    write(a_root, {'one': b'changed', 'dir/new': os.urandom(70000)})
    os.unlink(os.path.join(a_root, 'gone'))
    before = snapshots(loops, 'bt2', r.id)
    update = drivers['bt1'].update_replica_status(share.view('bt2'))
    assert update['replica_state'] == 'in_sync'
    assert update['last_sync_at'] is not None
    assert btrfs_loop.tree_digest(r_root) == btrfs_loop.tree_digest(a_root)
    # Stable path, new subvolume behind it; the previous generation stays
    # until the next sync prunes it (during its transfer), on both sides.
    after = snapshots(loops, 'bt2', r.id)
    assert after[-1] not in before and after == before + after[-1:]
    assert snapshots(loops, 'bt1', a.id) == after
    write(a_root, {'one': b'changed again'})
    drivers['bt1'].update_replica_status(share.view('bt2'))
    assert btrfs_loop.tree_digest(r_root) == btrfs_loop.tree_digest(a_root)
    pruned = snapshots(loops, 'bt2', r.id)
    assert pruned[0] == after[-1] and len(pruned) == 2
    assert snapshots(loops, 'bt1', a.id) == pruned

    # Planned failover to bt2: a last write on bt1 is not lost.
    write(a_root, {'last-write': b'must arrive'})
    updates = drivers['bt2'].set_active_replica(share.view('bt2'))
    states = {u['id']: u['replica_state'] for u in updates}
    assert states == {r.id: 'active', a.id: 'out_of_sync'}
    share.apply(updates)
    assert not os.path.islink(r_root)
    assert btrfs_loop.tree_digest(r_root) == btrfs_loop.tree_digest(a_root)
    write(r_root, {'written-on-bt2': b'hello', 'one': b'bt2 version'})
    with pytest.raises(OSError):              # the old active is read-only
        write(a_root, {'x': b'no'})

    update = drivers['bt2'].update_replica_status(share.view('bt1'))
    assert update['replica_state'] == 'in_sync'
    assert btrfs_loop.tree_digest(a_root) == btrfs_loop.tree_digest(r_root)

    # Fail back to bt1.
    share.apply(drivers['bt1'].set_active_replica(share.view('bt1')))
    write(a_root, {'back-on-bt1': os.urandom(1000)})
    drivers['bt1'].update_replica_status(share.view('bt2'))
    assert btrfs_loop.tree_digest(r_root) == btrfs_loop.tree_digest(a_root)
    expected = btrfs_loop.tree_digest(a_root)

    # Unplanned: bt1's file system goes away; the promote still works.
    write(a_root, {'lost-with-bt1': b'never synced'})
    loops['bt1'].unmount()
    updates = drivers['bt2'].set_active_replica(share.view('bt2'))
    states = {u['id']: u['replica_state'] for u in updates}
    assert states == {r.id: 'active', a.id: 'error'}
    share.apply(updates)
    assert btrfs_loop.tree_digest(r_root) == expected
    write(r_root, {'after-failover': b'on bt2'})
    assert drivers['bt2'].update_replica_status(share.view('bt1')) == \
        {'replica_state': 'error'}

    # bt1 returns: re-seeded from the last common snapshot.
    loops['bt1'].mount()
    update = drivers['bt2'].update_replica_status(share.view('bt1'))
    assert update['replica_state'] == 'in_sync'
    assert os.path.islink(a_root)
    assert btrfs_loop.tree_digest(a_root) == btrfs_loop.tree_digest(r_root)
    assert 'lost-with-bt1' not in btrfs_loop.tree_digest(a_root)

    # Remove the replica, then the share: nothing is left behind.
    drivers['bt2'].remove_replica(share.view('bt1'))
    assert not os.path.lexists(a_root)
    assert snapshots(loops, 'bt1', a.id) == []
    assert len(snapshots(loops, 'bt2', r.id)) == 1
    drivers['bt2'].remove_replica(share.view('bt1'))   # gone: removed
    drivers['bt2'].delete_share(share.view('bt2'))
    assert snapshots(loops, 'bt2', r.id) == []
    assert not os.path.lexists(r_root)


def test_three_replicas_prune_keeps_what_each_needs(drivers, loops):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync'),
                   ('bt3', 'out_of_sync')], replication_type='dr')
    a = share.view('bt1')
    drivers['bt1'].create_share(a)
    a_root = path(loops, 'bt1', a.id)
    write(a_root, {'f': b'v1'})
    for backend in ('bt2', 'bt3'):
        update = drivers['bt1'].add_replica(share.view('bt1'),
                                            share.view(backend))
        assert update['export_locations'] == []     # dr: not exported
    write(a_root, {'f': b'v2'})
    drivers['bt1'].update_replica_status(share.view('bt2'))
    r2 = snapshots(loops, 'bt2', share.rows['bt2']['id'])
    r3 = snapshots(loops, 'bt3', share.rows['bt3']['id'])
    # The active keeps the base of each replica's next incremental.
    assert set(snapshots(loops, 'bt1', a.id)) == set(r2) | set(r3)
    # An unreachable sibling: nothing is pruned meanwhile.
    loops['bt3'].unmount()
    try:
        for data in (b'v2a', b'v2b'):
            write(a_root, {'f': data})
            drivers['bt1'].update_replica_status(share.view('bt2'))
        assert len(snapshots(loops, 'bt1', a.id)) == 5
    finally:
        loops['bt3'].mount()
    drivers['bt1'].update_replica_status(share.view('bt3'))
    # Kept: bt3's base (its previous, pruned at its next sync), bt2's
    # newest, the new one.
    kept = snapshots(loops, 'bt1', a.id)
    assert len(kept) == 3
    assert kept[-1] == snapshots(loops, 'bt3', share.rows['bt3']['id'])[-1]
    assert kept[1] == snapshots(loops, 'bt2', share.rows['bt2']['id'])[-1]
    # dr promote: writable at shares/<id> from the received data.
    share.apply(drivers['bt3'].set_active_replica(share.view('bt3')))
    r3_root = path(loops, 'bt3', share.rows['bt3']['id'])
    with open(os.path.join(r3_root, 'f'), 'rb') as f:
        assert f.read() == b'v2b'
    write(r3_root, {'f': b'v3'})
    for backend in ('bt1', 'bt2'):
        drivers['bt3'].remove_replica(share.view(backend))
    drivers['bt3'].delete_share(share.view('bt3'))
    for backend in NAMES:
        assert os.listdir(os.path.join(loops[backend].mount_point,
                                       '.repl')) == []


def test_a_sync_without_changes_sends_nothing(drivers, loops):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    a_root = path(loops, 'bt1', a.id)
    write(a_root, {'f': b'one'})
    first = drivers['bt1'].add_replica(a, r)['last_sync_at']
    held = snapshots(loops, 'bt2', r.id)
    update = drivers['bt1'].update_replica_status(share.view('bt2'))
    # Up to date as of now, without a new snapshot.
    assert update['replica_state'] == 'in_sync'
    assert update['last_sync_at'] > first
    assert snapshots(loops, 'bt2', r.id) == held
    # A write not yet committed by btrfs is still seen as a change.
    with open(os.path.join(a_root, 'f'), 'wb') as f:
        f.write(b'two')
    drivers['bt1'].update_replica_status(share.view('bt2'))
    assert snapshots(loops, 'bt2', r.id) != held
    assert btrfs_loop.tree_digest(path(loops, 'bt2', r.id)) == \
        btrfs_loop.tree_digest(a_root)
    drivers['bt1'].remove_replica(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))


def test_broken_chain_is_repaired_by_a_full_send(drivers, loops):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    write(path(loops, 'bt1', a.id), {'f': os.urandom(4096)})
    drivers['bt1'].add_replica(a, r)
    # The replica's received snapshot is replaced by an impostor with the
    # same name (not what the active sent): the incremental cannot apply.
    (name,) = snapshots(loops, 'bt2', r.id)
    received = os.path.join(loops['bt2'].mount_point, '.repl', r.id, name)
    os.unlink(path(loops, 'bt2', r.id))
    subprocess.run(['btrfs', 'subvolume', 'delete', received], check=True,
                   capture_output=True)
    subprocess.run(['btrfs', 'subvolume', 'create', received], check=True,
                   capture_output=True)
    # Read-only, as a finished receive (a writable one is a partial
    # receive, discarded before the chain is looked at).
    subprocess.run(['btrfs', 'property', 'set', '-ts', received, 'ro',
                    'true'], check=True, capture_output=True)
    write(path(loops, 'bt1', a.id), {'g': b'more'})
    update = drivers['bt1'].update_replica_status(share.view('bt2'))
    assert update['replica_state'] == 'in_sync'
    assert btrfs_loop.tree_digest(path(loops, 'bt2', r.id)) == \
        btrfs_loop.tree_digest(path(loops, 'bt1', a.id))
    # The impostor goes at the next sync, which is incremental again.
    assert snapshots(loops, 'bt2', r.id)[0] == name
    write(path(loops, 'bt1', a.id), {'h': b'again'})
    drivers['bt1'].update_replica_status(share.view('bt2'))
    assert name not in snapshots(loops, 'bt2', r.id)
    assert btrfs_loop.tree_digest(path(loops, 'bt2', r.id)) == \
        btrfs_loop.tree_digest(path(loops, 'bt1', a.id))
    drivers['bt1'].remove_replica(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))


def test_failed_receive_leaves_no_partial_subvolume(drivers, loops):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')], size=1)
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    drivers['bt1'].add_replica(a, r)
    # The target file system is nearly full: the receive fails midway.
    filler = os.path.join(loops['bt2'].mount_point, 'filler')
    st = os.statvfs(loops['bt2'].mount_point)
    free_mib = st.f_frsize * st.f_bavail >> 20
    subprocess.run(['fallocate', '-l', '%dM' % (free_mib - 20), filler],
                   check=True)
    with open(os.path.join(path(loops, 'bt1', a.id), 'big'), 'wb') as f:
        for _ in range(60):
            f.write(os.urandom(1 << 20))
    before = snapshots(loops, 'bt2', r.id)
    with pytest.raises(exception.ShareDriverError, match='receive'):
        drivers['bt1'].update_replica_status(share.view('bt2'))
    assert snapshots(loops, 'bt2', r.id) == before
    os.unlink(filler)
    drivers['bt1'].remove_replica(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))


def _killed_receive(loops, share, a, r):
    """What a sync killed with its manager leaves: the active's new
    snapshot taken (read-only), its receive on the replica half done
    (writable)."""
    from manila_repl.share.drivers.btrfs import store as store_mod
    newest = snapshots(loops, 'bt2', r.id)[-1]
    name = store_mod.snapshot_name(a.id, store_mod.stamp_of(newest) + 1)
    src = os.path.join(loops['bt1'].mount_point, '.repl', a.id, name)
    subprocess.run(['btrfs', 'subvolume', 'snapshot', '-r',
                    path(loops, 'bt1', a.id), src], check=True,
                   capture_output=True)
    partial = os.path.join(loops['bt2'].mount_point, '.repl', r.id, name)
    subprocess.run(['btrfs', 'subvolume', 'create', partial], check=True,
                   capture_output=True)
    write(partial, {'half': b'written'})
    return name


def test_receive_killed_with_its_manager_is_discarded(drivers, loops):
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    write(path(loops, 'bt1', a.id), {'f': os.urandom(4096)})
    drivers['bt1'].add_replica(a, r)
    write(path(loops, 'bt1', a.id), {'g': b'before the kill'})
    name = _killed_receive(loops, share, a, r)
    update = drivers['bt1'].update_replica_status(share.view('bt2'))
    assert update['replica_state'] == 'in_sync'
    assert btrfs_loop.tree_digest(path(loops, 'bt2', r.id)) == \
        btrfs_loop.tree_digest(path(loops, 'bt1', a.id))
    # Not taken for a common base: gone, and every snapshot left is whole.
    assert name not in snapshots(loops, 'bt2', r.id)
    for held in snapshots(loops, 'bt2', r.id):
        out = subprocess.run(
            ['btrfs', 'property', 'get', '-ts', os.path.join(
                loops['bt2'].mount_point, '.repl', r.id, held), 'ro'],
            check=True, capture_output=True, text=True).stdout
        assert out.strip() == 'ro=true'
    # A promote with the old active gone never makes a partial receive the
    # new active's data.
    write(path(loops, 'bt1', a.id), {'h': b'lost with the old active'})
    _killed_receive(loops, share, a, r)
    loops['bt1'].unmount()
    share.apply(drivers['bt2'].set_active_replica(share.view('bt2')))
    assert sorted(os.listdir(path(loops, 'bt2', r.id))) == ['f', 'g']
    loops['bt1'].mount()
    drivers['bt2'].delete_share(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))


def test_promote_succeeds_when_the_old_actives_final_transfer_fails(
        drivers, loops):
    """The old active answers but its final transfer fails (the target is
    full): the promote still succeeds on the last synced data, and the old
    active, read-only now, reads error until it is re-seeded."""
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    write(path(loops, 'bt1', a.id), {'synced': b'kept'})
    drivers['bt1'].add_replica(a, r)
    synced = btrfs_loop.tree_digest(path(loops, 'bt1', a.id))
    filler = os.path.join(loops['bt2'].mount_point, 'filler')
    st = os.statvfs(loops['bt2'].mount_point)
    subprocess.run(['fallocate', '-l', '%dM' % (
        (st.f_frsize * st.f_bavail >> 20) - 20), filler], check=True)
    try:
        with open(os.path.join(path(loops, 'bt1', a.id), 'late'),
                  'wb') as f:
            for _ in range(60):
                f.write(os.urandom(1 << 20))
        updates = drivers['bt2'].set_active_replica(share.view('bt2'))
    finally:
        os.unlink(filler)
    states = {u['id']: u['replica_state'] for u in updates}
    assert states == {r.id: 'active', a.id: 'error'}
    # Why, for its status message.
    (old,) = [u for u in updates if u['id'] == a.id]
    assert old['message'].startswith(
        'The final transfer from this replica, the active one until '
        'replica %s was promoted, failed: ' % r.id)
    assert btrfs_loop.tree_digest(path(loops, 'bt2', r.id)) == synced
    share.apply(updates)
    drivers['bt2'].remove_replica(share.view('bt1'))
    drivers['bt2'].delete_share(share.view('bt2'))


def test_create_share_from_snapshot(drivers, loops):
    """A new share on the snapshot's backend: a writable clone of the
    snapshot, apart from the source; its replicas form a new chain."""
    source = Share([('bt1', 'active')])
    a = source.view('bt1')
    drivers['bt1'].create_share(a)
    a_root = path(loops, 'bt1', a.id)
    write(a_root, {'f': b'snapshotted', 'd/g': os.urandom(5000)})
    snapshot = {'id': uuidutils.generate_uuid(),
                'snapshot_id': uuidutils.generate_uuid(),
                'share_instance': a, 'size': 1}
    drivers['bt1'].create_snapshot(snapshot)
    taken = btrfs_loop.tree_digest(a_root)
    write(a_root, {'f': b'later'})
    assert drivers['bt1'].get_stats()['pools'][0][
        'create_share_from_snapshot_support'] is True
    new = Share([('bt1', 'active'), ('bt2', 'out_of_sync')], size=2)
    n = new.view('bt1')
    update = drivers['bt1'].create_share_from_snapshot(n, snapshot)
    n_root = path(loops, 'bt1', n.id)
    assert update['export_locations'][0]['path']
    assert btrfs_loop.tree_digest(n_root) == taken
    write(n_root, {'f': b'the new share is writable'})
    assert open(os.path.join(a_root, 'f'), 'rb').read() == b'later'
    replica = new.view('bt2')
    drivers['bt1'].add_replica(n, replica)
    assert btrfs_loop.tree_digest(path(loops, 'bt2', replica.id)) == \
        btrfs_loop.tree_digest(n_root)
    with pytest.raises(exception.ShareDriverError, match='cannot seed'):
        drivers['bt2'].create_share_from_snapshot(new.view('bt2'), snapshot)
    drivers['bt1'].remove_replica(new.view('bt2'))
    drivers['bt1'].delete_share(n)
    drivers['bt1'].delete_snapshot(snapshot)
    drivers['bt1'].delete_share(a)


def test_snapshots_on_the_active_and_a_replica(drivers, loops):
    """Each replica's snapshot is taken on its own backend: the active's
    of its current data, a replica's of its last synced state."""
    share = Share([('bt1', 'active'), ('bt2', 'in_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    a_root = path(loops, 'bt1', a.id)
    write(a_root, {'f': b'synced', 'd/g': os.urandom(5000)})
    drivers['bt1'].add_replica(a, r)
    synced = btrfs_loop.tree_digest(a_root)
    write(a_root, {'f': b'after the sync'})       # the replica lags
    current = btrfs_loop.tree_digest(a_root)
    snapshot_id = uuidutils.generate_uuid()
    instances = [{'id': uuidutils.generate_uuid(), 'snapshot_id': snapshot_id,
                  'share_instance': view, 'size': 1} for view in (a, r)]
    locations = [drivers['bt1'].create_snapshot(i)['provider_location']
                 for i in instances]
    assert locations == [
        os.path.join(loops[b].mount_point, '.snap', v.id, i['id'])
        for b, v, i in zip(('bt1', 'bt2'), (a, r), instances)]
    assert btrfs_loop.tree_digest(locations[0]) == current
    assert btrfs_loop.tree_digest(locations[1]) == synced
    # Later changes do not reach them; they are read-only.
    write(a_root, {'f': b'later'})
    drivers['bt1'].update_replica_status(share.view('bt2'))
    assert btrfs_loop.tree_digest(locations[0]) == current
    assert btrfs_loop.tree_digest(locations[1]) == synced
    for location in locations:
        ro = subprocess.run(['btrfs', 'property', 'get', '-ts', location,
                             'ro'], capture_output=True, text=True,
                            check=True).stdout
        assert ro.strip() == 'ro=true'
        with pytest.raises(OSError):
            write(location, {'x': b'no'})
    # A retry answers the same; ids that are not uuids are refused.
    assert drivers['bt1'].create_snapshot(instances[0]) == \
        {'provider_location': locations[0]}
    with pytest.raises(exception.ShareDriverError, match='uuid'):
        drivers['bt1'].create_snapshot(dict(instances[0], id='../x'))
    for instance in instances:
        drivers['bt1'].delete_snapshot(instance)
        drivers['bt1'].delete_snapshot(instance)   # already gone: success
    assert not any(os.path.lexists(p) for p in locations)
    # Deleting the share (forced) takes its snapshots with it.
    drivers['bt1'].create_snapshot(instances[1])
    drivers['bt1'].remove_replica(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))
    for backend in ('bt1', 'bt2'):
        assert os.listdir(os.path.join(loops[backend].mount_point,
                                       '.snap')) == []


@pytest.mark.parametrize('stopped_after', ['freeze', 'demote'])
def test_abandoned_promote_gives_the_active_back_its_writes(
        drivers, loops, stopped_after):
    """The new active's manager died inside set_active_replica, after it
    froze the old active (read-only) or even demoted it; the promote is
    given up (never recorded): the active is writable again with every
    byte it held, and the next sync makes the half promoted replica a
    replica again."""
    share = Share([('bt1', 'active'), ('bt2', 'out_of_sync')])
    a, r = share.view('bt1'), share.view('bt2')
    drivers['bt1'].create_share(a)
    a_root, r_root = path(loops, 'bt1', a.id), path(loops, 'bt2', r.id)
    write(a_root, {'synced': b'1'})
    drivers['bt1'].add_replica(a, r)
    write(a_root, {'late': b'written before the promote'})
    expected = btrfs_loop.tree_digest(a_root)
    if stopped_after == 'freeze':
        subprocess.run(['btrfs', 'property', 'set', '-ts', a_root, 'ro',
                        'true'], check=True)
    else:
        # The whole driver call ran; its answer was never recorded.
        drivers['bt2'].set_active_replica(share.view('bt2'))
        assert os.path.islink(a_root)
    with pytest.raises(OSError):
        write(a_root, {'x': b'no'})

    drivers['bt1'].abandon_promote(share.view('bt1'), share.view('bt2'))
    assert not os.path.islink(a_root)
    assert btrfs_loop.tree_digest(a_root) == expected
    write(a_root, {'after': b'the active takes writes again'})
    drivers['bt1'].abandon_promote(share.view('bt1'), share.view('bt2'))

    update = drivers['bt1'].update_replica_status(share.view('bt2'))
    assert update['replica_state'] == 'in_sync'
    assert os.path.islink(r_root)
    assert btrfs_loop.tree_digest(r_root) == btrfs_loop.tree_digest(a_root)
    drivers['bt1'].remove_replica(share.view('bt2'))
    drivers['bt1'].delete_share(share.view('bt1'))
