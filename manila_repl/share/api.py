"""What the REST layer asks of shares and replicas.

Each call checks its input, changes the database in one transaction with
conditional UPDATEs (several API workers may race; no in-process lock can
see the others), and only then casts to the scheduler or a share manager.
The per-share guard is the row of the share itself: every operation that
must not overlap a promote first updates that row ``WHERE task_state IS
NULL``, which also serialises it against a concurrent promote's update of
the same row in PostgreSQL, MariaDB and SQLite alike.
"""
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl.api import bus
from manila_repl import constants as c
from manila_repl.db import listing
from manila_repl.db import models
from manila_repl.db import session
from manila_repl import exception
from manila_repl import quotas
from manila_repl import share_types
from manila_repl.scheduler.filters import availability_zone as az_filter
from manila_repl.scheduler import rpcapi as scheduler_rpcapi
from manila_repl.share import rpcapi as share_rpcapi

LOG = logging.getLogger(__name__)

Share = models.Share
Instance = models.ShareInstance

_scheduler = None
_share = None


def _scheduler_rpc():
    global _scheduler
    if _scheduler is None:
        _scheduler = scheduler_rpcapi.SchedulerAPI(retry=bus.retries(),
                                                   timeout=bus.timeout())
    return _scheduler


def _share_rpc():
    global _share
    if _share is None:
        _share = share_rpcapi.ShareAPI(retry=bus.retries())
    return _share


def cast(send, undo, what):
    """Send a cast; if the message bus refuses it, undo the recorded change
    (so nothing stays half-made) and answer 503."""
    try:
        bus.cast(send, what)
    except exception.ServiceUnavailable as e:
        with session.transaction() as s:
            undo(s)
        raise exception.ServiceUnavailable(
            '%s; nothing was changed.' % e.msg)


def _remove_instance(instance_id, with_share=None):
    """Undo a create whose cast never left: the records go (quota usage is
    counted from them), so the 503 that follows is true to its word."""
    def undo(s):
        s.execute(sa.delete(Instance).where(Instance.id == instance_id))
        if with_share is not None:
            s.execute(sa.delete(Share).where(Share.id == with_share))
    return undo


def _restore_status(instance_id, status):
    def undo(s):
        s.execute(sa.update(Instance).where(Instance.id == instance_id)
                  .values(status=status, updated_at=timeutils.utcnow()))
    return undo


#: What each ``shares.task_state`` means, for the 409 a request gets.
_TASKS = {c.TASK_REPLICATION_CHANGE: 'a replica promotion is in progress',
          c.STATUS_EXTENDING: 'an extend is in progress',
          c.STATUS_SHRINKING: 'a shrink is in progress'}


def busy_reason(task_state):
    """Why a share with this ``task_state`` cannot take another task."""
    return _TASKS.get(task_state,
                      '%s is in progress' % (task_state or
                                             'another operation'))


def _visible(context, query, project_col=Share.project_id):
    """Another project's resources are as good as absent (404, no leak)."""
    if context.is_admin:
        return query
    return query.where(project_col == context.project_id)


def _active(share):
    for instance in share.instances:
        if instance.replica_state == c.REPLICA_STATE_ACTIVE:
            return instance
    return None


def _primary(share):
    """The instance a share's status, host and AZ come from."""
    return _active(share) or (share.instances[0] if share.instances
                              else None)


def guard_share(s, share_id):
    """Take the share row's lock, refusing (409, naming the task) while a
    promote, an extend or a shrink runs on it."""
    result = s.execute(
        sa.update(Share)
        .where(Share.id == share_id, Share.task_state.is_(None))
        .values(updated_at=timeutils.utcnow()))
    if result.rowcount != 1:
        raise busy(s, share_id)


def busy(s, share_id):
    """The 409 for a share whose ``task_state`` is taken, naming the task.
    """
    task = s.scalar(sa.select(Share.task_state).where(Share.id == share_id))
    return exception.ShareBusy(share_id=share_id, reason=busy_reason(task))


# -- shares ---------------------------------------------------------------

