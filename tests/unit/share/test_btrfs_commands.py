"""The btrfs driver's command runner, ssh wrapping, the send|receive pipe
and the layout's path validation (no btrfs needed)."""
import subprocess
import sys

import pytest

from manila_repl import exception
from manila_repl.share.drivers.btrfs import commands
from manila_repl.share.drivers.btrfs import store
from manila_repl.share.drivers import ssh

ID = '0b7c4c3e-8a0e-4d5e-9f3e-2f1d6c5b4a39'


def remote(host='storage2', user='manila', **kwargs):
    return commands.Runner(ssh.Transport('b2', host, user=user,
                                         known_hosts='/kh/b2', **kwargs))


def test_commands_are_argument_lists_local_and_quoted_over_ssh():
    assert commands.Runner().wrap(commands.send_words('/m/.repl/a/s')) == [
        'btrfs', '-q', 'send', '/m/.repl/a/s']
    assert commands.send_words('/m/s2', parent='/m/s1') == [
        'btrfs', '-q', 'send', '-p', '/m/s1', '/m/s2']
    argv = remote(connect_timeout=7).wrap(
        commands.receive_words('/srv/my pool/.repl/b'))
    assert argv[0] == 'ssh' and 'ConnectTimeout=7' in argv
    assert argv[argv.index('--') - 1:] == [
        'manila@storage2', '--', 'btrfs', '-q', 'receive',
        "'/srv/my pool/.repl/b'"]
    assert remote().wrap(["a;rm -rf /"])[-1] == "'a;rm -rf /'"


def test_execute_surfaces_stderr():
    runner = commands.Runner()
    assert runner.execute('echo', 'hi') == 'hi\n'
    with pytest.raises(commands.CommandError, match='it broke') as info:
        runner.execute(sys.executable, '-c',
                       'import sys; sys.stderr.write("it broke"); '
                       'sys.exit(3)')
    assert info.value.exit_code == 3
    assert isinstance(info.value, exception.ShareDriverError)
    assert runner.execute('false', check=False) == ''


def test_ssh_connection_failure_is_unreachable(monkeypatch):
    def fake_run(argv, **kwargs):
        assert argv[0] == 'ssh'
        return subprocess.CompletedProcess(argv, 255, b'',
                                           b'ssh: connect to host far port '
                                           b'22: No route to host')
    monkeypatch.setattr(subprocess, 'run', fake_run)
    seen = []
    runner = commands.Runner(ssh.Transport('far', 'far'),
                             on_unreachable=seen.append)
    with pytest.raises(exception.ShareBackendUnreachable,
                       match='far does not answer: .*No route to host'):
        runner.execute('btrfs', 'version')
    assert len(seen) == 1


def py(code):
    return [sys.executable, '-c', code]


def test_pipe_streams_between_processes(tmp_path):
    out = tmp_path / 'out'
    commands.pipe(
        py('import sys\nfor i in range(2000): '
           'sys.stdout.buffer.write(bytes(1000))'),
        py('import sys; open(%r, "wb").write(sys.stdin.buffer.read())' %
           str(out)))
    assert out.stat().st_size == 2000 * 1000


def test_pipe_reports_both_sides_stderr():
    with pytest.raises(commands.CommandError) as info:
        commands.pipe(
            py('import sys; sys.stderr.write("send broke"); sys.exit(2)'),
            py('import sys; sys.stdin.read(); '
               'sys.stderr.write("short stream"); sys.exit(1)'))
    message = str(info.value)
    assert 'send exited 2: send broke' in message
    assert 'receive exited 1: short stream' in message


def test_pipe_fails_when_only_the_sender_fails():
    # A receiver that exits 0 on a truncated stream must not pass.
    with pytest.raises(commands.CommandError, match='send exited 5'):
        commands.pipe(py('import sys; sys.exit(5)'),
                      py('import sys; sys.stdin.read()'))


def test_pipe_sender_stops_when_receiver_dies():
    with pytest.raises(commands.CommandError, match='receive exited 4'):
        commands.pipe(
            py('import sys\nwhile True: sys.stdout.buffer.write(bytes(65536))'
               ),
            py('import sys; sys.exit(4)'))


def test_mountinfo_parsing(tmp_path):
    info = tmp_path / 'mountinfo'
    info.write_text(
        '22 1 0:21 / / rw - ext4 /dev/sda1 rw\n'
        '40 22 0:35 / /srv/pool\\040a rw,relatime - btrfs /dev/loop0 rw\n'
        '41 22 0:36 / /srv/b rw - btrfs /dev/loop1 rw\n'
        '42 41 0:37 / /srv/b rw - tmpfs tmpfs rw\n')
    assert commands.mounted_btrfs('/srv/pool a', str(info))
    assert not commands.mounted_btrfs('/srv/b', str(info))    # hidden
    assert not commands.mounted_btrfs('/srv', str(info))
    assert not commands.mounted_btrfs('/', str(info))


@pytest.mark.parametrize('bad', ['../etc', 'a1', ID.upper(), ID + '/x',
                                 '', None, ID + '\n'])
def test_only_uuids_become_path_components(bad):
    s = store.Store('b', '/m', commands.Runner())
    with pytest.raises(exception.ShareDriverError):
        s.share_path(bad)
    with pytest.raises(exception.ShareDriverError):
        s.snapshot_path(ID, '%s@1' % bad)


def test_layout():
    s = store.Store('b', '/m/', commands.Runner())
    assert s.share_path(ID) == '/m/shares/' + ID
    assert s.snapshot_path(ID, ID + '@12') == '/m/.repl/%s/%s@12' % (ID, ID)
    assert s.link_target(ID, ID + '@12') == '../.repl/%s/%s@12' % (ID, ID)
    assert store.stamp_of(ID + '@12') == 12
    with pytest.raises(exception.ShareDriverError, match='absolute'):
        store.Store('b', 'relative', commands.Runner())


def test_remote_store_operations_are_commands(monkeypatch):
    calls = []

    def fake_run(argv, **kwargs):
        words = argv[argv.index('--') + 1:]
        calls.append(words)
        stdout = {'findmnt': 'btrfs\n', 'stat': 'symbolic link\n',
                  'find': '%s@2\n%s@10\njunk\n' % (ID, ID)}
        return subprocess.CompletedProcess(
            argv, 0, stdout.get(words[0], '').encode(), b'')
    monkeypatch.setattr(subprocess, 'run', fake_run)
    s = store.Store('b', '/m', remote('h2', 'u'))
    assert s.reachable()
    assert s.kind(s.share_path(ID)) == 'link'
    assert s.snapshots(ID) == [ID + '@2', ID + '@10']
    s.replace_symlink(s.share_path(ID), s.link_target(ID, ID + '@10'))
    assert calls[0] == ['findmnt', '-n', '-o', 'FSTYPE', '--mountpoint',
                        '/m']
    # ln -sfn to a temporary name, then a rename over the link: one
    # command.
    assert calls[-1][:2] == ['sh', '-c'] and calls[-1][3:] == [
        'sh', '../.repl/%s/%s@10' % (ID, ID), '/m/shares/' + ID,
        '/m/shares/%s.link' % ID]


def test_a_store_known_down_fails_at_once(monkeypatch):
    monkeypatch.setattr(subprocess, 'run', lambda *a, **k: pytest.fail(
        'no command may run'))
    s = store.Store('b', '/m', remote(), down='no route to host')
    assert not s.reachable()
    with pytest.raises(exception.ShareBackendUnreachable,
                       match='no route to host'):
        s.require()
