"""manila-repl-api: the REST API in a threaded WSGI server (cheroot).

Deployments may serve ``manila_repl.api.wsgi:application`` with gunicorn
or uwsgi instead.
"""
import sys

from manila_repl import cmd


def make_server(conf, app):
    from cheroot import wsgi
    return wsgi.Server((conf.api.bind_host, conf.api.bind_port), app,
                       numthreads=conf.api.threads,
                       server_name='manila-repl-api')


def main(argv=None):
    cmd.init_backend()
    import signal

    from oslo_log import log as logging

    from manila_repl.api import app as api_app
    from manila_repl.cmd import common
    from manila_repl.conf import CONF

    common.prepare(argv, 'manila-repl-api')
    server = make_server(CONF, api_app.setup_app(CONF))
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    logging.getLogger(__name__).info(
        'API listening on http://%s:%s/', CONF.api.bind_host,
        CONF.api.bind_port)
    try:
        server.safe_start()
    except KeyboardInterrupt:
        server.stop()


if __name__ == '__main__':
    sys.exit(main())
