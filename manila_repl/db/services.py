"""Reads and writes of the services table: heartbeats and who is down."""
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl.db import models
from manila_repl.db import session

Service = models.Service


def heartbeat(host, binary, topic, availability_zone=None):
    """Record that ``binary`` on ``host`` is alive (one UPSERT-like write)."""
    now = timeutils.utcnow()
    with session.transaction() as s:
        row = s.execute(
            sa.update(Service)
            .where(Service.host == host, Service.binary == binary)
            .values(report_count=Service.report_count + 1,
                    updated_at=now, availability_zone=availability_zone,
                    topic=topic, state_reason=None))
        if row.rowcount == 0:
            s.add(Service(host=host, binary=binary, topic=topic,
                          availability_zone=availability_zone,
                          report_count=1, updated_at=now))


def record_down(host, binary, reason):
    """Why ``binary`` on ``host`` reports itself down (it sends no
    heartbeat meanwhile; the next one clears the reason)."""
    with session.transaction() as s:
        s.execute(sa.update(Service)
                  .where(Service.host == host, Service.binary == binary,
                         sa.or_(Service.state_reason.is_(None),
                                Service.state_reason != reason))
                  .values(state_reason=reason))


def last_heartbeats(binary):
    """{host: time of its last heartbeat} of every ``binary`` service."""
    with session.reader() as r:
        rows = r.execute(sa.select(
            Service.host,
            sa.func.coalesce(Service.updated_at, Service.created_at))
            .where(Service.binary == binary)).all()
    return dict(rows)


def all_services():
    """Every service row, by binary and host."""
    with session.reader() as r:
        return r.scalars(sa.select(Service).order_by(
            Service.binary, Service.host)).all()


def find(host, binary):
    with session.reader() as r:
        return r.scalar(sa.select(Service).where(Service.host == host,
                                                 Service.binary == binary))


def set_disabled(host, binary, disabled):
    """Disable or enable ``binary`` on ``host``.

    :returns: True when such a service exists.
    """
    with session.transaction() as s:
        done = s.execute(sa.update(Service)
                         .where(Service.host == host,
                                Service.binary == binary)
                         .values(disabled=disabled))
        return done.rowcount == 1


def disabled_hosts(binary):
    """Hosts whose ``binary`` service an operator disabled."""
    with session.reader() as r:
        return set(r.scalars(sa.select(Service.host).where(
            Service.binary == binary, Service.disabled.is_(True))))


def remove_silent(horizon, keep=()):
    """Delete the services last heard from before ``horizon``, but those
    in ``keep`` ((binary, host) pairs).

    :returns: [(binary, host)] removed.
    """
    last = sa.func.coalesce(Service.updated_at, Service.created_at)
    keep = set(keep)
    with session.transaction() as s:
        rows = s.execute(sa.select(Service.id, Service.binary, Service.host)
                         .where(last < horizon)).all()
        gone = [row for row in rows if (row.binary, row.host) not in keep]
        if gone:
            s.execute(sa.delete(Service).where(
                Service.id.in_([row.id for row in gone])))
        return [(row.binary, row.host) for row in gone]


def hosts(binary):
    """Hosts that have a ``binary`` service row, up or down."""
    with session.reader() as r:
        return set(r.scalars(sa.select(Service.host).where(
            Service.binary == binary)))
