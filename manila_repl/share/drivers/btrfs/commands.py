"""Commands on a btrfs backend, local or over ssh, and the send|receive pipe.

Every command is an argument list, never a shell string run locally. For a
backend on another host it runs over ssh (ssh.py: a shared connection per
host, host keys checked, bounded waits; each word quoted for the remote
shell).

A transfer between two remote hosts runs ``btrfs send | ssh <target>
btrfs receive`` on the source host (host to host). Otherwise the pipe runs
``btrfs send`` and ``btrfs receive`` here as two processes, the stream
going from one to the other through an OS pipe: Python never reads it.
The stderr of both goes to temporary files (a full stderr pipe would
block a process) and is surfaced in the error message. Every child dies
with the manager that started it (children.py).
"""
import os
import subprocess
import tempfile

from oslo_log import log as logging

from manila_repl import exception
from manila_repl.share.drivers import children
from manila_repl.share.drivers import ssh

LOG = logging.getLogger(__name__)


class CommandError(exception.ShareDriverError):
    """A command failed; ``stderr`` and ``exit_code`` are kept."""

    def __init__(self, argv, exit_code, stderr):
        self.argv = list(argv)
        self.exit_code = exit_code
        self.stderr = (stderr or '').strip()
        super().__init__(reason='%s exited %s: %s' % (
            ' '.join(self.argv[:6]) + (' ...' if len(self.argv) > 6 else ''),
            exit_code, self.stderr or '(no error output)'))


class Runner:
    """Runs commands on the host of one backend, through its transport:
    ``ssh.Local`` (this host) or ``ssh.Transport`` (over ssh, one shared
    connection, host key checked, bounded waits).

    :param on_unreachable: called with the ShareBackendUnreachable raised
        when the host does not answer (the driver remembers it).
    """

    def __init__(self, transport=None, on_unreachable=None):
        self.transport = transport or ssh.Local('local')
        self.on_unreachable = on_unreachable

    @property
    def remote(self):
        return self.transport.remote

    @property
    def ssh_host(self):
        return self.transport.host if self.remote else None

    def __repr__(self):
        return 'Runner(%r)' % (self.transport,)

    def wrap(self, argv):
        """The argument list that runs ``argv`` on the backend's host."""
        return self.transport.argv([str(a) for a in argv])

    def _unreachable(self, error):
        if self.on_unreachable is not None:
            self.on_unreachable(error)
        return error

    def run(self, argv, input=None, timeout=None):
        """The transport's Result (exit status, stdout, stderr: text)."""
        try:
            return self.transport.run([str(a) for a in argv], input=input,
                                      timeout=timeout,
                                      popen_kwargs=children.popen_kwargs())
        except exception.ShareBackendUnreachable as e:
            raise self._unreachable(e)

    def execute(self, *argv, check=True, timeout=None, input=None):
        """Run ``argv``; returns its stdout (text).

        :param timeout: seconds; default: the transport's command timeout
            (none on this host); 0: none.
        :raises: CommandError (stderr in the message) on a non-zero exit
            when ``check``; ``ShareBackendUnreachable`` when the host does
            not answer (ssh could not connect, log in or verify it).
        """
        result = self.run(argv, input=input, timeout=timeout)
        if check and result.returncode != 0:
            raise CommandError(self.wrap(argv), result.returncode,
                               result.stderr)
        return result.stdout

    def start(self, *argv):
        """Start ``argv`` without waiting; ``finish`` waits for it.

        For work that may overlap another command (pruning during a
        transfer). Its output is discarded, its stderr kept (small)."""
        full = self.wrap(argv)
        err = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(full, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err,
                                    **children.popen_kwargs())
        except OSError as e:
            err.close()
            raise CommandError(full, 'not run', str(e))
        return full, proc, err

    def finish(self, started):
        """Wait for a command from ``start``; raises as ``execute``."""
        full, proc, err = started
        with err:
            code = proc.wait()
            stderr = _read(err)
        if code == 255 and self.remote:
            raise self._unreachable(self.transport.unreachable(stderr))
        if code != 0:
            raise CommandError(full, code, stderr)


