"""The btrfs driver's command runner, ssh wrapping, the send|receive pipe
and the layout's path validation (no btrfs needed)."""
import subprocess
import sys

import pytest

from manila_repl import exception
from manila_repl.share.drivers.btrfs import commands
from manila_repl.share.drivers.btrfs import store

ID = '0b7c4c3e-8a0e-4d5e-9f3e-2f1d6c5b4a39'


def test_local_commands_are_argument_lists():
    runner = commands.Runner()
    assert commands.send_argv(runner, '/m/.repl/a/s') == [
        'btrfs', '-q', 'send', '/m/.repl/a/s']
    assert commands.send_argv(runner, '/m/s2', parent='/m/s1') == [
        'btrfs', '-q', 'send', '-p', '/m/s1', '/m/s2']
    assert commands.receive_argv(runner, '/m/.repl/b') == [
        'btrfs', '-q', 'receive', '/m/.repl/b']


def test_ssh_wraps_and_quotes_every_word():
    runner = commands.Runner('storage2', 'manila', connect_timeout=7)
    assert commands.receive_argv(runner, '/srv/my pool/.repl/b') == [
        'ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=7',
        'manila@storage2', '--', 'btrfs', '-q', 'receive',
        "'/srv/my pool/.repl/b'"]
    assert commands.Runner('h').wrap(['true'])[5:] == ['h', '--', 'true']
    assert commands.Runner('h').wrap(["a;rm -rf /"])[-1] == \
        "'a;rm -rf /'"


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
        return subprocess.CompletedProcess(argv, 255, '', 'no route')
    monkeypatch.setattr(subprocess, 'run', fake_run)
    with pytest.raises(exception.ShareBackendUnreachable, match='no route'):
        commands.Runner('far').execute('btrfs', 'version')


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
        calls.append(argv)
        stdout = {'findmnt': 'btrfs\n', 'stat': 'symbolic link\n',
                  'find': '%s@2\n%s@10\njunk\n' % (ID, ID)}
        return subprocess.CompletedProcess(
            argv, 0, stdout.get(argv[7], ''), '')
    monkeypatch.setattr(subprocess, 'run', fake_run)
    s = store.Store('b', '/m', commands.Runner('h2', 'u'))
    assert s.reachable()
    assert s.kind(s.share_path(ID)) == 'link'
    assert s.snapshots(ID) == [ID + '@2', ID + '@10']
    s.replace_symlink(s.share_path(ID), s.link_target(ID, ID + '@10'))
    assert calls[0][:7] == ['ssh', '-o', 'BatchMode=yes', '-o',
                            'ConnectTimeout=5', 'u@h2', '--']
    assert calls[0][7:] == ['findmnt', '-n', '-o', 'FSTYPE',
                            '--mountpoint', '/m']
    assert calls[-2][7:10] == ['ln', '-sfn', '../.repl/%s/%s@10' % (ID, ID)]
    assert calls[-1][7:] == ['mv', '-T', '/m/shares/%s.link' % ID,
                             '/m/shares/' + ID]
