"""manila-repl-all refuses to start beside another on the same state path
or API port (status 1, one line on stderr, nothing started), and one
SIGINT stops it cleanly (status 0)."""
import os
import signal
import subprocess

import pytest

from tests.client import server
from tests.functional import deployment


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    with server.started(tmp_path_factory.mktemp('first')) as first:
        yield first


def _second(tmp_path, state, port):
    conf = tmp_path / 'second.conf'
    conf.write_text('[api]\nbind_port = %d\n' % port)
    result = subprocess.run(
        [deployment.script('manila-repl-all'), '--state-path', str(state),
         '--config-file', str(conf)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1, result
    assert result.stdout == ''
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_second_on_the_same_state_path_exits_1(running, tmp_path):
    line = _second(tmp_path, running.state, deployment.free_port())
    assert line == (
        'manila-repl-all: another manila-repl-all is running on state path '
        '%s (it holds %s).' % (running.state, os.path.join(
            running.state, 'manila-repl-all.lock')))
    # The first one is untouched and still answers.
    assert running.api.get('/services').status_code == 200
    assert running.proc.poll() is None


def test_second_on_the_same_port_exits_1(running, tmp_path):
    state = tmp_path / 'other-state'
    line = _second(tmp_path, state, running.port)
    assert line == ('manila-repl-all: cannot listen on 127.0.0.1:%d '
                    '([api]/bind_port): Address already in use.'
                    % running.port)
    # Refused before anything started: no database, no backend.
    assert os.listdir(state) == ['manila-repl-all.lock']
    assert running.proc.poll() is None


def test_one_sigint_stops_it(tmp_path):
    with server.started(tmp_path) as one:
        one.proc.send_signal(signal.SIGINT)
        try:
            code = one.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError('one SIGINT did not stop manila-repl-all:\n'
                                 + one.log()[-4000:])
        assert code == 0, one.log()[-4000:]
        assert 'Traceback' not in one.log()
