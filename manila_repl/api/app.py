"""The WSGI application: pecan, hooks and middleware composed in code.

From the outside in: request id -> fault wrapper -> authentication ->
pecan (version hook, fault hook -> controllers).
"""
import pecan

from manila_repl.api import hooks, middleware
from manila_repl.conf import CONF


def setup_app(conf=None):
    conf = conf or CONF
    app = pecan.make_app(
        'manila_repl.api.controllers.root.RootController',
        hooks=[hooks.VersionHook(), hooks.FaultHook()],
        guess_content_type_from_ext=False,
        force_canonical=False,
        debug=False,
        logging=False,
    )
    if conf.api.auth_strategy == 'keystone':
        app = middleware.keystone(app, conf)
    else:
        app = middleware.NoAuth(app)
    app = middleware.FaultWrapper(app)
    return middleware.RequestId(app)
