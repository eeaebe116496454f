"""Filter, weigh, pick: the placement of shares and replicas."""
from oslo_log import log as logging
from stevedore import named

from manila_repl.conf import CONF
from manila_repl import exception

LOG = logging.getLogger(__name__)


class FilterScheduler:

    def __init__(self, host_manager):
        self.host_manager = host_manager
        self.filters = named.NamedExtensionManager(
            'manila_repl.scheduler.filters', CONF.scheduler.enabled_filters,
            invoke_on_load=True, name_order=True,
            on_missing_entrypoints_callback=self._missing)
        self.weighers = named.NamedExtensionManager(
            'manila_repl.scheduler.weighers',
            CONF.scheduler.enabled_weighers, invoke_on_load=True,
            name_order=True, on_missing_entrypoints_callback=self._missing)

    @staticmethod
    def _missing(names):
        raise exception.ManilaReplException(
            'Unknown scheduler plugins: %s' % ', '.join(sorted(names)))

    def select(self, spec):
        """The best pool for ``spec``.

        :raises: NoValidHost, saying which filter emptied the list (also
            as ``kwargs['last_filter']``).
        """
        pools = self.host_manager.pools()
        if not pools:
            raise exception.NoValidHost(
                reason='No backend has reported its pools.', not_ready=True)
        # An operator's "service disable": no new share or replica there.
        disabled = self.host_manager.disabled_backends()
        if disabled:
            pools = [p for p in pools if p.backend not in disabled]
            if not pools:
                raise exception.NoValidHost(
                    reason='Every backend that reports pools is disabled.')
        if spec.only_host:
            pools = [p for p in pools
                     if spec.only_host in (p.host, p.backend)]
            if not pools:
                raise exception.NoValidHost(
                    reason='Host %s is unknown, down or disabled.' %
                    spec.only_host)
        for ext in self.filters:
            pools = [p for p in pools if ext.obj.host_passes(p, spec)]
            if not pools:
                raise exception.NoValidHost(
                    reason='No pool passed the %s.' % ext.name,
                    last_filter=ext.name)
        return self._best(pools, spec)

    def passing(self, pools, spec):
        """The pools every filter passes for ``spec`` (possibly none)."""
        for ext in self.filters:
            pools = [p for p in pools if ext.obj.host_passes(p, spec)]
        return pools

    def _best(self, pools, spec):
        weights = {id(p): 0.0 for p in pools}
        for ext in self.weighers:
            raw = {id(p): ext.obj.weigh(p, spec) for p in pools}
            finite = [v for v in raw.values() if v != float('inf')]
            top = max(finite) if finite else 1.0
            for key, value in raw.items():
                norm = 1.0 if value == float('inf') or not top else \
                    value / top
                weights[key] += ext.obj.multiplier * norm
        best = max(pools, key=lambda p: (weights[id(p)], p.host))
        best.consume(spec.size)
        LOG.debug('Chose %s among %d pools', best.host, len(pools))
        return best
