"""The work in a transitional state that a backend's manager owns NOW.

One rule, used by start-up recovery (recovery.py) and by the periodic
sweep (sweep.py): pending work belongs to the manager that the design's
routing names at the moment it is looked at, not to the one it was first
sent to:

- adding or removing a replica (a non-active instance ``creating`` or
  ``deleting``): the manager of the share's CURRENT active replica. After
  a promote that is the new active's manager, so the pending add or
  delete of a dead old active is finished there; a promote is never
  refused because of it (a disaster promote must not wait for a dead
  manager);
- a promote (the share's ``task_state`` is ``replication_change``): the
  manager of the replica being promoted (``task_instance_id``);
- creating or deleting a share's own instance (its first instance, or the
  last one of a share being deleted): that instance's manager;
- snapshots (instances ``creating``/``deleting``), access rules (map rows
  ``queued_to_apply``, ``applying``, ``queued_to_deny``, ``denying``) and
  extend/shrink (``task_state`` ``extending``/``shrinking``): the manager
  of the share's primary instance (its active replica; the only instance
  of a share without replication).

``older_than`` (naive UTC) keeps only work whose row has not changed
since then: the sweep's minimum age, so that a request still on its way to
a manager is not raced. A row never updated counts from its creation.
Every query is one SELECT by backend, no per-share round trip.
"""
import collections

import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import session
from manila_repl.share import access

Instance = models.ShareInstance
Share = models.Share
Snapshot = models.ShareSnapshot
SnapshotInstance = models.ShareSnapshotInstance
Map = models.ShareInstanceAccessMap

#: One piece of work: the flow to redo (recovery.FLOWS), the id it takes,
#: and the share whose lock it runs under.
Work = collections.namedtuple('Work', 'flow target share_id')


def _ours(column, backend):
    return column.startswith(backend + '#', autoescape=True)


def _unchanged_since(model, older_than):
    """The row has not changed since ``older_than`` (no filter if None)."""
    if older_than is None:
        return sa.true()
    return sa.func.coalesce(model.updated_at, model.created_at) < older_than


def _primary(alias):
    """``alias`` is its share's primary instance: the active replica, or
    the instance of a share without replication."""
    return sa.or_(alias.replica_state == c.REPLICA_STATE_ACTIVE,
                  alias.replica_state.is_(None))


# Built once: an alias copies every column of its table when made.
_OTHER = orm.aliased(Instance, name='other')


def _replica_work(r, backend, older_than):
    """Replicas being added or removed whose share's active is ours."""
    active = _OTHER
    rows = r.execute(
        sa.select(Instance.id, Instance.status, Instance.share_id)
        .join(active, sa.and_(
            active.share_id == Instance.share_id,
            active.replica_state == c.REPLICA_STATE_ACTIVE,
            active.id != Instance.id))
        .where(_ours(active.host, backend),
               Instance.host.is_not(None),
               Instance.replica_state.is_distinct_from(
                   c.REPLICA_STATE_ACTIVE),
               Instance.status.in_((c.STATUS_CREATING, c.STATUS_DELETING)),
               _unchanged_since(Instance, older_than))
        .distinct().order_by(Instance.id)).all()
    return [Work('add_replica' if status == c.STATUS_CREATING
                 else 'delete_replica', instance_id, share_id)
            for instance_id, status, share_id in rows]


def _instance_work(r, backend, older_than, replica_ids):
    """Our own primary instances being created or deleted."""
    rows = r.execute(
        sa.select(Instance.id, Instance.status, Instance.share_id)
        .where(_ours(Instance.host, backend), _primary(Instance),
               Instance.status.in_((c.STATUS_CREATING, c.STATUS_DELETING)),
               _unchanged_since(Instance, older_than))
        .order_by(Instance.id)).all()
    return [Work('create_share_instance' if status == c.STATUS_CREATING
                 else 'delete_share_instance', instance_id, share_id)
            for instance_id, status, share_id in rows
            if instance_id not in replica_ids]


