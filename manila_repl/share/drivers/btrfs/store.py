"""One btrfs backend's file system, seen from the driver: its layout and
the file operations on it, locally or over ssh.

Layout under the mount point::

    shares/<id>             the active's writable subvolume; for a readable
                            replica a symlink to its newest received
                            snapshot (replaced atomically at every sync)
    shares/<id>.promote     a writable snapshot while a promote runs
    .repl/<id>/<src>@<n>    read-only replication snapshots of instance
                            <id>: taken by it while active (<src> = <id>) or
                            received from the active <src>; <n> is a
                            nanosecond stamp, increasing along a chain
    .snap/<id>/<snap id>    read-only user snapshots of instance <id>
                            (<snap id>: the snapshot instance's id)

Only instance and snapshot instance ids (uuids the control plane generates)
and names built here become path components; all are validated.
"""
import collections
import os
import re

from oslo_log import log as logging

from manila_repl import exception
from manila_repl.share.drivers.btrfs import commands

UUID = r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
_UUID_RE = re.compile(UUID + r'\Z')
LOG = logging.getLogger(__name__)
SNAPSHOT_RE = re.compile(r'(?P<source>%s)@(?P<stamp>[0-9]{1,20})\Z' % UUID)


def check_id(instance_id):
    if not isinstance(instance_id, str) or not _UUID_RE.match(instance_id):
        raise exception.ShareDriverError(
            reason='refusing instance id %r as a path component: not a '
                   'lower-case uuid' % (instance_id,))
    return instance_id


def snapshot_name(source_id, stamp):
    return '%s@%d' % (check_id(source_id), stamp)


def stamp_of(name):
    return int(SNAPSHOT_RE.match(name).group('stamp'))


def source_of(name):
    return SNAPSHOT_RE.match(name).group('source')


# First of every checked script: $M must be a mounted btrfs (else exit 9),
# so that nothing is made in the empty directory of an unmounted one.
_MOUNTED = '''M=$1
shift
if [ "$(findmnt -n -o FSTYPE --mountpoint "$M" | tail -n 1)" != btrfs ]; then
    echo "$M is not a mounted btrfs file system" >&2
    exit 9
fi
'''
_NOT_MOUNTED = 9

# $1: the subvolume, $2: the snapshot to take of it, $3 (optional): its
# newest snapshot; when $1 has not changed since $3 (the same generation
# once btrfs committed every write so far), no snapshot: says "unchanged".
_SNAPSHOT = '''
gen() {
    btrfs subvolume show "$1" | awk '/^[[:space:]]*Generation:/ { print $2 }'
}
# A different generation needs no commit to tell a change.
if [ -n "$3" ] && [ "$(gen "$1")" = "$(gen "$3")" ]; then
    btrfs filesystem sync "$M" >/dev/null || exit 1
    if [ "$(gen "$1")" = "$(gen "$3")" ]; then
        echo unchanged
        exit 0
    fi
fi
btrfs subvolume snapshot -r "$1" "$2" >/dev/null || exit 1
echo taken
'''

# $1: a received subvolume, $2: its size limit, $3: a link to point at
# $4 (relative), atomically (a rename over it); "" for no link.
_RECEIVED = '''
btrfs qgroup limit "$2" "$1" || exit 1
[ -z "$3" ] && exit 0
mkdir -p "${3%/*}" && ln -sfn "$4" "$3.link" && mv -T "$3.link" "$3"
'''

# $1: a replication directory (made), $2 and $3: paths whose kind is
# wanted. Prints the names in $1, "#ro ro=<flag>" of the newest snapshot
# and "#kind <path>\t<stat %F>" of $2 and $3 ("" when missing).
_INSPECT = r'''
mkdir -p "$1" && cd "$1" || exit 1
names=$(find . -mindepth 1 -maxdepth 1 -printf "%f\n")
[ -n "$names" ] && printf '%s\n' "$names"
newest=$(printf '%s\n' "$names" | grep '@' | sort -t@ -k2,2n | tail -n 1)
[ -n "$newest" ] && printf '#ro %s\n' "$(btrfs property get -ts "$newest" ro)"
for p in "$2" "$3"; do
    printf '#kind %s\t%s\n' "$p" "$(stat -c %F "$p" 2>/dev/null)"
done
exit 0
'''


