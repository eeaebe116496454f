"""The localdir driver on real temporary directories with real rsync: data
written into an active share reaches its replicas, file for file."""
import datetime
import hashlib
import os
import pathlib
import shutil
import stat
import uuid

import pytest
from oslo_utils import timeutils

from manila_repl.conf import CONF, backend_config
from manila_repl import exception
from manila_repl.share import manager
from manila_repl.share import views
from manila_repl.share.drivers import localdir
from tests.functional.services import unavailable
from tests.unit.db import fixtures

BACKENDS = ('az1', 'az2', 'az3')


@pytest.fixture
def roots(conf_db, tmp_path):
    for tool in ('rsync', 'cp'):
        if shutil.which(tool) is None:
            unavailable(tool, 'not on PATH; the localdir driver needs it')
    roots = {}
    for name in BACKENDS:
        backend_config(CONF, name)
        conf_db.set('share_driver', 'localdir', group=name)
        conf_db.set('backend_availability_zone', name, group=name)
        conf_db.set('replication_domain', 'domain1', group=name)
        roots[name] = tmp_path / 'backends' / name
        conf_db.set('localdir_path', str(roots[name]), group=name)
    return roots


@pytest.fixture
def drivers(roots):
    result = {}
    for name in BACKENDS:
        result[name] = manager.load_driver(name)
        result[name].do_setup()
    return result


def make_views(*instances, size=1):
    """Views of one share's instances, given as (id, backend, state)."""
    rows = [{'id': id_, 'share_id': 'share-1',
             'host': fixtures.host(backend), 'availability_zone': backend,
             'status': 'available', 'replica_state': state, 'size': size,
             'share_proto': 'NFS', 'replication_type': 'readable'}
            for id_, backend, state in instances]
    return {v.id: v for v in views.from_rows(rows)}


def new_id():
    return str(uuid.uuid4())


def tree(path):
    """{relative path: (sha256 or 'dir' or link target, mode)}."""
    result = {}
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(top, name)
            rel = os.path.relpath(full, path)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                what = 'link:' + os.readlink(full)
            elif stat.S_ISDIR(st.st_mode):
                what = 'dir'
            else:
                with open(full, 'rb') as f:
                    what = hashlib.sha256(f.read()).hexdigest()
            result[rel] = (what, stat.S_IMODE(st.st_mode))
    return result


def write(path, data, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)


class Share:
    """One share with its active on az1 and replicas to be added."""

    def __init__(self, drivers, size=1):
        self.drivers = drivers
        self.ids = {'az1': new_id(), 'az2': new_id(), 'az3': new_id()}
        self.states = {'az1': 'active', 'az2': 'out_of_sync',
                       'az3': 'out_of_sync'}
        self.size = size

    def views(self):
        return make_views(*((self.ids[az], az, self.states[az])
                            for az in BACKENDS), size=self.size)

    def view(self, az):
        return self.views()[self.ids[az]]

    def path(self, az):
        return self.drivers['az1'].share_path(self.view(az))

    def active(self):
        return next(az for az, s in self.states.items() if s == 'active')

    def status_loop(self):
        """What the active's manager does each replica_status_interval."""
        active = self.active()
        updates = {}
        for az in BACKENDS:
            if az != active:
                updates[az] = self.drivers[active].update_replica_status(
                    self.view(az))
                self.states[az] = updates[az]['replica_state']
        return updates

    def promote(self, az):
        updates = self.drivers[az].set_active_replica(self.view(az))
        by_id = {u['id']: u for u in updates}
        for name, id_ in self.ids.items():
            self.states[name] = by_id[id_]['replica_state']
        return {name: by_id[id_] for name, id_ in self.ids.items()}


@pytest.fixture
def share(drivers):
    share = Share(drivers)
    update = drivers['az1'].create_share(share.view('az1'))
    assert update == {'export_locations': [{
        'path': share.path('az1'), 'is_admin_only': False,
        'preferred': True}]}
    return share


