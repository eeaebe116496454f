"""The localdir driver: shares are directories, replication is rsync.

No root needed. A backend is a directory (``localdir_path``); every path
this driver builds lives under a backend root::

    <root>/.manila-repl-localdir   marker written at set-up: a root without
                                   it (an empty mount point of a file system
                                   that is not mounted) is unreachable
    <root>/shares/<instance id>/   the data, the exported path
    <root>/staging/<instance id>/  where a sync writes; swapped with the
                                   share directory once complete
    <root>/staging/<instance id>.incomplete   exists while a sync writes
    <root>/snapshots/<instance id>/<snapshot id>/   read-only copies
    <root>/meta/<instance id>.json size, role, time of the last sync

Only instance and snapshot ids (uuids the service generated) become path
components, and they are checked to be uuids first.

Replication runs on the machine of the share's active replica: it reads
the other backends' config sections for their directories, so every
backend root must be reachable from there (one machine, or shared mounts).

A sync is ``rsync --archive --delete`` (quick check on size and mtime, no
checksums) from the active's share directory into the replica's staging
directory, then an atomic exchange of the staging and share directories
(``renameat2(RENAME_EXCHANGE)``, two renames where that is missing). The
previous generation stays in staging as the basis of the next sync, so a
sync never copies the whole tree. An interrupted sync leaves the exported
replica untouched: a sync that failed leaves a usable basis for the next
one; a sync whose manager was killed (its ``.incomplete`` marker is still
there) leaves a half-written staging area, which the next sync discards
before it starts. Staging is seeded from the replica with ``cp
--reflink=auto -a`` (a cheap clone where the file system supports it). No
hard links are ever made to share data. rsync and cp die with the manager
that started them (children.py): no orphan writes into a staging area
that a redo uses.
"""
import contextlib
import ctypes
import ctypes.util
import datetime
import errno
import fcntl
import os
import re
import shutil
import stat
import subprocess
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.conf import backend as backend_conf
from manila_repl import exception
from manila_repl.share import driver
from manila_repl.share.drivers import children
from manila_repl.share.drivers import jsonfile

LOG = logging.getLogger(__name__)

localdir_opts = [
    cfg.StrOpt('localdir_path',
               help='Directory holding this backend\'s shares, staging '
                    'areas, snapshots and metadata. Default: '
                    '$state_path/localdir/<backend section name>. If it is '
                    'a mount point, mount it before the share manager '
                    'starts: the driver marks the directory at set-up and '
                    'treats a directory without its marker as unreachable.'),
    cfg.IntOpt('localdir_capacity_gb', min=1,
               help='Capacity reported to the scheduler, in GiB; the size '
                    'of the file system holding localdir_path when unset, '
                    'and never more than that.'),
    cfg.StrOpt('localdir_pool_name', default='pool0',
               help='Name of the one pool of a localdir backend.'),
    cfg.IntOpt('localdir_recovery_point_objective', min=1,
               help='Seconds after the last successful sync when a replica '
                    'becomes out_of_sync; default 2 x '
                    '[share]/replica_status_interval.'),
]
backend_conf.add_driver_opts(localdir_opts)

MARKER = '.manila-repl-localdir'
#: Beside a snapshot: {relative path: mode} of the files it made read-only.
MODES_SUFFIX = '.modes.json'
RSYNC_MISSING = ('rsync is not installed: install the rsync package '
                 '(e.g. apt-get install rsync)')
_UUID = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                   r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
# The options of every sync (benchmarks/localdir_sync.py times bare rsync
# with the same ones). The staging basis is two generations old: a file
# rewritten with the same size within one second must still differ, so
# mtimes are compared to the nanosecond (--modify-window=-1, rsync >=
# 3.1.3); no --checksum, no --inplace (a reader holding a file of the
# previous generation open keeps reading it: rsync writes a new file and
# renames it over), no --link-dest (no hard links to share data).
RSYNC_OPTIONS = ('--archive', '--delete', '--modify-window=-1', '--stats')
_TOTAL_SIZE = re.compile(r'^Total file size: ([0-9,.]+) bytes', re.M)
_GIB = 1 << 30
#: Next to a staging area while a sync writes into it: found by the next
#: sync, the area is half written (its sync was killed) and is discarded.
INCOMPLETE = '.incomplete'

_libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6',
                    use_errno=True)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a, b):
    """Swap two directories atomically; two renames if the kernel, the
    C library or the file system cannot."""
    renameat2 = getattr(_libc, 'renameat2', None)
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                     _RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), a)
    spare = b + '.swap'
    os.rename(b, spare)
    os.rename(a, b)
    os.rename(spare, a)


