"""The export helper against a real ganesha on a test host (hosts.py),
reached over ssh as a share manager reaches it; NFS clients in their own
namespaces check what each export allows."""
import os

import pytest

from manila_repl.share.drivers.btrfs import commands
from manila_repl.share.drivers.btrfs import exports
from manila_repl.share.drivers.btrfs import store as store_mod
from manila_repl.share.drivers import ganesha
from manila_repl.share.drivers import ssh
from tests.functional import hosts

C = ganesha.Client


@pytest.fixture(scope='module')
def host():
    with hosts.TestNet() as net:
        h = net.storage_host('g1', size=512 << 20)
        clients = net.client('c1'), net.client('c2')
        known = os.path.join(net.workdir, 'known_hosts')
        with open(known, 'w') as f:
            f.write(h.known_hosts_line())
        transport = ssh.Transport(
            'g1', h.ip, user='root', known_hosts=known, private_key=net.key,
            control_dir=os.path.join(net.workdir, 'cm'))
        helper = ganesha.GaneshaHost(transport, h.ip,
                                     pid_file=hosts.GANESHA_PID,
                                     log_file=hosts.GANESHA_LOG)
        helper.setup()
        try:
            yield h, helper, clients
        finally:
            transport.close()


def subvolume(h, name, content):
    h.exec('btrfs', 'subvolume', 'create', '%s/%s' % (hosts.MOUNT_POINT,
                                                     name))
    h.exec('sh', '-c', 'printf %s "$1" > "$2"', 'sh', content,
           '%s/%s/f' % (hosts.MOUNT_POINT, name))
    mount = '/run/test-exports/%s' % name
    h.exec('mkdir', '-p', mount)
    h.exec('mount', '--bind', '%s/%s' % (hosts.MOUNT_POINT, name), mount)
    return mount


def test_exports_rules_moves_and_failures(host):
    h, helper, (c1, c2) = host
    path = subvolume(h, 'one', 'first')
    where = '%s:/shares/one' % h.ip
    export = ganesha.Export('one', path, '/shares/one',
                            (C(c1.ip, 'rw'), C(c2.ip, 'ro')), source='one')
    assert helper.apply([export]) == {}
    assert c1.write(where, 'new', b'by c1') is True
    assert 'ROFS' in c2.write(where, 'new2', b'no')
    assert set(c2.digest(where)) == {'f', 'new'}

    # Unchanged: no reload (the log shows none).
    reloads = h.ganesha_log().count('Reread exports complete')
    assert helper.apply([export]) == {}
    assert h.ganesha_log().count('Reread exports complete') == reloads

    # Levels change in place; a client without a rule cannot mount.
    assert helper.apply([ganesha.Export(
        'one', path, '/shares/one', (C(c1.ip, 'ro'),), source='one')]) == {}
    assert 'ROFS' in c1.write(where, 'new3', b'no')
    assert c2.can_mount(where) is not True

    # Another subvolume behind the same mount point: the export is
    # re-created (ganesha cannot re-point a live one) and serves it.
    subvolume(h, 'two', 'second')
    h.exec('umount', '-l', path)
    h.exec('mount', '--bind', '%s/two' % hosts.MOUNT_POINT, path)
    assert helper.apply([ganesha.Export(
        'one', path, '/shares/one', (C(c1.ip, 'rw'),), source='two')]) == {}
    assert set(c1.digest(where)) == {'f'}
    assert c1.write(where, 'on-two', b'x') is True
    assert h.exec('cat', '%s/two/on-two' % hosts.MOUNT_POINT) == 'x'

    # A path ganesha cannot export: its error, for that export only.
    errors = helper.apply([
        ganesha.Export('bad', '/nonexistent', '/shares/bad',
                       (C(c1.ip, 'rw'),)),
        ganesha.Export('one', path, '/shares/one',
                       (C(c1.ip, 'rw'), C(c2.ip, 'rw')), source='two')])
    assert list(errors) == ['bad'] and '/nonexistent' in errors['bad']
    assert c2.write(where, 'by-c2', b'y') is True

    # Removed: nobody mounts it, its file is gone.
    helper.apply(remove=['bad', 'one'])
    assert c1.can_mount(where) is not True
    assert helper.current() == {}

    # ganesha not running: the reason, not a hang.
    h.stop_ganesha()
    try:
        with pytest.raises(ganesha.GaneshaError,
                           match='ganesha is not running'):
            helper.apply([export])
    finally:
        h.start_ganesha()
    # Started again, it serves what the files say.
    assert c1.write(where, 'after-restart', b'z') is True
    helper.apply(remove=['one'])


def test_a_rebooted_host_gets_its_read_only_exports_back(host):
    """Bind mounts live on tmpfs: after a reboot they are gone and ganesha
    refuses their exports (never an empty directory). The driver's
    set-up mounts and exports the read-only ones again; the writable ones
    it only reports (the control plane knows whether each is still the
    active)."""
    h, helper, (c1, c2) = host
    store = store_mod.Store('g1', hosts.MOUNT_POINT,
                            commands.Runner(helper.transport))
    nfs = exports.Exports(store, helper, '/run/manila-repl/exports', h.ip)
    active, replica = ('00000000-0000-4000-8000-00000000000%d' % i
                       for i in (1, 2))
    h.exec('mkdir', '-p', store.shares_dir)
    h.exec('btrfs', 'subvolume', 'create', store.share_path(active))
    h.exec('mkdir', '-p', store.repl_dir(replica))
    h.exec('btrfs', 'subvolume', 'snapshot', '-r', store.share_path(active),
           store.snapshot_path(replica, active + '@1'))
    nfs.publish(active, store.share_path(active), [C(c1.ip, 'rw')])
    nfs.publish(replica, store.snapshot_path(replica, active + '@1'),
                [C(c1.ip, 'ro')])
    loc = {i: nfs.location(i) for i in (active, replica)}
    assert c1.can_mount(loc[active]) is True
    assert c1.can_mount(loc[replica]) is True

    # The reboot: mounts gone (the export root emptied), ganesha again.
    h.stop_ganesha()
    for i in (active, replica):
        h.exec('umount', '-l', nfs.mount_path(i))
        h.exec('rmdir', nfs.mount_path(i))
    h.start_ganesha()
    assert c1.can_mount(loc[active]) is not True
    assert c1.can_mount(loc[replica]) is not True

    assert nfs.restore() == [active]
    assert c1.can_mount(loc[replica]) is True
    assert 'ROFS' in c1.write(loc[replica], 'x', b'x')
    assert c1.can_mount(loc[active]) is not True
    assert nfs.restore() == [active]        # still for the control plane
