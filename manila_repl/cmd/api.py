"""manila-repl-api: the REST API in a threaded WSGI server (cheroot).

Deployments may serve ``manila_repl.api.wsgi:application`` with gunicorn
or uwsgi instead.
"""
import sys
import threading

from manila_repl import cmd


def make_server(conf, app):
    from cheroot import wsgi
    return wsgi.Server((conf.api.bind_host, conf.api.bind_port), app,
                       numthreads=conf.api.threads,
                       request_queue_size=conf.api.backlog,
                       server_name='manila-repl-api')


def serve_in_thread(server):
    """Bind now (errors surface here), serve from a thread: the main thread
    stays free for signal handlers, which must not stop the server from
    inside its own serving loop."""
    server.prepare()
    thread = threading.Thread(target=server.serve, name='wsgi', daemon=True)
    thread.start()
    return 'http://%s:%s' % server.bind_addr[:2]


def main(argv=None):
    cmd.init_backend()
    cmd.keep_templating_out()
    import signal

    from oslo_log import log as logging

    from manila_repl.api import app as api_app
    from manila_repl.cmd import common
    from manila_repl.conf import CONF

    common.prepare(argv, 'manila-repl-api')
    common.check_auth_strategy(CONF, 'manila-repl-api')
    server = make_server(CONF, api_app.setup_app(CONF))
    common.serve_metrics('manila-repl-api')
    url = serve_in_thread(server)
    logging.getLogger(__name__).info('API listening on %s/', url)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    while not stopping.wait(1):
        pass
    server.stop()


if __name__ == '__main__':
    sys.exit(main())
