"""api/bus.py: what a request does when the message bus misbehaves."""
import logging
import threading
import time

import oslo_messaging
import pytest

from manila_repl import exception
from manila_repl.api import bus
from manila_repl.conf import CONF


@pytest.fixture(autouse=True)
def fresh_bus(database):
    bus.reset()
    CONF.set_override('rpc_max_concurrent', 2, group='api')
    CONF.set_override('rpc_call_timeout', 1, group='api')
    yield
    release.set()
    CONF.clear_override('rpc_max_concurrent', group='api')
    CONF.clear_override('rpc_call_timeout', group='api')
    bus.reset()


release = threading.Event()


def _unreachable():
    raise oslo_messaging.MessageDeliveryFailure('connection refused')


def _hang():
    release.wait(30)
    return 'late'


def test_bus_errors_and_timeouts_are_503():
    with pytest.raises(exception.ServiceUnavailable) as raised:
        bus.cast(_unreachable, 'a cast')
    assert 'unreachable' in raised.value.msg and 'a cast' in raised.value.msg

    def timeout():
        raise oslo_messaging.MessagingTimeout('no reply')
    with pytest.raises(exception.ServiceUnavailable) as raised:
        bus.call(timeout, 'a call')
    assert 'no answer within 1 s' in raised.value.msg


def test_remote_errors_are_not_hidden():
    def remote():
        raise oslo_messaging.RemoteError('ValueError', 'bug')
    with pytest.raises(oslo_messaging.RemoteError):
        bus.call(remote, 'a call')


def test_a_call_answers_within_its_deadline_whatever_the_bus_does():
    release.clear()
    started = time.monotonic()
    with pytest.raises(exception.ServiceUnavailable):
        bus.call(_hang, 'a call that never returns')
    # rpc_call_timeout (1 s) plus the margin for the call's own timeout.
    assert time.monotonic() - started < 5


def test_while_the_bus_is_down_extra_requests_answer_at_once(caplog):
    """At most rpc_max_concurrent threads wait on a bus that is down; the
    others get 503 at once instead of a server thread each."""
    caplog.set_level(logging.INFO, logger='manila_repl.api.bus')
    release.clear()
    with pytest.raises(exception.ServiceUnavailable):
        bus.cast(_unreachable, 'first')          # the bus is now known down
    entered = threading.Semaphore(0)

    def hang():
        entered.release()
        return _hang()

    waiters = [threading.Thread(target=bus.cast, args=(hang, 'held'))
               for _ in range(2)]
    for thread in waiters:
        thread.start()
    for _ in waiters:
        assert entered.acquire(timeout=10)
    with pytest.raises(exception.ServiceUnavailable) as raised:
        bus.call(lambda: 'never sent', 'a third')
    assert 'already waiting' in raised.value.msg
    release.set()
    for thread in waiters:
        thread.join(10)
    # Back: one line says so, and sends go through again.
    assert bus.call(lambda: 'pools', 'a call') == 'pools'
    messages = [r.getMessage() for r in caplog.records
                if r.name == 'manila_repl.api.bus']
    assert sum('unreachable:' in m for m in messages) == 1
    assert sum('reachable again' in m for m in messages) == 1
