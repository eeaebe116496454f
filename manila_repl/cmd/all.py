"""manila-repl-all: api, scheduler and every share manager in one process.

With no arguments at all it runs on embedded defaults: SQLite under
``--state-path``, the in-process ``fake://`` transport (which only links
what shares one process, hence everything here shares it), and three demo
backends az1, az2 and az3 in one replication domain, on the localdir
driver (directories ``<state path>/localdir/az1`` ... replicated with
rsync). A config file overrides any of these.

Before it starts anything (migrations, managers) it takes an exclusive
lock on its state path and binds the API port: a second one on the same
state path or port exits with status 1 and one line saying why, instead of
recovering the first one's work. SIGINT (Ctrl-C) or SIGTERM stops it
cleanly, status 0; a second one while it stops exits at once.
"""
import os
import re
import signal
import sys
import threading

from manila_repl import cmd

DEMO_BACKENDS = ('az1', 'az2', 'az3')
DEMO_DRIVER = 'localdir'
PROG = 'manila-repl-all'
LOCK_FILE = 'manila-repl-all.lock'


class CannotStart(Exception):
    """Why this process must not start (one line)."""


def set_embedded_defaults(conf):
    from manila_repl.conf import backend_config

    conf.set_default('enabled_share_backends', list(DEMO_BACKENDS),
                     group='share')
    conf.set_default('replica_status_interval', 30, group='share')
    # Every service's metrics on one endpoint: 127.0.0.1:9786/metrics.
    conf.set_default('enabled', True, group='metrics')
    for name in DEMO_BACKENDS:
        backend_config(conf, name)
        conf.set_default('share_driver', DEMO_DRIVER, group=name)
        conf.set_default('backend_availability_zone', name, group=name)
        conf.set_default('replication_domain', 'demo', group=name)


def lock_state_path(path):
    """Hold an exclusive lock on ``path`` for the life of the process."""
    from oslo_concurrency import lockutils

    try:
        os.makedirs(path, exist_ok=True)
        lock = lockutils.external_lock(LOCK_FILE, lock_path=path)
        if lock.acquire(blocking=False):
            return lock
    except OSError as e:
        raise CannotStart('cannot lock state path %s: %s' %
                          (path, e.strerror or e))
    raise CannotStart('another manila-repl-all is running on state path %s '
                      '(it holds %s)' % (path, os.path.join(path, LOCK_FILE)))


def bind_api(conf, app):
    """The API server, bound to its port (not serving yet)."""
    from manila_repl.cmd import api as cmd_api

    server = cmd_api.make_server(conf, app)
    try:
        server.prepare()
    except OSError as e:
        # cheroot folds the errno into its message: keep the errno's text.
        found = re.findall(r'\[Errno \d+\] ([^)\]]+)', str(e))
        raise CannotStart('cannot listen on %s:%d ([api]/bind_port): %s' %
                          (conf.api.bind_host, conf.api.bind_port,
                           found[-1] if found else e))
    return server


def main(argv=None):
    stopping = threading.Event()

    def _stop(signo, frame):
        if stopping.is_set():
            # Asked twice: do not wait for work in progress (the database
            # keeps it; a restart finishes or fails it).
            os._exit(1)
        stopping.set()

    # First of all: no signal may find a half-started process without its
    # handler (the imports below take a while).
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    cmd.init_backend()
    from oslo_log import log as logging

    from manila_repl.api import app as api_app
    from manila_repl.cmd import common
    from manila_repl.cmd import share as cmd_share
    from manila_repl.conf import CONF
    from manila_repl.db import migration
    from manila_repl import rpc
    from manila_repl.scheduler import manager as scheduler_manager
    from manila_repl import service

    set_embedded_defaults(CONF)
    common.parse(argv, PROG, default_config_files=[],
                 transport_url='fake://')
    common.check_auth_strategy(CONF, PROG)
    try:
        lock = lock_state_path(CONF.state_path)
        server = bind_api(CONF, api_app.setup_app(CONF))
    except CannotStart as e:
        sys.exit('%s: %s.' % (PROG, e))
    metrics_url = common.serve_metrics(PROG)
    common.setup_logging(PROG)
    log = logging.getLogger('manila_repl.all')

    started = []
    try:
        if not stopping.is_set():
            migration.upgrade()
        services = [service.Service(
            scheduler_manager.SchedulerManager(),
            binary='manila-repl-scheduler', topic=rpc.SCHEDULER_TOPIC,
            server=CONF.host)] + cmd_share.share_services(CONF)
        # One at a time in this thread: a signal meanwhile stops the
        # start-up after the service starting now.
        for svc in services:
            if stopping.is_set():
                break
            svc.start()
            started.append(svc)
        if not stopping.is_set():
            threading.Thread(target=server.serve, name='wsgi',
                             daemon=True).start()
            url = 'http://%s:%s/v2' % server.bind_addr[:2]
            print('%s: API listening on %s (state in %s, database %s).'
                  % (PROG, url, CONF.state_path,
                     'SQLite' if not CONF.database.connection
                     else 'from config'), flush=True)
            if metrics_url:
                print('%s: Prometheus metrics of every service on %s.' %
                      (PROG, metrics_url), flush=True)
            print('%s: stop it with Ctrl-C or `kill %d`.' %
                  (PROG, os.getpid()), flush=True)
            log.info('API listening on %s', url)
        while not stopping.wait(1):
            pass
        log.info('Stopping')
    finally:
        server.stop()
        for svc in reversed(started):
            svc.stop()
        rpc.reset()
        lock.release()


if __name__ == '__main__':
    sys.exit(main())
