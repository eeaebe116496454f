"""What the metrics say of a backend's replicas: one GROUP BY query."""
import sqlalchemy as sa

from manila_repl import constants as c
from manila_repl.db import models
from manila_repl.db import session

Instance = models.ShareInstance


def on_backend(backend):
    """Share instances on ``backend`` (``host@backend``).

    :returns: ({replica_state: count}, the oldest last_sync_at among its
        available non-active replicas or None).
    """
    oldest = sa.func.min(sa.case(
        (Instance.status == c.STATUS_AVAILABLE, Instance.last_sync_at)))
    with session.reader() as r:
        rows = r.execute(
            sa.select(Instance.replica_state, sa.func.count(), oldest)
            .where(Instance.host.startswith(backend + '#', autoescape=True))
            .group_by(Instance.replica_state)).all()
    counts = {state: count for state, count, _ in rows if state}
    synced = [first for state, _, first in rows
              if state != c.REPLICA_STATE_ACTIVE and first is not None]
    return counts, min(synced) if synced else None