def _rmtree(path):
    """Remove a tree, also one with read-only directories in it."""
    def retry(func, failed, _exc):
        parent = os.path.dirname(failed)
        os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR |
                 stat.S_IXUSR)
        func(failed)
    if sys.version_info >= (3, 12):
        kwargs = {'onexc': retry}
    else:
        kwargs = {'onerror': lambda f, p, info: retry(f, p, info[1])}
    try:
        shutil.rmtree(path, **kwargs)
    except FileNotFoundError:
        pass


def _check_id(value, what='instance'):
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise exception.ShareDriverError(
            reason='%s id %r is not a uuid: refusing to build a path from '
                   'it' % (what, value))
    return value


class LocalDirShareDriver(driver.ShareDriver, driver.ReplicationMixin,
                          driver.AccessMixin, driver.SnapshotMixin,
                          driver.ResizeMixin):

    def __init__(self, configuration, conf, backend_name):
        super().__init__(configuration, conf, backend_name)
        # Registers this module's options on our own section.
        backend_conf.backend_config(conf, backend_name)
        self._roots = {}
        self._locks = {}
        self._locks_guard = threading.Lock()

    # -- paths -------------------------------------------------------------
    def root(self, backend_name):
        """The root directory of a backend (this one or another)."""
        root = self._roots.get(backend_name)
        if root is None:
            section = backend_conf.backend_config(self.conf, backend_name)
            root = section.localdir_path or os.path.join(
                self.conf.state_path, 'localdir', backend_name)
            root = os.path.abspath(root)
            self._roots[backend_name] = root
        return root

    def share_path(self, view):
        return os.path.join(self.root(view.backend_name), 'shares',
                            _check_id(view.id))

    def _staging_path(self, view):
        return os.path.join(self.root(view.backend_name), 'staging',
                            _check_id(view.id))

    def _meta_path(self, view):
        return os.path.join(self.root(view.backend_name), 'meta',
                            _check_id(view.id) + '.json')

    def _snapshots_dir(self, view):
        return os.path.join(self.root(view.backend_name), 'snapshots',
                            _check_id(view.id))

    def _snapshot_path(self, view, snapshot_id):
        return os.path.join(self._snapshots_dir(view),
                            _check_id(snapshot_id, 'snapshot'))

    _read = staticmethod(jsonfile.read)
    _write = staticmethod(jsonfile.write)

    def _update_meta(self, view, **values):
        path = self._meta_path(view)
        data = self._read(path) or {'id': view.id}
        data.update(values)
        self._write(path, data)
        return data

    # -- reachability ------------------------------------------------------
    def reachable(self, backend_name):
        root = self.root(backend_name)
        return os.path.isdir(root) and os.path.isfile(
            os.path.join(root, MARKER))

    def _require(self, view):
        if not self.reachable(view.backend_name):
            raise exception.ShareBackendUnreachable(
                backend=view.backend_name,
                reason='directory %s is absent or not marked (not '
                       'mounted?)' % self.root(view.backend_name))

    def _rpo(self):
        return (self.configuration.localdir_recovery_point_objective or
                2 * self.conf.share.replica_status_interval)

    def _export(self, view):
        return [{'path': self.share_path(view), 'is_admin_only': False,
                 'preferred': True}]

    @contextlib.contextmanager
    def _locked(self, view):
        """Serialise syncs into one instance, in and across processes."""
        with self._locks_guard:
            lock = self._locks.setdefault(view.id, threading.Lock())
        path = self._staging_path(view) + '.lock'
        with lock:
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    # -- commands ----------------------------------------------------------
    @staticmethod
    def _run(argv):
        try:
            result = subprocess.run(argv, capture_output=True, text=True,
                                    stdin=subprocess.DEVNULL,
                                    **children.popen_kwargs())
        except FileNotFoundError:
            raise exception.ShareDriverError(
                reason=RSYNC_MISSING if argv[0] == 'rsync' else
                '%s is not installed' % argv[0])
        if result.returncode != 0:
            raise exception.ShareDriverError(
                reason='%s exited with %d: %s' % (
                    ' '.join(argv[:3]), result.returncode,
                    result.stderr.strip()[-2000:] or '(no output)'))
        return result.stdout

    def _clone(self, source, target):
        """A copy of ``source`` at ``target`` (a reflink clone where the
        file system supports it, a full copy elsewhere)."""
        self._run(['cp', '--reflink=auto', '-a', '--', source, target])

    def _rsync(self, source, target):
        """rsync ``source``/ into ``target``/; the bytes in ``source``."""
        out = self._run(['rsync', *RSYNC_OPTIONS, source + '/',
                         target + '/'])
        match = _TOTAL_SIZE.search(out)
        return int(re.sub(r'\D', '', match.group(1))) if match else None

    # -- setup and stats ---------------------------------------------------
    def do_setup(self):
        if shutil.which('rsync') is None:
            raise exception.ShareDriverError(reason=RSYNC_MISSING)
        if shutil.which('cp') is None:
            raise exception.ShareDriverError(
                reason='cp is not installed: install coreutils')
        root = self.root(self.backend_name)
        try:
            for sub in ('shares', 'staging', 'snapshots', 'meta'):
                os.makedirs(os.path.join(root, sub), exist_ok=True)
            marker = os.path.join(root, MARKER)
            if not os.path.exists(marker):
                self._write(marker, {'backend': self.backend_name})
        except OSError as e:
            raise exception.ShareDriverError(
                reason='cannot prepare %s: %s' % (root, e))

    def _allocated_gb(self):
        allocated = 0
        with os.scandir(os.path.join(self.root(self.backend_name),
                                     'meta')) as entries:
            for entry in entries:
                if entry.name.endswith('.json'):
                    allocated += (self._read(entry.path) or {}).get(
                        'size', 0)
        return allocated

    def get_stats(self):
        replication_type = 'readable dr'
        pool = {
            'pool_name': self.configuration.localdir_pool_name,
            'snapshot_support': True,
            'create_share_from_snapshot_support': True,
            'replication_type': replication_type,
            'replication_domain': self.configuration.replication_domain,
        }
        root = self.root(self.backend_name)
        if self.reachable(self.backend_name):
            total = shutil.disk_usage(root).total // _GIB
            if self.configuration.localdir_capacity_gb:
                total = min(total, self.configuration.localdir_capacity_gb)
            allocated = self._allocated_gb()
            free = min(max(total - allocated, 0),
                       shutil.disk_usage(root).free // _GIB)
        else:
            LOG.warning('Backend %s: %s is absent or not marked; reporting '
                        'no capacity', self.backend_name, root)
            total = free = allocated = 0
        pool.update(total_capacity_gb=total, free_capacity_gb=free,
                    allocated_capacity_gb=allocated)
        return {
            'share_backend_name': (self.configuration.share_backend_name or
                                   self.backend_name),
            'driver_handles_share_servers': False,
            'replication_type': replication_type,
            'replication_domain': self.configuration.replication_domain,
            'pools': [pool],
        }

    # -- shares ------------------------------------------------------------
    def create_share(self, share_instance):
        self._require(share_instance)
        path = self.share_path(share_instance)
        os.makedirs(path, exist_ok=True)
        self._update_meta(share_instance, size=share_instance.size,
                          writable=True)
        return {'export_locations': self._export(share_instance)}

    def delete_share(self, share_instance):
        self._require(share_instance)
        share = self.share_path(share_instance)
        staging = self._staging_path(share_instance)
        for path in (share, share + '.swap', staging, staging + '.seed',
                     self._snapshots_dir(share_instance)):
            _rmtree(path)
        for path in (self._meta_path(share_instance), staging + '.lock',
                     staging + INCOMPLETE):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def usage(self, share_instance):
        """Bytes in an instance's share directory (a walk: not cheap)."""
        total = 0
        stack = [self.share_path(share_instance)]
        while stack:
            with contextlib.suppress(FileNotFoundError), \
                    os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        total += entry.stat(follow_symlinks=False).st_size
        return total

    # -- resize (the size is bookkeeping: a directory has no limit) --------
    def extend_share(self, share_instance, new_size):
        self._require(share_instance)
        self._update_meta(share_instance, size=new_size)

    def shrink_share(self, share_instance, new_size):
        """Refused when the instance's files take more than the new
        size."""
        self._require(share_instance)
        used = self.usage(share_instance)
        if used > new_size * _GIB:
            raise exception.ShareShrinkingPossibleDataLoss(
                instance_id=share_instance.id, new_size=new_size,
                reason='%d bytes are used' % used)
        self._update_meta(share_instance, size=new_size)

    # -- snapshots (one read-only copy per instance) -----------------------
    def create_snapshot(self, snapshot_instance):
        """Snapshot an instance's data: a read-only reflink clone (a full
        copy where the file system cannot clone). Idempotent.

        ``snapshot_instance``: the contract's dict (driver.SnapshotMixin);
        the copy is named after the snapshot, under the share instance.
        """
        share_instance = snapshot_instance['share_instance']
        snapshot_id = snapshot_instance['snapshot_id']
        self._require(share_instance)
        target = self._snapshot_path(share_instance, snapshot_id)
        if os.path.isdir(target):
            return {'provider_location': target}
        source = self.share_path(share_instance)
        if not os.path.isdir(source):
            raise exception.ShareDriverError(
                reason='instance %s has no data' % share_instance.id)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = target + '.tmp'
        _rmtree(tmp)
        self._clone(source, tmp)
        # Read-only copies; the modes taken away are kept beside them, for
        # a share created from the snapshot.
        modes = {}
        for path, dirs, files in os.walk(tmp):
            for name in files:
                full = os.path.join(path, name)
                if not os.path.islink(full):
                    mode = stat.S_IMODE(os.lstat(full).st_mode)
                    if mode & 0o222:
                        modes[os.path.relpath(full, tmp)] = mode
                        os.chmod(full, mode & ~0o222)
        self._write(target + MODES_SUFFIX, modes)
        os.rename(tmp, target)
        return {'provider_location': target}

    def delete_snapshot(self, snapshot_instance):
        share_instance = snapshot_instance['share_instance']
        self._require(share_instance)
        path = self._snapshot_path(share_instance,
                                   snapshot_instance['snapshot_id'])
        _rmtree(path)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path + MODES_SUFFIX)

    def create_share_from_snapshot(self, share_instance, snapshot_instance):
        """A new instance whose data is a writable clone of the snapshot
        (which may live on another backend's directory)."""
        source_instance = snapshot_instance['share_instance']
        self._require(share_instance)
        self._require(source_instance)
        source = self._snapshot_path(source_instance,
                                     snapshot_instance['snapshot_id'])
        if not os.path.isdir(source):
            raise exception.ShareDriverError(
                reason='snapshot %s has no data on instance %s' % (
                    snapshot_instance['snapshot_id'], source_instance.id))
        target = self.share_path(share_instance)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = target + '.from-snapshot'
        _rmtree(tmp)
        self._clone(source, tmp)
        # The modes the snapshot's read-only copy took away.
        for rel, mode in (self._read(source + MODES_SUFFIX) or {}).items():
            full = os.path.join(tmp, rel)
            if os.path.isfile(full) and not os.path.islink(full):
                os.chmod(full, mode)
        _rmtree(target)
        os.rename(tmp, target)
        self._update_meta(share_instance, size=share_instance.size,
                          writable=True)
        return {'export_locations': self._export(share_instance)}

    # -- replication -------------------------------------------------------
    def _sync(self, source, target):
        """Bring ``target``'s data to ``source``'s; returns (time, bytes).
        """
        self._require(source)
        self._require(target)
        source_path = self.share_path(source)
        if not os.path.isdir(source_path):
            raise exception.ShareDriverError(
                reason='active instance %s has no data at %s' % (
                    source.id, source_path))
        share = self.share_path(target)
        staging = self._staging_path(target)
        with self._locked(target):
            self._discard_interrupted(target)
            if not os.path.isdir(staging):
                if os.path.isdir(share):
                    # Seed once from the replica: rsync then sends deltas.
                    _rmtree(staging + '.seed')
                    self._clone(share, staging + '.seed')
                    os.rename(staging + '.seed', staging)
                else:
                    os.makedirs(staging)
            marker = staging + INCOMPLETE
            with open(marker, 'w'):
                pass
            try:
                used = self._rsync(source_path, staging)
            except Exception:
                # rsync has ended: what it wrote is a basis for the next.
                os.unlink(marker)
                raise
            if os.path.isdir(share):
                # The previous generation stays in staging: next basis.
                _exchange(staging, share)
            else:
                os.rename(staging, share)
            os.unlink(marker)
            now = timeutils.utcnow()
            self._update_meta(target, size=target.size, writable=False,
                              last_sync_at=now.isoformat(),
                              source=source.id, used_bytes=used)
        return now, used

    def _discard_interrupted(self, view):
        """Before a sync: clear what a sync killed midway left (its
        manager killed, the machine down). Its staging area is half
        written and a two-rename exchange may have been cut between its
        renames: the share directory comes back, the rest goes, and this
        sync starts from a fresh seed."""
        staging = self._staging_path(view)
        if not os.path.exists(staging + INCOMPLETE):
            return
        share = self.share_path(view)
        LOG.warning('Instance %s: the previous sync into it was '
                    'interrupted; discarding its staging area', view.id)
        spare = share + '.swap'          # _exchange's
        if not os.path.isdir(share) and os.path.isdir(spare):
            os.rename(spare, share)
        for path in (staging, staging + '.seed', spare):
            _rmtree(path)
        os.unlink(staging + INCOMPLETE)

    def _state(self, synced, used, view):
        age = (timeutils.utcnow() - synced).total_seconds()
        update = {'replica_state': (driver.IN_SYNC if age <= self._rpo()
                                    else driver.OUT_OF_SYNC),
                  'last_sync_at': synced, 'message': None}
        if used is not None and used > view.size * _GIB:
            message = ('Share uses %d bytes, more than its size of %d GiB'
                       % (used, view.size))
            LOG.warning('Share %s: %s', view.share_id, message)
            update['message'] = message
        return update

    def add_replica(self, active_share_instance, new_share_instance):
        synced, used = self._sync(active_share_instance, new_share_instance)
        update = self._state(synced, used, new_share_instance)
        update.pop('message')
        update['export_locations'] = self._export(new_share_instance)
        return update

    def remove_replica(self, share_instance):
        self.delete_share(share_instance)

    def set_active_replica(self, share_instance, access_rules=None):
        self._require(share_instance)
        old = share_instance.active_replica
        broken = {}                     # id: why it reads error, or None
        if old is not None and old.id != share_instance.id:
            if self.reachable(old.backend_name) and \
                    os.path.isdir(self.share_path(old)):
                # Planned failover: one last sync, so no write is lost.
                try:
                    self._sync(old, share_instance)
                except exception.ManilaReplException as e:
                    LOG.error('Final sync from the old active %s failed: '
                              '%s; writes after its last sync may be lost',
                              old.id, e)
                    broken[old.id] = (
                        'The final sync from this replica, the active one '
                        'until replica %s was promoted, failed: %s. Its '
                        'writes after its last sync are not on the new '
                        'active replica.' % (share_instance.id, e))
            else:
                broken[old.id] = None
        path = self.share_path(share_instance)
        if not os.path.isdir(path):
            raise exception.ShareDriverError(
                reason='replica %s has no data at %s: it cannot become '
                       'active' % (share_instance.id, path))
        self._update_meta(share_instance, size=share_instance.size,
                          writable=True)
        # An active instance needs no staging copy.
        with self._locked(share_instance):
            _rmtree(self._staging_path(share_instance))
        updates = [{'id': share_instance.id,
                    'replica_state': driver.ACTIVE,
                    'export_locations': self._export(share_instance)}]
        for other in share_instance.replicas:
            update = {'id': other.id}
            if other.id in broken or not self.reachable(other.backend_name):
                update['replica_state'] = driver.ERROR
                if broken.get(other.id):
                    update['message'] = broken[other.id]
            else:
                if os.path.exists(self._meta_path(other)):
                    self._update_meta(other, writable=False)
                update['replica_state'] = driver.OUT_OF_SYNC
            updates.append(update)
        return updates

    def abandon_promote(self, active_share_instance, new_share_instance):
        """The active's data was never touched by the promote (only read
        by its final sync); its metadata reads writable again. The half
        promoted replica is re-synced by update_replica_status (its share
        directory is the basis, its staging area seeded afresh)."""
        self._require(active_share_instance)
        if os.path.exists(self._meta_path(active_share_instance)):
            self._update_meta(active_share_instance, writable=True)

    def update_replica_status(self, share_instance):
        active = share_instance.active_replica
        if active is None or active.id == share_instance.id:
            return None
        if not self.reachable(share_instance.backend_name):
            LOG.warning('Replica %s: backend %s unreachable',
                        share_instance.id, share_instance.backend_name)
            return {'replica_state': driver.ERROR,
                    'message': 'backend %s is unreachable' %
                               share_instance.backend_name}
        # A replica without data (a returning old active whose storage was
        # lost, or a new backend) is re-seeded by the same full sync.
        synced, used = self._sync(active, share_instance)
        return self._state(synced, used, share_instance)

    # -- access rules ------------------------------------------------------
    def update_access(self, share_instance, access_rules):
        """Exports are plain paths: the rules are only recorded in the
        instance's metadata (every rule active)."""
        self._update_meta(share_instance,
                          access_rules=[dict(r) for r in access_rules])
        return None

    # -- helpers for tests and tools ---------------------------------------
    def last_sync_at(self, share_instance):
        data = self._read(self._meta_path(share_instance)) or {}
        value = data.get('last_sync_at')
        return datetime.datetime.fromisoformat(value) if value else None
