from oslo_config import cfg

group = cfg.OptGroup('database', title='Database options')

opts = [
    cfg.StrOpt('connection', secret=True,
               help='SQLAlchemy URL of the database. Empty means SQLite in '
                    'state_path. Deployments use mysql+mysqldb:// '
                    '(mysqlclient: pip install manila-repl[mysql]; '
                    'mysql+pymysql:// works too, slower) or '
                    'postgresql+psycopg2://.'),
    cfg.IntOpt('max_pool_size', default=10, min=1,
               help='Connections kept open per process.'),
    cfg.IntOpt('max_overflow', default=20, min=0,
               help='Connections opened beyond the pool at peak.'),
    cfg.IntOpt('connection_recycle_time', default=3600, min=1,
               help='Seconds after which a pooled connection is replaced.'),
    cfg.IntOpt('final_write_retry_timeout', default=60, min=0,
               help='Seconds a share manager keeps retrying, with '
                    'exponential backoff, the database write that records '
                    'the outcome of a driver call when the connection '
                    'fails (a database restart or failover). Work whose '
                    'write still fails stays in its transitional state '
                    'and is finished by the pending work sweep.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
