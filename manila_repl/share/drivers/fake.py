"""The fake driver: real bookkeeping, no data.

Each backend keeps its instances as small JSON files under
``<fake_root_path>/<backend>/``; the root is shared by all backends, so one
backend's driver acts on another's files the way a real driver talks to
another storage controller. A backend's "controller" lives in its share
manager process: it is reachable while the process that wrote
``controller.pid`` is alive and no ``offline`` file exists. Failures and
delays can be injected per method, in config or at run time in
``<root>/<backend>/inject.json`` (``{"fail": [...], "delay": {m: s}}``).

Tests synchronise with a driver call through two files per method (the
backend is the one whose manager runs the call):

- ``<root>/<backend>/gate-<method>``: while it exists, a call of the method
  waits (polling it) before doing anything, so a test can kill the
  manager, or stop the database, at that exact point; removing it lets
  the call go;
- ``<root>/<backend>/inside-<method>``: written by a call held at the
  gate, ``{"ids": [the instance ids it acts on], "pid": ...}``; a test
  waits for it (with the id it expects) to know the manager is there.
  Only gated calls write it: an ungated call costs one stat (the status
  loop calls the driver once per replica).
"""
import functools
import os
import time

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.conf import backend as backend_conf
from manila_repl import exception
from manila_repl.share import driver
from manila_repl.share.drivers import jsonfile

LOG = logging.getLogger(__name__)

fake_opts = [
    cfg.StrOpt('fake_root_path', default='$state_path/fake-backends',
               help='Directory shared by every fake backend.'),
    cfg.StrOpt('fake_pool_name', default='pool0',
               help='The one pool of a fake backend.'),
    cfg.IntOpt('fake_capacity_gb', default=10000, min=1,
               help='Total capacity a fake backend reports.'),
    cfg.ListOpt('fake_fail_methods', default=[],
                help='Driver methods that raise ShareDriverError.'),
    cfg.DictOpt('fake_delay_methods', default={},
                help='Seconds each named driver method sleeps first.'),
    cfg.IntOpt('fake_recovery_point_objective',
               help='Seconds after the last successful sync when a replica '
                    'becomes out_of_sync; default 2 x '
                    '[share]/replica_status_interval.'),
]
backend_conf.add_driver_opts(fake_opts)


#: Seconds between two looks at a gate file (a stat: cheap).
GATE_POLL = 0.05


def _ids(args):
    """Instance ids a call acts on: views, and snapshot instance dicts."""
    ids = []
    for arg in args:
        if isinstance(arg, dict):
            arg = arg.get('share_instance')
        if getattr(arg, 'id', None):
            ids.append(arg.id)
    return ids


def _injected(func):
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        self._checkpoint(func.__name__, args)
        self._inject(func.__name__)
        return func(self, *args, **kwargs)
    return wrapper


