from manila_repl.scheduler import filters


class CapacityFilter(filters.BaseFilter):
    """Only pools with room for the share. A pool reporting 'unknown' or
    'infinite' passes (the driver cannot tell)."""

    def host_passes(self, pool, spec):
        free = pool.free_capacity_gb
        if free in ('unknown', 'infinite') or free is None:
            return True
        return float(free) >= spec.size