def populate(path):
    write(path / 'a.txt', b'alpha\n')
    write(path / 'dir' / 'b.bin', os.urandom(200000))
    write(path / 'dir' / 'sub' / 'c.txt', b'gamma\n', mode=0o640)
    write(path / 'ro.txt', b'read only\n', mode=0o444)
    write(path / 'script.sh', b'#!/bin/sh\n', mode=0o755)
    os.symlink('a.txt', path / 'link')


def test_setup_marks_the_root_and_reports_stats(drivers, roots):
    for name in BACKENDS:
        assert (roots[name] / localdir.MARKER).is_file()
        for sub in ('shares', 'staging', 'snapshots', 'meta'):
            assert (roots[name] / sub).is_dir()
    stats = drivers['az1'].get_stats()
    assert stats['share_backend_name'] == 'az1'
    assert stats['replication_domain'] == 'domain1'
    (pool,) = stats['pools']
    assert pool['pool_name'] == 'pool0'
    assert pool['snapshot_support'] is True
    assert pool['total_capacity_gb'] >= pool['free_capacity_gb'] >= 0
    assert pool['allocated_capacity_gb'] == 0


def test_capacity_is_capped_and_sizes_allocated(drivers, conf_db):
    conf_db.set('localdir_capacity_gb', 50, group='az1')
    drivers['az1'].create_share(make_views((new_id(), 'az1', 'active'),
                                           size=20).popitem()[1])
    (pool,) = drivers['az1'].get_stats()['pools']
    assert pool['total_capacity_gb'] == 50
    assert pool['allocated_capacity_gb'] == 20
    assert pool['free_capacity_gb'] <= 30


