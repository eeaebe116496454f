"""Every option, for oslo-config-generator (etc/manila-repl.conf.sample)."""
from manila_repl.conf import api
from manila_repl.conf import backend
from manila_repl.conf import coordination
from manila_repl.conf import database
from manila_repl.conf import default
from manila_repl.conf import message
from manila_repl.conf import metrics
from manila_repl.conf import middleware
from manila_repl.conf import quota
from manila_repl.conf import scheduler
from manila_repl.conf import share


def list_opts():
    # Drivers add their options to the backend group when imported.
    from manila_repl.share.drivers import btrfs  # noqa: F401
    from manila_repl.share.drivers import fake  # noqa: F401
    from manila_repl.share.drivers import localdir  # noqa: F401

    result = []
    for module in (default, api, database, scheduler, share, quota,
                   message, coordination, metrics, middleware, backend):
        for group, group_opts in module.list_opts().items():
            result.append((group, group_opts))
    return result
