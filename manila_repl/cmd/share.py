"""manila-repl-share: one share manager per enabled backend."""
import sys

from manila_repl import cmd


def share_services(conf):
    """A service per backend in [share]/enabled_share_backends."""
    from manila_repl import constants
    from manila_repl import rpc
    from manila_repl import service
    from manila_repl.share import manager

    services = []
    for backend_name in conf.share.enabled_share_backends:
        share_manager = manager.ShareManager(backend_name)
        services.append(service.Service(
            share_manager, binary=constants.BINARY_SHARE,
            topic=rpc.SHARE_TOPIC, server=share_manager.host,
            availability_zone=share_manager.availability_zone))
    return services


def main(argv=None):
    cmd.init_backend()
    from oslo_service import service as os_service

    from manila_repl.cmd import common
    from manila_repl.conf import CONF

    common.prepare(argv, 'manila-repl-share')
    services = share_services(CONF)
    if not services:
        sys.exit('manila-repl-share: no backend enabled; set '
                 '[share]/enabled_share_backends')
    common.serve_metrics('manila-repl-share')
    launcher = os_service.Launcher(CONF, restart_method='mutate')
    for svc in services:
        launcher.launch_service(svc)
    common.run_until_signalled(launcher)


if __name__ == '__main__':
    sys.exit(main())
