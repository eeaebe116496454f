"""Commands on a storage host over ssh, for any driver.

The share manager drives a backend on another host the way Manila's
ZFSonLinux driver drives its storage hosts: every command is an argument
list run there by OpenSSH. What this module adds to a bare ``ssh``:

- **connection reuse**: one master connection per host (OpenSSH
  ControlMaster, kept ``ssh_control_persist`` seconds after its last use),
  so a periodic sync does not pay a handshake per command; the control
  sockets live under ``$state_path/ssh``;
- **host keys checked**: ``StrictHostKeyChecking=yes`` against a
  known_hosts file per backend (``ssh_known_hosts_file``) that the operator
  fills after checking the fingerprints; an unknown or changed host key
  makes the host unreachable with that reason, never a prompt;
- **bounded waits**: ``ConnectTimeout``, keep-alives that drop a connection
  to a host that went silent, and a timeout on every short command, so
  nothing waits for an unreachable host longer than configured;
- **errors sorted**: ssh's own failures (exit 255) raise
  ``ShareBackendUnreachable`` with a reason an operator can act on; the
  remote command's exit status and stderr are returned to the caller;
- **host to host**: ``host_pipe`` runs ``producer | ssh <other host>
  consumer`` ON the first host, so a stream between two remote hosts (btrfs
  send | receive) never passes through the manager's host. The first host
  logs in to the second with its own key (``ssh_peer_private_key_file``)
  and known_hosts (``ssh_peer_known_hosts_file``), paths on that host.

Each word of a remote command is quoted with ``shlex.quote`` (ssh hands the
remote shell one line); nothing here builds a command from user input.
"""
import hashlib
import os
import shlex
import subprocess
import tempfile

from oslo_config import cfg
from oslo_log import log as logging

from manila_repl.conf import backend as backend_conf
from manila_repl import exception

LOG = logging.getLogger(__name__)

ssh_opts = [
    cfg.StrOpt('ssh_known_hosts_file',
               help='known_hosts file with the host key of this backend\'s '
                    'storage host (checked strictly: an unknown or changed '
                    'key makes the backend unreachable). Default: '
                    '$state_path/ssh/<backend>.known_hosts. Fill it with '
                    'ssh-keyscan after checking the fingerprint.'),
    cfg.StrOpt('ssh_private_key_file',
               help='Private key the share manager logs in with; default: '
                    'ssh\'s own choice (~/.ssh/id_*).'),
    cfg.PortOpt('ssh_port', default=22,
                help='sshd port of the storage host.'),
    cfg.IntOpt('ssh_command_timeout', default=30, min=1,
               help='Seconds a short command (a check, a file operation, a '
                    'snapshot) may take on the storage host before the '
                    'host counts as unreachable. Transfers are not bounded '
                    'by it: a host that stops answering during one is '
                    'detected by keep-alives (ssh_keepalive_interval).'),
    cfg.IntOpt('ssh_keepalive_interval', default=2, min=1,
               help='Seconds between keep-alives on a connection; after 3 '
                    'unanswered ones it is dropped.'),
    cfg.IntOpt('ssh_control_persist', default=600, min=0,
               help='Seconds the shared connection to the storage host '
                    'stays open after its last command (0: a connection '
                    'per command).'),
    cfg.StrOpt('ssh_peer_private_key_file',
               help='Path ON this backend\'s storage host of the key it '
                    'uses to log in to the other backends\' hosts when it '
                    'streams a replica to them (host to host). Default: '
                    'ssh\'s own choice there.'),
    cfg.StrOpt('ssh_peer_known_hosts_file',
               help='Path ON this backend\'s storage host of the '
                    'known_hosts file with the other backends\' host keys. '
                    'Default: ~/.ssh/known_hosts there.'),
]
backend_conf.add_driver_opts(ssh_opts)

# A unix socket path has room for 107 bytes: the directory, "/", a tag
# (8 hex and "-"), %C (40 hex) and the ".<16 random>" suffix of ssh's
# temporary name.
_MAX_CONTROL_DIR = 38
_KEEPALIVE_COUNT = 3


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def unreachable_reason(host, known_hosts, stderr):
    """What an operator should read for ssh's exit 255."""
    text = (stderr or '').strip()
    if 'IDENTIFICATION HAS CHANGED' in text or \
            'key for %s has changed' % host in text:
        return ('the host key of %s does not match the one in %s (check '
                'the host, then replace its line)' % (host, known_hosts))
    if 'Host key verification failed' in text or \
            'No matching host key' in text or 'host key is known' in text:
        return ('the host key of %s is not in %s (check its fingerprint, '
                'then add it, e.g. with ssh-keyscan)' % (host, known_hosts))
    if 'Permission denied' in text:
        return 'login to %s refused: %s' % (host, text.splitlines()[-1])
    last = text.splitlines()[-1] if text else 'ssh exited 255'
    return '%s does not answer: %s' % (host, last)


