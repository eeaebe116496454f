"""Per-backend config sections, as in Manila's share/configuration.py.

Each backend has its own section, named in [share]/enabled_share_backends.
A driver may read the section of another backend (to reach the storage of
a replica elsewhere): ``backend_config(conf, name)`` works for any section.
"""
from oslo_config import cfg

opts = [
    cfg.StrOpt('share_driver', default='fake',
               help='Driver, by entry-point name in the '
                    'manila_repl.share.drivers namespace.'),
    cfg.StrOpt('share_backend_name',
               help='Backend name reported to the scheduler; defaults to '
                    'the section name.'),
    cfg.StrOpt('backend_availability_zone',
               help='Availability zone of this backend; defaults to '
                    '[DEFAULT]/storage_availability_zone.'),
    cfg.StrOpt('replication_domain',
               help='Backends sharing a replication domain can replicate to '
                    'each other. Unset: the backend cannot replicate.'),
    cfg.IntOpt('access_ip_min_prefix_ipv4', default=0, min=0, max=32,
               help='Widest IPv4 network an ip access rule on a share of '
                    'this backend may name (/N); a wider one answers 400. '
                    'Read by the API from this section.'),
    cfg.IntOpt('access_ip_min_prefix_ipv6', default=0, min=0, max=128,
               help='Widest IPv6 network an ip access rule may name (/N).'),
]

_driver_opts = []


def add_driver_opts(driver_opts):
    """Let a driver module add its options to every backend section."""
    _driver_opts.extend(o for o in driver_opts if o not in _driver_opts)


def backend_config(conf, name):
    """The options of backend ``name`` (its own config section)."""
    conf.register_opts(opts, group=name)
    conf.register_opts(_driver_opts, group=name)
    return conf[name]


def list_opts():
    return {'<backend>': opts + _driver_opts}
