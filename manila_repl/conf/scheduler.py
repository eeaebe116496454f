from oslo_config import cfg

group = cfg.OptGroup('scheduler', title='Scheduler options')

opts = [
    cfg.ListOpt('enabled_filters',
                default=['AvailabilityZoneFilter', 'CapacityFilter',
                         'CapabilitiesFilter', 'ShareReplicationFilter'],
                help='Filters, by entry-point name in the '
                     'manila_repl.scheduler.filters namespace.'),
    cfg.ListOpt('enabled_weighers', default=['CapacityWeigher'],
                help='Weighers, by entry-point name in the '
                     'manila_repl.scheduler.weighers namespace.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
