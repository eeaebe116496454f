"""Snapshot flows: one snapshot instance per replica, from the active's
manager.

Each flow reads what it needs, calls the driver outside any transaction
and saves the answer with conditional UPDATEs (``WHERE status = ...``): a
repeated or late cast, a reset or a replica deleted meanwhile changes
nothing. The saves are retried while the database connection fails
(db/retry.py); what still fails stays for the pending work sweep.
"""
import functools

from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl.db import snapshot_source
from manila_repl import exception
from manila_repl import messages
from manila_repl.share import views

LOG = logging.getLogger(__name__)
Snapshot = models.ShareSnapshot
SnapshotInstance = models.ShareSnapshotInstance
Instance = models.ShareInstance
Share = models.Share

NOT_SUPPORTED = 'Snapshots are not supported by the driver.'


def share_of(snapshot_id):
    """The share a snapshot belongs to, or None once it is gone."""
    with session.reader() as r:
        return r.scalar(sa.select(models.ShareSnapshot.share_id).where(
            models.ShareSnapshot.id == snapshot_id))


def _load(snapshot_id, status):
    """(size, [(snapshot instance id, share instance view)]) of the
    snapshot's instances in ``status``; (None, []) when it is gone."""
    with session.reader() as r:
        snapshot = r.get(Snapshot, snapshot_id)
        if snapshot is None:
            return None, []
        share = r.get(Share, snapshot.share_id)
        by_id = {v.id: v for v in views.for_share(share)}
        return snapshot.size, [
            (i.id, by_id.get(i.share_instance_id))
            for i in sorted(snapshot.instances, key=lambda i: i.id)
            if i.status == status]


def _transition(s, snapshot_instance_id, expected, **values):
    values.setdefault('updated_at', timeutils.utcnow())
    result = s.execute(
        sa.update(SnapshotInstance)
        .where(SnapshotInstance.id == snapshot_instance_id,
               SnapshotInstance.status == expected)
        .values(**values))
    return result.rowcount == 1


def _argument(snapshot_instance_id, snapshot_id, view, size):
    """What the driver gets (driver.SnapshotMixin)."""
    return {'id': snapshot_instance_id, 'snapshot_id': snapshot_id,
            'share_instance': view, 'size': size}


def source_of(instance_id):
    """What ``driver.create_share_from_snapshot`` gets as the snapshot
    instance when the instance's share is made from a snapshot (the
    snapshot's instance on its share's active replica), else None.

    :raises: ShareDriverError when that copy is no longer available.
    """
    with session.reader() as r:
        share_id = r.scalar(sa.select(Instance.share_id).where(
            Instance.id == instance_id))
        snapshot_id = (snapshot_source.of_share(r, share_id)
                       if share_id else None)
        if not snapshot_id:
            return None
        source = snapshot_source.on_active(r, snapshot_id)
        if source is None or \
                source.snapshot_instance_status != c.STATUS_AVAILABLE:
            raise exception.ShareDriverError(
                reason='snapshot %s has no available copy on the active '
                       'replica of its share any more' % snapshot_id)
        size = r.scalar(sa.select(Snapshot.size).where(
            Snapshot.id == snapshot_id))
        by_id = {v.id: v for v in views.for_share(
            r.get(Share, source.share_id))}
        return _argument(source.snapshot_instance_id, snapshot_id,
                         by_id[source.instance_id], size)


def _create_one(driver, snapshot_id, size, snapshot_instance_id, view):
    """Take one snapshot instance; returns the status it was given
    (available or error), or None when it was not creating any more."""
    try:
        if view is None or not view.host:
            raise RuntimeError('its replica has no storage')
        update = driver.create_snapshot(_argument(
            snapshot_instance_id, snapshot_id, view, size)) or {}
    except NotImplementedError:
        values = {'status': c.STATUS_ERROR, 'status_message': NOT_SUPPORTED}
    except Exception as e:
        LOG.warning('Snapshot instance %s of snapshot %s failed: %s',
                    snapshot_instance_id, snapshot_id, e)
        values = {'status': c.STATUS_ERROR,
                  'status_message': 'Snapshot creation failed: %s' % e}
    else:
        values = {'status': c.STATUS_AVAILABLE, 'progress': '100%',
                  'provider_location': update.get('provider_location'),
                  'status_message': None}
    changed = retry.transaction(lambda s: _transition(
        s, snapshot_instance_id, c.STATUS_CREATING, **values))
    return values['status'] if changed else None


