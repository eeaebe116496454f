"""[quota]: the default limit of every quota resource (-1: unlimited).

A project's own limits, set with PUT /v2/quota-sets/{project_id}, are
rows of the quotas table and win over these.
"""
from oslo_config import cfg

group = cfg.OptGroup('quota', title='Quota options')

opts = [
    cfg.IntOpt('shares', default=50, min=-1,
               help='Shares a project may have.'),
    cfg.IntOpt('gigabytes', default=1000, min=-1,
               help='Total size in GiB of the shares of a project.'),
    cfg.IntOpt('snapshots', default=50, min=-1,
               help='Share snapshots a project may have.'),
    cfg.IntOpt('snapshot_gigabytes', default=1000, min=-1,
               help='Total size in GiB of the snapshots of a project.'),
    cfg.IntOpt('share_networks', default=10, min=-1,
               help='Share networks a project may have (reported only: '
                    'this service has no share networks).'),
    cfg.IntOpt('share_groups', default=50, min=-1,
               help='Share groups a project may have (reported only).'),
    cfg.IntOpt('share_group_snapshots', default=50, min=-1,
               help='Share group snapshots a project may have (reported '
                    'only).'),
    cfg.IntOpt('share_replicas', default=100, min=-1,
               help='Instances of replicated shares a project may have; '
                    'the active replica counts as one.'),
    cfg.IntOpt('replica_gigabytes', default=1000, min=-1,
               help='Total size in GiB of the instances of replicated '
                    'shares of a project (the active replica counts).'),
    cfg.IntOpt('per_share_gigabytes', default=-1, min=-1,
               help='Largest size in GiB of one share of a project.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
