"""The btrfs share driver: a backend is a mounted btrfs file system.

A share instance is a subvolume ``shares/<instance id>`` whose size is a
qgroup limit. Replication is ``btrfs send [-p parent] | btrfs receive``
from the active's backend to each replica's backend, driven from the
active's backend as the design routes it. Backends live on storage hosts
reached over ssh (ssh.py: shared connections, host keys checked, bounded
waits); between two remote hosts the stream goes host to host
(commands.transfer). See ``store.py`` for the layout, ``exports.py`` for
the NFS exports (ganesha) and what each instance serves.

Chain rules:

- every transfer sends a fresh read-only snapshot of the active, named
  ``<active id>@<stamp>``; the parent is the newest snapshot both sides
  hold (same name: a received subvolume keeps the name it was sent under);
  btrfs finds the parent on the receiving side by uuid (received or own),
  so the chain also runs backwards after a failover;
- a failed incremental (broken chain) is repaired by a full send; a failed
  receive never leaves its partial subvolume behind, and one whose
  manager was killed midway (writable: a finished receive is read-only)
  is deleted by the next sync or promote before it looks at the chain;
  send and receive die with their manager (children.py);
- a sync finds out first whether anything was written since the newest
  snapshot the replica holds, and then sends nothing;
- a readable replica's ``shares/<id>`` is a symlink to its newest received
  snapshot, swapped atomically (rename) after each receive, and its NFS
  export moves to that snapshot; ``dr`` replicas are not exported;
- promote makes a writable snapshot of the newest received subvolume at
  ``shares/<id>`` (a received subvolume is never flipped writable), after
  the old active (when it answers) was frozen, synced and its export made
  read-only; a returning old active is fenced (frozen, writable export
  gone) before it is re-seeded;
- a backend found unreachable is remembered: checks on it fail at once
  until the manager's probe (every few seconds) reaches it again;
- pruning runs at the start of the next sync, concurrently with its
  transfer: the replica then keeps its newest snapshot and the base of the
  incremental; the active its newest and, per sibling, the newest one they
  share. So between syncs each side holds one generation more than the
  next incremental needs (the previous one). While a sibling is
  unreachable the active prunes nothing (it cannot know what the sibling
  holds).
"""
from concurrent import futures
import dataclasses
import functools
import os
import threading
import time

from oslo_concurrency import lockutils
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.conf import backend as backend_conf
from manila_repl import exception
from manila_repl.share import driver
from manila_repl.share.drivers.btrfs import commands
from manila_repl.share.drivers.btrfs import exports as exports_mod
from manila_repl.share.drivers.btrfs import store as store_mod
from manila_repl.share.drivers import ganesha
from manila_repl.share.drivers import ssh

LOG = logging.getLogger(__name__)

btrfs_opts = [
    cfg.StrOpt('btrfs_mount_point',
               help='Absolute path where the btrfs file system of this '
                    'backend is mounted (on btrfs_ssh_host if set). Shares '
                    'are subvolumes under <mount point>/shares, '
                    'replication snapshots under <mount point>/.repl.'),
    cfg.StrOpt('btrfs_pool_name', default='btrfs',
               help='Name of the one pool this backend reports.'),
    cfg.StrOpt('btrfs_ssh_host',
               help='Storage host the file system is mounted on, reached '
                    'over ssh (key-based login as btrfs_ssh_user, who may '
                    'run btrfs, mount and ganesha\'s reload; see the ssh_* '
                    'options). Unset: this host.'),
    cfg.StrOpt('btrfs_ssh_user',
               help='User for btrfs_ssh_host; unset: ssh\'s default.'),
    cfg.IntOpt('btrfs_ssh_connect_timeout', default=5, min=1,
               help='Seconds ssh waits to connect before the backend '
                    'counts as unreachable.'),
    cfg.StrOpt('btrfs_nfs_server', default='ganesha',
               choices=('ganesha', 'none'),
               help='ganesha: shares are exported over NFSv4 by '
                    'nfs-ganesha on the storage host, access rules '
                    'enforced there (the ganesha_* options). none: nothing '
                    'is exported (export locations are local paths; rules '
                    'are recorded only).'),
    cfg.StrOpt('btrfs_export_root', default='/run/manila-repl/exports',
               help='Directory ON the storage host where exported '
                    'subvolumes are bind-mounted (ganesha exports mount '
                    'points). Keep it on tmpfs: after a reboot ganesha then '
                    'refuses the stale paths instead of exporting empty '
                    'directories.'),
    cfg.IntOpt('btrfs_recovery_point_objective', min=1,
               help='Seconds after the last successful transfer during '
                    'which a replica is in_sync; default 2 x '
                    '[share]/replica_status_interval.'),
]
backend_conf.add_driver_opts(btrfs_opts)