def create_snapshot(driver, snapshot_id):
    """Take every snapshot instance of the snapshot still ``creating``."""
    size, work = _load(snapshot_id, c.STATUS_CREATING)
    if not work:
        LOG.info('Snapshot %s has nothing to create', snapshot_id)
    statuses = [_create_one(driver, snapshot_id, size, snapshot_instance_id,
                            view)
                for snapshot_instance_id, view in work]
    if c.STATUS_ERROR in statuses:
        messages.snapshot(snapshot_id, messages.Action.CREATE,
                          messages.Detail.DRIVER_FAILED_SNAPSHOT)


def _remove_if_empty(s, snapshot_id):
    left = s.scalar(sa.select(sa.func.count())
                    .select_from(SnapshotInstance)
                    .where(SnapshotInstance.snapshot_id == snapshot_id))
    if not left:
        s.execute(sa.delete(Snapshot).where(Snapshot.id == snapshot_id))


def _remove_instance(snapshot_instance_id, snapshot_id, s):
    s.execute(sa.delete(SnapshotInstance).where(
        SnapshotInstance.id == snapshot_instance_id,
        SnapshotInstance.status == c.STATUS_DELETING))
    _remove_if_empty(s, snapshot_id)


def delete_snapshot(driver, snapshot_id, force=False):
    """Delete every snapshot instance in ``deleting``; the snapshot row
    goes with its last instance. A failure leaves that instance in
    ``error_deleting`` (with force: removed anyway)."""
    size, work = _load(snapshot_id, c.STATUS_DELETING)
    if size is None:
        LOG.info('Snapshot %s is gone already', snapshot_id)
        return
    failed = False
    for snapshot_instance_id, view in work:
        try:
            if view is not None and view.host:
                driver.delete_snapshot(_argument(
                    snapshot_instance_id, snapshot_id, view, size))
        except Exception as e:
            if not force:
                LOG.warning('Deleting snapshot instance %s failed: %s',
                            snapshot_instance_id, e)
                message = 'Snapshot deletion failed: %s' % e
                failed = retry.transaction(lambda s: _transition(
                    s, snapshot_instance_id, c.STATUS_DELETING,
                    status=c.STATUS_ERROR_DELETING,
                    status_message=message)) or failed
                continue
            LOG.warning('Force-deleting snapshot instance %s despite: %s',
                        snapshot_instance_id, e)
        retry.transaction(functools.partial(
            _remove_instance, snapshot_instance_id, snapshot_id))
    if failed:
        messages.snapshot(snapshot_id, messages.Action.DELETE,
                          messages.Detail.DRIVER_FAILED_DELETE_SNAPSHOT)


# Built once: an alias copies every column of its table when made.
_ON_ACTIVE = orm.aliased(SnapshotInstance, name='on_active')
_MINE = orm.aliased(SnapshotInstance, name='mine')
_ACTIVE = orm.aliased(Instance, name='active')


def _missing(s, share_id, replica_id):
    """(snapshot id, size) of the share's available snapshots the replica
    has no instance of, oldest first."""
    return s.execute(
        sa.select(Snapshot.id, Snapshot.size, Snapshot.created_at)
        .join(_ON_ACTIVE, _ON_ACTIVE.snapshot_id == Snapshot.id)
        .join(_ACTIVE, _ACTIVE.id == _ON_ACTIVE.share_instance_id)
        .where(Snapshot.share_id == share_id,
               _ACTIVE.replica_state == c.REPLICA_STATE_ACTIVE,
               _ACTIVE.id != replica_id,
               _ON_ACTIVE.status == c.STATUS_AVAILABLE,
               ~sa.exists().where(
                   _MINE.snapshot_id == Snapshot.id,
                   _MINE.share_instance_id == replica_id))
        .distinct()
        .order_by(Snapshot.created_at, Snapshot.id)).all()


