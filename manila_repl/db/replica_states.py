"""What the replica status loop (share/replica_status.py) reads and
writes: a backend's shares in keyset batches, and the batch's answers in
one statement.

The save is conditional: an instance deleted, put in transition or made
the active meanwhile is left alone.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy import orm

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import session

Instance = models.ShareInstance
Share = models.Share
AccessMap = models.ShareInstanceAccessMap

_COLUMNS = (Instance.id, Instance.share_id, Instance.host,
            Instance.availability_zone, Instance.status,
            Instance.replica_state, Instance.last_sync_at, Share.size,
            Share.share_proto, Share.replication_type,
            # Whether the share has snapshots: an in_sync replica must
            # hold them all, checked only then (one column, no query).
            sa.exists().where(models.ShareSnapshot.share_id ==
                              Instance.share_id).label('has_snapshots'),
            # Whether an access rule is in error on the instance: applied
            # again after a sync reached it (e.g. a re-seeded old active).
            sa.exists().where(
                AccessMap.share_instance_id == Instance.id,
                AccessMap.state == c.ACCESS_STATE_ERROR,
            ).label('access_errors'))

# Built once: an alias copies every column of its table when made.
_ACTIVE = orm.aliased(Instance, name='active')


def _batch_query(backend, after, size):
    active = _ACTIVE
    shares = (sa.select(active.share_id.label('share_id'))
              .join(Share, Share.id == active.share_id)
              .where(active.replica_state == c.REPLICA_STATE_ACTIVE,
                     active.host.startswith(backend + '#', autoescape=True),
                     Share.task_state.is_(None),
                     active.share_id > after,
                     # Said of both sides of the join: PostgreSQL does not
                     # carry an inequality across it, and would scan the
                     # shares from the first each batch (O(N^2) a cycle).
                     Share.id > after)
              .order_by(active.share_id).limit(size).subquery())
    return (sa.select(*_COLUMNS)
            .join(Share, Share.id == Instance.share_id)
            .join(shares, shares.c.share_id == Instance.share_id)
            .order_by(Instance.share_id, Instance.id))


def batch(backend, after, size):
    """Every instance of the next ``size`` shares (by id, after
    ``after``) whose active instance is on ``backend`` and that no task
    holds: mappings with the columns above, by share."""
    with session.reader() as r:
        return r.execute(_batch_query(backend, after, size)
                         ).mappings().all()


def _save(answer_id, state, synced, keep, message, now):
    """The conditional UPDATE of one answer's instance, from where the
    answers come (bind parameters, or the columns of the answers joined
    as arrays)."""
    return (sa.update(Instance)
            .where(Instance.id == answer_id,
                   Instance.status == c.STATUS_AVAILABLE,
                   Instance.replica_state != c.REPLICA_STATE_ACTIVE)
            .values(replica_state=state,
                    last_sync_at=sa.func.coalesce(synced,
                                                  Instance.last_sync_at),
                    # An error without a reason keeps the one it had (e.g.
                    # why a promote marked this old active error).
                    status_message=sa.case((keep, Instance.status_message),
                                           else_=message),
                    updated_at=now))


# One row per answer: b_id, b_state, b_synced (None: keep), b_message,
# b_keep (keep the status message), b_now.
_SAVE = _save(sa.bindparam('b_id'), sa.bindparam('b_state'),
              sa.bindparam('b_synced', type_=sa.DateTime),
              sa.bindparam('b_keep', type_=sa.Boolean),
              sa.bindparam('b_message', type_=sa.Text),
              sa.bindparam('b_now'))


def _array(name, item_type):
    kind = postgresql.ARRAY(item_type)
    return sa.cast(sa.bindparam(name, type_=kind), kind)


# PostgreSQL: the same UPDATE joined to the answers as arrays, one
# statement a batch. A page of single-row UPDATEs is parsed and planned
# row by row (5.5-7.4 s per 100,000 rows against 1.7 s: RESULTS.md);
# unnest() of array parameters is planned as a loop over the primary key.
_ANSWERS = sa.func.unnest(
    _array('ids', sa.String), _array('states', sa.String),
    _array('synced', sa.DateTime), _array('messages', sa.Text),
    _array('keeps', sa.Boolean),
).table_valued('id', 'state', 'synced', 'message',
               'keep').render_derived(name='answers')

_SAVE_ARRAYS = _save(_ANSWERS.c.id, _ANSWERS.c.state, _ANSWERS.c.synced,
                     _ANSWERS.c.keep, _ANSWERS.c.message,
                     sa.bindparam('now', type_=sa.DateTime))


def save(answers, now):
    """Store a batch's answers (dicts of b_id, b_state, b_synced,
    b_message, b_keep) in one transaction."""
    with session.transaction() as s:
        connection = s.connection()
        if connection.dialect.name == 'postgresql':
            connection.execute(_SAVE_ARRAYS, {
                'ids': [a['b_id'] for a in answers],
                'states': [a['b_state'] for a in answers],
                'synced': [a['b_synced'] for a in answers],
                'messages': [a['b_message'] for a in answers],
                'keeps': [a['b_keep'] for a in answers],
                'now': now})
        else:
            connection.execute(_SAVE, [dict(a, b_now=now) for a in answers])