READABLE = 'readable'
REPLICATION_TYPES = 'readable dr'


class BtrfsShareDriver(driver.ShareDriver, driver.ReplicationMixin,
                       driver.AccessMixin, driver.ResizeMixin,
                       driver.SnapshotMixin):

    def __init__(self, configuration, conf, backend_name):
        # Registers this module's options in the section (they were added
        # after the manager first read it).
        configuration = backend_conf.backend_config(conf, backend_name)
        super().__init__(configuration, conf, backend_name)
        self._sections = {backend_name: configuration}
        self._runners = {}
        # Backends found unreachable, with why: checks fail at once until
        # probe_backend() reaches the host again.
        self._down = {}
        self._down_lock = threading.Lock()

    @classmethod
    def access_types(cls, configuration):
        if configuration.btrfs_nfs_server == 'ganesha':
            return ('ip',)              # ganesha CLIENT blocks: addresses
        return driver.ACCESS_TYPES

    # -- backends ----------------------------------------------------------
    def _section(self, backend_name):
        section = self._sections.get(backend_name)
        if section is None:
            section = backend_conf.backend_config(self.conf, backend_name)
            self._sections[backend_name] = section
        return section

    def _runner(self, backend_name):
        runner = self._runners.get(backend_name)
        if runner is None:
            section = self._section(backend_name)
            if section.btrfs_ssh_host:
                transport = ssh.Transport.for_backend(
                    self.conf, backend_name, section.btrfs_ssh_host,
                    user=section.btrfs_ssh_user,
                    connect_timeout=section.btrfs_ssh_connect_timeout)
            else:
                transport = ssh.Local(backend_name)
            runner = commands.Runner(transport, on_unreachable=(
                functools.partial(self._mark_down, backend_name)))
            self._runners[backend_name] = runner
        return runner

    def _store(self, backend_name, probe=False):
        """The backend's Store; one found unreachable lately fails its
        checks at once, unless ``probe``."""
        section = self._section(backend_name)
        if section.share_driver != 'btrfs':
            raise exception.ShareDriverError(
                reason='backend %s is not a btrfs backend (driver %s)' %
                       (backend_name, section.share_driver))
        return store_mod.Store(
            backend_name, section.btrfs_mount_point,
            self._runner(backend_name),
            down=None if probe else self._down.get(backend_name))

    def _mark_down(self, backend_name, error):
        reason = error.kwargs.get('reason') or str(error)
        with self._down_lock:
            if backend_name not in self._down:
                LOG.warning('Backend %s is unreachable: %s', backend_name,
                            reason)
            self._down[backend_name] = reason

    def _reachable_store(self, view):
        try:
            store = self._store(view.backend_name)
        except exception.ShareDriverError as e:
            LOG.warning('Backend of instance %s: %s', view.id, e)
            return None
        why = store.check()
        if why is None:
            return store
        if store.runner.remote and not store.down:
            self._mark_down(view.backend_name,
                            exception.ShareBackendUnreachable(
                                backend=view.backend_name, reason=why))
        return None

    def lost_exports(self):
        """Writable exports found gone at set-up (a rebooted host):
        instance ids, once."""
        lost, self._lost_exports = getattr(self, '_lost_exports', []), []
        return lost

    def down_backends(self):
        """{backend: reason} of the backends found unreachable lately."""
        with self._down_lock:
            return dict(self._down)

    def probe_backend(self, backend_name):
        """Ask the host again; True (and forgotten as down) when it
        answers with its btrfs mounted."""
        why = self._store(backend_name, probe=True).check()
        if why is not None:
            with self._down_lock:
                if backend_name in self._down:
                    self._down[backend_name] = why
            return False
        with self._down_lock:
            if self._down.pop(backend_name, None) is not None:
                LOG.info('Backend %s answers again', backend_name)
        return True

    def _nfs(self, store):
        """The Exports of the store's backend, or None (btrfs_nfs_server
        = none)."""
        section = self._section(store.name)
        if section.btrfs_nfs_server != 'ganesha':
            return None
        address = (section.ganesha_export_address or
                   section.btrfs_ssh_host or self.conf.host)
        host = ganesha.GaneshaHost.for_backend(
            section, store.runner.transport, section.btrfs_ssh_host or
            self.conf.host)
        return exports_mod.Exports(store, host, section.btrfs_export_root,
                                   address)

    def _rpo(self):
        return (self.configuration.btrfs_recovery_point_objective or
                2 * self.conf.share.replica_status_interval)

    def _exports(self, store, view, active=True):
        """Export locations: the NFS path (preferred on the active) and
        the local path for administrators; none for a dr replica."""
        if not active and not self._exported(view):
            return []
        path = store.share_path(view.id)
        nfs = self._nfs(store)
        if nfs is None:
            host = (self._section(view.backend_name).btrfs_ssh_host or
                    self.conf.host)
            return [{'path': path, 'is_admin_only': False,
                     'preferred': True},
                    {'path': '%s:%s' % (host, path), 'is_admin_only': False,
                     'preferred': False}]
        return [{'path': nfs.location(view.id), 'is_admin_only': False,
                 'preferred': active},
                {'path': path, 'is_admin_only': True, 'preferred': False}]

    @staticmethod
    def _exported(view):
        return view.replication_type in (None, READABLE)

    @staticmethod
    def _lock(view):
        return lockutils.lock('btrfs-share-%s' % view.share_id)

    # -- setup and stats ---------------------------------------------------
    def do_setup(self):
        if not self.configuration.btrfs_mount_point:
            raise exception.ShareDriverError(
                reason='backend %s: btrfs_mount_point is not set' %
                       self.backend_name)
        store = self._store(self.backend_name, probe=True)
        why = store.check()
        if why is not None:
            raise exception.ShareDriverError(
                reason='backend %s: %s' % (self.backend_name, why))
        try:
            store.btrfs('quota', 'enable', store.mount_point)
        except exception.ShareDriverError as e:
            raise exception.ShareDriverError(
                reason='backend %s: cannot enable quotas on %s: %s' %
                       (self.backend_name, store.mount_point, e))
        store.makedirs(store.shares_dir)
        store.makedirs(store.repl_root)
        nfs = self._nfs(store)
        if nfs is not None:
            try:
                nfs.setup()
                self._lost_exports = nfs.restore()
            except exception.ShareDriverError as e:
                raise exception.ShareDriverError(
                    reason='backend %s: %s' % (self.backend_name, e))
        with self._down_lock:
            self._down.pop(self.backend_name, None)

    def get_stats(self):
        store = self._store(self.backend_name)
        store.require()         # not the capacity of the fs underneath
        total, free = store.capacity()
        gib = float(1 << 30)
        domain = self.configuration.replication_domain
        return {
            'share_backend_name': (self.configuration.share_backend_name or
                                   self.backend_name),
            'driver_handles_share_servers': False,
            'replication_type': REPLICATION_TYPES,
            'replication_domain': domain,
            'pools': [{
                'pool_name': self.configuration.btrfs_pool_name,
                'total_capacity_gb': round(total / gib, 2),
                'free_capacity_gb': round(free / gib, 2),
                'snapshot_support': True,
                'create_share_from_snapshot_support': True,
                'replication_type': REPLICATION_TYPES,
                'replication_domain': domain,
            }],
        }

    # -- shares ------------------------------------------------------------
    def create_share(self, share_instance):
        store = self._store(share_instance.backend_name)
        store.require()
        path = store.share_path(share_instance.id)
        kind = store.kind(path)
        if kind == 'missing':
            store.makedirs(store.shares_dir)
            store.btrfs('subvolume', 'create', path)
        elif kind != 'dir':
            raise exception.ShareDriverError(
                reason='%s exists and is not a subvolume' % path)
        store.btrfs('qgroup', 'limit', '%dG' % share_instance.size, path)
        return {'export_locations': self._exports(store, share_instance)}

    def delete_share(self, share_instance):
        store = self._store(share_instance.backend_name)
        store.require()
        with self._lock(share_instance):
            self._remove_instance(store, share_instance.id)

    def _remove_instance(self, store, instance_id):
        """Its export (and bind mount) first, then its subvolumes."""
        nfs = self._nfs(store)
        if nfs is not None:
            nfs.unpublish(instance_id)
        store.remove_instance(instance_id)

    # -- resize: the qgroup limit of every replica (not replicated) -------
    @staticmethod
    def _data_subvolume(store, view):
        """The subvolume holding an instance's data: its own writable
        one (an active replica), else its newest received snapshot; None
        before its first sync."""
        path = store.share_path(view.id)
        if store.kind(path) == 'dir':
            return path
        names = store.snapshots(view.id)
        return store.snapshot_path(view.id, names[-1]) if names else None

    @staticmethod
    def referenced(store, path):
        """Bytes referenced by a subvolume (its qgroup's rfer)."""
        out = store.btrfs('qgroup', 'show', '-rf', '--raw', path)
        for line in reversed(out.splitlines()):
            fields = line.split()
            if len(fields) >= 2 and '/' in fields[0] and \
                    fields[1].isdigit():
                return int(fields[1])
        raise exception.ShareDriverError(
            reason='no qgroup usage of %s in %r' % (path, out))

    def _limit(self, view, new_size, shrink):
        store = self._store(view.backend_name)
        store.require()
        with self._lock(view):
            path = self._data_subvolume(store, view)
            if path is None:
                # Not synced yet: its first sync sets the share's size.
                return
            if shrink:
                used = self.referenced(store, path)
                if used > new_size * 1024 ** 3:
                    raise exception.ShareShrinkingPossibleDataLoss(
                        instance_id=view.id, new_size=new_size,
                        reason='%d bytes are referenced' % used)
            store.btrfs('qgroup', 'limit', '%dG' % new_size, path)

    def extend_share(self, share_instance, new_size):
        self._limit(share_instance, new_size, shrink=False)

    def shrink_share(self, share_instance, new_size):
        self._limit(share_instance, new_size, shrink=True)

    # -- user snapshots: one per replica, each taken on its own backend ---
    def create_snapshot(self, snapshot_instance):
        """A read-only snapshot ``.snap/<instance id>/<snapshot instance
        id>`` of the instance's data: the active's writable subvolume, or
        a replica's newest received subvolume, i.e. the replica's last
        synced state (behind the active by at most one sync; the control
        plane snapshots only replicas that are in_sync)."""
        view = snapshot_instance['share_instance']
        store = self._store(view.backend_name)
        store.require()
        target = store.user_snapshot_path(view.id, snapshot_instance['id'])
        with self._lock(view):
            kind = store.kind(target)
            if kind == 'dir':
                return {'provider_location': target}     # a retry
            if kind != 'missing':
                raise exception.ShareDriverError(
                    reason='%s exists and is not a snapshot' % target)
            source = self._data_subvolume(store, view)
            if source is None:
                raise exception.ShareDriverError(
                    reason='instance %s holds no data to snapshot yet (no '
                           'sync has reached it)' % view.id)
            store.makedirs(store.user_snapshot_dir(view.id))
            store.btrfs('subvolume', 'snapshot', '-r', source, target)
        return {'provider_location': target}

    def create_share_from_snapshot(self, share_instance, snapshot_instance):
        """A writable snapshot of the snapshot's subvolume, quota'd to the
        new size. A btrfs snapshot stays on its file system: the new share
        must be on the snapshot instance's backend (where the scheduler
        places it)."""
        source_view = snapshot_instance['share_instance']
        if source_view.backend_name != share_instance.backend_name:
            raise exception.ShareDriverError(
                reason='a snapshot on backend %s cannot seed a share on %s '
                       '(btrfs clones only within a file system)' % (
                           source_view.backend_name,
                           share_instance.backend_name))
        store = self._store(share_instance.backend_name)
        store.require()
        source = store.user_snapshot_path(source_view.id,
                                          snapshot_instance['id'])
        if store.kind(source) != 'dir':
            raise exception.ShareDriverError(
                reason='snapshot instance %s has no data' %
                snapshot_instance['id'])
        path = store.share_path(share_instance.id)
        kind = store.kind(path)
        if kind == 'missing':
            store.makedirs(store.shares_dir)
            store.btrfs('subvolume', 'snapshot', source, path)
        elif kind != 'dir':
            raise exception.ShareDriverError(
                reason='%s exists and is not a subvolume' % path)
        store.btrfs('qgroup', 'limit', '%dG' % share_instance.size, path)
        return {'export_locations': self._exports(store, share_instance)}

    def delete_snapshot(self, snapshot_instance):
        view = snapshot_instance['share_instance']
        store = self._store(view.backend_name)
        store.require()
        with self._lock(view):
            store.delete_subvolume(store.user_snapshot_path(
                view.id, snapshot_instance['id']))

    # -- the chain ---------------------------------------------------------
    def _transfer(self, source, snapshot, target, directory, parent):
        """``send [-p parent] snapshot | receive directory``, host to host
        when both are remote; a failed receive leaves nothing behind."""
        try:
            commands.transfer(source.runner,
                              commands.send_words(snapshot, parent),
                              target.runner,
                              commands.receive_words(directory))
        except Exception:
            partial = os.path.join(directory, os.path.basename(snapshot))
            try:
                target.delete_subvolume(partial)
            except Exception as e:
                LOG.error('Could not delete the partial subvolume %s on %s:'
                          ' %s', partial, target.name, e)
            raise

    def _sync(self, source_view, target_view, src, dst, move_export=True,
              seen=None, src_names=None):
        """Send a fresh snapshot of the active ``source_view`` to
        ``target_view``. Returns the time the snapshot was taken.

        What the previous syncs left and no one needs any more is deleted
        here, while the transfer runs (one ``btrfs subvolume delete`` per
        side, started before the pipe and waited for after it): pruning is
        off the transfer's critical path, and between syncs each side holds
        one generation more than the next incremental needs.
        """
        sid, tid = source_view.id, target_view.id
        dst_dir = dst.repl_dir(tid)
        if src_names is None:
            src_names = src.snapshots(sid, create=True)
        dst_names = dst.discard_partial_receive(tid, seen)
        held = set(dst_names)
        common = [n for n in src_names if n in held]
        base = common[-1] if common else None
        # The replica keeps the base of this incremental and what it
        # exports (its newest); the active what any sibling still needs.
        dst_old = [dst.snapshot_path(tid, n) for n in dst_names
                   if n != base and n != dst_names[-1]]
        src_old = self._prunable(source_view, src, src_names, {tid: base})
        stamp = time.time_ns()
        if src_names:
            stamp = max(stamp, store_mod.stamp_of(src_names[-1]) + 1)
        name = store_mod.snapshot_name(sid, stamp)
        snapshot = src.snapshot_path(sid, name)
        taken = timeutils.utcnow()
        newest = src_names[-1] if src_names else None
        if not src.snapshot(src.share_path(sid), snapshot, unless_same_as=(
                src.snapshot_path(sid, base) if base and base == newest
                else None)):
            # Nothing written since the newest snapshot, which the replica
            # holds: it is up to date now, without a transfer.
            return taken
        parent = src.snapshot_path(sid, base) if base else None
        pruning = []
        errors = []
        try:
            for store, paths in ((dst, dst_old), (src, src_old)):
                pruning.append((store, store.start_delete_subvolumes(
                    paths, listed=True)))
            try:
                self._transfer(src, snapshot, dst, dst_dir, parent)
            except exception.ShareDriverError as e:
                if parent is None:
                    raise
                LOG.warning('Incremental send of %s to replica %s failed '
                            '(%s); repairing the chain with a full send',
                            name, tid, e)
                self._transfer(src, snapshot, dst, dst_dir, None)
        finally:
            for store, started in pruning:
                try:
                    store.finish(started)
                except Exception as e:
                    errors.append(e)
                    LOG.error('Pruning replication snapshots on %s: %s',
                              store.name, e)
        received = dst.snapshot_path(tid, name)
        if self._exported(target_view):
            dst.received(received, target_view.size, dst.share_path(tid),
                         dst.link_target(tid, name))
            nfs = self._nfs(dst)
            if nfs is not None and move_export:
                # Its clients now read the new snapshot (the previous one
                # stays until the next sync prunes it).
                nfs.move(tid, received)
        else:
            dst.received(received, target_view.size)
        if errors:
            # The replica is synced; what was not pruned is retried next.
            raise errors[0]
        return taken

    def _prunable(self, source_view, src, names, known):
        """The active's replication snapshots (of ``names``) no replica
        needs: all but its newest and, per sibling, the newest one they
        share. Nothing while a sibling is unreachable (what it holds is
        unknown).

        ``known``: sibling id -> the snapshot it is known to hold newest
        (None: none in common).
        """
        sid = source_view.id
        if not names:
            return []
        keep = {names[-1]}
        siblings = [v for v in source_view.replicas if v.id != sid]
        for sibling in siblings:
            if sibling.id in known:
                keep.add(known[sibling.id])
                continue
            store = self._reachable_store(sibling)
            if store is None:
                LOG.info('Keeping the replication snapshots of %s: replica '
                         '%s is unreachable', sid, sibling.id)
                return []
            held = set(store.snapshots(sibling.id))
            common = [n for n in names if n in held]
            if common:
                keep.add(common[-1])
        return [src.snapshot_path(sid, name)
                for name in names if name not in keep]

    def _prune_source(self, source_view, src, known):
        """Delete the active's replication snapshots no replica needs."""
        src.delete_subvolumes(self._prunable(
            source_view, src, src.snapshots(source_view.id), known))

    def _discard_stale_active(self, dst, view):
        """A returning old active still has its writable subvolume, maybe
        exported read-write: first of all it is frozen and its export made
        read-only (readable) or removed (dr); then the subvolume goes, and
        with it its writes after the last transfer (lost with the
        failover).

        :returns: the replica's Inspection (for the sync that follows).
        """
        seen = dst.inspect(view.id)
        if seen.share_kind == 'dir':
            LOG.warning('Re-seeding %s on %s: fencing and discarding its '
                        'old writable subvolume (writes after its last '
                        'transfer)', view.id, dst.name)
            self._retire_writable(dst, view)
        if seen.promote_kind != 'missing':
            dst.btrfs('subvolume', 'delete', dst.promote_path(view.id))
        return seen

    def _retire_writable(self, store, view, clients=None):
        """Make the writable ``shares/<id>`` of an instance that is no
        longer active serve no write, then delete it: freeze it (writes
        fail at once), export its newest snapshot read-only instead
        (``readable``, to ``clients`` or the export's current ones) or
        nothing (``dr``), delete the subvolume. A readable instance keeps
        ``shares/<id>`` as a link to that snapshot."""
        path = store.share_path(view.id)
        store.btrfs('property', 'set', '-ts', path, 'ro', 'true')
        names = store.snapshots(view.id)
        nfs = self._nfs(store)
        if nfs is not None:
            if self._exported(view) and names:
                nfs.read_only(view.id, store.snapshot_path(view.id,
                                                           names[-1]),
                              clients)
            else:
                nfs.unpublish(view.id)
        store.btrfs('subvolume', 'delete', path)
        if self._exported(view) and names:
            store.replace_symlink(path, store.link_target(view.id,
                                                          names[-1]))

    # -- replication -------------------------------------------------------
    def add_replica(self, active_share_instance, new_share_instance):
        active, new = active_share_instance, new_share_instance
        src = self._store(active.backend_name)
        dst = self._store(new.backend_name)
        src.require()
        dst.require()
        with self._lock(active):
            seen = self._discard_stale_active(dst, new)
            taken = self._sync(_source_view(active, new), new, src, dst,
                               seen=seen)
        age = (timeutils.utcnow() - taken).total_seconds()
        state = driver.IN_SYNC if age <= self._rpo() else driver.OUT_OF_SYNC
        return {'export_locations': self._exports(dst, new, active=False),
                'replica_state': state,
                'last_sync_at': taken}

    def remove_replica(self, share_instance):
        dst = self._store(share_instance.backend_name)
        dst.require()
        with self._lock(share_instance):
            self._remove_instance(dst, share_instance.id)
            active = share_instance.active_replica
            if active is None or active.id == share_instance.id:
                return
            src = self._reachable_store(active)
            if src is None:
                LOG.warning('Active %s unreachable: its snapshots for the '
                            'removed replica %s stay until the next sync',
                            active.id, share_instance.id)
                return
            self._prune_source(_without_sibling(
                _source_view(active, share_instance), share_instance.id),
                src, {})

    def update_access(self, share_instance, access_rules):
        """Export the instance to exactly ``access_rules`` (``ip`` rules:
        ganesha CLIENT blocks at their level): the active's writable
        subvolume, a readable replica's newest snapshot; nothing for a dr
        replica or without rules. Rules of another type read error.

        With ``btrfs_nfs_server = none`` the rules are only recorded in
        memory (for inspection).

        :raises: ShareDriverError with ganesha's reason (every rule of the
            instance reads error), ShareBackendUnreachable.
        """
        view = share_instance
        store = self._store(view.backend_name)
        nfs = self._nfs(store)
        if nfs is None:
            if not hasattr(self, 'access_rules'):
                self.access_rules = {}
            self.access_rules[view.id] = [dict(r) for r in access_rules]
            return None
        store.require()
        answer = {r['id']: driver.ERROR for r in access_rules
                  if r['access_type'] != 'ip'}
        clients = [ganesha.Client(r['access_to'], r['access_level'])
                   for r in access_rules if r['access_type'] == 'ip']
        with self._lock(view):
            source = self._export_source(store, view)
            if source is None or not clients:
                nfs.unpublish(view.id)
            else:
                nfs.publish(view.id, source, clients)
        return answer or None

    def _export_source(self, store, view):
        """What an instance exports: the active's writable subvolume, a
        readable replica's newest snapshot (never a stale writable one);
        None for a dr replica or before any data."""
        if view.replica_state in (None, driver.ACTIVE):
            path = store.share_path(view.id)
            return path if store.kind(path) == 'dir' else None
        if not self._exported(view):
            return None
        names = store.snapshots(view.id)
        return store.snapshot_path(view.id, names[-1]) if names else None

    def update_replica_status(self, share_instance):
        view = share_instance
        active = view.active_replica
        if active is None or active.id == view.id:
            return None
        # Each side's file system is checked by the first command the sync
        # runs there (no separate round trip).
        src = self._store(active.backend_name)
        dst = self._store(view.backend_name)
        with self._lock(view), futures.ThreadPoolExecutor(1) as pool:
            # The two hosts are asked at once.
            listing = pool.submit(src.snapshots, active.id, True)
            try:
                seen = self._discard_stale_active(dst, view)
            except exception.ShareBackendUnreachable as e:
                if dst.runner.remote and not dst.down:
                    self._mark_down(view.backend_name, e)
                LOG.warning('Replica %s: backend %s unreachable: %s',
                            view.id, view.backend_name, e)
                return {'replica_state': driver.ERROR}
            taken = self._sync(_source_view(active, view), view, src, dst,
                               seen=seen, src_names=listing.result())
        age = (timeutils.utcnow() - taken).total_seconds()
        state = driver.IN_SYNC if age <= self._rpo() else driver.OUT_OF_SYNC
        return {'replica_state': state, 'last_sync_at': taken}

    def set_active_replica(self, share_instance, access_rules=None):
        """Promote ``share_instance``; see the contract.

        :param access_rules: the rules the new active must allow, at their
            own levels; None: its current clients until the access flow
            re-applies them.

        Clients see: the old active (when it answers) frozen, its last
        writes sent; its export read-only (readable) or gone (dr); only
        then the new active exported read-write, before this returns.
        """
        new = share_instance
        dst = self._store(new.backend_name)
        dst.require()
        old = new.active_replica
        if old is not None and old.id == new.id:
            old = None
        clients = None if access_rules is None else [
            ganesha.Client(r['access_to'], r['access_level'])
            for r in access_rules if r['access_type'] == 'ip']
        with self._lock(new):
            old_store = self._reachable_store(old) if old else None
            if old_store is not None and \
                    old_store.kind(old_store.share_path(old.id)) != 'dir':
                old_store = None      # answers, but holds no active share
            why = None
            if old_store is not None:
                why = self._final_sync(old, new, old_store, dst)
                if why:
                    self._unexport_quietly(old_store, old)
                    old_store = None  # answers, but broken: as unreachable
            try:
                self._make_writable(new, dst)
            except Exception:
                if old_store is not None:
                    self._thaw_quietly(old_store, old)
                raise
            updates = [{'id': new.id, 'replica_state': driver.ACTIVE,
                        'export_locations': self._exports(dst, new)}]
            for other in new.replicas:
                if other.id == new.id:
                    continue
                if old is not None and other.id == old.id:
                    updates.append(self._demote(old, old_store, why,
                                                clients))
                    continue
                reachable = self._reachable_store(other) is not None
                updates.append({'id': other.id, 'replica_state':
                                driver.OUT_OF_SYNC if reachable
                                else driver.ERROR})
            self._export_active(dst, new, clients)
        return updates

    def _export_active(self, store, view, clients):
        """The new active's export, read-write for rw rules. A failure
        does not undo the promote (the data path is done): the access flow
        that follows marks its rules error with ganesha's reason."""
        nfs = self._nfs(store)
        if nfs is None:
            return
        if clients is None:
            current = nfs.current(view.id)
            clients = current.clients if current else ()
        try:
            nfs.publish(view.id, store.share_path(view.id), clients)
        except exception.ShareDriverError as e:
            LOG.error('Promote of %s: its export was not applied: %s',
                      view.id, e)

    def _unexport_quietly(self, store, view):
        nfs = self._nfs(store)
        if nfs is None:
            return
        try:
            nfs.unpublish(view.id)
        except Exception as e:
            LOG.error('The export of %s on %s was not removed: %s', view.id,
                      store.name, e)

    @staticmethod
    def _thaw_quietly(store, view):
        """Undo the freeze of an old active whose promote failed: it stays
        the writable active."""
        try:
            store.btrfs('property', 'set', '-ts', store.share_path(view.id),
                        'ro', 'false')
        except Exception as e:
            LOG.error('Old active %s stays read-only after a failed '
                      'promote: %s', view.id, e)

    def abandon_promote(self, active_share_instance, new_share_instance):
        """The promote stopped after freezing the active (its subvolume is
        read-only: writable again) or after demoting it (its subvolume
        deleted, maybe a symlink in its place: a writable snapshot of its
        newest replication snapshot, the final transfer's, taken after the
        freeze, so nothing written is lost). The half promoted replica's
        writable subvolume is discarded by the next update_replica_status.
        """
        view = active_share_instance
        store = self._store(view.backend_name)
        store.require()
        with self._lock(view):
            path = store.share_path(view.id)
            if store.kind(path) == 'dir':
                store.btrfs('property', 'set', '-ts', path, 'ro', 'false')
            else:
                LOG.warning('Active %s was demoted by the abandoned promote '
                            'of %s: making it writable again from its '
                            'newest snapshot', view.id,
                            new_share_instance.id)
                self._make_writable(view, store)

    def _final_sync(self, old, new, old_store, dst):
        """Planned failover: freeze the old active, send what it has.

        :returns: None, or why the final transfer failed. The promote goes
            on all the same (the design: it must succeed when the old
            active is broken); the old active stays read-only, so it takes
            no writes that would be lost, and reads ``error`` (with that
            reason) until it is re-seeded. What it held since the last
            sync is not on the new active: that is logged, loudly.
        """
        path = old_store.share_path(old.id)
        old_store.btrfs('property', 'set', '-ts', path, 'ro', 'true')
        try:
            self._sync(_source_view(old, new), new, old_store, dst,
                       move_export=False)
        except Exception as e:
            LOG.error('Promote of %s: the final transfer from the old '
                      'active %s failed; writes made there since its last '
                      'sync are not on the new active: %s', new.id, old.id,
                      e)
            return ('The final transfer from this replica, the active one '
                    'until replica %s was promoted, failed: %s. Its writes '
                    'after its last sync are not on the new active '
                    'replica.' % (new.id, e))
        return None

    def _make_writable(self, view, store):
        path = store.share_path(view.id)
        if store.kind(path) == 'dir':
            return                      # already writable (a retry)
        names = store.discard_partial_receive(view.id)
        if not names:
            raise exception.ShareDriverError(
                reason='replica %s holds no received snapshot to promote' %
                       view.id)
        tmp = store.promote_path(view.id)
        store.delete_subvolume(tmp)
        store.btrfs('subvolume', 'snapshot',
                    store.snapshot_path(view.id, names[-1]), tmp)
        store.btrfs('qgroup', 'limit', '%dG' % view.size, tmp)
        store.remove_link(path)
        store.rename(tmp, path)

    def _demote(self, old, old_store, why=None, clients=None):
        """The old active becomes a replica: read-only export of its last
        snapshot (readable) or none (dr); ``error`` when unreachable."""
        if old_store is None:
            LOG.warning('Old active %s is unreachable or broken: error '
                        'until it is re-seeded', old.id)
            update = {'id': old.id, 'replica_state': driver.ERROR}
            if why:
                update['message'] = why
            return update
        self._retire_writable(old_store, old, clients)
        exports = []
        if old_store.snapshots(old.id):
            exports = self._exports(old_store, old, active=False)
        return {'id': old.id, 'replica_state': driver.OUT_OF_SYNC,
                'export_locations': exports}


def _source_view(active, replica):
    """The active with every sibling in ``replicas`` (the replica too):
    the views the manager hands over may be bare (no siblings)."""
    siblings = {v.id: v for v in active.replicas}
    for v in replica.replicas:
        if v.id != active.id:
            siblings.setdefault(v.id, v)
    siblings[replica.id] = replica
    siblings.pop(active.id, None)
    return dataclasses.replace(active, replicas=tuple(
        dataclasses.replace(v, replicas=()) for v in siblings.values()))


def _without_sibling(view, sibling_id):
    return dataclasses.replace(view, replicas=tuple(
        v for v in view.replicas if v.id != sibling_id))