class Transport:
    """ssh to one storage host, for backend ``name``.

    :param host: address or name of the host (as ssh and known_hosts
        know it).
    """

    def __init__(self, name, host, user=None, port=22, known_hosts=None,
                 private_key=None, connect_timeout=5, command_timeout=30,
                 keepalive=2, control_dir=None, control_persist=600,
                 peer_private_key=None, peer_known_hosts=None):
        self.name = name
        self.host = host
        self.user = user
        self.port = port
        self.known_hosts = known_hosts
        self.private_key = private_key
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.keepalive = keepalive
        self.control_dir = control_dir and short_control_dir(control_dir)
        self.control_persist = control_persist
        self.peer_private_key = peer_private_key
        self.peer_known_hosts = peer_known_hosts

    @classmethod
    def for_backend(cls, conf, backend_name, host, user=None,
                    connect_timeout=5):
        """The transport of a backend from its config section."""
        section = backend_conf.backend_config(conf, backend_name)
        ssh_dir = os.path.join(conf.state_path, 'ssh')
        known_hosts = section.ssh_known_hosts_file or os.path.join(
            ssh_dir, '%s.known_hosts' % backend_name)
        return cls(backend_name, host, user=user, port=section.ssh_port,
                   known_hosts=known_hosts,
                   private_key=section.ssh_private_key_file,
                   connect_timeout=connect_timeout,
                   command_timeout=section.ssh_command_timeout,
                   keepalive=section.ssh_keepalive_interval,
                   control_dir=os.path.join(ssh_dir, 'cm'),
                   control_persist=section.ssh_control_persist,
                   peer_private_key=section.ssh_peer_private_key_file,
                   peer_known_hosts=section.ssh_peer_known_hosts_file)

    remote = True

    @property
    def probe_timeout(self):
        """Seconds a check of the host may take: a new connection's
        timeout, or a dead shared connection's detection by keep-alives."""
        return max(self.connect_timeout,
                   self.keepalive * (_KEEPALIVE_COUNT + 1)) + 1

    def __repr__(self):
        return 'ssh(%s)' % self.destination

    @property
    def destination(self):
        return '%s@%s' % (self.user, self.host) if self.user else self.host

    # -- argument lists ---------------------------------------------------
    def _options(self, known_hosts=None, private_key=None,
                 control_path=None):
        opts = ['-o', 'BatchMode=yes',
                '-o', 'StrictHostKeyChecking=yes',
                '-o', 'ConnectTimeout=%d' % self.connect_timeout,
                '-o', 'ServerAliveInterval=%d' % self.keepalive,
                '-o', 'ServerAliveCountMax=%d' % _KEEPALIVE_COUNT]
        if known_hosts:
            opts += ['-o', 'UserKnownHostsFile=%s' % known_hosts]
        if private_key:
            opts += ['-i', private_key, '-o', 'IdentitiesOnly=yes']
        if self.port != 22:
            opts += ['-p', str(self.port)]
        if control_path and self.control_persist:
            opts += ['-o', 'ControlMaster=auto',
                     '-o', 'ControlPath=%s' % control_path,
                     '-o', 'ControlPersist=%d' % self.control_persist]
        return opts

    def _own_options(self):
        control_path = None
        if self.control_dir:
            control_path = os.path.join(self.control_dir, '%s-%%C' % _tag(
                self.name, self.known_hosts, self.private_key))
        return self._options(self.known_hosts, self.private_key,
                             control_path)

    def argv(self, argv):
        """The local argument list that runs ``argv`` on the host."""
        return ['ssh'] + self._own_options() + [self.destination, '--'] + \
            [shlex.quote(str(a)) for a in argv]

    def peer_argv(self, argv, source):
        """The argument list that runs ``argv`` on THIS host when run on
        ``source``'s host (its key and known_hosts, paths there; the
        connection is reused on the source host too: a sync without
        changes pays no handshake there either)."""
        opts = self._options(
            source.peer_known_hosts, source.peer_private_key,
            '~/.ssh/manila-repl-%s-%%C' % _tag(
                source.name, source.peer_known_hosts,
                source.peer_private_key))
        return ['ssh'] + opts + [self.destination, '--'] + \
            [shlex.quote(str(a)) for a in argv]

    # -- running ----------------------------------------------------------
    def _prepare(self):
        if self.control_dir:
            os.makedirs(self.control_dir, mode=0o700, exist_ok=True)

    def unreachable(self, stderr):
        return exception.ShareBackendUnreachable(
            backend=self.name, reason=unreachable_reason(
                self.host, self.known_hosts, stderr))

    def run(self, argv, input=None, timeout=None, popen_kwargs=None):
        """Run ``argv`` on the host and wait; returns a Result (text).

        :param input: bytes or text for the command's stdin.
        :param timeout: seconds; default ``command_timeout``. Pass 0 for
            none (transfers).
        :raises: ShareBackendUnreachable when ssh cannot connect, log in or
            verify the host, or the host does not answer in time.
        """
        self._prepare()
        timeout = self.command_timeout if timeout is None else timeout
        try:
            result = run_process(self.argv(argv), input, timeout,
                                 popen_kwargs)
        except subprocess.TimeoutExpired:
            # The shared connection may be the one that hangs.
            self.close()
            raise exception.ShareBackendUnreachable(
                backend=self.name, reason='%s did not answer within %ss' %
                (self.host, timeout))
        if result.returncode == 255:
            raise self.unreachable(result.stderr)
        return result

    def close(self):
        """End the shared connection (the next command opens a new one)."""
        if not (self.control_dir and self.control_persist):
            return
        subprocess.run(['ssh'] + self._own_options() + ['-O', 'exit',
                                                        self.destination],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=10)


