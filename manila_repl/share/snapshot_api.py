"""What the REST layer asks of snapshots (share.api's pattern: checks,
one transaction of conditional changes, then the cast to the manager of
the share's ACTIVE replica, undone if the bus refuses it)."""
from oslo_utils import strutils
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import listing
from manila_repl.db import models
from manila_repl.db import session
from manila_repl.db import snapshot_source
from manila_repl import exception
from manila_repl import quotas
from manila_repl.share import api as share_api

Share = models.Share
Instance = models.ShareInstance
Snapshot = models.ShareSnapshot
SnapshotInstance = models.ShareSnapshotInstance

#: Worst first: the status the API shows is the worst over the instances
#: on active and in_sync replicas (db.listing filters and sorts by the
#: same in SQL).
_SEVERITY = listing.SNAPSHOT_SEVERITY
_COUNTED = listing.SNAPSHOT_COUNTED
SNAPSHOT_STATUSES = (c.STATUS_CREATING, c.STATUS_AVAILABLE,
                     c.STATUS_DELETING, c.STATUS_ERROR,
                     c.STATUS_ERROR_DELETING)


class SnapshotNotFound(exception.NotFound):
    message = 'Snapshot %(snapshot_id)s could not be found.'


class SnapshotInstanceNotFound(exception.NotFound):
    message = 'Snapshot instance %(instance_id)s could not be found.'


class SnapshotUnsupported(exception.ManilaReplException):
    """Manila answers 422 when the share type has no snapshot_support."""
    message = ('Snapshots cannot be created for share %(share_id)s since '
               'it does not have that capability.')
    code = 422


def aggregate(instances):
    """(status, progress, provider_location) of a snapshot from its
    instances' (status, progress, provider_location, replica_state)."""
    counted = [i for i in instances if i[3] in _COUNTED] or list(instances)
    if not counted:
        return c.STATUS_ERROR, None, None
    worst = min(counted, key=lambda i: (_SEVERITY.index(i[0])
                                        if i[0] in _SEVERITY else 0))
    location = next((i[2] for i in counted
                     if i[3] in (c.REPLICA_STATE_ACTIVE, None)), None)
    return worst[0], worst[1], location


def _instance_rows(r, snapshot_ids):
    """{snapshot id: [(status, progress, provider_location,
    replica_state)]} in one query."""
    found = {i: [] for i in snapshot_ids}
    if not snapshot_ids:
        return found
    rows = r.execute(
        sa.select(SnapshotInstance.snapshot_id, SnapshotInstance.status,
                  SnapshotInstance.progress,
                  SnapshotInstance.provider_location, Instance.replica_state)
        .join(Instance, Instance.id == SnapshotInstance.share_instance_id)
        .where(SnapshotInstance.snapshot_id.in_(snapshot_ids))).all()
    for snapshot_id, *rest in rows:
        found[snapshot_id].append(tuple(rest))
    return found


def _with_status(r, snapshots):
    """Plain dicts of snapshot rows, with the aggregate status."""
    by_id = _instance_rows(r, [x.id for x in snapshots])
    result = []
    for x in snapshots:
        status, progress, location = aggregate(by_id[x.id])
        result.append({
            'id': x.id, 'share_id': x.share_id, 'size': x.size,
            'share_proto': x.share_proto, 'project_id': x.project_id,
            'user_id': x.user_id, 'display_name': x.display_name,
            'display_description': x.display_description,
            'created_at': x.created_at, 'updated_at': x.updated_at,
            'status': status, 'progress': progress,
            'provider_location': location})
    return result


def _query(context):
    return share_api._visible(context, sa.select(Snapshot),
                              project_col=Snapshot.project_id)


def _get_row(context, snapshot_id, s):
    snapshot = s.scalars(_query(context).where(
        Snapshot.id == snapshot_id)).first()
    if snapshot is None:
        raise SnapshotNotFound(snapshot_id=snapshot_id)
    return snapshot


def get_snapshot(context, snapshot_id):
    with session.reader() as r:
        return _with_status(r, [_get_row(context, snapshot_id, r)])[0]


def list_snapshots(request):
    """(snapshot dicts, count or None) for a db.listing.Listing."""
    with session.reader() as r:
        rows, count = listing.snapshots(request, r)
        return _with_status(r, rows), count


def _snapshot_support(s, share):
    if not share.share_type_id:
        return False
    value = s.scalar(sa.select(models.ShareTypeExtraSpec.spec_value).where(
        models.ShareTypeExtraSpec.share_type_id == share.share_type_id,
        models.ShareTypeExtraSpec.spec_key == 'snapshot_support'))
    return strutils.bool_from_string(value)


def _active_host(share):
    active = share_api._primary(share)
    return active.host if active is not None else None


