from manila_repl.scheduler import filters


class AvailabilityZoneFilter(filters.BaseFilter):
    """Only pools in the requested availability zone, when one is named."""

    def host_passes(self, pool, spec):
        if not spec.availability_zone:
            return True
        return pool.availability_zone == spec.availability_zone
