"""manila-repl-all: api, scheduler and every share manager in one process.

With no arguments at all it runs on embedded defaults: SQLite under
``--state-path``, the in-process ``fake://`` transport (which only links
what shares one process, hence everything here shares it), and three demo
backends az1, az2 and az3 in one replication domain, on the localdir
driver (directories ``<state path>/localdir/az1`` ... replicated with
rsync). A config file overrides any of these.
"""
import sys

from manila_repl import cmd

DEMO_BACKENDS = ('az1', 'az2', 'az3')
DEMO_DRIVER = 'localdir'


def set_embedded_defaults(conf):
    from manila_repl.conf import backend_config

    conf.set_default('enabled_share_backends', list(DEMO_BACKENDS),
                     group='share')
    conf.set_default('replica_status_interval', 30, group='share')
    for name in DEMO_BACKENDS:
        backend_config(conf, name)
        conf.set_default('share_driver', DEMO_DRIVER, group=name)
        conf.set_default('backend_availability_zone', name, group=name)
        conf.set_default('replication_domain', 'demo', group=name)


def main(argv=None):
    cmd.init_backend()
    import signal

    from oslo_log import log as logging
    from oslo_service import service as os_service

    from manila_repl.api import app as api_app
    from manila_repl.cmd import api as cmd_api
    from manila_repl.cmd import common
    from manila_repl.cmd import share as cmd_share
    from manila_repl.conf import CONF
    from manila_repl.db import migration
    from manila_repl import rpc
    from manila_repl.scheduler import manager as scheduler_manager
    from manila_repl import service

    set_embedded_defaults(CONF)
    common.prepare(argv, 'manila-repl-all', default_config_files=[],
                   transport_url='fake://')
    common.check_auth_strategy(CONF, 'manila-repl-all')
    log = logging.getLogger('manila_repl.all')
    migration.upgrade()

    launcher = os_service.Launcher(CONF, restart_method='mutate')
    launcher.launch_service(service.Service(
        scheduler_manager.SchedulerManager(), binary='manila-repl-scheduler',
        topic=rpc.SCHEDULER_TOPIC, server=CONF.host))
    for svc in cmd_share.share_services(CONF):
        launcher.launch_service(svc)

    server = cmd_api.make_server(CONF, api_app.setup_app(CONF))
    url = cmd_api.serve_in_thread(server) + '/v2'
    print('manila-repl-all: API listening on %s (state in %s, database %s).'
          % (url, CONF.state_path, 'SQLite' if not CONF.database.connection
             else 'from config'), flush=True)
    print('manila-repl-all: stop it with Ctrl-C or `kill %d`.' %
          __import__('os').getpid(), flush=True)
    log.info('API listening on %s', url)

    def _stop(signo, frame):
        server.stop()
        launcher.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    launcher.wait()
    server.stop()
    rpc.reset()


if __name__ == '__main__':
    sys.exit(main())
