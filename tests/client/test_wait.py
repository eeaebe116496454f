"""--wait: state changes shown, error states and timeouts exit non-zero."""
import io

import pytest

from manila_repl.client import http
from manila_repl.client import wait


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _poll(states, **kwargs):
    states = list(states)
    clock = Clock()
    stream = io.StringIO()
    progress = wait.Progress('replica r1', stream, tty=kwargs.pop('tty',
                                                                  False))

    def fetch():
        state = states.pop(0) if len(states) > 1 else states[0]
        if state is None:
            raise http.NotFound('gone', 404)
        return state

    result = wait.wait_for(
        fetch, lambda r: '%s / %s' % (r['status'], r['replica_state']),
        lambda r: r['status'] == 'available',
        lambda r: wait.failure(r, ('error',)), 'replica r1',
        progress=progress, clock=clock, sleep=clock.sleep, **kwargs)
    return result, stream.getvalue()


def _r(status, state='out_of_sync', message=None):
    return {'status': status, 'replica_state': state,
            'status_message': message}


def test_plain_lines_only_on_change():
    result, out = _poll([_r('creating'), _r('creating'),
                         _r('available', 'in_sync')])
    assert result['status'] == 'available'
    assert out.splitlines() == [
        '[  0.0s] replica r1: creating / out_of_sync',
        '[  1.0s] replica r1: available / in_sync']


def test_tty_rewrites_one_line_with_elapsed_time():
    _result, out = _poll([_r('creating'), _r('creating'),
                          _r('available', 'in_sync')], tty=True)
    assert out.count('\n') == 1 and out.endswith('\n')
    frames = out.rstrip('\n').split('\r')[1:]
    assert frames[0] == 'replica r1: creating / out_of_sync (0s)'
    assert frames[-1].rstrip() == 'replica r1: available / in_sync (1s)'


def test_error_state_raises_with_the_service_message():
    with pytest.raises(wait.WaitError) as e:
        _poll([_r('creating'), _r('error', 'error', 'disk on fire')])
    assert str(e.value) == 'replica r1: status is error: disk on fire'


def test_error_state_without_message():
    with pytest.raises(wait.WaitError, match='status is error$'):
        _poll([_r('error', 'error')])


def test_timeout():
    with pytest.raises(wait.WaitError) as e:
        _poll([_r('creating')], timeout=2, interval=0.5)
    assert str(e.value) == ('timed out after 2s waiting for replica r1 '
                            '(last state: creating / out_of_sync)')


def test_gone_is_done_for_deletes():
    result, out = _poll([_r('deleting'), None], gone_is_done=True)
    assert result is None
    assert out.splitlines()[-1].endswith('replica r1: deleted')


def test_not_found_is_an_error_otherwise():
    with pytest.raises(http.NotFound):
        _poll([None])


def test_an_error_state_shows_the_newest_user_message():
    with pytest.raises(wait.WaitError) as e:
        _poll([_r('error', 'error')],
              explain=lambda r: 'allocate host: No storage ...')
    assert str(e.value) == ('replica r1: status is error -- '
                            'allocate host: No storage ...')
    # None to say: the error alone.
    with pytest.raises(wait.WaitError, match='status is error$'):
        _poll([_r('error', 'error')], explain=lambda r: None)