def _read(handle):
    handle.seek(0)
    return handle.read().decode('utf-8', 'replace').strip()


def pipe(send_argv, receive_argv):
    """Run ``send_argv | receive_argv`` without a shell.

    Both argument lists are final (already wrapped for ssh). The stream
    flows through an OS pipe between the two children.

    :returns: None when both exit 0.
    :raises: CommandError naming the side(s) that failed, with their stderr.
    """
    with tempfile.TemporaryFile() as send_err, \
            tempfile.TemporaryFile() as recv_err:
        sender = subprocess.Popen(send_argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=send_err,
                                  **children.popen_kwargs())
        try:
            receiver = subprocess.Popen(receive_argv, stdin=sender.stdout,
                                        stdout=subprocess.DEVNULL,
                                        stderr=recv_err,
                                        **children.popen_kwargs())
        except BaseException:
            sender.kill()
            sender.wait()
            raise
        finally:
            # Only the children hold the pipe now: the sender gets SIGPIPE
            # if the receiver dies, the receiver EOF if the sender does.
            sender.stdout.close()
        receive_code = receiver.wait()
        send_code = sender.wait()
        if send_code == 0 and receive_code == 0:
            return
        errors = []
        if send_code != 0:
            errors.append('send exited %s: %s' % (send_code,
                                                  _read(send_err)))
        if receive_code != 0:
            errors.append('receive exited %s: %s' % (receive_code,
                                                     _read(recv_err)))
        raise CommandError(send_argv + ['|'] + receive_argv,
                           receive_code or send_code, '; '.join(errors))


def send_words(snapshot, parent=None):
    argv = ['btrfs', '-q', 'send']
    if parent:
        argv += ['-p', parent]
    return argv + [snapshot]


def receive_words(directory):
    return ['btrfs', '-q', 'receive', directory]


def transfer(source, send, target, receive):
    """``send | receive``, ``send`` on the source runner's host,
    ``receive`` on the target's (argument lists, not wrapped).

    When both hosts are remote the pipe runs ON the source host, its
    consumer an ssh from there to the target host (or the receive itself
    when both backends share a host): the stream goes host to host, never
    through this one. Otherwise the two processes run here (each wrapped
    for its host) with an OS pipe between them.

    :raises: CommandError naming the side that failed, with its stderr;
        ShareBackendUnreachable when the source host does not answer.
    """
    src, dst = source.transport, target.transport
    if not (src.remote and dst.remote):
        pipe(source.wrap(send), target.wrap(receive))
        return
    same_host = (src.host, src.port, src.user) == (dst.host, dst.port,
                                                   dst.user)
    consumer = receive if same_host else dst.peer_argv(receive, src)
    result = source.run(['bash', '-c', ssh.host_pipe_script(send, consumer)],
                        timeout=0)
    if result.returncode == 0:
        return
    if result.returncode == 4:
        raise CommandError(
            ['ssh', dst.host], 'from %s' % src.host,
            '%s could not log in to %s over ssh (its key: '
            'ssh_peer_private_key_file, its known_hosts: '
            'ssh_peer_known_hosts_file of backend %s): %s' % (
                src.host, dst.host, source.transport.name,
                result.stderr.strip()))
    raise CommandError(send + ['|'] + consumer, result.returncode,
                       result.stderr)


def mounted_btrfs(mount_point, mountinfo='/proc/self/mountinfo'):
    """True when ``mount_point`` is the mount point of a btrfs (local)."""
    target = os.path.realpath(mount_point)
    try:
        with open(mountinfo) as f:
            lines = f.readlines()
    except OSError:
        return False
    found = None
    for line in lines:
        fields = line.split()
        if len(fields) < 10 or ' - ' not in line:
            continue
        point = fields[4].replace('\\040', ' ').replace('\\011', '\t') \
            .replace('\\012', '\n').replace('\\134', '\\')
        if point == target:
            # The last mount on a path hides the earlier ones.
            found = line.split(' - ', 1)[1].split()[0]
    return found == 'btrfs'
