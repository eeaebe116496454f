from oslo_config import cfg

group = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.HostAddressOpt('bind_host', default='127.0.0.1',
                       help='Address the API listens on.'),
    cfg.PortOpt('bind_port', default=8786,
                help='Port the API listens on.'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Worker threads of the built-in WSGI server.'),
    cfg.StrOpt('auth_strategy', default='noauth',
               choices=[('noauth', 'X-Auth-Token "user:project"; every '
                         'caller is admin unless X-Roles says otherwise'),
                        ('keystone', 'keystonemiddleware auth_token')],
               help='How API callers are authenticated.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Most items a list call returns.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
