from oslo_config import cfg

group = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.HostAddressOpt('bind_host', default='127.0.0.1',
                       help='Address the API listens on.'),
    cfg.PortOpt('bind_port', default=8786,
                help='Port the API listens on.'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Worker threads of the built-in WSGI server: requests '
                    'served at once.'),
    cfg.IntOpt('backlog', default=128, min=1,
               help='Connections the kernel queues for the built-in WSGI '
                    'server before it accepts them (listen backlog). In a '
                    'burst of more connections than this, the others wait '
                    'for TCP retransmissions (seconds) and some are reset '
                    'or hang for minutes (benchmarks/RESULTS.md).'),
    cfg.StrOpt('auth_strategy', default='noauth',
               choices=[('noauth', 'X-Auth-Token "user:project"; every '
                         'caller is admin unless X-Roles says otherwise'),
                        ('keystone', 'keystonemiddleware auth_token')],
               help='How API callers are authenticated.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Most items a list call returns.'),
    cfg.IntOpt('max_request_body_size', default=114688, min=1024,
               help='Largest request body accepted, in bytes; a larger one '
                    'answers 413 before it is read.'),
    cfg.IntOpt('rpc_call_timeout', default=10, min=1,
               help='Seconds a request waits for the answer of an RPC call '
                    '(e.g. the scheduler\'s pools) before it answers 503.'),
    cfg.IntOpt('rpc_connect_retries', default=1, min=0,
               help='Times an RPC from the API retries connecting to the '
                    'message bus before the request answers 503 (the '
                    'daemons retry forever; a request must not hang).'),
    cfg.IntOpt('rpc_max_concurrent', default=8, min=1,
               help='Request threads that may wait on the message bus at '
                    'once. While the bus is unreachable the others answer '
                    '503 at once, so requests that need only the database '
                    'always find a free thread: keep it below [api]/threads.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
