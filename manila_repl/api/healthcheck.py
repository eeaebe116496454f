"""``GET /healthcheck``: oslo.middleware's healthcheck with two checks of
ours (stevedore plugins in its ``oslo.middleware.healthcheck``
namespace, named in ``[healthcheck]/backends``):

- ``manila_repl_database``: ``SELECT 1`` on the database;
- ``manila_repl_message_bus``: a connection to the message bus, opened
  with a short timeout (the answer is kept ``BUS_CHECK_TTL`` seconds, so
  a monitor polling often does not open a connection per poll).

200 when every check passes, 503 otherwise. Without credentials it
answers the short form (``[healthcheck]/detailed`` as configured, off by
default); an administrator's request (``X-Auth-Token`` of an admin) gets
the detailed one, with each check's reason.
"""
import threading
import time

from oslo_config import cfg
import webob
from oslo_log import log as logging
from oslo_middleware import healthcheck as oslo_healthcheck
from oslo_middleware.healthcheck import opts as healthcheck_opts
from oslo_middleware.healthcheck import pluginbase

from manila_repl.api import CONTEXT_KEY
from manila_repl.api import middleware
from manila_repl.api.metrics import ROUTE_KEY
from manila_repl.conf import CONF

LOG = logging.getLogger(__name__)

#: Seconds a message bus check's answer is reused.
BUS_CHECK_TTL = 5
#: Seconds the message bus check waits for a connection.
BUS_CHECK_TIMEOUT = 3


class DatabaseHealthcheck(pluginbase.HealthcheckBaseExtension):
    """The database answers ``SELECT 1``."""

    def healthcheck(self, server_port):
        from manila_repl.db import session
        try:
            session.ping()
        except Exception as e:
            return pluginbase.HealthcheckResult(
                available=False, reason='database unreachable',
                details=_one_line(e))
        return pluginbase.HealthcheckResult(available=True,
                                            reason='database OK')


class MessageBusHealthcheck(pluginbase.HealthcheckBaseExtension):
    """A connection to the message bus opens within BUS_CHECK_TIMEOUT s."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._last = None           # (time.monotonic(), result)

    def healthcheck(self, server_port):
        with self._lock:
            if self._last and time.monotonic() - self._last[0] < \
                    BUS_CHECK_TTL:
                return self._last[1]
            result = self._check()
            self._last = (time.monotonic(), result)
            return result

    @staticmethod
    def _check():
        try:
            reachable = bus_reachable(CONF, BUS_CHECK_TIMEOUT)
        except Exception as e:
            return pluginbase.HealthcheckResult(
                available=False, reason='message bus unreachable',
                details=_one_line(e))
        return pluginbase.HealthcheckResult(
            available=True, reason='message bus OK',
            details=None if reachable else 'in-process transport')


def bus_reachable(conf, timeout):
    """Open (and close) a connection to each broker host of
    ``transport_url``. True when one opened, False for the in-process
    ``fake://`` transport (nothing to reach).

    :raises: the connection's error when none opens.
    """
    import oslo_messaging as messaging

    url = messaging.TransportURL.parse(conf, conf.transport_url)
    if url.transport in ('fake', None):
        return False
    import kombu

    errors = []
    for host in url.hosts or [None]:
        with kombu.Connection(
                hostname=getattr(host, 'hostname', None) or '127.0.0.1',
                port=getattr(host, 'port', None) or 5672,
                userid=getattr(host, 'username', None) or 'guest',
                password=getattr(host, 'password', None) or 'guest',
                virtual_host=url.virtual_host or '/',
                ssl=_rabbit_ssl(conf),
                connect_timeout=timeout) as conn:
            try:
                conn.ensure_connection(max_retries=1, timeout=timeout)
                return True
            except Exception as e:
                errors.append(e)
    raise errors[-1]


def _rabbit_ssl(conf):
    try:
        return bool(conf.oslo_messaging_rabbit.ssl)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return False      # the rabbit driver is not loaded (yet)


def _one_line(error):
    return (str(error).splitlines() or [type(error).__name__])[0][:300]


def _detailed_conf(conf):
    """A private ConfigOpts like ``conf``'s [healthcheck], detailed: the
    middleware reads its options from the ConfigOpts it is given (a dict
    would override them on the global one)."""
    private = cfg.ConfigOpts()
    private.register_opts(healthcheck_opts.HEALTHCHECK_OPTS,
                          group='healthcheck')
    for opt in healthcheck_opts.HEALTHCHECK_OPTS:
        private.set_override(opt.name, conf.healthcheck[opt.name],
                             group='healthcheck')
    private.set_override('detailed', True, group='healthcheck')
    return private


class Healthcheck:
    """Serve ``/healthcheck``; anything else goes on to ``app``. Placed
    after authentication, which lets an unauthenticated request to this
    path through (middleware.is_public)."""

    def __init__(self, app, conf):
        self.app = app
        self.simple = oslo_healthcheck.Healthcheck(None, conf)
        self.detailed = oslo_healthcheck.Healthcheck(None,
                                                     _detailed_conf(conf))

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') != middleware.HEALTHCHECK_PATH:
            return self.app(environ, start_response)
        environ[ROUTE_KEY] = middleware.HEALTHCHECK_PATH
        context = environ.get(CONTEXT_KEY)
        check = (self.detailed if context is not None and context.is_admin
                 else self.simple)
        response = check.process_request(webob.Request(environ))
        if response is None:
            # [healthcheck]/allowed_source_ranges leaves this caller out.
            return self.app(environ, start_response)
        return response(environ, start_response)
