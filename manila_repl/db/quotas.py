"""The SQL of project quotas: limit rows, usage counts and the per-project
lock that makes a check-and-write exact (manila_repl/quotas.py has the
rules)."""
import importlib

from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl.db import models
from manila_repl.db import session

Share = models.Share
Instance = models.ShareInstance
Snapshot = models.ShareSnapshot
Quota = models.Quota
QuotaProject = models.QuotaProject



def _insert(dialect):
    """The dialect's INSERT (with its upsert clauses), imported on first
    use: a process loads only the dialect it talks to."""
    return importlib.import_module('sqlalchemy.dialects.' + dialect).insert

#: (database, project) whose quota_projects row this process has seen
#: committed. Rows are never deleted.
_committed = set()


def _upsert(dialect, project_id, now):
    """Insert the project's row, or touch it if it exists: either way the
    statement holds its exclusive lock. PostgreSQL's ON CONFLICT DO UPDATE
    and MariaDB's ON DUPLICATE KEY UPDATE take it directly (an INSERT
    IGNORE then SELECT ... FOR UPDATE would hold a shared lock first, and
    two such holders deadlock upgrading it)."""
    insert = _insert(dialect)(QuotaProject).values(project_id=project_id,
                                                  created_at=now)
    if dialect == 'mysql':
        return insert.on_duplicate_key_update(updated_at=now)
    return insert.on_conflict_do_update(
        index_elements=[QuotaProject.project_id], set_={'updated_at': now})


def _commit_row(engine, project_id, now):
    """Make the project's row in a transaction of its own, committed at
    once, on a connection outside the pool (the caller's transaction holds
    a pooled one already; this runs once per project and process).

    Were the row first inserted by the caller's transaction, others would
    queue on that uncommitted row, and if the caller then rolled back (over
    quota), InnoDB could make two of them deadlock (each granted a lock on
    the vanished row, each waiting for the other's to insert it again).
    """
    key = (engine.url.render_as_string(hide_password=True), project_id)
    if key in _committed:
        return
    insert = _insert(engine.dialect.name)(QuotaProject).values(
        project_id=project_id, created_at=now)
    insert = (insert.prefix_with('IGNORE') if engine.dialect.name == 'mysql'
              else insert.on_conflict_do_nothing())
    side = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    try:
        with side.begin() as connection:
            connection.execute(insert)
    finally:
        side.dispose()
    _committed.add(key)


def lock_project(s, project_id):
    """Lock the project's quota_projects row until ``s`` ends (making the
    row on first use)."""
    now = timeutils.utcnow()
    engine = s.get_bind()
    if engine.dialect.name != 'sqlite':
        # SQLite has one writer at a time (BEGIN IMMEDIATE) already; a
        # second connection would wait for the caller's.
        _commit_row(engine, project_id, now)
    # Still an upsert: the row may be gone since (a database recreated
    # under a running process, in tests).
    s.execute(_upsert(engine.dialect.name, project_id, now))


def overrides(s, project_id):
    """{resource: hard limit} of the project's own rows."""
    return dict(s.execute(
        sa.select(Quota.resource, Quota.hard_limit)
        .where(Quota.project_id == project_id)).all())


def _charged_size():
    # An extend in progress counts at its target size from the moment it
    # is accepted (task_size), so the next check sees it; a shrink counts
    # the old size until it is done.
    return sa.case((Share.task_size > Share.size, Share.task_size),
                   else_=Share.size)


def _usage_columns(project_id):
    size = _charged_size()
    shares = (sa.select(sa.func.count(Share.id),
                        sa.func.coalesce(sa.func.sum(size), 0))
              .where(Share.project_id == project_id).subquery())
    replicas = (sa.select(sa.func.count(Instance.id),
                          sa.func.coalesce(sa.func.sum(size), 0))
                .join(Share, Share.id == Instance.share_id)
                .where(Share.project_id == project_id,
                       Share.replication_type.is_not(None)).subquery())
    snapshots = (sa.select(sa.func.count(Snapshot.id),
                           sa.func.coalesce(sa.func.sum(Snapshot.size), 0))
                 .where(Snapshot.project_id == project_id).subquery())
    return shares, replicas, snapshots


_USAGE = ('shares', 'gigabytes', 'share_replicas', 'replica_gigabytes',
          'snapshots', 'snapshot_gigabytes')


def usage(s, project_id):
    """Counts of what the project has now, as ``s`` sees it (its own
    flushed rows included): {resource: in use}. One statement."""
    subqueries = _usage_columns(project_id)
    row = s.execute(sa.select(*(c for q in subqueries
                                for c in q.c))).one()
    return dict(zip(_USAGE, (int(value) for value in row)))


def usage_and_overrides(s, project_id, resources):
    """(usage, {resource: the project's own limit}) in one statement:
    what a quota check reads while it holds the project's lock, so the
    lock is held one round trip less."""
    subqueries = _usage_columns(project_id)
    own = [sa.select(Quota.hard_limit)
           .where(Quota.project_id == project_id, Quota.resource == r)
           .scalar_subquery().label('limit_%d' % n)
           for n, r in enumerate(resources)]
    row = s.execute(sa.select(*(c for q in subqueries for c in q.c),
                              *own)).one()
    used = dict(zip(_USAGE, (int(value) for value in row[:len(_USAGE)])))
    limits = {r: v for r, v in zip(resources, row[len(_USAGE):])
              if v is not None}
    return used, limits


def set_limits(project_id, values):
    """Create or update the project's rows for ``values``."""
    with session.transaction() as s:
        lock_project(s, project_id)
        rows = {q.resource: q for q in s.scalars(
            sa.select(Quota).where(Quota.project_id == project_id))}
        for resource, limit in values.items():
            row = rows.get(resource)
            if row is None:
                s.add(Quota(project_id=project_id, resource=resource,
                            hard_limit=limit))
            else:
                row.hard_limit = limit


def delete_limits(project_id):
    """Forget the project's own rows."""
    with session.transaction() as s:
        s.execute(sa.delete(Quota).where(Quota.project_id == project_id))