def test_rsync_missing_reports_the_backend_down(drivers, monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    with pytest.raises(exception.ShareDriverError) as raised:
        drivers['az1'].do_setup()
    assert 'rsync is not installed: install the rsync package' in str(
        raised.value)


def test_ids_must_be_uuids(drivers):
    for bad in ('../../etc', 'a/b', '', 'x' * 36):
        view = make_views((bad, 'az1', 'active'))[bad]
        with pytest.raises(exception.ShareDriverError, match='not a uuid'):
            drivers['az1'].create_share(view)


def test_create_and_delete_share(drivers, share):
    path = share.path('az1')
    assert os.path.isdir(path)
    populate(pathlib.Path(path))
    os.chmod(os.path.join(path, 'dir', 'sub'), 0o555)
    drivers['az1'].delete_share(share.view('az1'))
    assert not os.path.exists(path)
    # Already gone counts as deleted.
    drivers['az1'].delete_share(share.view('az1'))


def test_extend_and_shrink_every_replica(drivers, share, monkeypatch):
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    meta = [drivers['az1']._meta_path(share.view(az))
            for az in ('az1', 'az2')]
    for az in ('az1', 'az2'):
        drivers['az1'].extend_share(share.view(az), 4)
    assert [drivers['az1']._read(p)['size'] for p in meta] == [4, 4]
    for az in ('az1', 'az2'):
        drivers['az1'].shrink_share(share.view(az), 2)
    assert [drivers['az1']._read(p)['size'] for p in meta] == [2, 2]
    monkeypatch.setattr(drivers['az1'], 'usage', lambda view: 3 << 30)
    with pytest.raises(exception.ShareShrinkingPossibleDataLoss):
        drivers['az1'].shrink_share(share.view('az1'), 2)
    assert drivers['az1']._read(meta[0])['size'] == 2


def test_replicas_follow_writes_deletes_and_modes(drivers, share):
    active = pathlib.Path(share.path('az1'))
    populate(active)
    before = timeutils.utcnow()
    for az in ('az2', 'az3'):
        update = drivers['az1'].add_replica(share.view('az1'),
                                            share.view(az))
        assert update['replica_state'] == 'in_sync'
        assert before <= update['last_sync_at'] <= timeutils.utcnow()
        assert update['export_locations'][0]['path'] == share.path(az)
        assert tree(share.path(az)) == tree(active)
        share.states[az] = update['replica_state']

    # Modify, delete and add files; the status loop brings them over.
    write(active / 'a.txt', b'alpha, longer now\n')
    (active / 'dir' / 'b.bin').unlink()
    shutil.rmtree(active / 'dir' / 'sub')
    write(active / 'new' / 'd.txt', b'delta\n', mode=0o600)
    (active / 'script.sh').chmod(0o700)
    updates = share.status_loop()
    for az in ('az2', 'az3'):
        assert updates[az]['replica_state'] == 'in_sync'
        assert updates[az]['message'] is None
        assert tree(share.path(az)) == tree(active)
        assert not os.path.exists(os.path.join(share.path(az), 'dir',
                                               'b.bin'))
    # The export path stayed in place; the previous generation is the
    # staging basis of the next sync; no hard links to share data.
    staging = os.path.join(drivers['az2'].root('az2'), 'staging',
                           share.ids['az2'])
    assert os.path.exists(os.path.join(staging, 'dir', 'b.bin'))
    for top, _, files in os.walk(share.path('az2')):
        for name in files:
            assert os.lstat(os.path.join(top, name)).st_nlink == 1

    # Again, so that staging held an older generation than the replica.
    write(active / 'a.txt', b'third\n')
    share.status_loop()
    assert tree(share.path('az2')) == tree(active)


def test_planned_failover_and_failback(drivers, share):
    active = pathlib.Path(share.path('az1'))
    populate(active)
    for az in ('az2', 'az3'):
        drivers['az1'].add_replica(share.view('az1'), share.view(az))
    # Written after the last sync: the final sync of the promote takes it.
    write(active / 'late.txt', b'written just before the failover\n')
    updates = share.promote('az2')
    assert updates['az2']['replica_state'] == 'active'
    assert updates['az2']['export_locations'][0]['path'] == share.path('az2')
    assert updates['az1']['replica_state'] == 'out_of_sync'
    assert updates['az3']['replica_state'] == 'out_of_sync'
    assert tree(share.path('az2')) == tree(active)

    new_active = pathlib.Path(share.path('az2'))
    write(new_active / 'on-az2.txt', b'written on az2\n')
    (new_active / 'a.txt').unlink()
    updates = share.status_loop()
    assert {u['replica_state'] for u in updates.values()} == {'in_sync'}
    for az in ('az1', 'az3'):
        assert tree(share.path(az)) == tree(new_active)

    # Fail back to az1.
    write(new_active / 'late2.txt', b'again\n')
    updates = share.promote('az1')
    assert updates['az1']['replica_state'] == 'active'
    assert updates['az2']['replica_state'] == 'out_of_sync'
    write(active / 'back-on-az1.txt', b'home\n')
    share.status_loop()
    expected = tree(active)
    assert 'late2.txt' in expected and 'on-az2.txt' in expected
    for az in ('az2', 'az3'):
        assert tree(share.path(az)) == expected


def test_abandoned_promote_leaves_a_correct_replica(drivers, share):
    """The whole of set_active_replica ran on az2 but its manager died
    before recording it; the promote is given up: az1 stays the writable
    active and the next status cycle makes az2 a replica again (the files
    written on the half promoted az2 are discarded)."""
    active = pathlib.Path(share.path('az1'))
    populate(active)
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    drivers['az2'].set_active_replica(share.view('az2'))   # not recorded
    write(pathlib.Path(share.path('az2')) / 'stray.txt', b'lost\n')
    drivers['az1'].abandon_promote(share.view('az1'), share.view('az2'))
    assert drivers['az1']._read(drivers['az1']._meta_path(
        share.view('az1')))['writable'] is True
    write(active / 'after.txt', b'on the active again\n')
    update = drivers['az1'].update_replica_status(share.view('az2'))
    assert update['replica_state'] == 'in_sync'
    assert tree(share.path('az2')) == tree(active)
    assert drivers['az2']._read(drivers['az2']._meta_path(
        share.view('az2')))['writable'] is False


def test_promote_after_a_failed_final_sync_says_why(drivers, share,
                                                    monkeypatch):
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))

    def fail(source, target):
        raise exception.ShareDriverError(reason='rsync killed')
    monkeypatch.setattr(drivers['az2'], '_rsync', fail)
    updates = share.promote('az2')
    assert updates['az2']['replica_state'] == 'active'
    assert updates['az1']['replica_state'] == 'error'
    assert updates['az1']['message'].startswith(
        'The final sync from this replica, the active one until replica '
        '%s was promoted, failed: ' % share.ids['az2'])
    assert 'rsync killed' in updates['az1']['message']


