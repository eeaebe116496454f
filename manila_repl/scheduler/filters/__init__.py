"""Scheduler filters, loaded by entry-point name (one module per filter)."""


class BaseFilter:
    """Passes or rejects one pool for one request."""

    def host_passes(self, pool, spec):
        """:param pool: a host_state.PoolState.
        :param spec: a scheduler.request_spec.RequestSpec.
        """
        raise NotImplementedError
