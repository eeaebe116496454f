"""What the scheduler knows of every backend's pools, from their reports."""
import dataclasses
import threading
import time

from manila_repl.conf import CONF


@dataclasses.dataclass
class PoolState:
    """One pool, as the filters and weighers see it."""
    host: str                      # host@backend#pool
    backend: str                   # host@backend
    pool_name: str
    availability_zone: str | None
    capabilities: dict
    updated: float

    @property
    def free_capacity_gb(self):
        return self.capabilities.get('free_capacity_gb', 'unknown')

    @property
    def total_capacity_gb(self):
        return self.capabilities.get('total_capacity_gb', 'unknown')

    @property
    def replication_domain(self):
        return self.capabilities.get('replication_domain')

    @property
    def replication_type(self):
        return self.capabilities.get('replication_type')

    def consume(self, size):
        """Count a placement until the backend's next report."""
        free = self.capabilities.get('free_capacity_gb')
        if isinstance(free, (int, float)):
            self.capabilities['free_capacity_gb'] = free - size

    def as_dict(self):
        return {'name': self.host, 'host': self.backend.partition('@')[0],
                'backend': self.backend.partition('@')[2],
                'pool': self.pool_name,
                'capabilities': dict(self.capabilities,
                                     timestamp=_iso(self.updated))}


def _iso(ts):
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ts))


class HostManager:
    """Pools by backend, replaced whole on each report.

    :param disabled_backends: a callable answering the backends an
        operator disabled (``manila-repl-manage service disable``), asked
        at each placement; None: none are.
    """

    def __init__(self, disabled_backends=None):
        self._lock = threading.Lock()
        self._backends = {}
        self._disabled = disabled_backends or frozenset

    def disabled_backends(self):
        return self._disabled()

    def update(self, backend, capabilities):
        now = time.time()
        backend_caps = {k: v for k, v in capabilities.items()
                        if k != 'pools'}
        pools = []
        for pool in capabilities.get('pools') or []:
            caps = dict(backend_caps)
            caps.update(pool)
            name = pool.get('pool_name') or 'pool0'
            pools.append(PoolState(
                host='%s#%s' % (backend, name), backend=backend,
                pool_name=name,
                availability_zone=capabilities.get('availability_zone'),
                capabilities=caps, updated=now))
        with self._lock:
            self._backends[backend] = pools

    def pools(self):
        """Pools of backends that reported recently enough to be up."""
        horizon = time.time() - CONF.service_down_time
        with self._lock:
            return [p for pools in self._backends.values() for p in pools
                    if p.updated >= horizon]