class FakeShareDriver(driver.ShareDriver, driver.ReplicationMixin,
                      driver.AccessMixin, driver.SnapshotMixin,
                      driver.ResizeMixin):

    def __init__(self, configuration, conf, backend_name):
        super().__init__(configuration, conf, backend_name)
        self._inject_cache = (None, {})
        # Config sections of the backends this driver has reached, by name:
        # registering a section's options again on every call cost more
        # than the file IO of a replica update. Values are still read from
        # the section each time.
        self._sections = {}
        # controller.pid of each backend: (its stat key, the pid).
        self._pids = {}
        # backend name -> its directory (asked several times per replica
        # by the status loop; fake_root_path cannot change while running).
        self._dirs = {}

    # -- files -------------------------------------------------------------
    def _section(self, backend_name):
        section = self._sections.get(backend_name)
        if section is None:
            section = backend_conf.backend_config(self.conf, backend_name)
            self._sections[backend_name] = section
        return section

    def _root(self, backend_name):
        return self._section(backend_name).fake_root_path

    def _dir(self, backend_name):
        directory = self._dirs.get(backend_name)
        if directory is None:
            directory = os.path.join(self._root(backend_name), backend_name)
            self._dirs[backend_name] = directory
        return directory

    def _path(self, view):
        # Named after the instance id (a uuid we generated), never user input.
        return os.path.join(self._dir(view.backend_name), view.id + '.json')

    _read = staticmethod(jsonfile.read)
    _write = staticmethod(jsonfile.write)

    def _checkpoint(self, method, args):
        """While the method's gate file exists: say "inside <method>" and
        wait."""
        directory = self._dir(self.backend_name)
        gate = os.path.join(directory, 'gate-' + method)
        if not os.path.exists(gate):
            return
        ids = _ids(args)
        self._write(os.path.join(directory, 'inside-' + method),
                    {'ids': ids, 'pid': os.getpid()})
        LOG.info('%s of %s waits for its gate %s', method, ids, gate)
        while os.path.exists(gate):
            time.sleep(GATE_POLL)

    def _inject(self, method):
        failing = set(self.configuration.fake_fail_methods)
        delays = dict(self.configuration.fake_delay_methods)
        path = os.path.join(self._dir(self.backend_name), 'inject.json')
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime != self._inject_cache[0]:
            self._inject_cache = (mtime, (self._read(path) or {})
                                  if mtime else {})
        runtime = self._inject_cache[1]
        failing.update(runtime.get('fail', []))
        delays.update(runtime.get('delay', {}))
        if method in delays:
            time.sleep(float(delays[method]))
        if method in failing:
            raise exception.ShareDriverError(
                reason='injected failure of %s on %s' % (method,
                                                         self.backend_name))

    def _controller_pid(self, directory):
        """The pid in ``controller.pid``, read again only when the file
        was replaced (a stat instead of an open and a read: the status
        loop asks twice per replica)."""
        path = os.path.join(directory, 'controller.pid')
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._pids.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            with open(path) as f:
                pid = int(f.read())
        except (FileNotFoundError, ValueError):
            return None
        self._pids[path] = (key, pid)
        return pid

    def _reachable(self, backend_name):
        directory = self._dir(backend_name)
        if os.path.exists(os.path.join(directory, 'offline')):
            return False
        pid = self._controller_pid(directory)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True

    def _require(self, view):
        if not self._reachable(view.backend_name):
            raise exception.ShareBackendUnreachable(
                backend=view.backend_name, reason='controller is down')

    def _rpo(self):
        return (self.configuration.fake_recovery_point_objective or
                2 * self.conf.share.replica_status_interval)

    def _export(self, view):
        return [{'path': 'fake:/%s/%s' % (view.backend_name, view.id),
                 'is_admin_only': False, 'preferred': True}]

    # -- setup and stats ---------------------------------------------------
    def do_setup(self):
        directory = self._dir(self.backend_name)
        os.makedirs(directory, exist_ok=True)
        self._write(os.path.join(directory, 'controller.pid'),
                    os.getpid())

    def get_stats(self):
        allocated = 0
        with os.scandir(self._dir(self.backend_name)) as entries:
            for entry in entries:
                if entry.name.endswith('.json') and entry.name != \
                        'inject.json':
                    allocated += (self._read(entry.path) or {}).get('size', 0)
        total = self.configuration.fake_capacity_gb
        replication_type = 'readable dr writable'
        return {
            'share_backend_name': (self.configuration.share_backend_name or
                                   self.backend_name),
            'driver_handles_share_servers': False,
            'replication_type': replication_type,
            'replication_domain': self.configuration.replication_domain,
            'pools': [{
                'pool_name': self.configuration.fake_pool_name,
                'total_capacity_gb': total,
                'free_capacity_gb': max(total - allocated, 0),
                'allocated_capacity_gb': allocated,
                'snapshot_support': True,
                'create_share_from_snapshot_support': True,
                'replication_type': replication_type,
                'replication_domain': self.configuration.replication_domain,
            }],
        }

    # -- shares ------------------------------------------------------------
    @_injected
    def create_share(self, share_instance):
        self._require(share_instance)
        self._write(self._path(share_instance), {
            'id': share_instance.id, 'size': share_instance.size,
            'generation': 1, 'writable': True})
        return {'export_locations': self._export(share_instance)}

    @_injected
    def delete_share(self, share_instance):
        self._require(share_instance)
        try:
            os.unlink(self._path(share_instance))
        except FileNotFoundError:
            pass

    # -- resize ------------------------------------------------------------
    def _resize(self, share_instance, new_size):
        self._require(share_instance)
        path = self._path(share_instance)
        data = self._read(path)
        if data is None:
            raise exception.ShareDriverError(
                reason='instance %s has no storage' % share_instance.id)
        data['size'] = new_size
        self._write(path, data)

    @_injected
    def extend_share(self, share_instance, new_size):
        self._resize(share_instance, new_size)

    @_injected
    def shrink_share(self, share_instance, new_size):
        """Refused when the instance's ``used`` GiB (absent: 0) exceed the
        new size."""
        self._require(share_instance)
        data = self._read(self._path(share_instance)) or {}
        if data.get('used', 0) > new_size:
            raise exception.ShareShrinkingPossibleDataLoss(
                instance_id=share_instance.id, new_size=new_size,
                reason='%s GiB are used' % data['used'])
        self._resize(share_instance, new_size)

    # -- snapshots ---------------------------------------------------------
    def _snapshot_path(self, snapshot_instance):
        # <root>/<backend>/snapshots/<snapshot instance id>.json (our uuid).
        view = snapshot_instance['share_instance']
        return os.path.join(self._dir(view.backend_name), 'snapshots',
                            snapshot_instance['id'] + '.json')

    @_injected
    def create_snapshot(self, snapshot_instance):
        view = snapshot_instance['share_instance']
        self._require(view)
        data = self._read(self._path(view))
        if data is None:
            raise exception.ShareDriverError(
                reason='share instance %s has no storage' % view.id)
        path = self._snapshot_path(snapshot_instance)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._write(path, {
            'id': snapshot_instance['id'],
            'snapshot_id': snapshot_instance['snapshot_id'],
            'share_instance_id': view.id,
            'size': snapshot_instance['size'],
            'generation': data['generation']})
        return {'provider_location': 'fake:/%s/snapshots/%s' % (
            view.backend_name, snapshot_instance['id'])}

    @_injected
    def create_share_from_snapshot(self, share_instance, snapshot_instance):
        """A new instance holding the snapshot's generation."""
        self._require(share_instance)
        self._require(snapshot_instance['share_instance'])
        snapshot = self._read(self._snapshot_path(snapshot_instance))
        if snapshot is None:
            raise exception.ShareDriverError(
                reason='snapshot instance %s has no data' %
                snapshot_instance['id'])
        self._write(self._path(share_instance), {
            'id': share_instance.id, 'size': share_instance.size,
            'generation': snapshot['generation'], 'writable': True,
            'source_snapshot_id': snapshot_instance['snapshot_id']})
        return {'export_locations': self._export(share_instance)}

    @_injected
    def delete_snapshot(self, snapshot_instance):
        self._require(snapshot_instance['share_instance'])
        try:
            os.unlink(self._snapshot_path(snapshot_instance))
        except FileNotFoundError:
            pass

    # -- replication -------------------------------------------------------
    def _copy(self, source, target):
        """Sync ``target`` from ``source``; returns the sync time."""
        data = self._read(self._path(source))
        if data is None:
            raise exception.ShareDriverError(
                reason='active instance %s has no storage' % source.id)
        now = timeutils.utcnow()
        path = self._path(target)
        current = self._read(path)
        if current and current['generation'] == data['generation'] and \
                not current.get('writable') and \
                current.get('size') == target.size:
            # Nothing changed since the last sync: no transfer, no write.
            return now
        self._write(path, {
            'id': target.id, 'size': target.size,
            'generation': data['generation'], 'writable': False,
            'last_sync_at': now.isoformat()})
        return now

    @_injected
    def add_replica(self, active_share_instance, new_share_instance):
        self._require(active_share_instance)
        self._require(new_share_instance)
        synced = self._copy(active_share_instance, new_share_instance)
        return {'export_locations': self._export(new_share_instance),
                'replica_state': driver.IN_SYNC, 'last_sync_at': synced}

    @_injected
    def remove_replica(self, share_instance):
        self._require(share_instance)
        try:
            os.unlink(self._path(share_instance))
        except FileNotFoundError:
            pass

    @_injected
    def set_active_replica(self, share_instance, access_rules=None):
        self._require(share_instance)
        old = share_instance.active_replica
        if old is not None and old.id != share_instance.id \
                and self._reachable(old.backend_name):
            # Planned failover: one last sync, so no write is lost.
            self._copy(old, share_instance)
        path = self._path(share_instance)
        data = self._read(path) or {'id': share_instance.id,
                                    'size': share_instance.size,
                                    'generation': 0}
        data['writable'] = True
        data['generation'] += 1
        self._write(path, data)
        updates = [{'id': share_instance.id,
                    'replica_state': driver.ACTIVE,
                    'export_locations': self._export(share_instance)}]
        for other in share_instance.replicas:
            if not self._reachable(other.backend_name):
                state = driver.ERROR
            else:
                other_path = self._path(other)
                other_data = self._read(other_path)
                if other_data is not None:
                    other_data['writable'] = False
                    self._write(other_path, other_data)
                state = driver.OUT_OF_SYNC
            updates.append({'id': other.id, 'replica_state': state})
        return updates

    @_injected
    def abandon_promote(self, active_share_instance, new_share_instance):
        """The active takes writes again (set_active_replica may have made
        it read-only before its manager died)."""
        self._require(active_share_instance)
        path = self._path(active_share_instance)
        data = self._read(path)
        if data is not None and not data.get('writable'):
            data['writable'] = True
            self._write(path, data)

    @_injected
    def update_replica_status(self, share_instance):
        active = share_instance.active_replica
        if active is None:
            return None
        if not self._reachable(share_instance.backend_name):
            LOG.warning('Replica %s: backend %s unreachable',
                        share_instance.id, share_instance.backend_name)
            return {'replica_state': driver.ERROR}
        self._require(active)
        # A replica with no storage (a returning old active, or one that
        # was lost) is re-seeded by the full copy.
        synced = self._copy(active, share_instance)
        age = (timeutils.utcnow() - synced).total_seconds()
        state = driver.IN_SYNC if age <= self._rpo() else driver.OUT_OF_SYNC
        return {'replica_state': state, 'last_sync_at': synced}

    # -- access rules ------------------------------------------------------
    def access_path(self, view):
        """``<root>/<backend>/access/<instance_id>.json``: the rules the
        instance's export allows."""
        return os.path.join(self._dir(view.backend_name), 'access',
                            view.id + '.json')

    @_injected
    def update_access(self, share_instance, access_rules):
        self._require(share_instance)
        path = self.access_path(share_instance)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._write(path, [dict(r) for r in access_rules])
        return None
