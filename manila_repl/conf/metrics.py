from oslo_config import cfg

group = cfg.OptGroup('metrics', title='Prometheus metrics')

opts = [
    cfg.BoolOpt('enabled', default=False,
                help='Serve this daemon\'s Prometheus metrics on '
                     'http://<host>:<port>/metrics (manila-repl-all: every '
                     'service of the process on one endpoint; on its '
                     'embedded defaults 127.0.0.1:9786). Off: no metric '
                     'is kept at all.'),
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address the metrics endpoint listens on.'),
    cfg.PortOpt('port', default=9786,
                help='Port of the metrics endpoint; give each daemon on a '
                     'host its own (0: any free port, logged at start). '
                     'Under gunicorn the endpoint is served by the master '
                     'process (manila_repl.api.gunicorn_conf) for every '
                     'worker, in prometheus_client\'s multi-process mode '
                     '(PROMETHEUS_MULTIPROC_DIR).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
