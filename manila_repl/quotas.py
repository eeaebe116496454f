"""Project quotas: limits, usage from SQL, and their enforcement.

Limits: a project's rows in the ``quotas`` table (set by an admin with
PUT /v2/quota-sets/{project_id}), else the ``[quota]`` defaults; -1 means
unlimited. Usage is never stored: it is counted from the resource tables
each time (no reservations, so ``reserved`` is always 0):

- ``shares``, ``gigabytes``: the project's shares and the sum of their
  sizes;
- ``share_replicas``, ``replica_gigabytes``: the instances of the
  project's replicated shares and the sum of their sizes (the active
  replica counts as one replica and ``size`` GiB);
- ``snapshots``, ``snapshot_gigabytes``: the project's share snapshots;
- ``share_networks``, ``share_groups``, ``share_group_snapshots``: always
  0 (no such resources here), reported for Manila's clients;
- ``per_share_gigabytes``: a limit on one share's size, no usage.

Enforcement is "write, then count" in the writer's transaction: the
caller inserts or updates its row first (flush), then calls ``enforce``,
which counts with that change included and raises OverQuota, rolling the
whole transaction back. SQLite serialises writers, so the check is exact
there. On PostgreSQL and MariaDB (READ COMMITTED) two transactions racing
for the project's last unit may both pass: a small, accepted overshoot
(Manila's reservations avoid it at the price of a usage table that
drifts). The project's override rows are read FOR UPDATE, which serialises
the racers whenever the project has any override.
"""
import sqlalchemy as sa

from manila_repl.conf import CONF
from manila_repl.db import models
from manila_repl.db import session
from manila_repl import exception

Share = models.Share
Instance = models.ShareInstance
Quota = models.Quota

RESOURCES = ('shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
             'share_networks', 'share_groups', 'share_group_snapshots',
             'share_replicas', 'replica_gigabytes', 'per_share_gigabytes')
#: Resources whose usage is counted (per_share_gigabytes is per share).
USAGE_RESOURCES = ('shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
                   'share_replicas', 'replica_gigabytes')
UNLIMITED = -1


def defaults():
    return {r: getattr(CONF.quota, r) for r in RESOURCES}


def _overrides(s, project_id, lock=False):
    query = sa.select(Quota.resource, Quota.hard_limit).where(
        Quota.project_id == project_id)
    if lock and s.bind.dialect.name != 'sqlite':
        query = query.with_for_update()
    return {r: v for r, v in s.execute(query).all() if r in RESOURCES}


def limits(project_id, s=None, lock=False):
    """{resource: hard limit} of a project."""
    if s is None:
        with session.reader() as r:
            return limits(project_id, r)
    return dict(defaults(), **_overrides(s, project_id, lock))


def usage(s, project_id):
    """{resource: in use}, counted now (includes what ``s`` flushed)."""
    shares, gigabytes = s.execute(
        sa.select(sa.func.count(Share.id),
                  sa.func.coalesce(sa.func.sum(Share.size), 0))
        .where(Share.project_id == project_id)).one()
    replicas, replica_gb = s.execute(
        sa.select(sa.func.count(Instance.id),
                  sa.func.coalesce(sa.func.sum(Share.size), 0))
        .join(Share, Share.id == Instance.share_id)
        .where(Share.project_id == project_id,
               Share.replication_type.is_not(None))).one()
    Snapshot = models.ShareSnapshot
    snapshots, snapshot_gb = s.execute(
        sa.select(sa.func.count(Snapshot.id),
                  sa.func.coalesce(sa.func.sum(Snapshot.size), 0))
        .where(Snapshot.project_id == project_id)).one()
    return {'shares': shares, 'gigabytes': int(gigabytes),
            'snapshots': snapshots, 'snapshot_gigabytes': int(snapshot_gb),
            'share_networks': 0, 'share_groups': 0,
            'share_group_snapshots': 0, 'share_replicas': replicas,
            'replica_gigabytes': int(replica_gb), 'per_share_gigabytes': 0}


def project_quotas(project_id, with_usage=False):
    """{resource: limit}, or {resource: {limit, in_use, reserved}}."""
    with session.reader() as r:
        hard = limits(project_id, r)
        if not with_usage:
            return hard
        used = usage(r, project_id)
    return {k: {'limit': v, 'in_use': used.get(k, 0), 'reserved': 0}
            for k, v in hard.items()}


def enforce(s, project_id, resources, deltas=None, share_size=None):
    """Raise OverQuota if the project's usage (as ``s`` sees it, plus
    ``deltas``) is over a limit, for the named ``resources``.

    ``share_size``: also check it against ``per_share_gigabytes``.
    """
    deltas = deltas or {}
    hard = limits(project_id, s, lock=True)
    over = []
    if share_size is not None and \
            hard['per_share_gigabytes'] != UNLIMITED and \
            share_size > hard['per_share_gigabytes']:
        over.append('per_share_gigabytes (a share of %d GiB, limit %d)' %
                    (share_size, hard['per_share_gigabytes']))
    used = usage(s, project_id)
    for resource in resources:
        limit = hard[resource]
        wanted = used[resource] + deltas.get(resource, 0)
        if limit != UNLIMITED and wanted > limit:
            over.append('%s (%d requested in all, limit %d)' %
                        (resource, wanted, limit))
    if over:
        raise exception.OverQuota(
            resources=', '.join(r.partition(' ')[0] for r in over),
            detail='Project %s: %s.' % (project_id, '; '.join(over)))


def check_share(s, share):
    """After flushing a new share and its first instance."""
    resources = ['shares', 'gigabytes']
    if share.replication_type:
        resources += ['share_replicas', 'replica_gigabytes']
    enforce(s, share.project_id, resources, share_size=share.size)


def check_replica(s, project_id):
    """After flushing a new replica (instance) of a replicated share."""
    enforce(s, project_id, ['share_replicas', 'replica_gigabytes'])


def check_snapshot(context, size, s=None, project_id=None):
    """Before inserting a snapshot of ``size`` GiB: raise OverQuota if one
    more snapshot, or ``size`` more snapshot GiB, is over the project's
    quota. Pass the creating transaction as ``s`` (then the check and the
    insert are one transaction)."""
    project_id = project_id or context.project_id
    if s is None:
        with session.transaction() as t:
            return check_snapshot(context, size, t, project_id)
    enforce(s, project_id, ['snapshots', 'snapshot_gigabytes'],
            deltas={'snapshots': 1, 'snapshot_gigabytes': size})


def set_limits(project_id, values):
    """Create or update the project's rows for ``values``."""
    with session.transaction() as s:
        rows = {q.resource: q for q in s.scalars(
            sa.select(Quota).where(Quota.project_id == project_id))}
        for resource, limit in values.items():
            row = rows.get(resource)
            if row is None:
                s.add(Quota(project_id=project_id, resource=resource,
                            hard_limit=limit))
            else:
                row.hard_limit = limit


def reset(project_id):
    """Back to the defaults: forget the project's own limits."""
    with session.transaction() as s:
        s.execute(sa.delete(Quota).where(Quota.project_id == project_id))
