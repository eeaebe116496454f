"""Where a replicated share, and each of its replicas, may go.

Design (replication.md): a share type without ``replication_type`` passes
every pool. Otherwise the pool must report a ``replication_domain`` and
support that replication type. For a new replica of an existing share the
pool must also be in the active replica's replication domain, on a backend
that holds no instance of the share yet (Manila bug: replicas placed next
to an existing one), and in another availability zone than the active
replica (per the design).
"""
from manila_repl.scheduler import filters


class ShareReplicationFilter(filters.BaseFilter):

    def host_passes(self, pool, spec):
        wanted = spec.extra_specs.get('replication_type')
        if not wanted:
            return True
        if not pool.replication_domain:
            return False
        offered = str(pool.replication_type or '').split()
        if wanted not in offered:
            return False
        if not spec.is_replica:
            return True
        if pool.replication_domain != spec.active_replica_domain:
            return False
        if pool.backend in spec.existing_backends:
            return False
        if spec.active_replica_az and \
                pool.availability_zone == spec.active_replica_az:
            return False
        return True