class Inspection(collections.namedtuple(
        'Inspection', 'names newest_writable share_kind promote_kind')):
    """See Store.inspect."""


class Store:
    """The file system of backend ``name`` mounted at ``mount_point`` on the
    host ``runner`` runs commands on."""

    def __init__(self, name, mount_point, runner, down=None):
        """:param down: why the host was found unreachable lately (the
        driver's memory): checks fail at once instead of waiting for it
        again; None to ask the host."""
        if not mount_point or not os.path.isabs(mount_point):
            raise exception.ShareDriverError(
                reason='backend %s: btrfs_mount_point must be an absolute '
                       'path, not %r' % (name, mount_point))
        self.name = name
        self.mount_point = os.path.normpath(mount_point)
        self.runner = runner
        self.down = down

    # -- layout -----------------------------------------------------------
    @property
    def shares_dir(self):
        return os.path.join(self.mount_point, 'shares')

    @property
    def repl_root(self):
        return os.path.join(self.mount_point, '.repl')

    def share_path(self, instance_id):
        return os.path.join(self.shares_dir, check_id(instance_id))

    def promote_path(self, instance_id):
        return self.share_path(instance_id) + '.promote'

    def repl_dir(self, instance_id):
        return os.path.join(self.repl_root, check_id(instance_id))

    def snapshot_path(self, instance_id, name):
        if not SNAPSHOT_RE.match(name):
            raise exception.ShareDriverError(
                reason='not a replication snapshot name: %r' % name)
        return os.path.join(self.repl_dir(instance_id), name)

    @property
    def snap_root(self):
        return os.path.join(self.mount_point, '.snap')

    def user_snapshot_dir(self, instance_id):
        return os.path.join(self.snap_root, check_id(instance_id))

    def user_snapshot_path(self, instance_id, snapshot_instance_id):
        return os.path.join(self.user_snapshot_dir(instance_id),
                            check_id(snapshot_instance_id))

    @staticmethod
    def link_target(instance_id, name):
        """Symlink target from shares/<id> to its snapshot (relative, so
        the file system can be mounted elsewhere)."""
        return os.path.join('..', '.repl', check_id(instance_id), name)

    # -- reachability -----------------------------------------------------
    def check(self):
        """None when a btrfs is mounted at the mount point (over ssh for a
        remote one), else why not."""
        if self.down:
            return self.down
        if self.runner.remote:
            try:
                out = self.runner.execute(
                    'findmnt', '-n', '-o', 'FSTYPE', '--mountpoint',
                    self.mount_point, check=False,
                    timeout=self.runner.transport.probe_timeout)
            except exception.ShareBackendUnreachable as e:
                return e.kwargs.get('reason') or str(e)
            except Exception as e:
                return str(e)
            mounted = out.strip().splitlines()[-1:] == ['btrfs']
        else:
            mounted = commands.mounted_btrfs(self.mount_point)
        if mounted:
            return None
        return '%s is not a mounted btrfs file system%s' % (
            self.mount_point, ' on %s' % self.runner.ssh_host
            if self.runner.remote else '')

    def reachable(self):
        return self.check() is None

    def require(self):
        why = self.check()
        if why is not None:
            raise exception.ShareBackendUnreachable(backend=self.name,
                                                    reason=why)

    # -- commands ---------------------------------------------------------
    def btrfs(self, *args):
        return self.runner.execute('btrfs', *args)

    def capacity(self):
        """(total bytes, free bytes) of the file system."""
        if not self.runner.remote:
            st = os.statvfs(self.mount_point)
            return st.f_frsize * st.f_blocks, st.f_frsize * st.f_bavail
        out = self.runner.execute('stat', '-f', '-c', '%S %b %a',
                                  self.mount_point)
        size, blocks, avail = (int(x) for x in out.split())
        return size * blocks, size * avail

    # -- file operations --------------------------------------------------
    def kind(self, path):
        """'missing', 'link' or 'dir' (a subvolume here) or 'other'."""
        if not self.runner.remote:
            if os.path.islink(path):
                return 'link'
            if os.path.isdir(path):
                return 'dir'
            return 'other' if os.path.lexists(path) else 'missing'
        out = self.runner.execute('stat', '-c', '%F', path,
                                  check=False).strip()
        return {'': 'missing', 'symbolic link': 'link',
                'directory': 'dir'}.get(out, 'other')

    def kinds(self, paths):
        """{path: kind} of several paths, with one command."""
        if not self.runner.remote:
            return {p: self.kind(p) for p in paths}
        out = self.runner.execute('stat', '-c', '%n\t%F', *paths,
                                  check=False)
        found = dict(line.split('\t', 1) for line in out.splitlines()
                     if '\t' in line)
        return {p: 'missing' if p not in found else
                {'symbolic link': 'link', 'directory': 'dir'}.get(
                    found[p], 'other') for p in paths}

    def listdir(self, path, create=False):
        """Names in ``path`` (made first when ``create``)."""
        if not self.runner.remote:
            if create:
                os.makedirs(path, exist_ok=True)
            try:
                return os.listdir(path)
            except FileNotFoundError:
                return []
        if create:
            out = self.runner.execute(
                'sh', '-c', 'mkdir -p "$1" && find "$1" -mindepth 1 '
                '-maxdepth 1 -printf "%f\n"', 'sh', path)
        else:
            out = self.runner.execute('find', path, '-mindepth', '1',
                                      '-maxdepth', '1', '-printf', r'%f\n',
                                      check=False)
        return [n for n in out.splitlines() if n]

    def makedirs(self, path):
        if not self.runner.remote:
            os.makedirs(path, exist_ok=True)
        else:
            self.runner.execute('mkdir', '-p', path)

    def rmdir(self, path):
        if not self.runner.remote:
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
        else:
            self.runner.execute('rm', '-d', '-f', path, check=False)

    def replace_symlink(self, link, target):
        """Point ``link`` at ``target`` atomically (rename over it)."""
        tmp = link + '.link'
        if not self.runner.remote:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            os.symlink(target, tmp)
            os.replace(tmp, link)
        else:
            self.runner.execute(
                'sh', '-c', 'mkdir -p "${2%/*}" && ln -sfn "$1" "$3" && '
                'mv -T "$3" "$2"', 'sh', target, link, tmp)

    def remove_link(self, path):
        if not self.runner.remote:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        else:
            self.runner.execute('rm', '-f', path)

    def rename(self, source, target):
        if not self.runner.remote:
            os.rename(source, target)
        else:
            self.runner.execute('mv', '-T', source, target)

    # -- subvolumes -------------------------------------------------------
    def delete_subvolume(self, path):
        """Delete a subvolume; gone already is success."""
        if self.kind(path) == 'missing':
            return
        self.btrfs('subvolume', 'delete', path)

    def delete_subvolumes(self, paths):
        """Delete several subvolumes with one command (gone: skipped)."""
        paths = [p for p in paths if self.kind(p) != 'missing']
        if paths:
            self.btrfs('subvolume', 'delete', *paths)

    def start_delete_subvolumes(self, paths, listed=False):
        """As ``delete_subvolumes``, without waiting: returns a handle for
        ``finish`` (None when there was nothing to delete). ``listed``:
        the paths were just listed (not checked again)."""
        if not listed and paths:
            kinds = self.kinds(paths)
            paths = [p for p in paths if kinds[p] != 'missing']
        if not paths:
            return None
        return self.runner.start('btrfs', 'subvolume', 'delete', *paths)

    def finish(self, started):
        if started is not None:
            self.runner.finish(started)

    def remove_share_path(self, instance_id):
        """shares/<id>, whether a symlink or a subvolume."""
        for path in (self.share_path(instance_id) + '.link',
                     self.share_path(instance_id)):
            kind = self.kind(path)
            if kind == 'link':
                self.remove_link(path)
            elif kind == 'dir':
                self.btrfs('subvolume', 'delete', path)
        self.delete_subvolume(self.promote_path(instance_id))

    def checked(self, script, *args):
        """Run a shell script on the host once its btrfs is found mounted
        (in the same command); returns its stdout.

        :raises: ShareBackendUnreachable (not mounted, host silent, or
            known down), CommandError.
        """
        if self.down:
            raise exception.ShareBackendUnreachable(backend=self.name,
                                                    reason=self.down)
        argv = ['sh', '-c', _MOUNTED + script, 'sh', self.mount_point]
        result = self.runner.run(argv + [str(a) for a in args])
        if result.returncode == _NOT_MOUNTED:
            raise exception.ShareBackendUnreachable(
                backend=self.name, reason=result.stderr.strip() + (
                    ' on %s' % self.runner.ssh_host
                    if self.runner.remote else ''))
        if result.returncode != 0:
            raise commands.CommandError(argv[:3], result.returncode,
                                        result.stderr)
        return result.stdout

    def snapshots(self, instance_id, create=False):
        """Replication snapshot names of an instance, oldest first (with
        ``create``: its directory is made, the file system checked first,
        in the same command)."""
        directory = self.repl_dir(instance_id)
        if create:
            listed = self.checked('mkdir -p "$1" && find "$1" -mindepth 1 '
                                  '-maxdepth 1 -printf "%f\\n"',
                                  directory).splitlines()
        else:
            listed = self.listdir(directory)
        return sorted((n for n in listed if SNAPSHOT_RE.match(n)),
                      key=stamp_of)

    def snapshot(self, path, target, unless_same_as=None):
        """``btrfs subvolume snapshot -r path target``; with
        ``unless_same_as`` (the newest snapshot of ``path``) none is taken
        when ``path`` has not changed since that one (the same generation
        once btrfs committed every write so far: uncommitted ones do not
        show). One command. Returns True when it took one."""
        out = self.checked(_SNAPSHOT, path, target, unless_same_as or '')
        return out.strip() == 'taken'

    def received(self, path, size_gib, link=None, target=None):
        """After a receive: the qgroup limit of ``path`` and, optionally,
        ``link`` pointed at ``target`` atomically. One command."""
        self.checked(_RECEIVED, path, '%dG' % size_gib, link or '',
                     target or '')

    def inspect(self, instance_id):
        """What a sync needs to know of an instance here, with one
        command: its replication snapshot names (oldest first; the
        directory is made), whether the newest is writable (a receive
        that never finished), and the kinds of ``shares/<id>`` and its
        ``.promote`` path."""
        out = self.checked(_INSPECT, self.repl_dir(instance_id),
                           self.share_path(instance_id),
                           self.promote_path(instance_id))
        names, flags, kinds = [], {}, {}
        for line in out.splitlines():
            if line.startswith('#ro '):
                flags['ro'] = line[4:].strip()
            elif line.startswith('#kind '):
                path, _, kind = line[6:].partition('\t')
                kinds[path] = {'symbolic link': 'link', 'directory': 'dir',
                               '': 'missing'}.get(kind, 'other')
            elif SNAPSHOT_RE.match(line):
                names.append(line)
        return Inspection(sorted(names, key=stamp_of),
                          flags.get('ro') == 'ro=false',
                          kinds.get(self.share_path(instance_id), 'missing'),
                          kinds.get(self.promote_path(instance_id),
                                    'missing'))

    def discard_partial_receive(self, instance_id, seen=None):
        """Delete the newest replication snapshot of an instance if it is
        a receive that never finished (its manager was killed midway: a
        finished receive is read-only, a partial one writable). It would
        otherwise pass for the newest snapshot: the base of the next
        incremental, what a promote makes writable.

        :param seen: the instance's Inspection, if just made.
        :returns: the names left, oldest first.
        """
        seen = seen or self.inspect(instance_id)
        names = seen.names
        if not names or not seen.newest_writable:
            return names
        newest = self.snapshot_path(instance_id, names[-1])
        LOG.warning('%s on %s is a receive that never finished; deleting '
                    'it', newest, self.name)
        self.delete_subvolume(newest)
        return names[:-1]

    def user_snapshots(self, instance_id):
        """User snapshot instance ids held for an instance."""
        return sorted(n for n in self.listdir(
            self.user_snapshot_dir(instance_id)) if _UUID_RE.match(n))

    def remove_instance(self, instance_id):
        """Every subvolume and path of an instance on this backend (its
        user snapshots too: the control plane deletes a share that has
        snapshots only when forced)."""
        self.remove_share_path(instance_id)
        self.delete_subvolumes([self.snapshot_path(instance_id, name)
                                for name in self.snapshots(instance_id)])
        self.rmdir(self.repl_dir(instance_id))
        self.delete_subvolumes([
            self.user_snapshot_path(instance_id, snap)
            for snap in self.user_snapshots(instance_id)])
        self.rmdir(self.user_snapshot_dir(instance_id))
