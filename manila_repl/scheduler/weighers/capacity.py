from manila_repl.scheduler import weighers


class CapacityWeigher(weighers.BaseWeigher):
    """More free space, more weight. 'unknown'/'infinite' weigh most."""

    def weigh(self, pool, spec):
        free = pool.free_capacity_gb
        if free in ('unknown', 'infinite') or free is None:
            return float('inf')
        return float(free)