def _promote_work(r, backend, older_than, active_backend=None):
    """Promotions to a replica of ours (of shares whose current active is
    ``active_backend``'s, if given)."""
    query = (sa.select(Share.task_instance_id, Share.id)
             .join(Instance, Instance.id == Share.task_instance_id)
             .where(Share.task_state == c.TASK_REPLICATION_CHANGE,
                    _ours(Instance.host, backend),
                    _unchanged_since(Instance, older_than)))
    if active_backend is not None:
        active = orm.aliased(Instance)
        query = query.join(active, sa.and_(
            active.share_id == Share.id,
            active.replica_state == c.REPLICA_STATE_ACTIVE)).where(
                _ours(active.host, active_backend))
    rows = r.execute(query.order_by(Share.id)).all()
    return [Work('promote_replica', target, share_id)
            for target, share_id in rows]


def promotes_to(backend, active_backend, older_than):
    """[Work] of the promotes to a replica of ``backend`` unchanged since
    ``older_than``, on shares whose active replica is ``active_backend``'s
    (dead_owners.py: that manager gives them up when ``backend`` is down).
    """
    with session.reader() as r:
        return _promote_work(r, backend, older_than, active_backend)


def _snapshot_work(r, backend, older_than):
    """Snapshots with instances creating or deleting, on shares whose
    primary instance is ours."""
    primary = _OTHER
    rows = r.execute(
        sa.select(SnapshotInstance.snapshot_id, SnapshotInstance.status,
                  Snapshot.share_id)
        .join(Snapshot, Snapshot.id == SnapshotInstance.snapshot_id)
        .join(primary, primary.share_id == Snapshot.share_id)
        .where(_primary(primary), _ours(primary.host, backend),
               SnapshotInstance.status.in_((c.STATUS_CREATING,
                                            c.STATUS_DELETING)),
               _unchanged_since(SnapshotInstance, older_than))
        .distinct()
        .order_by(SnapshotInstance.snapshot_id,
                  SnapshotInstance.status)).all()
    return [Work('create_snapshot' if status == c.STATUS_CREATING
                 else 'delete_snapshot', snapshot_id, share_id)
            for snapshot_id, status, share_id in rows]


def _access_work(r, backend, older_than):
    """Shares with access rules still pending whose primary is ours."""
    pending = (sa.select(Instance.share_id)
               .join(Map, Map.share_instance_id == Instance.id)
               .where(Map.state.in_(access.PENDING),
                      _unchanged_since(Map, older_than)))
    share_ids = r.scalars(
        sa.select(Instance.share_id).distinct()
        .where(_primary(Instance), _ours(Instance.host, backend),
               Instance.share_id.in_(pending))
        .order_by(Instance.share_id)).all()
    return [Work('update_access', share_id, share_id)
            for share_id in share_ids]


def _resize_work(r, backend, older_than):
    """Extends and shrinks of shares whose primary instance is ours."""
    share_ids = r.scalars(
        sa.select(Share.id).distinct()
        .join(Instance, Instance.share_id == Share.id)
        .where(Share.task_state.in_((c.STATUS_EXTENDING,
                                     c.STATUS_SHRINKING)),
               _primary(Instance), _ours(Instance.host, backend),
               _unchanged_since(Share, older_than))
        .order_by(Share.id)).all()
    return [Work('resize_share', share_id, share_id)
            for share_id in share_ids]


def pending_work(backend, older_than=None):
    """[Work] that the manager ``backend`` (``host@name``) must finish.

    In the order recovery redoes them: instances first, then snapshots;
    access rules after both (a promote or an add re-applies them anyway);
    resizes last.
    """
    with session.reader() as r:
        work = _replica_work(r, backend, older_than)
        work += _instance_work(r, backend, older_than,
                               {w.target for w in work})
        work += _promote_work(r, backend, older_than)
        work += _snapshot_work(r, backend, older_than)
        work += _access_work(r, backend, older_than)
        work += _resize_work(r, backend, older_than)
    return work
