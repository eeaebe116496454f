"""The replica status loop of one share manager (the design's looping call).

Every ``replica_status_interval`` seconds: for the replicated shares whose
ACTIVE instance this backend owns, call ``update_replica_status`` once per
non-active instance in status available and save the answers. The shares
are read in SQL, in keyset batches of ``replica_status_batch_size`` shares,
narrow columns only, one SELECT and one executemany UPDATE per batch: the
statement count grows with the batches, not the replicas. One failing
replica never stops the loop; the UPDATE is conditional, so a replica
deleted or put in transition meanwhile is left alone.
"""
import itertools
import operator

from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl import coordination
from manila_repl.db import models
from manila_repl.db import session
from manila_repl import messages
from manila_repl.share import access
from manila_repl.share import replica_metrics
from manila_repl.share import snapshots
from manila_repl.share import views

LOG = logging.getLogger(__name__)
Instance = models.ShareInstance
Share = models.Share

_COLUMNS = (Instance.id, Instance.share_id, Instance.host,
            Instance.availability_zone, Instance.status,
            Instance.replica_state, Instance.last_sync_at, Share.size,
            Share.share_proto, Share.replication_type,
            # Whether the share has snapshots: an in_sync replica must
            # hold them all, checked only then (one column, no query).
            sa.exists().where(models.ShareSnapshot.share_id ==
                              Instance.share_id).label('has_snapshots'),
            # Whether an access rule is in error on the instance: applied
            # again after a sync reached it (e.g. a re-seeded old active).
            sa.exists().where(
                models.ShareInstanceAccessMap.share_instance_id ==
                Instance.id,
                models.ShareInstanceAccessMap.state == access.ERROR,
            ).label('access_errors'))

_SAVE = (sa.update(Instance)
         .where(Instance.id == sa.bindparam('b_id'),
                Instance.status == c.STATUS_AVAILABLE,
                Instance.replica_state != c.REPLICA_STATE_ACTIVE)
         .values(replica_state=sa.bindparam('b_state'),
                 last_sync_at=sa.func.coalesce(
                     sa.bindparam('b_synced', type_=sa.DateTime),
                     Instance.last_sync_at),
                 # An error without a reason keeps the one it had (e.g.
                 # why a promote marked this old active error).
                 status_message=sa.case(
                     (sa.bindparam('b_keep', type_=sa.Boolean),
                      Instance.status_message),
                     else_=sa.bindparam('b_message', type_=sa.Text)),
                 updated_at=sa.bindparam('b_now')))


# Built once: an alias copies every column of its table when made.
_ACTIVE = orm.aliased(Instance, name='active')


def _batch_query(backend, after, size):
    """Instances of the next ``size`` shares whose active is ours."""
    active = _ACTIVE
    shares = (sa.select(active.share_id.label('share_id'))
              .join(Share, Share.id == active.share_id)
              .where(active.replica_state == c.REPLICA_STATE_ACTIVE,
                     active.host.startswith(backend + '#', autoescape=True),
                     Share.task_state.is_(None),
                     active.share_id > after,
                     # Said of both sides of the join: PostgreSQL does not
                     # carry an inequality across it, and would scan the
                     # shares from the first each batch (O(N^2) a cycle).
                     Share.id > after)
              .order_by(active.share_id).limit(size).subquery())
    return (sa.select(*_COLUMNS)
            .join(Share, Share.id == Instance.share_id)
            .join(shares, shares.c.share_id == Instance.share_id)
            .order_by(Instance.share_id, Instance.id))


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


def _update_share(driver, share_id, group, now):
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
                                  not update.get('message')),
                       'b_now': now})
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
        with session.reader() as r:
            rows = r.execute(_batch_query(backend, after, batch_size)
                             ).mappings().all()
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
                params.extend(_update_share(driver, share_id, list(group),
                                            now))
            finally:
                lock.release()
        if params:
            with session.transaction() as s:
                s.connection().execute(_SAVE, params)
            updated += len(params)
            _record_transitions(rows, params)
            replica_metrics.saved(driver, rows, params, now)
        if len({row['share_id'] for row in rows}) < batch_size:
            break
    return updated, batches
