from manila_repl.scheduler import filters


def type_zones(extra_specs):
    """The zones a share type's ``availability_zones`` extra spec allows
    (a comma-separated list); empty: every zone."""
    value = extra_specs.get('availability_zones') or ''
    return {zone.strip() for zone in str(value).split(',') if zone.strip()}


class AvailabilityZoneFilter(filters.BaseFilter):
    """Only pools in the requested availability zone, when one is named,
    and in the zones the share type allows, when it names some."""

    def host_passes(self, pool, spec):
        if (spec.availability_zone
                and pool.availability_zone != spec.availability_zone):
            return False
        allowed = type_zones(spec.extra_specs)
        return not allowed or pool.availability_zone in allowed
