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
                    topic=topic))
        if row.rowcount == 0:
            s.add(Service(host=host, binary=binary, topic=topic,
                          availability_zone=availability_zone,
                          report_count=1, updated_at=now))


def last_heartbeats(binary):
    """{host: time of its last heartbeat} of every ``binary`` service."""
    with session.reader() as r:
        rows = r.execute(sa.select(
            Service.host,
            sa.func.coalesce(Service.updated_at, Service.created_at))
            .where(Service.binary == binary)).all()
    return dict(rows)
