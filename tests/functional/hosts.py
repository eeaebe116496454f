"""Real storage hosts and NFS clients on this machine, made by the tests.

A ``TestNet`` claims one /24 of the project's test-only subnet
10.213.0.0/16 (``10.213.N.0/24``, held with a lock file
``/run/manila-repl-testnet/N.lock`` for as long as it lives) and makes a
bridge in the root namespace with ``10.213.N.1`` (the managers reach the
hosts over ssh from there). Every name it makes (namespaces, links) starts
with ``mrNNN`` and a random tag, so leftovers of a crashed run of the same
N are recognised and removed before use, and two runs never collide.
Traffic goes only to namespaces made here.

A ``StorageHost`` is a network namespace (veth to the bridge, its own
address) with ONE long-lived mount namespace (a holder process) that its
daemons share: a loopback btrfs at ``/srv/btrfs``, private ``/run``,
``/root`` (its own ``~/.ssh``), ``/etc/ganesha``, ``/var/lib/nfs`` and
``/var/log/ganesha``, so what sshd's sessions and ganesha see is that
host's alone. It runs ``sshd`` (its own host key; the test's key and its
peers' keys authorised) and ``ganesha.nfsd`` bound to its address, with
``/etc/ganesha/ganesha.conf`` including ``/etc/ganesha/export.d/INDEX.conf``
(what the driver's export helper maintains).

A ``ClientHost`` is a namespace with an address on the bridge and the
user-space NFS client (nfs_client.py on libnfs).

Everything is torn down on exit, also after a failure: daemons, mounts
(the mount namespace dies with its last process; the loop device is
auto-cleared), namespaces, links, the bridge, the work directory.
"""
import contextlib
import fcntl
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

from tests.functional import services

LOCK_DIR = '/run/manila-repl-testnet'
WORK_ROOT = '/var/tmp/manila-repl-testnet'
NFS_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'nfs_client.py')
MOUNT_POINT = '/srv/btrfs'
GANESHA_CONF = '/etc/ganesha/ganesha.conf'
GANESHA_EXPORT_DIR = '/etc/ganesha/export.d'
GANESHA_PID = '/run/ganesha/ganesha.pid'
GANESHA_LOG = '/var/log/ganesha/ganesha.log'
TOOLS = ('ip', 'unshare', 'nsenter', 'ssh', 'ssh-keygen', 'ssh-keyscan',
         'mkfs.btrfs', 'btrfs', 'losetup', 'mount', 'ganesha.nfsd')


