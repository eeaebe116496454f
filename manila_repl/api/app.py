"""The WSGI application: pecan, hooks and middleware composed in code.

From the outside in: request id -> request metrics (when [metrics] is
on) -> request log (one line per request: method, path, status, time,
request id) -> proxy headers (oslo.middleware HTTPProxyToWSGI, when
[oslo_middleware]/enable_proxy_headers_parsing) -> CORS (oslo.middleware,
when [cors]/allowed_origin is set) -> fault wrapper -> body size limit
-> path and query checks -> authentication -> /healthcheck
(oslo.middleware's, healthcheck.py) -> pecan (input hook, version hook,
fault hook -> controllers).

The body size limit is ours (middleware.BodySizeLimit), not
oslo.middleware's sizelimit: one mechanism, and that one reads at most
the limit of a chunked body before it answers 413 with Manila's fault
body (oslo's reads such a body whole first, and answers webob's page).
"""
import inspect
from collections import namedtuple

import pecan
import pecan.util

from manila_repl.api import healthcheck, hooks, middleware
from manila_repl.conf import CONF
from manila_repl.conf import middleware as middleware_conf
from manila_repl import metrics

_ArgSpec = namedtuple('ArgSpec', 'args varargs keywords defaults')
_argspecs = {}


def _cached_argspec(func):
    """pecan.compat.getargspec, memoized.

    pecan inspects controller signatures several times per request and
    builds a new namedtuple class each time: about 1.5 ms of a 4 ms
    request. Controllers never change signature, so remember them.
    """
    key = getattr(func, '__func__', func)
    spec = _argspecs.get(key)
    if spec is None:
        spec = _ArgSpec(*inspect.getfullargspec(func)[:4])
        _argspecs[key] = spec
    return spec


def setup_app(conf=None):
    conf = conf or CONF
    middleware_conf.register_opts(conf)
    measured = metrics.setup(conf) is not None
    if measured:
        from manila_repl.api import metrics as api_metrics
    pecan.util._getargspec = _cached_argspec
    app_hooks = [hooks.InputHook(), hooks.VersionHook(), hooks.FaultHook()]
    if measured:
        app_hooks.insert(0, api_metrics.RouteHook())
    app = pecan.make_app(
        'manila_repl.api.controllers.root.RootController',
        hooks=app_hooks,
        guess_content_type_from_ext=False,
        force_canonical=False,
        debug=False,
        logging=False,
    )
    app = healthcheck.Healthcheck(app, conf)
    if conf.api.auth_strategy == 'keystone':
        app = middleware.keystone(app, conf)
    else:
        app = middleware.NoAuth(app)
    app = middleware.InputChecks(app)
    app = middleware.BodySizeLimit(app, conf.api.max_request_body_size)
    app = middleware.FaultWrapper(app)
    # Each costs every request a little: composed only when configured.
    if conf.cors.allowed_origin:
        from oslo_middleware import cors
        app = cors.CORS(app, conf)
    if conf.oslo_middleware.enable_proxy_headers_parsing:
        from oslo_middleware import http_proxy_to_wsgi
        app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    app = middleware.RequestLog(app)
    if measured:
        app = api_metrics.RequestMetrics(app)
    return middleware.RequestId(app)