def get_share(context, share_id, s=None):
    query = _visible(context, sa.select(Share).where(Share.id == share_id))
    if s is not None:
        share = s.scalars(query).first()
    else:
        with session.reader() as r:
            share = r.scalars(query).first()
    if share is None:
        raise exception.ShareNotFound(share_id=share_id)
    return share


def create_share(context, size, share_proto, share_type, name=None,
                 description=None, availability_zone=None, metadata=None,
                 is_public=False):
    """Record the share and its first instance, then ask the scheduler.

    ``share_type`` is a models.ShareType (already resolved, or None).
    (A share from a snapshot: snapshot_api.create_share_from_snapshot.)
    """
    if availability_zone:
        _check_availability_zone(availability_zone, share_type)
    with session.transaction() as s:
        share_id, instance_id = record_share(
            s, context, size, share_proto, share_type, name=name,
            description=description, availability_zone=availability_zone,
            metadata=metadata, is_public=is_public)
    return schedule_share(context, share_id, instance_id)


def record_share(s, context, size, share_proto, share_type, name=None,
                 description=None, availability_zone=None, metadata=None,
                 is_public=False, snapshot_id=None):
    """Add a share and its first instance (``creating``) in ``s``, within
    the project's quotas. :returns: (share id, instance id)."""
    extra_specs = ({e.spec_key: e.spec_value for e in share_type.extra_specs}
                   if share_type else {})
    replication_type = extra_specs.get('replication_type')
    if replication_type and \
            replication_type not in c.SERVED_REPLICATION_TYPES:
        raise exception.InvalidInput(
            reason='share type %s has replication_type=%s, which no back end '
                   'of this service serves (they serve %s); use a share type '
                   'with one of those' % (
                       share_type.name, replication_type,
                       ' or '.join(c.SERVED_REPLICATION_TYPES)))
    share = Share(project_id=context.project_id,
                  user_id=context.user_id or context.project_id,
                  display_name=name, display_description=description,
                  size=size, share_proto=share_proto.upper(),
                  share_type_id=share_type.id if share_type else None,
                  replication_type=replication_type,
                  is_public=bool(is_public), metadata_=metadata or {},
                  snapshot_id=snapshot_id)
    s.add(share)
    s.flush()
    instance = Instance(
        share_id=share.id, status=c.STATUS_CREATING,
        availability_zone=availability_zone,
        replica_state=(c.REPLICA_STATE_ACTIVE if replication_type
                       else None))
    s.add(instance)
    s.flush()
    quotas.check_share(s, share)
    return share.id, instance.id


def schedule_share(context, share_id, instance_id):
    """Ask the scheduler to place a recorded share (undone if the bus
    refuses). :returns: the share."""
    cast(lambda: _scheduler_rpc().create_share_instance(context,
                                                        instance_id),
         _remove_instance(instance_id, with_share=share_id),
         'create share %s' % share_id)
    return get_share(context, share_id)


def delete_share(context, share_id, force=False):
    """Delete a share that has no replica besides its active instance."""
    with session.transaction() as s:
        share = get_share(context, share_id, s)
        guard_share(s, share_id)
        s.refresh(share, ['instances'])
        others = [i for i in share.instances
                  if i.replica_state != c.REPLICA_STATE_ACTIVE]
        if share.replication_type and others:
            raise exception.Conflict(
                'Share %s has %d replica(s) besides the active one; delete '
                'them first.' % (share_id, len(others)))
        snapshots = s.scalar(
            sa.select(sa.func.count()).select_from(models.ShareSnapshot)
            .where(models.ShareSnapshot.share_id == share_id))
        if snapshots and not force:
            raise exception.NotAuthorized(
                'Share %s still has %d dependent snapshot(s); delete them '
                'first.' % (share_id, snapshots))
        allowed = (c.STATUS_AVAILABLE, c.STATUS_ERROR)
        for instance in share.instances:
            if not force and instance.status not in allowed:
                raise exception.NotAuthorized(
                    'Share status must be one of %s, not %s.' % (
                        ', '.join(allowed), instance.status))
        casts = []
        for instance in share.instances:
            if instance.host:
                casts.append((instance.host, instance.id, instance.status))
                instance.status = c.STATUS_DELETING
            else:
                s.delete(instance)
        if not casts:
            s.delete(share)
    for host, instance_id, status in casts:
        cast(lambda: _share_rpc().delete_share_instance(
                 context, host, instance_id, force=force),
             _restore_status(instance_id, status),
             'delete share %s' % share_id)