def run(argv, check=True, input=None, timeout=120):
    result = subprocess.run([str(a) for a in argv], input=input,
                            capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError('%s exited %d: %s' % (
            ' '.join(str(a) for a in argv), result.returncode,
            result.stderr.decode(errors='replace').strip()))
    return result.stdout.decode(errors='replace')


def require():
    """Skip (or fail under MANILA_REPL_REQUIRE_SERVICES=1) without root or
    a tool the hosts need."""
    what = 'test hosts (network namespaces, sshd, nfs-ganesha, btrfs)'
    if os.geteuid() != 0:
        services.unavailable(what, 'root is needed')
    missing = [t for t in TOOLS + ('/usr/sbin/sshd',)
               if shutil.which(t) is None]
    if missing:
        services.unavailable(what, 'missing %s (apt-get install iproute2 '
                             'openssh-server openssh-client btrfs-progs '
                             'nfs-ganesha nfs-ganesha-vfs)' %
                             ', '.join(missing))
    try:
        import ctypes
        ctypes.CDLL('libnfs.so.13')
    except OSError:
        services.unavailable(what, 'libnfs is missing (apt-get install '
                             'libnfs-utils)')


def _wait(predicate, what, timeout=30, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise RuntimeError('timed out after %ss waiting for %s' % (timeout,
                                                               what))


def _port_open(ip, port):
    try:
        with socket.create_connection((ip, port), timeout=1):
            return True
    except OSError:
        return False


def _kill_and_wait(pids, timeout=20):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _wait(lambda: not any(os.path.exists('/proc/%d' % p) for p in pids),
          'processes %s to end' % pids, timeout)


class TestNet:
    """One /24 of 10.213.0.0/16 with its bridge; hosts and clients on it.

    Use as a context manager; ``storage_host()`` and ``client()`` add
    machines (started at once).
    """

    def __init__(self):
        self.n = None
        self.lock_fd = None
        self.machines = []

    # -- claim and clean --------------------------------------------------
    def _claim(self):
        os.makedirs(LOCK_DIR, exist_ok=True)
        candidates = list(range(1, 255))
        random.shuffle(candidates)
        for n in candidates:
            fd = os.open(os.path.join(LOCK_DIR, '%d.lock' % n),
                         os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.n, self.lock_fd = n, fd
            return
        raise RuntimeError('no free /24 in 10.213.0.0/16')

    @property
    def prefix(self):
        return 'mr%03d' % self.n

    def clean_stale(self):
        """Remove what a crashed run holding the same N left behind (we
        hold N's lock: nothing named with its prefix is in use)."""
        for ns in run(['ip', 'netns', 'list']).split('\n'):
            ns = ns.split(' ')[0]
            if ns.startswith(self.prefix):
                pids = [int(p) for p in run(['ip', 'netns', 'pids', ns],
                                            check=False).split()]
                _kill_and_wait(pids)
                run(['ip', 'netns', 'delete', ns], check=False)
        for line in run(['ip', '-o', 'link', 'show']).splitlines():
            name = line.split(':')[1].strip().split('@')[0]
            if name.startswith(self.prefix):
                run(['ip', 'link', 'delete', name], check=False)
        stale = os.path.join(WORK_ROOT, str(self.n))
        for line in run(['losetup', '-l', '-n', '-O', 'NAME,BACK-FILE'],
                        check=False).splitlines():
            fields = line.split()
            if len(fields) == 2 and fields[1].startswith(stale + '/'):
                run(['losetup', '-d', fields[0]], check=False)
        shutil.rmtree(stale, ignore_errors=True)

    def __enter__(self):
        require()
        self._claim()
        try:
            self.clean_stale()
            self.tag = self.prefix + secrets.token_hex(2)
            self.workdir = os.path.join(WORK_ROOT, str(self.n), self.tag)
            os.makedirs(self.workdir)
            self.bridge = self.tag + 'br'
            run(['ip', 'link', 'add', self.bridge, 'type', 'bridge'])
            run(['ip', 'addr', 'add', self.address(1) + '/24', 'dev',
                 self.bridge])
            run(['ip', 'link', 'set', self.bridge, 'up'])
            # The test's own ssh key (the managers' identity).
            self.key = os.path.join(self.workdir, 'id_ed25519')
            run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C',
                 'manila-repl-test', '-f', self.key])
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for machine in reversed(self.machines):
            try:
                machine.destroy()
            except Exception as e:      # keep tearing down the rest
                print('tearing down %s: %s' % (machine.name, e),
                      file=sys.stderr)
        self.machines = []
        if self.n is not None:
            self.clean_stale()
            os.close(self.lock_fd)
            self.n = None

    def address(self, host_part):
        return '10.213.%d.%d' % (self.n, host_part)

    @property
    def public_key(self):
        with open(self.key + '.pub') as f:
            return f.read()

    # -- machines ---------------------------------------------------------
    def _plug(self, name, index):
        """A namespace with eth0 on the bridge at 10.213.N.<index>."""
        ns = '%s-%s' % (self.tag, name)
        veth = '%sv%d' % (self.tag, index)
        run(['ip', 'netns', 'add', ns])
        run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name',
             'eth0', 'netns', ns])
        run(['ip', 'link', 'set', veth, 'master', self.bridge, 'up'])
        run(['ip', '-n', ns, 'addr', 'add', self.address(index) + '/24',
             'dev', 'eth0'])
        run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up'])
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
        return ns

    def storage_host(self, name, size=2 << 30):
        index = 10 + sum(isinstance(m, StorageHost) for m in self.machines)
        host = StorageHost(self, name, index)
        self.machines.append(host)
        host.start(size)
        return host

    def client(self, name):
        index = 100 + sum(1 for m in self.machines
                          if isinstance(m, ClientHost) and not m.side)
        client = ClientHost(self, name, index)
        self.machines.append(client)
        client.start()
        return client

    def side_client(self, host, name):
        """A client wired to ``host`` alone (a veth pair into the host's
        namespace, not the bridge): it still reaches the host while the
        host is partitioned from everything else."""
        index = 200 + sum(1 for m in self.machines
                          if isinstance(m, ClientHost) and m.side)
        client = ClientHost(self, name, index, side=host)
        self.machines.append(client)
        client.start()
        return client

    def trust_each_other(self, hosts):
        """Every host may ssh to every other (keys and known_hosts in its
        own /root/.ssh): what an operator sets up for host-to-host
        send|receive."""
        for src in hosts:
            for dst in hosts:
                if src is not dst:
                    dst.authorize(src.client_public_key)
                    src.add_known_host(dst)


