"""NFS exports of a btrfs backend, through ganesha (drivers/ganesha.py).

What each instance exports (the design's access rule levels):

- the active instance: its writable subvolume ``shares/<id>``, every rule
  at its level;
- a ``readable`` replica: its newest received snapshot, every rule
  read-only; after each sync the export moves to the new snapshot;
- a ``dr`` replica: nothing.

The pseudo path is ``/shares/<instance id>``; clients mount
``<address>:/shares/<instance id>``.

ganesha's VFS layer serves a directory only on a file system it finds in
the mount table, and ganesha as packaged (without btrfsutil) does not see
btrfs subvolumes as file systems. So the subvolume an instance exports is
bind-mounted at ``<btrfs_export_root>/<instance id>`` on its host and that
mount point is exported. The export root is on tmpfs (``/run`` by
default) on purpose: after a reboot the bind mount is gone, and ganesha
refuses to export a directory on tmpfs, so an empty directory is never
served in place of a share (the driver mounts it again at its next call).
A live export cannot be pointed at another subvolume: when what is behind
the mount point changes, the export is removed and added back
(ganesha.py's two reloads), and clients holding file handles of the old
subvolume get ESTALE.
"""
import os

from manila_repl.share.drivers import ganesha

LEVELS = ganesha.LEVELS


# Mount the subvolume $2 at $1 unless it is there ($3: its path in the
# file system, as findmnt shows it); says "mounted" when it mounted.
_BIND = '''
now=$(findmnt -n -o FSROOT --mountpoint "$1" 2>/dev/null | tail -n 1)
case "${now%/}" in
    *"$3") ;;
    *) umount -l "$1" 2>/dev/null
       mkdir -p "$1" && mount --bind "$2" "$1" && echo mounted || exit 1 ;;
esac
shift 3
'''


def pseudo_path(instance_id):
    return '/shares/%s' % instance_id


class Exports:
    """The exports of the instances on one btrfs backend.

    :param store: the backend's Store (its runner runs on the host).
    :param host: the GaneshaHost of that host.
    :param export_root: where exported subvolumes are bind-mounted.
    :param address: the address clients mount from.
    """

    def __init__(self, store, host, export_root, address):
        self.store = store
        self.host = host
        self.export_root = os.path.normpath(export_root)
        self.address = address

    def location(self, instance_id):
        return '%s:%s' % (self.address, pseudo_path(instance_id))

    def mount_path(self, instance_id):
        return os.path.join(self.export_root, instance_id)

    def setup(self):
        self.store.makedirs(self.export_root)
        self.host.setup()

    # -- the bind mount ---------------------------------------------------
    def _bind(self, instance_id, source):
        """Mount ``source`` (a subvolume of the store) at the instance's
        mount point unless it is there already, and read the instance's
        export, in one command.

        :returns: (True when it was mounted now, its ganesha.Current or
            None).
        """
        listing, more = self.host.list_script([instance_id])
        out = self.store.runner.execute(
            'sh', '-c', _BIND + listing, 'sh', self.mount_path(instance_id),
            source, '/' + os.path.relpath(source, self.store.mount_point),
            *more)
        return ('mounted' in out.splitlines(),
                ganesha.parse_current(out).get(instance_id))

    def _unbind(self, instance_id):
        path = self.mount_path(instance_id)
        runner = self.store.runner
        runner.execute('umount', '-l', path, check=False)
        runner.execute('rmdir', path, check=False)

    # -- exports ----------------------------------------------------------
    def current(self, instance_id):
        """The instance's export on the host (ganesha.Current) or None."""
        return self.host.current([instance_id]).get(instance_id)

    def publish(self, instance_id, source, clients=None):
        """Export ``source`` for ``clients`` (ganesha.Client); no clients:
        not exported; None: the clients of its current export (a readable
        replica after a sync; not exported: stays so).

        :raises: GaneshaError (with ganesha's reason) when it was not
            applied; ShareBackendUnreachable.
        """
        if clients is not None and not clients:
            self.unpublish(instance_id)
            return
        remounted, current = self._bind(instance_id, source)
        if clients is None:
            if current is None or not current.clients:
                return
            clients = current.clients
        export = ganesha.Export(
            name=instance_id, path=self.mount_path(instance_id),
            pseudo=pseudo_path(instance_id), clients=tuple(clients),
            source=source)
        errors = self.host.apply(
            [export], recreate=[instance_id] if remounted else [],
            current={instance_id: current} if current else {})
        if instance_id in errors:
            raise ganesha.GaneshaError(reason='ganesha on %s refused the '
                                       'export of %s: %s' % (
                                           self.host.host, instance_id,
                                           errors[instance_id]))

    def unpublish(self, instance_id):
        """No export, no bind mount (already gone: nothing to do)."""
        self.host.apply(remove=[instance_id], current=self.host.current(
            [instance_id]))
        self._unbind(instance_id)

    def move(self, instance_id, source):
        """Point an exported instance at ``source`` with the same clients
        (a readable replica after a sync)."""
        self.publish(instance_id, source)

    def restore(self):
        """After a reboot of the host the bind mounts are gone (tmpfs) and
        ganesha refused their exports. Read-only ones (a replica's
        snapshot) are mounted and exported again here. Writable ones are
        only returned (instance ids): whether such an instance is still
        the active is for the control plane to say; a stale old active
        must stay unexported until it is re-seeded."""
        current = self.host.current()
        if not current:
            return []
        mounts = {}
        for line in self.store.runner.execute(
                'findmnt', '-rn', '-o', 'TARGET,FSROOT',
                check=False).splitlines():
            target, _, root = line.partition(' ')
            mounts[target] = root.rstrip('/')
        writable, again = [], []
        repl_root = self.store.repl_root + '/'
        for name, found in sorted(current.items()):
            relative = '/' + os.path.relpath(found.source or '/',
                                             self.store.mount_point)
            if mounts.get(self.mount_path(name), '').endswith(relative):
                continue
            if not found.source.startswith(repl_root):
                writable.append(name)
                continue
            self._bind(name, found.source)
            again.append(ganesha.Export(
                name=name, path=self.mount_path(name),
                pseudo=pseudo_path(name), clients=found.clients,
                source=found.source))
        if again:
            self.host.apply(again, recreate=[e.name for e in again],
                            current=current)
        return writable

    def read_only(self, instance_id, source, clients=None):
        """Export ``source`` with every client read-only: ``clients`` or
        those of the current export."""
        if clients is None:
            current = self.current(instance_id)
            clients = current.clients if current else ()
        self.publish(instance_id, source, [
            ganesha.Client(c.address, 'ro') for c in clients])
