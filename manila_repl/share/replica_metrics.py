"""The status loop's metrics and events (manila_repl/metrics.py,
notifications.py): the backend's replicas by state and its replication
lag, the age of each replica's last sync as the loop checks it, and
``share_replica.state_change`` for each state the loop changed. Nothing
is read or computed while metrics and notifications are off."""
import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl.db import replica_stats
from manila_repl import metrics
from manila_repl import notifications

LOG = logging.getLogger(__name__)


def refresh(backend):
    """Replicas by state and the lag of ``backend``, from the database
    (one query); also while its driver is down."""
    if metrics.get() is None:
        return
    try:
        counts, oldest = replica_stats.on_backend(backend)
    except Exception as e:
        # The cycle that follows meets the same error, and logs it.
        LOG.warning('Replica metrics of %s not refreshed: %s', backend, e)
        return
    metrics.backend_replicas(backend, counts, oldest, timeutils.utcnow())


def failed(view):
    """The driver raised checking ``view``'s replica: an error of the loop
    of its active's backend."""
    active = view.active_replica
    metrics.status_error(active.backend if active else view.backend)


def saved(driver, rows, params, now):
    """A batch was saved (``params``: the answers db.replica_states.save
    stored for its ``rows``): the age of each replica's last sync, and
    the state changes."""
    if metrics.get() is None and not notifications.enabled():
        return
    by_id = {row['id']: row for row in rows}
    ages = {}
    for param in params:
        row = by_id[param['b_id']]
        synced = param['b_synced'] or row['last_sync_at']
        if isinstance(synced, datetime.datetime):
            ages.setdefault((row['host'] or '').partition('#')[0], []).append(
                (now - synced).total_seconds())
        else:
            synced = None
        if param['b_state'] != row['replica_state']:
            notifications.state_change(
                driver, dict(row, last_sync_at=synced), param['b_state'],
                now)
    metrics.sync_ages(ages)
