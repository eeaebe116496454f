"""API request metrics (manila_repl/metrics.py): by route template,
method and status, with a latency histogram. Composed by app.setup_app
only while metrics are on.

The route is the path with every segment pecan handed a controller as an
argument (ids, names, keys) replaced by ``{id}``, and a project id in
the path by ``{project_id}``: ``/v2/{project_id}/shares/{id}/action``.
A request that reached no controller (a path nothing serves, or refused
before routing: 401, 413, ...) counts under ``unmatched``: labels stay
bounded whatever paths clients send.
"""
from pecan import hooks

from manila_repl.api import middleware
from manila_repl import metrics

ROUTE_KEY = 'manila_repl.route'
UNMATCHED = 'unmatched'
#: Any other method counts as ``other``.
METHODS = frozenset(('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE',
                     'OPTIONS'))


def template(path, arguments):
    """``path`` with its argument segments replaced."""
    segments = path.split('/')
    # /v2/{project_id}/<collection>/...: a first segment under /v2 that
    # names no collection (the root controller's own rule).
    if len(segments) > 3 and segments[1] == 'v2' and \
            not hasattr(_v2_resources(), segments[2]):
        segments[2] = '{project_id}'
    if arguments:
        given = set(arguments)
        for n in range(2, len(segments)):
            if segments[n] in given:
                segments[n] = '{id}'
    return '/'.join(segments)


def _v2_resources():
    global _V2
    if _V2 is None:
        from manila_repl.api.controllers import root
        _V2 = root.V2Resources
    return _V2


_V2 = None


class RouteHook(hooks.PecanHook):
    """After routing: the route template, for the middleware below."""
    priority = 1

    def before(self, state):
        args, varargs, kwargs = state.arguments
        arguments = [a for a in (*args, *varargs, *kwargs.values())
                     if isinstance(a, str)]
        state.request.environ[ROUTE_KEY] = template(
            state.request.path_info, arguments)


class RequestMetrics:
    """Count and time every request, by route template."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def finished(status, seconds):
            method = environ.get('REQUEST_METHOD')
            metrics.request_served(
                environ.get(ROUTE_KEY, UNMATCHED),
                method if method in METHODS else 'other',
                status or '500', seconds)
        return middleware.call_observed(self.app, environ, start_response,
                                        finished)
