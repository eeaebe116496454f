"""On start, finish or fail the work this backend left in transition.

A manager killed mid-operation leaves instances in ``creating``,
``deleting`` or ``replication_change``. Whoever does a kind of work
recovers it (the design's routing): the active replica's manager redoes
adding and removing replicas, the new active's manager redoes a promote,
the instance's own manager redoes share create/delete, the active's
manager redoes snapshot create/delete. Redoing relies on
drivers being idempotent; every flow ends in a visible state (available,
or error with a message). A cast still queued for the same work finds it
done and does nothing.
"""
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import session
from manila_repl.share import access
from manila_repl.share import lifecycle
from manila_repl.share import replication
from manila_repl.share import snapshots
from manila_repl.share import resize

LOG = logging.getLogger(__name__)
Instance = models.ShareInstance
Share = models.Share


def _ours(column, backend):
    return column.startswith(backend + '#', autoescape=True)


def pending_work(backend):
    """[(flow, instance_id)] this backend must finish, from SQL."""
    active = orm.aliased(Instance)
    work = []
    with session.reader() as r:
        # Replicas being added or removed, whose active replica is ours.
        rows = r.execute(
            sa.select(Instance.id, Instance.status)
            .join(active, sa.and_(
                active.share_id == Instance.share_id,
                active.replica_state == c.REPLICA_STATE_ACTIVE,
                active.id != Instance.id))
            .where(_ours(active.host, backend),
                   Instance.host.is_not(None),
                   Instance.replica_state.is_distinct_from(
                       c.REPLICA_STATE_ACTIVE),
                   Instance.status.in_((c.STATUS_CREATING,
                                        c.STATUS_DELETING)))).all()
        for instance_id, status in rows:
            work.append(('add_replica' if status == c.STATUS_CREATING
                         else 'delete_replica', instance_id))
        # Share instances of our own: the first instance of a share, or a
        # share being deleted.
        rows = r.execute(
            sa.select(Instance.id, Instance.status, Instance.replica_state)
            .where(_ours(Instance.host, backend),
                   Instance.status.in_((c.STATUS_CREATING,
                                        c.STATUS_DELETING)))).all()
        replica_work = {i for _, i in work}
        for instance_id, status, state in rows:
            if instance_id in replica_work:
                continue
            if status == c.STATUS_CREATING and \
                    state in (None, c.REPLICA_STATE_ACTIVE):
                work.append(('create_share_instance', instance_id))
            elif status == c.STATUS_DELETING and \
                    state in (None, c.REPLICA_STATE_ACTIVE):
                work.append(('delete_share_instance', instance_id))
        # Promotions to a replica of ours.
        rows = r.execute(
            sa.select(Share.task_instance_id)
            .join(Instance, Instance.id == Share.task_instance_id)
            .where(Share.task_state == c.TASK_REPLICATION_CHANGE,
                   _ours(Instance.host, backend))).all()
        work.extend(('promote_replica', row[0]) for row in rows)
        # Snapshots with instances left creating or deleting, on shares
        # whose active replica is ours.
        snapshot_instance = models.ShareSnapshotInstance
        rows = r.execute(
            sa.select(snapshot_instance.snapshot_id,
                      snapshot_instance.status)
            .join(models.ShareSnapshot, models.ShareSnapshot.id ==
                  snapshot_instance.snapshot_id)
            .join(active, sa.and_(
                active.share_id == models.ShareSnapshot.share_id,
                active.replica_state == c.REPLICA_STATE_ACTIVE))
            .where(_ours(active.host, backend),
                   snapshot_instance.status.in_((c.STATUS_CREATING,
                                                 c.STATUS_DELETING)))
            .distinct()
            .order_by(snapshot_instance.snapshot_id,
                      snapshot_instance.status)).all()
        work.extend(('create_snapshot' if status == c.STATUS_CREATING
                     else 'delete_snapshot', snapshot_id)
                    for snapshot_id, status in rows)
    # Access rules left queued, applying or denying, on shares whose
    # active instance is ours (after the rest: a promote re-applies them).
    work.extend(('update_access', share_id) for share_id in
                access.pending_shares(_ours(Instance.host, backend)))
    # Extends and shrinks of shares whose active replica is ours.
    work.extend(resize.pending_work(backend))
    return work


_FLOWS = {
    'add_replica': replication.add_replica,
    'delete_replica': replication.delete_replica,
    'promote_replica': replication.promote_replica,
    'create_share_instance': lifecycle.create_share_instance,
    'delete_share_instance': lifecycle.delete_share_instance,
    'create_snapshot': snapshots.create_snapshot,
    'delete_snapshot': snapshots.delete_snapshot,
    'update_access': access.update_access,
    'resize_share': resize.resume,
}


def recover(driver, backend):
    """Redo each piece of pending work; one failure does not stop the rest.
    """
    work = pending_work(backend)
    for flow, instance_id in work:
        LOG.info('Recovering: %s of instance %s', flow, instance_id)
        try:
            _FLOWS[flow](driver, instance_id)
        except Exception:
            LOG.exception('Recovery of %s %s failed', flow, instance_id)
    return work