def create_snapshot(context, share_id, name=None, description=None,
                    force=False):
    """Record the snapshot and one instance (``creating``) per available
    replica that is active or in_sync; cast to the active's manager."""
    with session.transaction() as s:
        share = share_api.get_share(context, share_id, s)
        if not _snapshot_support(s, share):
            raise SnapshotUnsupported(share_id=share_id)
        share_api.guard_share(s, share_id)
        s.refresh(share, ['instances'])
        active = share_api._primary(share)
        if active is None or not active.host or (
                not force and active.status != c.STATUS_AVAILABLE):
            raise exception.InvalidInput(
                reason='share %s must be available to be snapshotted, not '
                       '%s' % (share_id, active.status if active else
                               'without an instance'))
        snapshot = Snapshot(
            share_id=share_id,
            project_id=context.project_id or share.project_id,
            user_id=(context.user_id or context.project_id or
                     share.user_id),
            display_name=name, display_description=description,
            size=share.size, share_proto=share.share_proto)
        s.add(snapshot)
        s.flush()
        for instance in share.instances:
            if instance.id == active.id or (
                    instance.host and
                    instance.status == c.STATUS_AVAILABLE and
                    instance.replica_state in (c.REPLICA_STATE_ACTIVE,
                                               c.REPLICA_STATE_IN_SYNC)):
                s.add(SnapshotInstance(
                    snapshot_id=snapshot.id, share_instance_id=instance.id,
                    status=c.STATUS_CREATING, progress='0%'))
        s.flush()
        quotas.check_snapshot(s, snapshot.project_id)
        snapshot_id, host = snapshot.id, active.host

    def undo(s):
        # The cast never left: the snapshot goes, nothing was made.
        s.execute(sa.delete(SnapshotInstance)
                  .where(SnapshotInstance.snapshot_id == snapshot_id))
        s.execute(sa.delete(Snapshot).where(Snapshot.id == snapshot_id))

    share_api.cast(lambda: share_api._share_rpc().create_snapshot(
                       context, host, snapshot_id),
                   undo, 'create snapshot of share %s' % share_id)
    return get_snapshot(context, snapshot_id)


def _invalid(reason):
    return exception.InvalidInput(reason=reason)


def create_share_from_snapshot(context, snapshot_id, size=None,
                               share_proto=None, share_type=None,
                               availability_zone=None, **fields):
    """A new share holding a snapshot's data (a new replication chain for
    a replicated type), made on the backend of the snapshot's instance on
    the source share's active replica.

    The snapshot must be the caller's (404 otherwise) and available, its
    share's type must have ``create_share_from_snapshot_support``; size,
    type and protocol default to the source's and may not be smaller or
    different (400). ``fields``: name, description, metadata, is_public.
    """
    with session.transaction() as s:
        snapshot = _get_row(context, snapshot_id, s)
        # Serialises with a delete of this snapshot (which takes the row).
        snapshot_source.lock_share(s, snapshot.share_id)
        source_share = share_api.get_share(context, snapshot.share_id, s)
        status = _with_status(s, [snapshot])[0]['status']
        source = snapshot_source.on_active(s, snapshot_id)
        if status != c.STATUS_AVAILABLE or source is None or \
                source.snapshot_instance_status != c.STATUS_AVAILABLE or \
                not source.host:
            raise _invalid('snapshot %s must be available (on the active '
                           'replica of share %s) to create a share from '
                           'it, not %s' % (snapshot_id, snapshot.share_id,
                                           status))
        source_type = source_share.share_type
        specs = ({e.spec_key: e.spec_value for e in source_type.extra_specs}
                 if source_type else {})
        if not strutils.bool_from_string(
                specs.get('create_share_from_snapshot_support')):
            raise _invalid('a new share may not be created from snapshot '
                           '%s: the share type of its share does not have '
                           'create_share_from_snapshot_support' %
                           snapshot_id)
        if share_type is not None and share_type.id != source_type.id:
            raise _invalid('a share from snapshot %s must be of its share\'s '
                           'type %s (or give none)' % (snapshot_id,
                                                       source_type.name))
        share_proto = (share_proto or source_share.share_proto).upper()
        if share_proto != source_share.share_proto.upper():
            raise _invalid('a share from snapshot %s must use its share\'s '
                           'protocol %s' % (snapshot_id,
                                            source_share.share_proto))
        size = snapshot.size if size is None else size
        if size < snapshot.size:
            raise _invalid('a share from snapshot %s must be at least its '
                           'size, %d GiB' % (snapshot_id, snapshot.size))
        if availability_zone and \
                availability_zone != source.availability_zone:
            raise _invalid('a share from snapshot %s is made in availability '
                           'zone %s, where the snapshot\'s data is' % (
                               snapshot_id, source.availability_zone))
        share_id, instance_id = share_api.record_share(
            s, context, size, share_proto, source_type,
            availability_zone=source.availability_zone,
            snapshot_id=snapshot_id, **fields)
    return share_api.schedule_share(context, share_id, instance_id)


