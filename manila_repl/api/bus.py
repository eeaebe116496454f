"""How the API talks to the message bus: never for long, never with every
thread.

Every RPC a request sends goes through ``cast()`` or ``call()``:

- connection retries are bounded (``[api]/rpc_connect_retries``; the
  daemons retry forever, a request must not hang), and a call waits at
  most ``[api]/rpc_call_timeout`` seconds in all -- it runs on a thread of
  its own, so that no part of oslo.messaging (such as setting up the reply
  queue while the broker is down, which retries forever) can hold the
  request longer;
- at most ``[api]/rpc_max_concurrent`` request threads wait on the bus at
  once. While the bus is unreachable the others answer 503 at once
  instead of queueing, so requests that need only the database always
  find a free server thread;
- every failure is ``exception.ServiceUnavailable`` (503, Manila's fault
  body) saying what could not be sent.

A cast is sent on the request's thread (its caller must know whether it
left, to undo what it recorded); only calls, which change nothing, may be
abandoned at their deadline.
"""
import contextlib
import threading
import time

import oslo_messaging as messaging
from oslo_context import context
from oslo_log import log as logging

from manila_repl import exception
from manila_repl import rpc
from manila_repl.conf import CONF

LOG = logging.getLogger(__name__)

#: How long a request waits for a free slot while the bus looks healthy
#: (slots then free in milliseconds); while it is down it never waits.
SLOT_WAIT = 0.25

_cond = threading.Condition()
_busy = 0
_down_since = None


def retries():
    """Connection retries of an RPC sent by the API."""
    return CONF.api.rpc_connect_retries


def timeout():
    """Seconds a call from the API waits for its answer."""
    return CONF.api.rpc_call_timeout


def _unavailable(what, why):
    return exception.ServiceUnavailable(
        reason='the message bus %s (%s)' % (why, what))


@contextlib.contextmanager
def _slot(what):
    global _busy
    limit = CONF.api.rpc_max_concurrent
    with _cond:
        wait = 0 if _down_since is not None else SLOT_WAIT
        if not _cond.wait_for(lambda: _busy < limit, timeout=wait):
            raise _unavailable(
                what, 'is not answering: %d requests are already waiting '
                      'on it; try again later' % _busy)
        _busy += 1
    try:
        yield
    finally:
        with _cond:
            _busy -= 1
            _cond.notify_all()


def _went_down(error):
    global _down_since
    with _cond:
        if _down_since is None:
            _down_since = time.monotonic()
            LOG.warning('The message bus is unreachable: %s. Requests that '
                        'need it answer 503 until it is back.', error)


def _is_up():
    global _down_since
    with _cond:
        if _down_since is not None:
            LOG.info('The message bus is reachable again (after %.0f s).',
                     time.monotonic() - _down_since)
            _down_since = None


def _send(send, what):
    """Run ``send``; bus errors become ServiceUnavailable."""
    try:
        result = send()
    except messaging.MessagingTimeout:
        raise _unavailable(what, 'delivered no answer within %d s'
                           % timeout())
    except messaging.RemoteError:
        raise
    except rpc.BUS_ERRORS as e:
        LOG.error('Could not send %s: %s', what, e)
        _went_down(e)
        raise _unavailable(what, 'is unreachable: %s' % e)
    _is_up()
    return result


def cast(send, what):
    """Send a cast now, on this thread; ServiceUnavailable if it could not
    leave (the caller then undoes what it recorded)."""
    with _slot(what):
        return _send(send, what)


def call(send, what):
    """The answer of an RPC call, or ServiceUnavailable within
    ``[api]/rpc_call_timeout`` seconds whatever the bus does."""
    outcome = {}
    done = threading.Event()
    slot = _slot(what)
    slot.__enter__()
    request_context = context.get_current()

    def run():
        if request_context is not None:
            # What it logs carries the request's id.
            request_context.update_store()
        try:
            outcome['result'] = _send(send, what)
        except BaseException as e:  # re-raised on the request's thread
            outcome['error'] = e
        finally:
            slot.__exit__(None, None, None)
            done.set()

    threading.Thread(target=run, name='rpc-call', daemon=True).start()
    # The call's own timeout fires first; this bounds whatever precedes it.
    if not done.wait(timeout() + 1):
        raise _unavailable(what, 'delivered no answer within %d s'
                           % timeout())
    if 'error' in outcome:
        raise outcome['error']
    return outcome['result']


def reset(timeout=10):
    """Forget the bus state once no send is under way (tests)."""
    global _down_since
    with _cond:
        _cond.wait_for(lambda: _busy == 0, timeout=timeout)
        _down_since = None