def test_promote_with_old_active_unmounted_then_reseed(drivers, roots,
                                                       share):
    active = pathlib.Path(share.path('az1'))
    populate(active)
    for az in ('az2', 'az3'):
        drivers['az1'].add_replica(share.view('az1'), share.view(az))
    synced = tree(active)
    write(active / 'lost.txt', b'never synced\n')

    # az1's file system goes away (its directory is moved: "unmounted").
    away = roots['az1'].with_name('az1.away')
    roots['az1'].rename(away)
    updates = share.promote('az3')
    assert updates['az3']['replica_state'] == 'active'
    assert updates['az1']['replica_state'] == 'error'
    assert updates['az2']['replica_state'] == 'out_of_sync'
    assert tree(share.path('az3')) == synced
    new_active = pathlib.Path(share.path('az3'))
    write(new_active / 'after.txt', b'written on az3\n')

    updates = share.status_loop()
    assert updates['az1']['replica_state'] == 'error'
    assert updates['az2']['replica_state'] == 'in_sync'

    # An empty mount point (no marker) is as unreachable as none.
    roots['az1'].mkdir()
    assert share.status_loop()['az1']['replica_state'] == 'error'
    roots['az1'].rmdir()

    # It comes back: re-seeded as a replica of az3, its stray write gone.
    away.rename(roots['az1'])
    updates = share.status_loop()
    assert updates['az1']['replica_state'] == 'in_sync'
    assert tree(share.path('az1')) == tree(new_active)
    assert not os.path.exists(os.path.join(share.path('az1'), 'lost.txt'))


def test_replica_without_data_is_reseeded(drivers, share):
    populate(pathlib.Path(share.path('az1')))
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    share.states['az3'] = 'in_sync'
    drivers['az1'].add_replica(share.view('az1'), share.view('az3'))
    shutil.rmtree(share.path('az2'))
    shutil.rmtree(os.path.join(drivers['az1'].root('az2'), 'staging',
                               share.ids['az2']), ignore_errors=True)
    assert share.status_loop()['az2']['replica_state'] == 'in_sync'
    assert tree(share.path('az2')) == tree(share.path('az1'))


def test_interrupted_sync_leaves_the_replica_untouched(drivers, share,
                                                       monkeypatch):
    active = pathlib.Path(share.path('az1'))
    populate(active)
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    before = tree(share.path('az2'))
    write(active / 'big.bin', os.urandom(100000))

    def fail(source, target):
        # Killed half way: part of the new data is in staging.
        write(pathlib.Path(target) / 'big.bin', b'partial')
        raise exception.ShareDriverError(reason='rsync killed')
    monkeypatch.setattr(drivers['az1'], '_rsync', fail)
    with pytest.raises(exception.ShareDriverError, match='rsync killed'):
        drivers['az1'].update_replica_status(share.view('az2'))
    assert tree(share.path('az2')) == before
    monkeypatch.undo()
    assert drivers['az1'].update_replica_status(
        share.view('az2'))['replica_state'] == 'in_sync'
    assert tree(share.path('az2')) == tree(active)