def reset_share_status(context, share_id, status):
    """Admin, DB only: the status of the share's active instance."""
    with session.transaction() as s:
        share = get_share(context, share_id, s)
        instance = _primary(share)
        if instance is not None:
            instance.status = status


# -- replicas -------------------------------------------------------------

def get_replica(context, replica_id, s=None):
    """The replica's instance (ORM, with its share and export locations)."""
    query = _visible(context, sa.select(Instance)
                     .join(Share, Share.id == Instance.share_id)
                     .where(Instance.id == replica_id,
                            Share.replication_type.is_not(None))
                     .options(orm.joinedload(Instance.share)))
    if s is not None:
        replica = s.scalars(query).first()
    else:
        with session.reader() as r:
            replica = r.scalars(query).first()
    if replica is None:
        raise exception.ShareReplicaNotFound(replica_id=replica_id)
    return replica


def get_replica_row(context, replica_id, s=None):
    """The replica as one db.listing.replicas row (narrow columns, one
    query): what showing it, or checking a request against it, needs,
    without get_replica's share, sibling and export location loads."""
    query = _visible(context, listing.replica_query().where(
        Instance.id == replica_id))
    if s is not None:
        row = s.execute(query).mappings().first()
    else:
        with session.reader() as r:
            row = r.execute(query).mappings().first()
    if row is None:
        raise exception.ShareReplicaNotFound(replica_id=replica_id)
    return row


def _share_head(s, context, share_id):
    """(project_id, replication_type, share_type_id) of a visible share,
    one narrow query; ShareNotFound otherwise."""
    row = s.execute(_visible(context, sa.select(
        Share.project_id, Share.replication_type, Share.share_type_id)
        .where(Share.id == share_id))).first()
    if row is None:
        raise exception.ShareNotFound(share_id=share_id)
    return row


def _siblings(s, share_id):
    """Narrow rows of every instance of a share (read after its guard)."""
    return s.execute(
        sa.select(Instance.id, Instance.status, Instance.replica_state,
                  Instance.host, Instance.availability_zone)
        .where(Instance.share_id == share_id)).all()


def _stored(s, instance):
    """The instance as the database keeps it: MySQL's DATETIME drops the
    microseconds the flushed object still has, and the answer must show
    what a later GET shows."""
    if s.get_bind().dialect.name == 'mysql':
        s.refresh(instance, ['created_at'])
    return instance


def _check_availability_zone(name, share_type=None, what='share', s=None,
                             type_id=None):
    """The zone must exist, and be one the share type's
    ``availability_zones`` extra spec allows when it names some (400).

    The type: ``share_type`` (ORM), or ``type_id`` read narrowly in ``s``.
    """
    if s is None:
        with session.reader() as r:
            return _check_availability_zone(name, share_type, what, r,
                                            type_id)
    found = s.scalar(sa.select(models.AvailabilityZone.id).where(
        models.AvailabilityZone.name == name))
    if found is None:
        raise exception.InvalidInput(
            reason='availability zone %s does not exist' % name)
    if share_type is not None:
        specs = {e.spec_key: e.spec_value for e in share_type.extra_specs}
        type_id = share_type.id
    elif type_id is not None:
        specs = share_types.extra_specs_of(s, type_id)
    else:
        return
    allowed = az_filter.type_zones(specs)
    if allowed and name not in allowed:
        type_name = s.scalar(sa.select(models.ShareType.name).where(
            models.ShareType.id == type_id))
        raise exception.InvalidInput(
            reason='a %s of share type %s cannot be created in availability '
                   'zone %s: the type allows only %s' % (
                       what, type_name, name, ', '.join(sorted(allowed))))


