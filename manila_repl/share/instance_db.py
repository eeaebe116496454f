"""Reads and conditional writes of share instances for the share manager.

Reads take narrow columns in two statements (the share's instances joined
to the share, then their export paths), never the ORM's relationship
loads: a flow needs a dozen columns, not the share type, its extra specs
and every loaded row's identity bookkeeping.
"""
import dataclasses
import datetime

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl.share import views

Instance = models.ShareInstance
Share = models.Share
ExportLocation = models.ShareExportLocation


@dataclasses.dataclass(frozen=True)
class ShareRow:
    id: str
    project_id: str
    user_id: str
    size: int
    share_proto: str
    replication_type: str | None
    task_state: str | None
    task_instance_id: str | None
    task_size: int | None
    share_type_id: str | None
    #: The snapshot a share was created from (None: an empty share).
    snapshot_id: str | None


@dataclasses.dataclass(frozen=True)
class InstanceRow:
    id: str
    share_id: str
    host: str | None
    availability_zone: str | None
    status: str
    replica_state: str | None
    status_message: str | None
    last_sync_at: datetime.datetime | None
    created_at: datetime.datetime
    share: ShareRow


_SHARE_COLUMNS = (Share.id, Share.project_id, Share.user_id, Share.size,
                  Share.share_proto,
                  Share.replication_type, Share.task_state,
                  Share.task_instance_id, Share.task_size,
                  Share.share_type_id, Share.snapshot_id)
_INSTANCE_COLUMNS = (Instance.id, Instance.share_id, Instance.host,
                     Instance.availability_zone, Instance.status,
                     Instance.replica_state, Instance.status_message,
                     Instance.last_sync_at, Instance.created_at)


def share_instances(r, share_id=None, instance_id=None):
    """(ShareRow, [InstanceRow], [views]) of a share, or of the share of
    ``instance_id``, instances oldest first (views with their siblings and
    export paths); None when it is gone. Two statements."""
    if share_id is None:
        share_id = (sa.select(Instance.share_id)
                    .where(Instance.id == instance_id).scalar_subquery())
    rows = r.execute(
        sa.select(*_INSTANCE_COLUMNS, *_SHARE_COLUMNS)
        .select_from(Share)
        .outerjoin(Instance, Instance.share_id == Share.id)
        .where(Share.id == share_id)
        .order_by(Instance.created_at, Instance.id)).all()
    if not rows:
        return None
    n = len(_INSTANCE_COLUMNS)
    share = ShareRow(*rows[0][n:])
    rows = [row for row in rows if row[0] is not None]
    paths = {}
    if rows:
        for instance_id, path in r.execute(
                sa.select(ExportLocation.share_instance_id,
                          ExportLocation.path)
                .where(ExportLocation.share_instance_id.in_(
                    [row[0] for row in rows]))
                .order_by(ExportLocation.id)):
            paths.setdefault(instance_id, []).append(path)
    instances = [InstanceRow(*row[:n], share=share) for row in rows]
    share_views = views.from_rows([{
        'id': row.id, 'share_id': share.id, 'host': row.host,
        'availability_zone': row.availability_zone, 'status': row.status,
        'replica_state': row.replica_state, 'size': share.size,
        'share_proto': share.share_proto,
        'replication_type': share.replication_type,
        'last_sync_at': row.last_sync_at,
        'export_locations': paths.get(row.id, ()),
    } for row in rows])
    return share, instances, share_views


def load(instance_id, share_id=None):
    """(InstanceRow, its view with siblings) or (None, None).

    ``share_id``: the instance's share when the caller knows it already.
    Two statements."""
    with session.reader() as r:
        loaded = share_instances(r, share_id, instance_id)
    if loaded is None:
        return None, None
    _share, instances, share_views = loaded
    for instance, view in zip(instances, share_views):
        if instance.id == instance_id:
            return instance, view
    return None, None


def share_of(instance_id, r=None):
    """The share an instance belongs to, or None once it is gone."""
    if r is None:
        with session.reader() as r:
            return share_of(instance_id, r)
    return r.scalar(sa.select(Instance.share_id).where(
        Instance.id == instance_id))


