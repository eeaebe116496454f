"""Prometheus metrics of every daemon, all defined here.

Kept only when ``[metrics]/enabled``: until ``setup()`` finds it on,
prometheus_client is not even imported and every recording function
below returns at once. Each process has one registry (manila-repl-all:
one for all its services), served by ``serve()`` on ``[metrics]``
host/port. Under gunicorn (``PROMETHEUS_MULTIPROC_DIR`` set) the API
workers write their samples to that directory and the master serves them
all (``serve_multiprocess()``, from manila_repl/api/gunicorn_conf.py).

Labels are bounded: a backend (``host@backend``), a driver or RPC method
name, an API route template (ids replaced, manila_repl/api/metrics.py),
an HTTP method and status, a replica state. Never a share or replica id.
"""
import contextlib
import os
import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

MULTIPROC_ENV = 'PROMETHEUS_MULTIPROC_DIR'

REPLICA_STATES = ('active', 'in_sync', 'out_of_sync', 'error')

_API_BUCKETS = (.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
_LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600,
                86400)
_CYCLE_BUCKETS = (.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
_DRIVER_BUCKETS = (.005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300,
                   1800)

_lock = threading.Lock()
_metrics = None


class Metrics:
    """Every metric, in ``registry``."""

    def __init__(self):
        import prometheus_client as pc

        from manila_repl import fast_histogram

        self.registry = pc.CollectorRegistry()
        r = self.registry
        # API (manila_repl/api/metrics.py)
        self.api_requests = pc.Counter(
            'manila_repl_api_requests', 'HTTP requests the API answered.',
            ['route', 'method', 'status'], registry=r)
        self.api_duration = pc.Histogram(
            'manila_repl_api_request_duration_seconds',
            'Seconds the API took to answer a request.',
            ['route', 'method'], buckets=_API_BUCKETS, registry=r)
        # Per backend, from its share manager.
        self.replicas = pc.Gauge(
            'manila_repl_replicas',
            'Share instances on the backend, by replica_state (counted '
            'in SQL at each run of the status loop).',
            ['backend', 'replica_state'], registry=r,
            multiprocess_mode='liveall')
        self.lag = pc.Gauge(
            'manila_repl_replication_lag_seconds',
            'Replication lag of the backend: seconds since the oldest last '
            'successful sync among its available non-active replicas (0 '
            'when it has none).', ['backend'], registry=r,
            multiprocess_mode='liveall')
        # The status loop observes these per replica: fast_histogram's.
        self.sync_age = fast_histogram.Histogram(
            'manila_repl_replica_sync_age_seconds',
            'Seconds since the last successful sync of each non-active '
            'replica, observed when the status loop checks it (labelled '
            'with the replica\'s backend).', ['backend'],
            buckets=_LAG_BUCKETS, registry=r)
        self.cycle = pc.Histogram(
            'manila_repl_replica_status_cycle_duration_seconds',
            'Seconds one run of a backend\'s replica status loop took.',
            ['backend'], buckets=_CYCLE_BUCKETS, registry=r)
        self.cycle_errors = pc.Counter(
            'manila_repl_replica_status_errors',
            'Replica status checks that failed (the driver raised), and '
            'status loop runs that failed.', ['backend'], registry=r)
        self.driver_duration = fast_histogram.Histogram(
            'manila_repl_driver_call_duration_seconds',
            'Seconds a driver call took, by driver method.',
            ['backend', 'method'], buckets=_DRIVER_BUCKETS, registry=r)
        self.driver_failures = pc.Counter(
            'manila_repl_driver_call_failures',
            'Driver calls that raised, by driver method.',
            ['backend', 'method'], registry=r)
        # Per daemon (process).
        self.rpc_errors = pc.Counter(
            'manila_repl_rpc_errors',
            'RPCs this process sent that failed (the bus unreachable, or '
            'the remote method raised), timeouts apart.',
            ['topic', 'method'], registry=r)
        self.rpc_timeouts = pc.Counter(
            'manila_repl_rpc_timeouts',
            'RPC calls this process sent that got no answer in time.',
            ['topic', 'method'], registry=r)


def setup(conf):
    """Keep metrics from now on if ``[metrics]/enabled`` (idempotent)."""
    global _metrics
    if not conf.metrics.enabled:
        return None
    with _lock:
        if _metrics is None:
            _metrics = Metrics()
        return _metrics


def get():
    """The process's Metrics, or None when metrics are off."""
    return _metrics


def reset():
    """Forget every metric (tests)."""
    global _metrics
    with _lock:
        _metrics = None


@contextlib.contextmanager
def suspended():
    """Record nothing inside, as while metrics are off, keeping what was
    recorded (benchmarks compare one process with and without)."""
    global _metrics
    with _lock:
        kept, _metrics = _metrics, None
    try:
        yield
    finally:
        with _lock:
            _metrics = kept


def multiprocess():
    return bool(os.environ.get(MULTIPROC_ENV))


def serve(conf):
    """Serve this process's metrics on ``[metrics]`` host/port.

    :returns: the URL, or None when metrics are off.
    :raises: OSError when the port cannot be bound.
    """
    metrics = setup(conf)
    if metrics is None:
        return None
    return _start_server(conf, metrics.registry)


def serve_multiprocess(conf):
    """Serve what every process wrote to PROMETHEUS_MULTIPROC_DIR (the
    gunicorn master, for its API workers)."""
    if not conf.metrics.enabled:
        return None
    import prometheus_client as pc
    from prometheus_client import multiprocess as pc_multiprocess

    registry = pc.CollectorRegistry()
    pc_multiprocess.MultiProcessCollector(registry)
    return _start_server(conf, registry)


def _start_server(conf, registry):
    import prometheus_client as pc

    server, _thread = pc.start_http_server(conf.metrics.port,
                                           addr=conf.metrics.host,
                                           registry=registry)
    host, port = server.server_address[:2]
    url = 'http://%s:%d/metrics' % (
        '[%s]' % host if ':' in host else host, port)
    LOG.info('Serving Prometheus metrics on %s', url)
    return url


# -- recording: each a no-op while metrics are off ---------------------------

def request_served(route, method, status, seconds):
    m = _metrics
    if m is not None:
        m.api_requests.labels(route, method, status).inc()
        m.api_duration.labels(route, method).observe(seconds)


def backend_replicas(backend, counts, oldest_sync, now):
    """``counts``: {replica_state: instances on the backend};
    ``oldest_sync``: the oldest last_sync_at among its available
    non-active replicas (None: none)."""
    m = _metrics
    if m is None:
        return
    for state in REPLICA_STATES:
        m.replicas.labels(backend, state).set(counts.get(state, 0))
    m.lag.labels(backend).set(
        max((now - oldest_sync).total_seconds(), 0.0) if oldest_sync
        else 0.0)


def sync_ages(by_backend):
    """``by_backend``: {backend: [seconds since each replica's last
    sync]}, one status-loop batch."""
    m = _metrics
    if m is not None:
        for backend, ages in by_backend.items():
            m.sync_age.labels(backend).observe_many(
                max(age, 0.0) for age in ages)


def status_error(backend):
    m = _metrics
    if m is not None:
        m.cycle_errors.labels(backend).inc()


@contextlib.contextmanager
def status_cycle(backend):
    """Time one run of a backend's status loop; a run that raises counts
    as an error."""
    m = _metrics
    if m is None:
        yield
        return
    started = time.monotonic()
    try:
        yield
    except Exception:
        m.cycle_errors.labels(backend).inc()
        raise
    finally:
        m.cycle.labels(backend).observe(time.monotonic() - started)


def rpc_failed(topic, method, timed_out):
    m = _metrics
    if m is not None:
        counter = m.rpc_timeouts if timed_out else m.rpc_errors
        counter.labels(topic, method).inc()


# -- drivers ------------------------------------------------------------------

def _contract_methods():
    """The public methods of the driver contract (share/driver.py)."""
    from manila_repl.share import driver

    names = set()
    for cls in (driver.ShareDriver, driver.ReplicationMixin,
                driver.ResizeMixin, driver.SnapshotMixin,
                driver.AccessMixin):
        names.update(n for n, v in vars(cls).items()
                     if callable(v) and not n.startswith('_'))
    return frozenset(names)


class InstrumentedDriver:
    """A driver whose contract methods are timed, and counted when they
    raise, by backend and method. Everything else passes through."""

    def __init__(self, driver, backend, metrics):
        self._driver = driver
        self._backend = backend
        self._metrics = metrics
        self._methods = _contract_methods()

    def __getattr__(self, name):
        value = getattr(self._driver, name)
        if name not in self._methods or not callable(value):
            return value
        duration = self._metrics.driver_duration.labels(self._backend, name)
        failures = self._metrics.driver_failures.labels(self._backend, name)

        def timed(*args, **kwargs):
            started = time.monotonic()
            try:
                return value(*args, **kwargs)
            except Exception:
                failures.inc()
                raise
            finally:
                duration.observe(time.monotonic() - started)
        timed.__name__ = name
        # Later lookups find it here, not in __getattr__.
        self.__dict__[name] = timed
        return timed


def instrument_driver(driver, backend):
    """``driver`` with its calls measured, or itself while metrics are off.
    """
    m = _metrics
    if m is None:
        return driver
    return InstrumentedDriver(driver, backend, m)
