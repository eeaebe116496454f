"""Commands on a btrfs backend, local or over ssh, and the send|receive pipe.

Every command is an argument list, never a shell string run locally. For a
backend on another host the argument list is wrapped as ``ssh -o
BatchMode=yes [-l user] host -- <quoted words>``: ssh hands the remote
shell one command line, so each word is quoted with ``shlex.quote``.

The pipe runs ``btrfs send`` and ``btrfs receive`` as two processes, the
stream going from one to the other through an OS pipe: Python never reads
it. The stderr of both goes to temporary files (a full stderr pipe would
block a process) and is surfaced in the error message. Every child dies
with the manager that started it (children.py).
"""
import os
import shlex
import subprocess
import tempfile

from oslo_log import log as logging

from manila_repl import exception
from manila_repl.share.drivers import children

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
    """Runs commands on the host of one backend.

    :param ssh_host: None for this host; else the host to ssh to.
    :param ssh_user: the remote user (ssh's default when None).
    :param connect_timeout: seconds ssh waits for the connection.
    """

    def __init__(self, ssh_host=None, ssh_user=None, connect_timeout=5):
        self.ssh_host = ssh_host
        self.ssh_user = ssh_user
        self.connect_timeout = connect_timeout

    @property
    def remote(self):
        return bool(self.ssh_host)

    def __repr__(self):
        return 'Runner(%s)' % (self.destination if self.remote else 'local')

    @property
    def destination(self):
        if self.ssh_user:
            return '%s@%s' % (self.ssh_user, self.ssh_host)
        return self.ssh_host

    def wrap(self, argv):
        """The argument list that runs ``argv`` on the backend's host."""
        argv = [str(a) for a in argv]
        if not self.remote:
            return argv
        return ['ssh', '-o', 'BatchMode=yes',
                '-o', 'ConnectTimeout=%d' % self.connect_timeout,
                self.destination, '--'] + [shlex.quote(a) for a in argv]

    def execute(self, *argv, check=True, timeout=None):
        """Run ``argv``; returns its stdout (text).

        :raises: CommandError (stderr in the message) on a non-zero exit
            when ``check``; ``ShareBackendUnreachable`` when ssh itself
            cannot connect (exit 255).
        """
        full = self.wrap(argv)
        try:
            result = subprocess.run(full, stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True,
                                    timeout=timeout,
                                    **children.popen_kwargs())
        except subprocess.TimeoutExpired as e:
            raise CommandError(full, 'timeout', 'timed out after %ss' %
                               e.timeout)
        except OSError as e:
            raise CommandError(full, 'not run', str(e))
        if result.returncode == 255 and self.remote:
            raise exception.ShareBackendUnreachable(
                backend=self.ssh_host, reason=result.stderr.strip())
        if check and result.returncode != 0:
            raise CommandError(full, result.returncode, result.stderr)
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
            raise exception.ShareBackendUnreachable(
                backend=self.ssh_host, reason=stderr)
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


def send_argv(runner, snapshot, parent=None):
    argv = ['btrfs', '-q', 'send']
    if parent:
        argv += ['-p', parent]
    return runner.wrap(argv + [snapshot])


def receive_argv(runner, directory):
    return runner.wrap(['btrfs', '-q', 'receive', directory])


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