def delete_snapshot(context, snapshot_id, force=False):
    """Every instance goes ``deleting``; the active's manager deletes."""
    with session.transaction() as s:
        snapshot = _get_row(context, snapshot_id, s)
        share_id = snapshot.share_id
        share_api.guard_share(s, share_id)
        making = snapshot_source.shares_being_made(s, snapshot_id)
        if making:
            raise exception.Conflict(
                'Snapshot %s cannot be deleted while share %s is being '
                'created from it.' % (snapshot_id, making[0]))
        status = _with_status(s, [snapshot])[0]['status']
        allowed = (c.STATUS_AVAILABLE, c.STATUS_ERROR)
        if not force and status not in allowed:
            raise exception.InvalidInput(
                reason='snapshot status must be one of %s, not %s' % (
                    ', '.join(allowed), status))
        share = share_api.get_share(context, share_id, s)
        host = _active_host(share)
        previous = dict(s.execute(
            sa.select(SnapshotInstance.id, SnapshotInstance.status)
            .where(SnapshotInstance.snapshot_id == snapshot_id)).all())
        if not previous or not host:
            s.execute(sa.delete(Snapshot).where(Snapshot.id == snapshot_id))
            return
        s.execute(sa.update(SnapshotInstance)
                  .where(SnapshotInstance.snapshot_id == snapshot_id)
                  .values(status=c.STATUS_DELETING, status_message=None,
                          updated_at=timeutils.utcnow()))

    def undo(s):
        for instance_id, old in previous.items():
            s.execute(sa.update(SnapshotInstance)
                      .where(SnapshotInstance.id == instance_id,
                             SnapshotInstance.status == c.STATUS_DELETING)
                      .values(status=old))

    share_api.cast(lambda: share_api._share_rpc().delete_snapshot(
                       context, host, snapshot_id, force=force),
                   undo, 'delete snapshot %s' % snapshot_id)


def update_snapshot(context, snapshot_id, values):
    """Name and description only."""
    with session.transaction() as s:
        snapshot = _get_row(context, snapshot_id, s)
        for key in ('display_name', 'display_description'):
            if key in values:
                setattr(snapshot, key, values[key])
        snapshot.updated_at = timeutils.utcnow()
    return get_snapshot(context, snapshot_id)


def reset_snapshot_status(context, snapshot_id, status):
    """Admin, DB only: every instance of the snapshot."""
    with session.transaction() as s:
        _get_row(context, snapshot_id, s)
        s.execute(sa.update(SnapshotInstance)
                  .where(SnapshotInstance.snapshot_id == snapshot_id)
                  .values(status=status, updated_at=timeutils.utcnow()))


# -- snapshot instances (administrators) -----------------------------------

_INSTANCE_COLUMNS = (
    SnapshotInstance.id, SnapshotInstance.snapshot_id,
    SnapshotInstance.share_instance_id, SnapshotInstance.status,
    SnapshotInstance.progress, SnapshotInstance.provider_location,
    SnapshotInstance.created_at, SnapshotInstance.updated_at,
    SnapshotInstance.status_message, Instance.share_id)


def _instances_query():
    return (sa.select(*_INSTANCE_COLUMNS)
            .join(Instance, Instance.id == SnapshotInstance.share_instance_id))


def list_snapshot_instances(snapshot_id=None, limit=None, offset=None):
    query = _instances_query()
    if snapshot_id:
        query = query.where(SnapshotInstance.snapshot_id == snapshot_id)
    query = query.order_by(SnapshotInstance.created_at, SnapshotInstance.id)
    if offset:
        query = query.offset(offset)
    if limit:
        query = query.limit(limit)
    with session.reader() as r:
        return r.execute(query).mappings().all()


def get_snapshot_instance(instance_id):
    with session.reader() as r:
        row = r.execute(_instances_query().where(
            SnapshotInstance.id == instance_id)).mappings().first()
    if row is None:
        raise SnapshotInstanceNotFound(instance_id=instance_id)
    return row


def reset_snapshot_instance_status(instance_id, status):
    with session.transaction() as s:
        done = s.execute(sa.update(SnapshotInstance)
                         .where(SnapshotInstance.id == instance_id)
                         .values(status=status,
                                 updated_at=timeutils.utcnow()))
        if done.rowcount != 1:
            raise SnapshotInstanceNotFound(instance_id=instance_id)
