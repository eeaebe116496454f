"""Data movers die with the manager that started them (children.py): a
process that starts a child the way drivers do, killed with SIGKILL,
leaves no child running; the child has a process group of its own."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from manila_repl.share.drivers import children

PARENT = textwrap.dedent('''
    import subprocess, sys, threading
    from manila_repl.share.drivers import children

    def run():
        # As a driver does: from a worker thread, waiting for the child.
        child = subprocess.Popen(['sleep', '600'], **children.popen_kwargs())
        print(child.pid, flush=True)
        child.wait()

    threading.Thread(target=run).start()
''')


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(') ', 1)[1][0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='PR_SET_PDEATHSIG is Linux only')
def test_child_dies_with_its_manager():
    parent = subprocess.Popen([sys.executable, '-c', PARENT],
                              stdout=subprocess.PIPE, text=True)
    pid = None
    try:
        pid = int(parent.stdout.readline())
        assert alive(pid)
        assert os.getpgid(pid) == pid != os.getpgid(parent.pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while alive(pid):
            assert time.monotonic() < deadline, 'the child outlived it'
            time.sleep(0.01)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_kwargs_without_prctl(monkeypatch):
    monkeypatch.setattr(children, '_prctl', None)
    assert children.popen_kwargs() == {'process_group': 0}
