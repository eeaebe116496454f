"""Real btrfs file systems on loop devices, for the btrfs driver's tests.

Each is a sparse file (truncate), formatted with mkfs.btrfs, attached with
losetup and mounted; all of it is undone on exit, also on failure: umount
(lazily if busy), losetup -d, remove the file. Needs root, btrfs-progs and
loop devices: without them the tests skip, or FAIL when
MANILA_REPL_REQUIRE_SERVICES=1.
"""
import contextlib
import hashlib
import os
import shutil
import subprocess

from tests.functional import services


def _run(*argv):
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError('%s: %s' % (' '.join(argv), result.stderr))
    return result.stdout.strip()


def require_btrfs():
    if os.geteuid() != 0:
        services.unavailable('btrfs on loop devices', 'root is needed to '
                             'attach loop devices and mount')
    for tool in ('mkfs.btrfs', 'btrfs', 'losetup'):
        if shutil.which(tool) is None:
            services.unavailable('btrfs on loop devices', '%s is not '
                                 'installed (apt-get install btrfs-progs)' %
                                 tool)
    with open('/proc/filesystems') as f:
        if 'btrfs' not in f.read():
            subprocess.run(['modprobe', 'btrfs'], capture_output=True)


class LoopFs:
    def __init__(self, image, mount_point):
        self.image = image
        self.mount_point = mount_point
        self.device = None

    @property
    def mounted(self):
        return os.path.ismount(self.mount_point)

    def create(self, size):
        with open(self.image, 'wb') as f:
            f.truncate(size)
        _run('mkfs.btrfs', '-q', '-f', self.image)
        self.device = _run('losetup', '--find', '--show', self.image)
        os.makedirs(self.mount_point, exist_ok=True)
        self.mount()

    def mount(self):
        _run('mount', '-t', 'btrfs', self.device, self.mount_point)

    def unmount(self):
        result = subprocess.run(['umount', self.mount_point],
                                capture_output=True)
        if result.returncode != 0 and self.mounted:
            subprocess.run(['umount', '-l', self.mount_point],
                           capture_output=True)

    def destroy(self):
        if self.mounted:
            self.unmount()
        if self.device:
            subprocess.run(['losetup', '-d', self.device],
                           capture_output=True)
            self.device = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.image)
        with contextlib.suppress(OSError):
            os.rmdir(self.mount_point)


@contextlib.contextmanager
def filesystems(directory, names, size=256 << 20):
    """{name: LoopFs} mounted under ``directory``; all undone on exit."""
    require_btrfs()
    os.makedirs(str(directory), exist_ok=True)
    made = {}
    try:
        for name in names:
            fs = LoopFs(os.path.join(str(directory), name + '.img'),
                        os.path.join(str(directory), name))
            made[name] = fs
            try:
                fs.create(size)
            except RuntimeError as e:
                services.unavailable('btrfs on loop devices', str(e))
        yield made
    finally:
        for fs in made.values():
            fs.destroy()


def tree_digest(root):
    """{relative path: sha256 or 'dir'} of everything under ``root``."""
    root = os.path.realpath(root)
    digest = {}
    for base, dirs, files in os.walk(root):
        for d in dirs:
            digest[os.path.relpath(os.path.join(base, d), root)] = 'dir'
        for name in files:
            path = os.path.join(base, name)
            h = hashlib.sha256()
            with open(path, 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 20), b''):
                    h.update(chunk)
            digest[os.path.relpath(path, root)] = h.hexdigest()
    return digest
