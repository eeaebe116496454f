"""Per-share locks with tooz (Manila lesson 6: file locks did not serialise
replica operations across hosts).

The database's conditional updates keep the records right; these locks keep
two share managers from driving the storage of one share at once, e.g. a
promote on the new active's manager while the old active's manager syncs
the same share. One coordinator per process, so that the managers of an
all-in-one process share its lock bookkeeping.
"""
import threading

from oslo_log import log as logging
from tooz import coordination

from manila_repl.conf import CONF

LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_coordinator = None


def _get():
    global _coordinator
    with _lock:
        if _coordinator is None:
            url = CONF.coordination.backend_url
            if url.startswith('file://'):
                import os
                os.makedirs(url[len('file://'):], exist_ok=True)
            member = ('%s-%d' % (CONF.host, threading.get_native_id())
                      ).encode()
            coordinator = coordination.get_coordinator(url, member)
            coordinator.start(start_heart=True)
            _coordinator = coordinator
        return _coordinator


def reset():
    """Stop the coordinator (process shutdown, tests)."""
    global _coordinator
    with _lock:
        if _coordinator is not None:
            try:
                _coordinator.stop()
            except Exception as e:  # already gone: nothing to release
                LOG.debug('Stopping the coordinator: %s', e)
        _coordinator = None


def share_lock(share_id):
    """The tooz lock of one share (a context manager; ``acquire(blocking=
    False)`` to try)."""
    return _get().get_lock(('manila-repl-share-%s' % share_id).encode())
