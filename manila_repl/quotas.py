"""Project quotas: limits, usage, and their enforcement.

Limits: a project's rows in the ``quotas`` table (set by an admin with
PUT /v2/quota-sets/{project_id}), else the ``[quota]`` defaults; -1 means
unlimited. Usage is never stored: it is counted from the resource tables
each time (no reservations, so ``reserved`` is always 0), hence it cannot
drift from what exists:

- ``shares``, ``gigabytes``: the project's shares and the sum of their
  sizes (an extend in progress counts at its new size);
- ``share_replicas``, ``replica_gigabytes``: the instances of the
  project's replicated shares and the sum of their sizes (the active
  replica counts as one replica and ``size`` GiB);
- ``snapshots``, ``snapshot_gigabytes``: the project's share snapshots;
- ``share_networks``, ``share_groups``, ``share_group_snapshots``: always
  0 (no such resources here), reported for Manila's clients;
- ``per_share_gigabytes``: a limit on one share's size, no usage.

Enforcement is "write, lock, count" in the writer's transaction: the
caller inserts or updates its rows first (flush), then calls ``enforce``,
which locks the project's row in ``quota_projects`` and only then counts,
with that change included, raising OverQuota (which rolls the whole
transaction back). Two requests of one project, in any API process, thus
count one after the other, each seeing what the other committed: the limit
is exact on PostgreSQL and MariaDB (READ COMMITTED: every statement reads
what is committed when it starts) as on SQLite (one writer at a time).
"""
from manila_repl.conf import CONF
from manila_repl.db import quotas as quota_db
from manila_repl.db import session
from manila_repl import exception

RESOURCES = ('shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
             'share_networks', 'share_groups', 'share_group_snapshots',
             'share_replicas', 'replica_gigabytes', 'per_share_gigabytes')
#: Resources whose usage is counted (per_share_gigabytes is per share).
USAGE_RESOURCES = ('shares', 'gigabytes', 'snapshots', 'snapshot_gigabytes',
                   'share_replicas', 'replica_gigabytes')
UNLIMITED = -1


def defaults():
    return {r: getattr(CONF.quota, r) for r in RESOURCES}


def limits(project_id, s=None):
    """{resource: hard limit} of a project."""
    if s is None:
        with session.reader() as r:
            return limits(project_id, r)
    own = quota_db.overrides(s, project_id)
    return dict(defaults(), **{r: v for r, v in own.items()
                               if r in RESOURCES})


def usage(s, project_id):
    """{resource: in use}, counted now (includes what ``s`` flushed)."""
    used = dict.fromkeys(RESOURCES, 0)
    used.update(quota_db.usage(s, project_id))
    return used


def project_quotas(project_id, with_usage=False):
    """{resource: limit}, or {resource: {limit, in_use, reserved}}."""
    with session.reader() as r:
        hard = limits(project_id, r)
        if not with_usage:
            return hard
        used = usage(r, project_id)
    return {k: {'limit': v, 'in_use': used.get(k, 0), 'reserved': 0}
            for k, v in hard.items()}


def enforce(s, project_id, resources, share_size=None):
    """Raise OverQuota if the project's usage, as ``s`` sees it once it
    holds the project's lock, is over a limit for one of ``resources``.

    Call it after flushing the change to check. ``share_size``: also check
    it against ``per_share_gigabytes``.
    """
    quota_db.lock_project(s, project_id)
    needed = list(resources)
    if share_size is not None:
        needed.append('per_share_gigabytes')
    used, own = quota_db.usage_and_overrides(s, project_id, needed)
    hard = dict(defaults(), **own)
    used = dict(dict.fromkeys(RESOURCES, 0), **used)
    over = []
    if share_size is not None and \
            hard['per_share_gigabytes'] != UNLIMITED and \
            share_size > hard['per_share_gigabytes']:
        over.append('per_share_gigabytes (a share of %d GiB, limit %d)' %
                    (share_size, hard['per_share_gigabytes']))
    for resource in resources:
        limit = hard[resource]
        if limit != UNLIMITED and used[resource] > limit:
            over.append('%s (%d requested in all, limit %d)' %
                        (resource, used[resource], limit))
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


def check_snapshot(s, project_id):
    """After flushing a new snapshot of the project."""
    enforce(s, project_id, ['snapshots', 'snapshot_gigabytes'])


def check_extend(s, share, new_size):
    """After recording an extend of ``share`` to ``new_size`` GiB (its
    ``task_size``): usage counts it at the new size from then on."""
    resources = ['gigabytes']
    if share.replication_type:
        resources.append('replica_gigabytes')
    enforce(s, share.project_id, resources, share_size=new_size)


def set_limits(project_id, values):
    """Create or update the project's own limits for ``values``."""
    quota_db.set_limits(project_id, values)


def reset(project_id):
    """Back to the defaults: forget the project's own limits."""
    quota_db.delete_limits(project_id)