def _killed_sync(drivers, share, az='az2'):
    """What a sync whose manager was killed leaves: the marker, and a
    staging area half written."""
    staging = pathlib.Path(drivers['az1'].root(az)) / 'staging' / \
        share.ids[az]
    (staging.parent / (staging.name + localdir.INCOMPLETE)).touch()
    return staging


def test_sync_killed_midway_is_discarded(drivers, share):
    """A half-written file with the size and mtime of the source's would
    pass rsync's quick check forever: the next sync starts afresh."""
    active = pathlib.Path(share.path('az1'))
    populate(active)
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    write(active / 'big.bin', os.urandom(100000))
    drivers['az1'].update_replica_status(share.view('az2'))
    staging = _killed_sync(drivers, share)
    write(staging / 'big.bin', b'\0' * 100000)
    source = os.stat(active / 'big.bin')
    os.utime(staging / 'big.bin', ns=(source.st_atime_ns,
                                      source.st_mtime_ns))
    write(staging / 'leftover.tmp', b'partial')
    assert drivers['az1'].update_replica_status(
        share.view('az2'))['replica_state'] == 'in_sync'
    assert tree(share.path('az2')) == tree(active)
    assert not os.path.exists(str(staging) + localdir.INCOMPLETE)


def test_exchange_cut_between_its_renames_is_repaired(drivers, share):
    active = pathlib.Path(share.path('az1'))
    populate(active)
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    drivers['az1'].update_replica_status(share.view('az2'))
    _killed_sync(drivers, share)
    # Killed after the first of _exchange's two renames.
    os.rename(share.path('az2'), share.path('az2') + '.swap')
    write(active / 'new.txt', b'after the kill\n')
    assert drivers['az1'].update_replica_status(
        share.view('az2'))['replica_state'] == 'in_sync'
    assert tree(share.path('az2')) == tree(active)
    assert not os.path.exists(share.path('az2') + '.swap')