def transition(s, instance_id, expected_status, **values):
    """UPDATE the instance only if it is still in ``expected_status``.

    :returns: True when the row changed.
    """
    values.setdefault('updated_at', timeutils.utcnow())
    statuses = (expected_status if isinstance(expected_status, tuple)
                else (expected_status,))
    result = s.execute(sa.update(Instance)
                       .where(Instance.id == instance_id,
                              Instance.status.in_(statuses))
                       .values(**values))
    return result.rowcount == 1


def record(instance_id, expected_status, **values):
    """``transition`` in a transaction of its own, retried while the
    database connection fails (db/retry.py): the write ending a flow."""
    return retry.transaction(lambda s: transition(
        s, instance_id, expected_status, **values))


def set_export_locations(s, instance_id, locations):
    """Replace the instance's export locations with the driver's."""
    s.execute(sa.delete(ExportLocation).where(
        ExportLocation.share_instance_id == instance_id))
    for loc in locations or ():
        if isinstance(loc, str):
            loc = {'path': loc}
        s.add(ExportLocation(share_instance_id=instance_id,
                             path=loc['path'],
                             is_admin_only=bool(loc.get('is_admin_only')),
                             preferred=bool(loc.get('preferred'))))


def remove(instance_id):
    """``delete_instance`` in a retried transaction of its own."""
    retry.transaction(lambda s: delete_instance(s, instance_id))


def delete_instance(s, instance_id):
    """Remove an instance row, and its share when it was the last one."""
    share_id = s.scalar(sa.select(Instance.share_id).where(
        Instance.id == instance_id))
    if share_id is None:
        return
    s.execute(sa.delete(ExportLocation).where(
        ExportLocation.share_instance_id == instance_id))
    s.execute(sa.delete(Instance).where(Instance.id == instance_id))
    left = s.scalar(sa.select(sa.func.count()).select_from(Instance)
                    .where(Instance.share_id == share_id))
    if not left:
        s.execute(sa.delete(models.Share).where(models.Share.id == share_id))


def replicas_on(active_backend, backend):
    """Ids of the available, non-active instances on ``backend`` (a
    backend name) of the shares whose active instance is on
    ``active_backend`` (``host@backend``)."""
    active = orm.aliased(Instance)
    with session.reader() as r:
        return r.scalars(
            sa.select(Instance.id)
            .join(active, active.share_id == Instance.share_id)
            .where(active.replica_state == c.REPLICA_STATE_ACTIVE,
                   active.host.startswith(active_backend + '#',
                                          autoescape=True),
                   Instance.host.contains('@%s#' % backend,
                                          autoescape=True),
                   Instance.replica_state != c.REPLICA_STATE_ACTIVE,
                   Instance.status == c.STATUS_AVAILABLE)
            .order_by(Instance.id)).all()


def replica_backends_in_error(active_backend):
    """Backend names holding replicas in error of the shares whose active
    instance is on ``active_backend`` (what a restarted manager probes)."""
    active = orm.aliased(Instance)
    with session.reader() as r:
        hosts = r.scalars(
            sa.select(Instance.host).distinct()
            .join(active, active.share_id == Instance.share_id)
            .where(active.replica_state == c.REPLICA_STATE_ACTIVE,
                   active.host.startswith(active_backend + '#',
                                          autoescape=True),
                   Instance.replica_state == c.REPLICA_STATE_ERROR,
                   Instance.host.is_not(None))).all()
    return {h.partition('#')[0].partition('@')[2] for h in hosts}


def active_on(instance_id, manager_host):
    """True when the instance is its share's active one (or a share
    without replication) on ``manager_host``'s backend."""
    with session.reader() as r:
        row = r.execute(sa.select(Instance.host, Instance.replica_state)
                        .where(Instance.id == instance_id)).first()
    return row is not None and (row.host or '').startswith(
        manager_host + '#') and row.replica_state in (
            None, c.REPLICA_STATE_ACTIVE)