def create_replica(context, share_id, availability_zone=None,
                   only_host=None):
    """Record a new replica (creating/out_of_sync) and ask the scheduler.

    :returns: the new replica's instance (ORM, as stored)."""
    with session.transaction() as s:
        project_id, replication_type, type_id = _share_head(s, context,
                                                            share_id)
        if availability_zone:
            _check_availability_zone(availability_zone, what='replica', s=s,
                                     type_id=type_id)
        if not replication_type:
            raise exception.InvalidInput(
                reason='share %s has no replication_type: its share type '
                       'does not support replication' % share_id)
        guard_share(s, share_id)
        active = next((i for i in _siblings(s, share_id)
                       if i.replica_state == c.REPLICA_STATE_ACTIVE), None)
        if active is None or active.status != c.STATUS_AVAILABLE:
            raise exception.InvalidInput(
                reason='share %s has no available active replica' %
                       share_id)
        if availability_zone and \
                availability_zone == active.availability_zone:
            raise exception.InvalidInput(
                reason='the active replica is already in availability zone '
                       '%s; a replica must be in another one' %
                       availability_zone)
        replica = Instance(share_id=share_id, status=c.STATUS_CREATING,
                           replica_state=c.REPLICA_STATE_OUT_OF_SYNC,
                           availability_zone=availability_zone,
                           cast_rules_to_readonly=(
                               replication_type == 'readable'))
        s.add(replica)
        s.flush()
        _stored(s, replica)
        quotas.check_replica(s, project_id)
        replica_id = replica.id
    cast(lambda: _scheduler_rpc().create_replica(context, replica_id,
                                                 only_host=only_host),
         _remove_instance(replica_id),
         'create replica of share %s' % share_id)
    return replica


def delete_replica(context, replica_id, force=False):
    """Delete a replica; never the share's last active one."""
    with session.transaction() as s:
        share_id = get_replica_row(context, replica_id, s)['share_id']
        guard_share(s, share_id)
        # Read again under the share's guard: what a promote left.
        instances = _siblings(s, share_id)
        replica = next((i for i in instances if i.id == replica_id), None)
        if replica is None:
            raise exception.ShareReplicaNotFound(replica_id=replica_id)
        actives = [i for i in instances
                   if i.replica_state == c.REPLICA_STATE_ACTIVE]
        if replica.replica_state == c.REPLICA_STATE_ACTIVE and \
                len(actives) <= 1:
            raise exception.InvalidInput(
                reason='replica %s is the active replica of share %s and '
                       'cannot be deleted; promote another replica first, '
                       'or delete the share' % (replica_id, share_id))
        allowed = (c.STATUS_AVAILABLE, c.STATUS_ERROR)
        if not force and replica.status not in allowed:
            raise exception.InvalidInput(
                reason='replica status must be one of %s, not %s' % (
                    ', '.join(allowed), replica.status))
        if not replica.host:
            # Never placed: nothing exists on any backend.
            s.execute(sa.delete(Instance).where(Instance.id == replica_id))
            return
        active = next((a for a in actives if a.id != replica.id), None)
        previous = replica.status
        s.execute(sa.update(Instance).where(Instance.id == replica_id)
                  .values(status=c.STATUS_DELETING,
                          updated_at=timeutils.utcnow()))
        target_host = active.host if active is not None else replica.host
    cast(lambda: _share_rpc().delete_replica(context, target_host,
                                             replica_id, force=force),
         _restore_status(replica_id, previous),
         'delete replica %s' % replica_id)