class StorageHost:
    def __init__(self, net, name, index):
        self.net = net
        self.name = name
        self.ip = net.address(index)
        self.dir = os.path.join(net.workdir, name)
        self.ns = None
        self.holder = None
        self.daemons = {}
        self.mount_point = MOUNT_POINT

    # -- running things on the host ---------------------------------------
    def argv(self, argv):
        return ['nsenter', '-t', str(self.holder.pid), '-m', '-n', '--'] + \
            [str(a) for a in argv]

    def exec(self, *argv, check=True, input=None, timeout=120):
        """Run a command on the host (its network and mount namespace)."""
        return run(self.argv(argv), check=check, input=input,
                   timeout=timeout)

    def path(self, *parts):
        """A path on the host's private directories, seen from here (the
        directories bound over /root, /etc/ganesha, ... live there)."""
        return os.path.join(self.dir, *parts)

    def _private(self, name, target):
        source = self.path(name)
        os.makedirs(source, exist_ok=True)
        self.exec('mount', '--bind', source, target)

    def start(self, size):
        os.makedirs(self.dir)
        self.ns = self.net._plug(self.name, int(self.ip.rsplit('.', 1)[1]))
        self.holder = subprocess.Popen(
            ['ip', 'netns', 'exec', self.ns, 'unshare', '--mount',
             '--propagation', 'private', 'sleep', 'infinity'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        mine = os.readlink('/proc/self/ns/mnt')

        def unshared():
            try:
                with open('/proc/%d/comm' % self.holder.pid) as f:
                    comm = f.read().strip()
                return comm == 'sleep' and os.readlink(
                    '/proc/%d/ns/mnt' % self.holder.pid) != mine
            except OSError:
                return False
        _wait(unshared, 'the mount namespace of %s' % self.name)
        self.exec('mount', '-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', '/run')
        self.exec('mkdir', '-p', '/run/sshd', '/run/ganesha')
        self.exec('mount', '-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', '/srv')
        for name, target in (('root', '/root'),
                             ('etc-ganesha', '/etc/ganesha'),
                             ('var-lib-nfs', '/var/lib/nfs'),
                             ('log-ganesha', '/var/log/ganesha')):
            self._private(name, target)
        os.chmod(self.path('root'), 0o700)
        self._make_btrfs(size)
        self._start_sshd()
        self._start_ganesha()

    def _make_btrfs(self, size):
        image = self.path('btrfs.img')
        with open(image, 'wb') as f:
            f.truncate(size)
        run(['mkfs.btrfs', '-q', '-f', image])
        self.exec('mkdir', '-p', MOUNT_POINT)
        self.exec('mount', '-o', 'loop', image, MOUNT_POINT)

    def _start_sshd(self):
        ssh_dir = self.path('root', '.ssh')
        os.makedirs(ssh_dir, mode=0o700)
        self.host_key = self.path('ssh_host_ed25519_key')
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', self.name,
             '-f', self.host_key])
        # Its own client key, to reach its peers (host-to-host transfers).
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C',
             'root@' + self.name, '-f', os.path.join(ssh_dir,
                                                      'id_ed25519')])
        self.authorize(self.net.public_key)
        config = self.path('sshd_config')
        with open(config, 'w') as f:
            f.write('\n'.join([
                'ListenAddress %s:22' % self.ip,
                'HostKey %s' % self.host_key,
                'PidFile /run/sshd.pid',
                'PermitRootLogin prohibit-password',
                'PasswordAuthentication no',
                'KbdInteractiveAuthentication no',
                'UsePAM no',
                'StrictModes no',
                'UseDNS no',
                'PrintMotd no',
                # Connection reuse multiplexes sessions on one connection.
                'MaxSessions 200',
                'MaxStartups 100:30:200',
                'AuthorizedKeysFile .ssh/authorized_keys',
            ]) + '\n')
        self._daemon('sshd', ['/usr/sbin/sshd', '-D', '-e', '-f', config])
        _wait(lambda: _port_open(self.ip, 22), 'sshd on %s' % self.name)

    def _start_ganesha(self):
        os.makedirs(self.path('etc-ganesha', 'export.d'), exist_ok=True)
        with open(self.path('etc-ganesha', 'export.d', 'INDEX.conf'),
                  'w') as f:
            f.write('')
        with open(self.path('etc-ganesha', 'ganesha.conf'), 'w') as f:
            f.write(GANESHA_TEMPLATE % {'ip': self.ip})
        self._daemon('ganesha', self.ganesha_argv())
        _wait(lambda: _port_open(self.ip, 2049), 'ganesha on %s' % self.name)

    def ganesha_argv(self):
        return ['ganesha.nfsd', '-F', '-f', GANESHA_CONF, '-L', GANESHA_LOG,
                '-p', GANESHA_PID, '-N', 'NIV_EVENT']

    def _daemon(self, name, argv):
        log = open(self.path('%s.out' % name), 'ab')
        self.daemons[name] = subprocess.Popen(
            self.argv(argv), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT)
        log.close()

    def stop_daemon(self, name):
        proc = self.daemons.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_ganesha(self):
        self.stop_daemon('ganesha')

    def start_ganesha(self):
        self._daemon('ganesha', self.ganesha_argv())
        _wait(lambda: _port_open(self.ip, 2049), 'ganesha on %s' % self.name)

    def ganesha_log(self):
        with open(self.path('log-ganesha', 'ganesha.log'),
                  errors='replace') as f:
            return f.read()

    # -- ssh trust --------------------------------------------------------
    def authorize(self, public_key):
        with open(self.path('root', '.ssh', 'authorized_keys'), 'a') as f:
            f.write(public_key.strip() + '\n')

    @property
    def client_public_key(self):
        with open(self.path('root', '.ssh', 'id_ed25519.pub')) as f:
            return f.read()

    def known_hosts_line(self):
        with open(self.host_key + '.pub') as f:
            kind, key = f.read().split()[:2]
        return '%s %s %s\n' % (self.ip, kind, key)

    def add_known_host(self, other):
        with open(self.path('root', '.ssh', 'known_hosts'), 'a') as f:
            f.write(other.known_hosts_line())

    # -- the network ------------------------------------------------------
    def partition(self):
        """Cut the host off the bridge (a real partition: its daemons keep
        running, nothing reaches them)."""
        run(['ip', '-n', self.ns, 'link', 'set', 'eth0', 'down'])

    def heal(self):
        run(['ip', '-n', self.ns, 'link', 'set', 'eth0', 'up'])

    def destroy(self):
        for name in list(self.daemons):
            self.stop_daemon(name)
        if self.holder is not None:
            self.exec('umount', '-l', MOUNT_POINT, check=False)
            self.holder.kill()
            self.holder.wait()
            self.holder = None
        if self.ns:
            pids = [int(p) for p in run(['ip', 'netns', 'pids', self.ns],
                                        check=False).split()]
            _kill_and_wait(pids)
            run(['ip', 'netns', 'delete', self.ns], check=False)


