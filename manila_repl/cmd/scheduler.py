"""manila-repl-scheduler: places shares and replicas."""
import sys

from manila_repl import cmd


def main(argv=None):
    cmd.init_backend()
    from oslo_service import service as os_service

    from manila_repl.cmd import common
    from manila_repl.conf import CONF
    from manila_repl import rpc
    from manila_repl.scheduler import manager
    from manila_repl import service

    common.prepare(argv, 'manila-repl-scheduler')
    common.serve_metrics('manila-repl-scheduler')
    launcher = os_service.Launcher(CONF, restart_method='mutate')
    launcher.launch_service(service.Service(
        manager.SchedulerManager(), binary='manila-repl-scheduler',
        topic=rpc.SCHEDULER_TOPIC, server=CONF.host))
    common.run_until_signalled(launcher)


if __name__ == '__main__':
    sys.exit(main())
