import os
import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('host', default=socket.gethostname(),
               sample_default='localhost',
               help='Name of this node. Share managers listen on '
                    '"<host>@<backend>"; it must be unique per node.'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between two service heartbeats.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='A service whose last heartbeat is older than this many '
                    'seconds is shown as down.'),
    cfg.StrOpt('storage_availability_zone', default='nova',
               help='Availability zone of a backend that sets none.'),
]


cli_opts = [
    cfg.StrOpt('state-path', dest='state_path',
               default=os.path.join(os.path.expanduser('~'), '.local',
                                    'share', 'manila-repl'),
               sample_default='~/.local/share/manila-repl',
               help='Directory for the service state: the embedded SQLite '
                    'database and the demo backends of manila-repl-all.'),
]


def register_opts(conf):
    conf.register_opts(opts)
    conf.register_cli_opts(cli_opts)


def list_opts():
    return {'DEFAULT': cli_opts + opts}
