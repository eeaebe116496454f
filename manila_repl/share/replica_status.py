"""The replica status loop of one share manager (the design's looping call).

Every ``replica_status_interval`` seconds: for the replicated shares whose
ACTIVE instance this backend owns, call ``update_replica_status`` once per
non-active instance in status available and save the answers. The shares
are read in SQL, in keyset batches of ``replica_status_batch_size`` shares,
narrow columns only, one SELECT and one UPDATE per batch
(db/replica_states.py): the statement count grows with the batches, not
the replicas. One failing replica never stops the loop; the UPDATE is
conditional, so a replica deleted or put in transition meanwhile is left
alone.
"""
import itertools
import operator

from oslo_log import log as logging
from oslo_utils import timeutils

from manila_repl import constants as c
from manila_repl import coordination
from manila_repl.db import replica_states
from manila_repl import messages
from manila_repl.share import access
from manila_repl.share import replica_metrics
from manila_repl.share import snapshots
from manila_repl.share import views

LOG = logging.getLogger(__name__)

def _update_one(driver, view):
    try:
        update = driver.update_replica_status(view)
    except Exception as e:
        LOG.warning('update_replica_status of replica %s failed: %s',
                    view.id, e)
        replica_metrics.failed(view)
        return {'replica_state': c.REPLICA_STATE_ERROR,
                'message': 'Replica update failed: %s' % e}
    if not update or update.get('replica_state') not in (
            c.REPLICA_STATE_IN_SYNC, c.REPLICA_STATE_OUT_OF_SYNC,
            c.REPLICA_STATE_ERROR):
        return None
    return update


def _sync_snapshots(driver, share_id, view):
    try:
        return snapshots.sync_replica_snapshots(driver, share_id, view)
    except Exception as e:
        LOG.warning('Snapshots of replica %s not synced: %s', view.id, e)
        return False


def _update_share(driver, share_id, group):
    """Update the non-active replicas of one share (its batch rows)."""
    params = []
    has_snapshots = group[0]['has_snapshots']
    access_errors = {row['id'] for row in group if row['access_errors']}
    retry_access = False
    for view in views.from_rows(group):
        if view.id in access_errors and view.replica_state == \
                c.REPLICA_STATE_ACTIVE:
            retry_access = True
        if view.replica_state == c.REPLICA_STATE_ACTIVE or \
                view.status != c.STATUS_AVAILABLE:
            continue
        update = _update_one(driver, view)
        if update is None:
            continue
        if view.id in access_errors and update['replica_state'] != \
                c.REPLICA_STATE_ERROR:
            retry_access = True
        if has_snapshots and update['replica_state'] == \
                c.REPLICA_STATE_IN_SYNC and not \
                _sync_snapshots(driver, share_id, view):
            update = dict(update, replica_state=c.REPLICA_STATE_OUT_OF_SYNC,
                          message='The replica lacks snapshots.')
        params.append({'b_id': view.id,
                       'b_state': update['replica_state'],
                       'b_synced': update.get('last_sync_at'),
                       'b_message': update.get('message'),
                       'b_keep': (update['replica_state'] ==
                                  c.REPLICA_STATE_ERROR and
                                  not update.get('message'))})
    if retry_access:
        # Rules in error are applied again now that the storage answers.
        access.apply_again(driver, share_id)
    return params


def _record_transitions(rows, params):
    """A user message for each replica this cycle turned ``error``, or
    ``out_of_sync`` from ``in_sync`` (it fell behind the recovery point):
    on the change only, so a replica that stays so gets no more."""
    before = {row['id']: row['replica_state'] for row in rows}
    for param in params:
        old, new = before.get(param['b_id']), param['b_state']
        if new == old:
            continue
        if new == c.REPLICA_STATE_ERROR:
            detail = messages.Detail.REPLICA_ERROR
        elif new == c.REPLICA_STATE_OUT_OF_SYNC and \
                old == c.REPLICA_STATE_IN_SYNC:
            detail = messages.Detail.REPLICA_OUT_OF_SYNC
        else:
            continue
        messages.replica(param['b_id'], messages.Action.UPDATE, detail)


def run_cycle(driver, backend, batch_size):
    """One pass over every replica whose active this backend owns.

    :returns: (replicas updated, batches read).
    """
    after, updated, batches = '', 0, 0
    while True:
        rows = replica_states.batch(backend, after, batch_size)
        batches += 1
        if not rows:
            break
        params = []
        now = timeutils.utcnow()
        for share_id, group in itertools.groupby(
                rows, key=operator.itemgetter('share_id')):
            after = share_id
            lock = coordination.share_lock(share_id)
            if not lock.acquire(blocking=False):
                # Another manager drives this share now (a promote, a
                # resize): its replicas wait for the next cycle.
                LOG.debug('Share %s is busy; skipped this cycle', share_id)
                continue
            try:
                params.extend(_update_share(driver, share_id, list(group)))
            finally:
                lock.release()
        if params:
            replica_states.save(params, now)
            updated += len(params)
            _record_transitions(rows, params)
            replica_metrics.saved(driver, rows, params, now)
        if len({row['share_id'] for row in rows}) < batch_size:
            break
    return updated, batches