GANESHA_TEMPLATE = '''\
NFS_CORE_PARAM {
    Protocols = 4;
    NFS_Port = 2049;
    Bind_addr = %(ip)s;
    Enable_NLM = false;
    Enable_RQUOTA = false;
}
NFSV4 {
    Graceless = true;
    RecoveryBackend = fs;
}
%%include "/etc/ganesha/export.d/INDEX.conf"
'''


class ClientHost:
    def __init__(self, net, name, index, side=None):
        self.net = net
        self.name = name
        self.ip = net.address(index)
        self.ns = None
        self.side = side

    def start(self):
        if self.side is None:
            self.ns = self.net._plug(self.name,
                                     int(self.ip.rsplit('.', 1)[1]))
            return
        host = self.side
        self.ns = '%s-%s' % (self.net.tag, self.name)
        run(['ip', 'netns', 'add', self.ns])
        link = 'side%s' % self.ip.rsplit('.', 1)[1]
        run(['ip', 'link', 'add', link, 'netns', host.ns, 'type', 'veth',
             'peer', 'name', 'eth0', 'netns', self.ns])
        run(['ip', '-n', host.ns, 'link', 'set', link, 'up'])
        run(['ip', '-n', host.ns, 'route', 'add', self.ip + '/32', 'dev',
             link])
        run(['ip', '-n', self.ns, 'link', 'set', 'lo', 'up'])
        run(['ip', '-n', self.ns, 'link', 'set', 'eth0', 'up'])
        run(['ip', '-n', self.ns, 'addr', 'add', self.ip + '/32', 'dev',
             'eth0'])
        run(['ip', '-n', self.ns, 'route', 'add', host.ip + '/32', 'dev',
             'eth0'])

    def destroy(self):
        if self.ns:
            pids = [int(p) for p in run(['ip', 'netns', 'pids', self.ns],
                                        check=False).split()]
            _kill_and_wait(pids)
            run(['ip', 'netns', 'delete', self.ns], check=False)
            self.ns = None

    def argv(self, *args):
        return ['ip', 'netns', 'exec', self.ns, sys.executable, NFS_CLIENT] \
            + [str(a) for a in args]

    def nfs(self, *args, input=None, timeout=60):
        """(exit code, stdout, stderr) of an nfs_client.py command."""
        result = subprocess.run(self.argv(*args), input=input,
                                capture_output=True, timeout=timeout)
        return (result.returncode, result.stdout.decode(errors='replace'),
                result.stderr.decode(errors='replace').strip())

    @staticmethod
    def _split(location):
        server, _, export = location.partition(':')
        return server, export

    def write(self, location, path, data):
        """True when the file was written (and committed) over NFS; else
        the error text."""
        code, _, err = self.nfs('write', *self._split(location), path,
                                input=data)
        return True if code == 0 else err

    def put_tree(self, location, local):
        code, _, err = self.nfs('put', *self._split(location), local)
        return True if code == 0 else err

    def digest(self, location):
        code, out, err = self.nfs('digest', *self._split(location))
        if code != 0:
            raise AssertionError('digest of %s from %s: %s' %
                                 (location, self.name, err))
        return json.loads(out)

    def can_mount(self, location):
        code, _, err = self.nfs('mount', *self._split(location))
        return True if code == 0 else err

    @contextlib.contextmanager
    def probing(self, out_path, targets):
        """``targets``: {name: location}; a write every 100 ms on each
        while the block runs; yields a function reading the samples."""
        proc = subprocess.Popen(
            self.argv('probe', out_path, *('%s=%s' % kv
                                           for kv in targets.items())),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
        try:
            assert proc.stdout.readline().strip() == b'probing'

            def samples():
                with open(out_path) as f:
                    return [json.loads(line) for line in f if
                            line.endswith('\n')]
            yield samples
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
