from oslo_config import cfg

group = cfg.OptGroup('coordination', title='Distributed locks')

opts = [
    cfg.StrOpt('backend_url', default='file://$state_path/locks',
               help='tooz backend for the per-share locks that serialise '
                    'driver work on one share across share managers. The '
                    'default (file locks) serialises managers on one '
                    'host only; with managers on several hosts use a '
                    'shared backend such as redis://host:6379.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
