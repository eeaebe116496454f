"""Reads and conditional writes of share instances for the share manager."""
from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import retry
from manila_repl.db import session
from manila_repl.share import views

Instance = models.ShareInstance
ExportLocation = models.ShareExportLocation


def load(instance_id):
    """(instance ORM row, its view with siblings) or (None, None)."""
    with session.reader() as r:
        instance = r.get(Instance, instance_id)
        if instance is None:
            return None, None
        by_id = {v.id: v for v in views.for_share(instance.share)}
        return instance, by_id[instance_id]


def share_of(instance_id):
    """The share an instance belongs to, or None once it is gone."""
    with session.reader() as r:
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