def promote_replica(context, replica_id):
    """Start a promote; returns the replica's row as it then reads, or
    None when the replica is already active.

    All of the share's available instances go to ``replication_change`` in
    the same transaction that takes the share's ``task_state``: a second
    promote, or a delete, meanwhile gets 409.
    """
    with session.transaction() as s:
        replica = get_replica_row(context, replica_id, s)
        if replica['replica_state'] == c.REPLICA_STATE_ACTIVE:
            return None
        if replica['status'] != c.STATUS_AVAILABLE:
            if replica['status'] == c.STATUS_REPLICATION_CHANGE:
                raise exception.ShareBusy(
                    share_id=replica['share_id'],
                    reason='a replica promotion is in progress')
            raise exception.InvalidInput(
                reason='replica %s must be available to be promoted, not '
                       '%s' % (replica_id, replica['status']))
        if replica['replica_state'] in (c.REPLICA_STATE_OUT_OF_SYNC,
                                        c.REPLICA_STATE_ERROR) \
                and not context.is_admin:
            raise exception.NotAuthorized(
                'Only an administrator may promote a replica that is %s.' %
                replica['replica_state'])
        share_id = replica['share_id']
        now = timeutils.utcnow()
        taken = s.execute(
            sa.update(Share)
            .where(Share.id == share_id, Share.task_state.is_(None))
            .values(task_state=c.TASK_REPLICATION_CHANGE,
                    task_instance_id=replica_id, updated_at=now))
        if taken.rowcount != 1:
            raise busy(s, share_id)
        target = s.execute(
            sa.update(Instance)
            .where(Instance.id == replica_id,
                   Instance.status == c.STATUS_AVAILABLE)
            .values(status=c.STATUS_REPLICATION_CHANGE, updated_at=now))
        if target.rowcount != 1:
            # Changed since we read it (deleted, reset): the exception rolls
            # the share's task_state back too.
            raise exception.ShareBusy(share_id=share_id,
                                      reason='replica %s changed meanwhile'
                                             % replica_id)
        s.execute(
            sa.update(Instance)
            .where(Instance.share_id == share_id,
                   Instance.status == c.STATUS_AVAILABLE)
            .values(status=c.STATUS_REPLICATION_CHANGE, updated_at=now))
        host = replica['host']
        # The answer: the row as this transaction leaves it.
        row = get_replica_row(context, replica_id, s)

    def undo(s):
        s.execute(sa.update(Instance)
                  .where(Instance.share_id == share_id,
                         Instance.status == c.STATUS_REPLICATION_CHANGE)
                  .values(status=c.STATUS_AVAILABLE))
        s.execute(sa.update(Share).where(Share.id == share_id)
                  .values(task_state=None, task_instance_id=None))

    cast(lambda: _share_rpc().promote_replica(context, host, replica_id),
         undo, 'promote replica %s' % replica_id)
    return row


def resync_replica(context, replica_id):
    """Ask the active replica's manager to update this replica now."""
    with session.reader() as r:
        replica = get_replica_row(context, replica_id, r)
        if replica['replica_state'] == c.REPLICA_STATE_ACTIVE:
            raise exception.InvalidInput(
                reason='replica %s is active; only a non-active replica can '
                       'be resynced' % replica_id)
        if replica['status'] != c.STATUS_AVAILABLE:
            raise exception.InvalidInput(
                reason='replica %s must be available to be resynced, not %s'
                       % (replica_id, replica['status']))
        host = r.scalar(sa.select(Instance.host).where(
            Instance.share_id == replica['share_id'],
            Instance.replica_state == c.REPLICA_STATE_ACTIVE))
        if not host:
            raise exception.InvalidInput(
                reason='share %s has no active replica' %
                       replica['share_id'])
    cast(lambda: _share_rpc().update_replica(context, host, replica_id),
         lambda s: None, 'resync replica %s' % replica_id)


def reset_replica_status(context, replica_id, status):
    """Admin, DB only."""
    if status not in c.STATUSES:
        raise exception.InvalidInput(reason='invalid status %s' % status)
    with session.transaction() as s:
        get_replica_row(context, replica_id, s)
        s.execute(sa.update(Instance).where(Instance.id == replica_id)
                  .values(status=status, updated_at=timeutils.utcnow()))


def reset_replica_state(context, replica_id, replica_state):
    """Admin, DB only; never touches the current active replica, and never
    makes a second active one (the one-active invariant)."""
    if replica_state not in c.REPLICA_STATES:
        raise exception.InvalidInput(
            reason='invalid replica_state %s' % replica_state)
    with session.transaction() as s:
        replica = get_replica(context, replica_id, s)
        if replica_state == c.REPLICA_STATE_ACTIVE and \
                replica.share.replication_type != 'writable':
            raise exception.InvalidInput(
                reason='a replica becomes active by promotion only')
        done = s.execute(
            sa.update(Instance)
            .where(Instance.id == replica_id,
                   Instance.replica_state != c.REPLICA_STATE_ACTIVE)
            .values(replica_state=replica_state,
                    updated_at=timeutils.utcnow()))
        if done.rowcount != 1:
            raise exception.InvalidInput(
                reason='replica %s is the active replica; its state cannot '
                       'be reset' % replica_id)