def test_failed_rsync_leaves_a_basis(drivers, share, monkeypatch):
    """rsync that exits with an error (not killed with its manager) leaves
    no marker: its staging area stays the basis of the next sync."""
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    monkeypatch.setattr(drivers['az1'], '_rsync', lambda s, t: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        drivers['az1'].update_replica_status(share.view('az2'))
    staging = pathlib.Path(drivers['az1'].root('az2')) / 'staging' / \
        share.ids['az2']
    assert staging.is_dir()
    assert not os.path.exists(str(staging) + localdir.INCOMPLETE)


def test_rsync_failure_names_stderr(drivers, share):
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    with pytest.raises(exception.ShareDriverError) as raised:
        drivers['az1']._rsync('/nonexistent-source', share.path('az2'))
    assert 'rsync' in str(raised.value)
    assert 'nonexistent-source' in str(raised.value)


def test_usage_over_size_is_reported(drivers, share, monkeypatch):
    write(pathlib.Path(share.path('az1')) / 'f', b'x' * 5000)
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    assert drivers['az1'].usage(share.view('az1')) == 5000
    monkeypatch.setattr(localdir, '_GIB', 1000)
    update = drivers['az1'].update_replica_status(share.view('az2'))
    assert update['message'] == (
        'Share uses 5000 bytes, more than its size of 1 GiB')


def test_in_sync_is_a_time_rule(drivers, share, conf_db):
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    conf_db.set('localdir_recovery_point_objective', 60, group='az1')
    assert drivers['az1']._state(
        timeutils.utcnow() - datetime.timedelta(seconds=61), 0,
        share.view('az2'))['replica_state'] == 'out_of_sync'
    assert drivers['az1'].last_sync_at(share.view('az2')) <= \
        timeutils.utcnow()


def test_new_active_unreachable_fails_the_promote(drivers, roots, share):
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    (roots['az2'] / localdir.MARKER).unlink()
    with pytest.raises(exception.ShareBackendUnreachable):
        drivers['az2'].set_active_replica(share.view('az2'))


def test_promote_of_a_replica_without_data_fails(drivers, share):
    shutil.rmtree(share.path('az1'))
    with pytest.raises(exception.ShareDriverError, match='no data'):
        drivers['az2'].set_active_replica(share.view('az2'))


def test_remove_replica(drivers, share):
    drivers['az1'].add_replica(share.view('az1'), share.view('az2'))
    drivers['az1'].remove_replica(share.view('az2'))
    assert not os.path.exists(share.path('az2'))
    drivers['az1'].remove_replica(share.view('az2'))
    assert os.path.isdir(share.path('az1'))


def test_snapshots_are_read_only_copies(drivers, share):
    active = pathlib.Path(share.path('az1'))
    populate(active)
    snap_id = new_id()
    snapshot = {'id': new_id(), 'snapshot_id': snap_id,
                'share_instance': share.view('az1'), 'size': 1}
    path = pathlib.Path(
        drivers['az1'].create_snapshot(snapshot)['provider_location'])
    expected = {k: (v[0], v[1] & ~0o222 if v[0] not in ('dir',) and
                    not v[0].startswith('link:') else v[1])
                for k, v in tree(active).items()}
    assert tree(path) == expected
    write(active / 'a.txt', b'changed\n')
    assert (path / 'a.txt').read_bytes() == b'alpha\n'
    assert os.lstat(path / 'a.txt').st_ino != os.lstat(active /
                                                       'a.txt').st_ino
    drivers['az1'].delete_snapshot(snapshot)
    assert not path.exists()


def test_create_share_from_snapshot(drivers, share):
    """A new share (here on another backend) holds the snapshot's data,
    writable again, and stays apart from the source and the snapshot."""
    active = pathlib.Path(share.path('az1'))
    populate(active)
    before = tree(active)
    snapshot = {'id': new_id(), 'snapshot_id': new_id(),
                'share_instance': share.view('az1'), 'size': 1}
    drivers['az1'].create_snapshot(snapshot)
    write(active / 'a.txt', b'after the snapshot\n')
    assert drivers['az2'].get_stats()['pools'][0][
        'create_share_from_snapshot_support'] is True
    (new,) = make_views((new_id(), 'az2', 'active'), size=2).values()
    update = drivers['az2'].create_share_from_snapshot(new, snapshot)
    target = pathlib.Path(drivers['az2'].share_path(new))
    assert update == {'export_locations': [{
        'path': str(target), 'is_admin_only': False, 'preferred': True}]}
    assert tree(target) == before
    write(target / 'a.txt', b'written in the new share\n')
    assert (active / 'a.txt').read_bytes() == b'after the snapshot\n'
    # Its own replicas: a new replication chain.
    (replica,) = make_views((new_id(), 'az3', 'out_of_sync')).values()
    drivers['az2'].add_replica(new, replica)
    drivers['az2'].delete_share(new)
    assert not target.exists()
    missing = dict(snapshot, snapshot_id=new_id())
    with pytest.raises(exception.ShareDriverError):
        drivers['az2'].create_share_from_snapshot(new, missing)


def test_exchange_without_renameat2(tmp_path, monkeypatch):
    class NoRenameat2:
        pass
    monkeypatch.setattr(localdir, '_libc', NoRenameat2())
    (tmp_path / 'a').mkdir()
    (tmp_path / 'a' / 'new').write_text('new')
    (tmp_path / 'b').mkdir()
    (tmp_path / 'b' / 'old').write_text('old')
    localdir._exchange(str(tmp_path / 'a'), str(tmp_path / 'b'))
    assert os.listdir(tmp_path / 'b') == ['new']
    assert os.listdir(tmp_path / 'a') == ['old']
    assert sorted(os.listdir(tmp_path)) == ['a', 'b']
