"""A daemon's service: an RPC server, its heartbeat and its timers.

Timers are added in start() from the loaded config, never at import time.
"""
import time

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import loopingcall
from oslo_service import service as os_service
from oslo_utils import timeutils
import sqlalchemy as sa

from manila_repl.conf import CONF
from manila_repl.db import models
from manila_repl.db import services as services_db
from manila_repl.db import session
from manila_repl import rpc

LOG = logging.getLogger(__name__)


def ensure_availability_zone(name):
    """Availability zones exist once a service in them has started."""
    with session.transaction() as s:
        found = s.scalar(sa.select(models.AvailabilityZone.id).where(
            models.AvailabilityZone.name == name))
        if found is None:
            s.add(models.AvailabilityZone(name=name))


def up_at(last_heartbeat, now=None):
    """A service last heard from at ``last_heartbeat`` is up at ``now``."""
    now = now or timeutils.utcnow()
    return (now - last_heartbeat).total_seconds() <= CONF.service_down_time


def is_up(service_row, now=None):
    """A recent heartbeat, and no reason given for being down."""
    if service_row.state_reason:
        return False
    return up_at(service_row.updated_at or service_row.created_at, now)


class Heartbeats:
    """Since when this process's own heartbeats have gone through without
    a miss.

    Whoever judges another service dead from its old heartbeat must have
    been heartbeating itself for a while: after a database outage every
    service's heartbeat is old, also the live ones', until each has had
    its next turn (share/dead_owners.py waits ``service_down_time``).
    """

    def __init__(self):
        self._since = None          # time.monotonic() of the first of them

    def record(self, ok):
        if not ok:
            self._since = None
        elif self._since is None:
            self._since = time.monotonic()

    def steady_for(self, seconds):
        """True when every heartbeat of the last ``seconds`` went through.
        """
        return self._since is not None and \
            time.monotonic() - self._since >= seconds


class Service(os_service.Service):
    """Serves ``manager`` on ``topic``/``server`` and keeps it alive.

    The manager may define ``init_host()`` (run before the RPC server
    consumes), ``periodic_tasks()`` returning ``[(callable, interval,
    initial_delay or None for one interval)]``, ``cleanup()``, and
    ``heartbeats`` (a Heartbeats this service keeps up to date).
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
        self.heartbeats = getattr(manager, 'heartbeats', None) or \
            Heartbeats()

    def start(self):
        LOG.info('Starting %s on %s', self.binary, self.server_name)
        if self.availability_zone:
            ensure_availability_zone(self.availability_zone)
        # Registers the service; later heartbeats only while it is healthy.
        self._beat()
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

    def _beat(self):
        try:
            services_db.heartbeat(self.server_name, self.binary, self.topic,
                                  self.availability_zone)
        except Exception:
            self.heartbeats.record(False)
            raise
        self.heartbeats.record(True)

    def _report_state(self):
        if not getattr(self.manager, 'healthy', True):
            self.heartbeats.record(False)
            reason = getattr(self.manager, 'down_reason', None)
            if reason:
                services_db.record_down(self.server_name, self.binary,
                                        reason)
            return
        self._beat()

    def stop(self, graceful=False):
        for timer in self.timers:
            timer.stop()
        if self.rpc_server is not None:
            self.rpc_server.stop()
            self.rpc_server.wait()
        if hasattr(self.manager, 'cleanup'):
            self.manager.cleanup()
        super().stop(graceful)
