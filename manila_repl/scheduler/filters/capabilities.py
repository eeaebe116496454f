"""Extra specs of the share type against the pool's capabilities.

Unscoped keys and keys scoped ``capabilities:`` are matched; other scopes
(``provisioning:``, ...) are not capabilities. ``replication_type`` is left
to the replication filter. Values match case-insensitively; a capability
may be a space-separated set ("readable dr writable"), matched by member.
"""
from manila_repl.scheduler import filters

_SKIP = {'replication_type', 'availability_zones'}


def _matches(wanted, offered):
    wanted = str(wanted).strip().lower()
    if wanted.startswith('<is> '):
        wanted = wanted[5:].strip()
    if isinstance(offered, bool):
        return wanted in ('true', 'false') and \
            (wanted == 'true') == offered
    if isinstance(offered, (list, tuple)):
        return wanted in [str(o).lower() for o in offered]
    offered = str(offered).lower()
    return wanted == offered or wanted in offered.split()


class CapabilitiesFilter(filters.BaseFilter):

    def host_passes(self, pool, spec):
        for key, value in spec.extra_specs.items():
            scope, _, name = key.rpartition(':')
            if scope and scope != 'capabilities':
                continue
            if name in _SKIP:
                continue
            if name == 'share_backend_name':
                offered = pool.capabilities.get('share_backend_name')
            elif name not in pool.capabilities:
                if name in ('snapshot_support',
                            'driver_handles_share_servers'):
                    offered = False
                else:
                    return False
            else:
                offered = pool.capabilities[name]
            if not _matches(value, offered):
                return False
        return True
