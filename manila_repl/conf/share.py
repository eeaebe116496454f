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
    cfg.IntOpt('unreachable_probe_interval', default=3, min=1,
               help='Seconds between two probes of the storage hosts a '
                    'share manager found unreachable (its own backend\'s, '
                    'or a replica\'s), independent of '
                    'replica_status_interval. At the first answer its '
                    'backend reports itself up again, and the replicas it '
                    'holds of this manager\'s shares are re-synced at once: '
                    'a returning old active is fenced (its writable export '
                    'removed) before anything else, then re-seeded.'),
    cfg.IntOpt('pending_work_sweep_interval', default=60, min=1,
               help='Seconds between two runs of the sweep of every share '
                    'manager: it finishes, or fails with a message, the '
                    'work in a transitional state (creating, deleting, '
                    'replication_change, extending, shrinking, snapshots, '
                    'access rules being applied or denied) that this '
                    'backend owns now and no live manager is working on '
                    '(its share\'s lock is free), e.g. the pending work of '
                    'a dead old active after a promote, or a flow whose '
                    'final database write failed.'),
    cfg.IntOpt('pending_work_min_age', default=120, min=0,
               help='Seconds a piece of work must have stayed unchanged '
                    'in its transitional state before the sweep redoes '
                    'it (a request may still be on its way to a manager). '
                    'Also the age after which a promote whose new active\'s '
                    'service is down (no heartbeat for service_down_time) '
                    'is abandoned by the manager of the current active '
                    'replica.'),
    cfg.IntOpt('dead_owner_work_timeout', default=1800, min=1,
               help='Seconds after which work other than a promote, '
                    'unchanged in its transitional state, whose owning '
                    'manager\'s service is down (no heartbeat for '
                    'service_down_time: a create or delete on a dead '
                    'backend, the work of a dead active replica\'s '
                    'manager...) is failed with a message by a live share '
                    'manager, instead of waiting for the dead one to '
                    'restart.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
