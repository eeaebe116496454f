from oslo_config import cfg

group = cfg.OptGroup('share', title='Share manager options')

opts = [
    cfg.ListOpt('enabled_share_backends', default=[],
                help='Names of the config sections of the backends this '
                     'manila-repl-share process manages; one share manager '
                     '(RPC server "<host>@<name>") runs per backend.'),
    cfg.IntOpt('replica_status_interval', default=300, min=1,
               help='Seconds between two runs of the replica status loop '
                    'of every share manager.'),
    cfg.IntOpt('replica_status_batch_size', default=500, min=1,
               help='Shares read per SQL query by the replica status loop.'),
    cfg.IntOpt('stats_report_interval', default=60, min=1,
               help='Seconds between two pool reports to the scheduler.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