class Local:
    """Commands on this host, with the interface of Transport."""

    remote = False
    probe_timeout = None

    def __init__(self, name, command_timeout=None):
        self.name = name
        self.host = 'localhost'
        self.command_timeout = command_timeout

    def __repr__(self):
        return 'local'

    def argv(self, argv):
        return [str(a) for a in argv]

    def run(self, argv, input=None, timeout=None, popen_kwargs=None):
        timeout = self.command_timeout if timeout is None else timeout
        try:
            return run_process(self.argv(argv), input, timeout,
                               popen_kwargs)
        except subprocess.TimeoutExpired:
            raise exception.ShareDriverError(
                reason='%s did not finish within %ss' % (argv[0], timeout))
        except OSError as e:
            return Result(127, '', str(e))

    def close(self):
        pass


def run_process(argv, input, timeout, popen_kwargs=None):
    """Run and wait; stdout/stderr as text; TimeoutExpired after killing
    the process when ``timeout`` (seconds, 0/None: none) passes."""
    if isinstance(input, str):
        input = input.encode()
    result = subprocess.run(argv, input=input or b'', capture_output=True,
                            timeout=timeout or None, **(popen_kwargs or {}))
    return Result(result.returncode,
                  result.stdout.decode('utf-8', 'replace'),
                  result.stderr.decode('utf-8', 'replace'))


def _tag(*identity):
    """A shared connection is reused only by the backend that opened it,
    with the same known_hosts and key: %C alone (hosts, port, user) would
    let a backend whose known_hosts does not match a host ride on another
    backend's verified connection to it."""
    return hashlib.sha1(repr(identity).encode()).hexdigest()[:8]


def short_control_dir(path):
    """Where the control sockets go: ``path``, or a short private
    directory named after it when that path is too long for a socket."""
    if len(path) <= _MAX_CONTROL_DIR:
        return path
    digest = hashlib.sha1(path.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), 'manila-repl-cm-%d-%s' %
                        (os.getuid(), digest))


def host_pipe_script(producer, consumer):
    """A bash script running ``producer | consumer`` (argument lists,
    already wrapped) that reports which side failed: exit 0, or 3 with
    "producer exited X; consumer exited Y" on stderr; 4 when the consumer
    is an ssh that could not reach its host (exit 255)."""
    return ('%s | %s; rc=("${PIPESTATUS[@]}"); '
            '[ "${rc[0]}" = 0 ] && [ "${rc[1]}" = 0 ] && exit 0; '
            'echo "producer exited ${rc[0]}; consumer exited ${rc[1]}" >&2; '
            '[ "${rc[1]}" = 255 ] && exit 4; exit 3' % (
                ' '.join(shlex.quote(a) for a in producer),
                ' '.join(shlex.quote(a) for a in consumer)))
