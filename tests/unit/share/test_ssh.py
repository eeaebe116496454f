"""The ssh transport: the options every command gets (host keys checked,
connection reuse, bounded waits), ssh's failures read as reasons, and the
host-to-host pipe script (run here with bash)."""
import os
import subprocess

import pytest

from manila_repl import exception
from manila_repl.share.drivers import ssh


def options(argv):
    return [argv[i + 1] for i, a in enumerate(argv) if a == '-o']


def test_every_command_checks_the_host_key_and_reuses_the_connection():
    t = ssh.Transport('b1', '10.0.0.5', user='manila', port=2222,
                      known_hosts='/etc/kh/b1', private_key='/k/id',
                      connect_timeout=4, keepalive=2,
                      control_dir='/run/cm', control_persist=60)
    argv = t.argv(['btrfs', 'subvolume', 'list', '/srv/my pool'])
    opts = options(argv)
    assert 'StrictHostKeyChecking=yes' in opts
    assert 'UserKnownHostsFile=/etc/kh/b1' in opts
    assert 'BatchMode=yes' in opts and 'ConnectTimeout=4' in opts
    assert 'ServerAliveInterval=2' in opts
    assert 'ControlMaster=auto' in opts and 'ControlPersist=60' in opts
    path = [o for o in opts if o.startswith('ControlPath=')][0]
    assert path.startswith('ControlPath=/run/cm/') and path.endswith('-%C')
    assert not any('StrictHostKeyChecking=no' in a for a in argv)
    assert argv[argv.index('-i') + 1] == '/k/id'
    assert argv[argv.index('-p') + 1] == '2222'
    assert argv[argv.index('--') - 1:] == [
        'manila@10.0.0.5', '--', 'btrfs', 'subvolume', 'list',
        "'/srv/my pool'"]
    # A keep-alive-detected dead connection, or a new one, within:
    assert t.probe_timeout == 2 * 4 + 1


def test_backends_never_share_a_connection_they_did_not_verify():
    """Two backends on one host with different known_hosts files: each
    its own shared connection (else the second would skip its check)."""
    def path(t):
        return [o for o in options(t.argv(['x']))
                if o.startswith('ControlPath=')]
    good = ssh.Transport('bt1', 'h', known_hosts='/kh/bt1', control_dir='/c')
    bad = ssh.Transport('bad', 'h', known_hosts='/kh/bad', control_dir='/c')
    assert path(good) != path(bad)
    assert path(good) == path(ssh.Transport('bt1', 'h',
                                            known_hosts='/kh/bt1',
                                            control_dir='/c'))


def test_no_reuse_when_control_persist_is_zero():
    t = ssh.Transport('b1', 'h', control_dir='/run/cm', control_persist=0)
    assert not any(o.startswith('Control') for o in options(t.argv(['x'])))


def test_the_peer_hop_uses_the_source_hosts_key_and_known_hosts():
    source = ssh.Transport('b1', 'h1', peer_private_key='/root/.ssh/peer',
                           peer_known_hosts='/root/.ssh/peers')
    target = ssh.Transport('b2', 'h2', user='manila', known_hosts='/mine')
    argv = target.peer_argv(['btrfs', '-q', 'receive', '/m/.repl/x'],
                            source)
    opts = options(argv)
    assert 'UserKnownHostsFile=/root/.ssh/peers' in opts
    assert 'UserKnownHostsFile=/mine' not in opts
    assert 'StrictHostKeyChecking=yes' in opts
    assert argv[argv.index('-i') + 1] == '/root/.ssh/peer'
    assert [o for o in opts if o.startswith('ControlPath=~/.ssh/manila-'
                                            'repl-')]
    assert argv[argv.index('--') - 1:] == [
        'manila@h2', '--', 'btrfs', '-q', 'receive', '/m/.repl/x']


@pytest.mark.parametrize('stderr, expected', [
    ('@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\n'
     'Host key verification failed.', 'does not match the one in /kh'),
    ('No ED25519 host key is known for h and you have requested strict '
     'checking.\nHost key verification failed.', 'is not in /kh'),
    ('root@h: Permission denied (publickey).', 'login to h refused'),
    ('ssh: connect to host h port 22: Connection timed out',
     'h does not answer: ssh: connect to host h port 22: Connection timed '
     'out'),
])
def test_ssh_failures_read_as_reasons(stderr, expected):
    assert expected in ssh.unreachable_reason('h', '/kh', stderr)


def test_exit_255_is_unreachable_and_a_timeout_too(monkeypatch):
    t = ssh.Transport('b1', 'h', known_hosts='/kh', command_timeout=3)
    closed = []
    monkeypatch.setattr(t, 'close', lambda: closed.append(True))

    def hangs(argv, **kwargs):
        raise subprocess.TimeoutExpired(argv, kwargs['timeout'])
    monkeypatch.setattr(subprocess, 'run', hangs)
    with pytest.raises(exception.ShareBackendUnreachable,
                       match='did not answer within 3s'):
        t.run(['true'])
    assert closed == [True]          # the shared connection is dropped

    monkeypatch.setattr(subprocess, 'run', lambda argv, **k: (
        subprocess.CompletedProcess(argv, 255, b'', b'Host key '
                                    b'verification failed.')))
    with pytest.raises(exception.ShareBackendUnreachable,
                       match='host key of h is not in /kh'):
        t.run(['true'])
    monkeypatch.setattr(subprocess, 'run', lambda argv, **k: (
        subprocess.CompletedProcess(argv, 3, b'out', b'err')))
    result = t.run(['false'])
    assert (result.returncode, result.stdout, result.stderr) == (
        3, 'out', 'err')


def test_control_sockets_fit_a_unix_socket_path(tmp_path):
    short = ssh.short_control_dir('/var/lib/manila-repl/ssh/cm')
    assert short == '/var/lib/manila-repl/ssh/cm'
    deep = ssh.short_control_dir('/' + 'x' * 120 + '/ssh/cm')
    assert len(os.path.join(deep, '12345678-' + 'c' * 40)) + 17 < 108
    assert deep == ssh.short_control_dir('/' + 'x' * 120 + '/ssh/cm')
    assert ssh.Transport('b', 'h', control_dir='/' + 'x' * 120
                         ).control_dir != '/' + 'x' * 120


def test_local_commands_take_input_and_give_text():
    result = ssh.Local('b').run(['sh', '-c', 'cat; echo err >&2; exit 2'],
                                input=b'hello')
    assert (result.returncode, result.stdout, result.stderr) == (
        2, 'hello', 'err\n')


def run_script(producer, consumer):
    return subprocess.run(['bash', '-c', ssh.host_pipe_script(producer,
                                                              consumer)],
                          capture_output=True, text=True)


def test_host_pipe_script_streams_and_says_which_side_failed(tmp_path):
    out = tmp_path / 'out'
    result = run_script(['printf', 'a b'], ['sh', '-c', 'cat > "$0"',
                                            str(out)])
    assert result.returncode == 0 and out.read_text() == 'a b'
    result = run_script(['sh', '-c', 'exit 5'], ['cat'])
    assert result.returncode == 3
    assert 'producer exited 5; consumer exited 0' in result.stderr
    # An ssh consumer that cannot reach its host exits 255: told apart.
    result = run_script(['true'], ['sh', '-c', 'exit 255'])
    assert result.returncode == 4
