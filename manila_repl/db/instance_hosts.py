"""Which backends hold share instances, and renaming one (the operator's
``share update-host``)."""
import sqlalchemy as sa

from manila_repl.db import models
from manila_repl.db import session

Instance = models.ShareInstance


def count_on(backend):
    """Instances on ``backend`` (``host@backend``), any pool."""
    with session.reader() as r:
        return r.scalar(sa.select(sa.func.count()).select_from(Instance)
                        .where(Instance.host.startswith(backend + '#',
                                                        autoescape=True)))


def backends():
    """{``host@backend``: instances} of every backend holding one."""
    with session.reader() as r:
        hosts = r.execute(sa.select(Instance.host, sa.func.count())
                          .where(Instance.host.isnot(None))
                          .group_by(Instance.host)).all()
    found = {}
    for host, count in hosts:
        backend = host.partition('#')[0]
        found[backend] = found.get(backend, 0) + count
    return found


def move(old, new):
    """Every instance of backend ``old`` to backend ``new``, each keeping
    its pool (``old#pool`` -> ``new#pool``), in one transaction.

    :returns: how many moved.
    """
    prefix = old + '#'
    with session.transaction() as s:
        moved = s.execute(
            sa.update(Instance)
            .where(Instance.host.startswith(prefix, autoescape=True))
            .values(host=sa.literal(new + '#') +
                    sa.func.substr(Instance.host, len(prefix) + 1)))
        return moved.rowcount
