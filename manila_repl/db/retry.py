"""Bounded retries of the database writes that end a share manager's flow.

A flow calls the driver, then records the outcome. If the database is
restarting or failing over at that moment the storage has changed and the
records say nothing yet: the write is retried, each try in a fresh
transaction, with exponential backoff (tenacity) for at most
``[database]/final_write_retry_timeout`` seconds, on connection errors
only. What still fails is raised: the work stays in its transitional state
and the pending work sweep (share/sweep.py) redoes it.

The writes are conditional (``WHERE status = ...``), so a retry after a
commit whose answer was lost changes nothing.
"""
from oslo_log import log as logging
import sqlalchemy as sa
import tenacity

from manila_repl.conf import CONF
from manila_repl.db import session

LOG = logging.getLogger(__name__)


def connection_error(error):
    """True for errors a new connection may cure: the server went away or
    refused us, a deadlock, a locked SQLite file."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (sa.exc.OperationalError,
                              sa.exc.InterfaceError))


def _log_retry(state):
    LOG.warning('Database write %s failed (%s); retrying in %.1f s',
                getattr(state.fn, '__qualname__', state.fn),
                state.outcome.exception(), state.next_action.sleep)


def _retrying():
    # Built per call: the timeout is read from the loaded config.
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(connection_error),
        stop=tenacity.stop_after_delay(
            CONF.database.final_write_retry_timeout),
        wait=tenacity.wait_exponential(multiplier=0.2, max=5),
        before_sleep=_log_retry, reraise=True)


def transaction(write):
    """``write(s)`` in a transaction, retried on connection errors.

    :returns: what ``write`` returned.
    :raises: the last error once the retry time is spent.
    """
    def once():
        with session.transaction() as s:
            return write(s)
    once.__qualname__ = getattr(write, '__qualname__', 'write')
    return _retrying()(once)
