"""gunicorn server hooks for manila-repl-api's metrics under gunicorn::

    PROMETHEUS_MULTIPROC_DIR=/run/manila-repl-api-metrics \\
        gunicorn -c python:manila_repl.api.gunicorn_conf --workers 4 \\
        --threads 16 --bind 0.0.0.0:8786 manila_repl.api.wsgi:application

With ``[metrics]/enabled`` in the API's config files (those of
manila_repl/api/wsgi.py), every worker writes its samples to
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multi-process mode) and the
gunicorn master serves them all on ``[metrics]`` host/port. The directory
is emptied when gunicorn starts, and a dead worker's live gauges dropped.
"""
import os

from manila_repl import metrics


def _metrics_conf():
    """[metrics] of the API's config files, on a private ConfigOpts: the
    master serves no request and must not parse the whole config (the
    workers do, after the fork)."""
    from oslo_config import cfg

    from manila_repl.api import wsgi_config
    from manila_repl.conf import metrics as metrics_conf

    conf = cfg.ConfigOpts()
    metrics_conf.register_opts(conf)
    conf([], project='manila-repl',
         default_config_files=wsgi_config.config_files())
    return conf


def on_starting(server):
    directory = os.environ.get(metrics.MULTIPROC_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith('.db'):
                os.unlink(os.path.join(directory, name))


def when_ready(server):
    conf = _metrics_conf()
    if not conf.metrics.enabled:
        return
    if not metrics.multiprocess():
        server.log.warning('[metrics]/enabled but %s is not set: the '
                           'workers\' metrics are not served',
                           metrics.MULTIPROC_ENV)
        return
    server.log.info('Metrics of every worker on %s',
                    metrics.serve_multiprocess(conf))


def child_exit(server, worker):
    if metrics.multiprocess():
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
