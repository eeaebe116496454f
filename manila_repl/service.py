"""A daemon's service: an RPC server, its heartbeat and its timers.

Timers are added in start() from the loaded config, never at import time.
"""
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import loopingcall
from oslo_service import service as os_service
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl.conf import CONF
from manila_repl.db import models
from manila_repl.db import session
from manila_repl import rpc

LOG = logging.getLogger(__name__)


def heartbeat(host, binary, topic, availability_zone=None):
    """Record that ``binary`` on ``host`` is alive (one UPSERT-like write)."""
    now = timeutils.utcnow()
    with session.transaction() as s:
        row = s.execute(
            sa.update(models.Service)
            .where(models.Service.host == host,
                   models.Service.binary == binary)
            .values(report_count=models.Service.report_count + 1,
                    updated_at=now, availability_zone=availability_zone,
                    topic=topic, state_reason=None))
        if row.rowcount == 0:
            s.add(models.Service(host=host, binary=binary, topic=topic,
                                 availability_zone=availability_zone,
                                 report_count=1, updated_at=now))


def record_down(host, binary, reason):
    """Why ``binary`` on ``host`` reports itself down (it sends no
    heartbeat meanwhile; the next one clears the reason)."""
    with session.transaction() as s:
        s.execute(sa.update(models.Service)
                  .where(models.Service.host == host,
                         models.Service.binary == binary,
                         sa.or_(models.Service.state_reason.is_(None),
                                models.Service.state_reason != reason))
                  .values(state_reason=reason))


def ensure_availability_zone(name):
    """Availability zones exist once a service in them has started."""
    with session.transaction() as s:
        found = s.scalar(sa.select(models.AvailabilityZone.id).where(
            models.AvailabilityZone.name == name))
        if found is None:
            s.add(models.AvailabilityZone(name=name))


def is_up(service_row, now=None):
    """A recent heartbeat, and no reason given for being down."""
    if service_row.state_reason:
        return False
    last = service_row.updated_at or service_row.created_at
    now = now or timeutils.utcnow()
    return (now - last).total_seconds() <= CONF.service_down_time


class Service(os_service.Service):
    """Serves ``manager`` on ``topic``/``server`` and keeps it alive.

    The manager may define ``init_host()`` (run before the RPC server
    consumes), ``periodic_tasks()`` returning ``[(callable, interval,
    initial_delay or None for one interval)]`` and ``cleanup()``.
    """

    def __init__(self, manager, binary, topic, server,
                 availability_zone=None):
        super().__init__()
        self.manager = manager
        self.binary = binary
        self.topic = topic
        self.server_name = server
        self.availability_zone = availability_zone
        self.rpc_server = None
        self.timers = []

    def start(self):
        LOG.info('Starting %s on %s', self.binary, self.server_name)
        if self.availability_zone:
            ensure_availability_zone(self.availability_zone)
        # Registers the service; later heartbeats only while it is healthy.
        heartbeat(self.server_name, self.binary, self.topic,
                  self.availability_zone)
        if hasattr(self.manager, 'init_host'):
            self.manager.init_host()
        target = messaging.Target(topic=self.topic, server=self.server_name)
        self.rpc_server = rpc.get_server(target, [self.manager])
        self.rpc_server.start()
        tasks = [(self._report_state, CONF.report_interval, None)]
        if hasattr(self.manager, 'periodic_tasks'):
            tasks.extend(self.manager.periodic_tasks())
        for func, interval, initial_delay in tasks:
            timer = loopingcall.FixedIntervalLoopingCall(
                self._guarded, func)
            timer.start(interval=interval,
                        initial_delay=(interval if initial_delay is None
                                       else initial_delay))
            self.timers.append(timer)

    @staticmethod
    def _guarded(func):
        # One failed run must not end the timer.
        try:
            func()
        except Exception:
            LOG.exception('Periodic task %s failed', func.__name__)

    def _report_state(self):
        if not getattr(self.manager, 'healthy', True):
            reason = getattr(self.manager, 'down_reason', None)
            if reason:
                record_down(self.server_name, self.binary, reason)
            return
        heartbeat(self.server_name, self.binary, self.topic,
                  self.availability_zone)

    def stop(self, graceful=False):
        for timer in self.timers:
            timer.stop()
        if self.rpc_server is not None:
            self.rpc_server.stop()
            self.rpc_server.wait()
        if hasattr(self.manager, 'cleanup'):
            self.manager.cleanup()
        super().stop(graceful)