def _in_error(s, replica_id):
    """(snapshot instance id, snapshot id, size) the replica has in error.
    """
    return s.execute(
        sa.select(SnapshotInstance.id, Snapshot.id, Snapshot.size)
        .join(Snapshot, Snapshot.id == SnapshotInstance.snapshot_id)
        .where(SnapshotInstance.share_instance_id == replica_id,
               SnapshotInstance.status == c.STATUS_ERROR)).all()


def replica_lacks_snapshots(share_id, replica_id):
    """Whether sync_replica_snapshots has work for the replica (a read:
    most shares have no snapshot, and then a sync writes nothing)."""
    with session.reader() as r:
        return bool(_missing(r, share_id, replica_id) or
                    _in_error(r, replica_id))


def fail_pending(snapshot_id, status, message):
    """Fail, with ``message``, the snapshot's instances still in
    ``status`` (``creating``: error; ``deleting``: error_deleting)
    without the driver: their manager is down (dead_owners.py).

    :returns: how many snapshot instances failed."""
    failed = (c.STATUS_ERROR if status == c.STATUS_CREATING
              else c.STATUS_ERROR_DELETING)
    return retry.transaction(lambda s: s.execute(
        sa.update(SnapshotInstance)
        .where(SnapshotInstance.snapshot_id == snapshot_id,
               SnapshotInstance.status == status)
        .values(status=failed, status_message=message,
                updated_at=timeutils.utcnow())).rowcount)


def sync_replica_snapshots(driver, share_id, replica_view):
    """Give a replica that just synced a snapshot instance of every
    available snapshot of its share it lacks (DB row, then the driver).

    A snapshot is available when its instance on the share's active
    replica is. :returns: True when the replica now holds them all.
    """
    with session.transaction() as s:
        missing = _missing(s, share_id, replica_view.id)
        # Only while the replica is still there and not being removed.
        alive = s.scalar(sa.select(Instance.id).where(
            Instance.id == replica_view.id,
            Instance.status == c.STATUS_AVAILABLE))
        if not alive:
            return False
        work = []
        for snapshot_id, size, _created in missing:
            row = SnapshotInstance(snapshot_id=snapshot_id,
                                   share_instance_id=replica_view.id,
                                   status=c.STATUS_CREATING, progress='0%')
            s.add(row)
            s.flush()
            work.append((snapshot_id, size, row.id))
        # Those it has but in error are retried too.
        for snapshot_instance_id, snapshot_id, size in _in_error(
                s, replica_view.id):
            if _transition(s, snapshot_instance_id, c.STATUS_ERROR,
                           status=c.STATUS_CREATING, status_message=None):
                work.append((snapshot_id, size, snapshot_instance_id))
    ok = True
    for snapshot_id, size, snapshot_instance_id in work:
        ok = _create_one(driver, snapshot_id, size, snapshot_instance_id,
                         replica_view) == c.STATUS_AVAILABLE and ok
    return ok


def delete_replica_snapshots(driver, replica_view):
    """Before a replica goes: delete its snapshot instances on storage
    (their rows go with the replica's by cascade). Failures are logged."""
    with session.reader() as r:
        rows = r.execute(
            sa.select(SnapshotInstance.id, Snapshot.id, Snapshot.size)
            .join(Snapshot, Snapshot.id == SnapshotInstance.snapshot_id)
            .where(SnapshotInstance.share_instance_id == replica_view.id)
        ).all()
    for snapshot_instance_id, snapshot_id, size in rows:
        try:
            driver.delete_snapshot(_argument(
                snapshot_instance_id, snapshot_id, replica_view, size))
        except Exception as e:
            LOG.warning('Snapshot instance %s of removed replica %s not '
                        'deleted: %s', snapshot_instance_id,
                        replica_view.id, e)
