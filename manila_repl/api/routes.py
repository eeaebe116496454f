"""Which HTTP methods a path serves, asked of pecan's own routing: every
wrong method on every route answers 405 with the exact ``Allow`` header.

pecan's RestController picks a handler by the method's name and checks
that it takes the arguments the path gives only for GET
(``_handle_bad_rest_arguments``): ``DELETE /v2/shares`` reached
``delete(share_id)`` with no id, and ``DELETE /v2/shares?share_id=X``
took the id from the query string. Its 405s list every method the
controller has for any path, not those of the path asked. Here a method
counts for a path when pecan's routing of that method on that path ends
at a handler whose positional arguments the path's segments fill exactly.
Handlers that are not RestController verbs (the version documents) say
which methods they serve with ``method.expose(methods=...)``.
"""
import io

import webob.exc
from pecan import util as pecan_util

from manila_repl import exception

#: The methods a path may serve (HEAD and OPTIONS are served by none).
METHODS = ('GET', 'POST', 'PUT', 'DELETE', 'PATCH')


def positional(handler):
    """The names of a handler's positional arguments (path segments)."""
    return [a for a in pecan_util.getargspec(handler).args if a != 'self']


def must_check(handler, method):
    """Whether a request routed to ``handler`` may have come in with the
    wrong method or arguments: a GET of a handler without positional
    arguments cannot (pecan checks GETs of collections itself), and most
    GETs are list calls, which this spares a second routing."""
    return (method != 'GET' or getattr(handler, 'http_methods', None) or
            bool(positional(handler)))


def _takes(handler, given):
    spec = pecan_util.getargspec(handler)
    positional = [a for a in spec.args if a != 'self']
    required = len(positional) - len(spec.defaults or ())
    return required <= given and (given <= len(positional) or
                                  spec.varargs is not None)


def serves(app, request, method):
    """Whether ``method`` on ``request``'s path reaches a handler that
    takes exactly the path's arguments."""
    environ = dict(request.environ, REQUEST_METHOD=method, QUERY_STRING='',
                   CONTENT_LENGTH='0')
    environ['wsgi.input'] = io.BytesIO()
    probe = type(request)(environ)
    probe.pecan = dict(content_type=None)
    try:
        handler, remainder = app.route(probe, app.root, request.path_info)
    except (webob.exc.HTTPException, exception.ManilaReplException):
        return False
    methods = getattr(handler, 'http_methods', None)
    if methods is not None and method not in methods:
        return False
    given = len(probe.pecan.get('routing_args', [])) + len(
        [segment for segment in remainder if segment])
    return _takes(handler, given)


def allowed(app, request):
    """The methods ``request``'s path serves, e.g. ``['GET', 'POST']``."""
    return [m for m in METHODS if serves(app, request, m)]


def refusal(app, request):
    """What a request whose method does not route gets: 405 with the
    methods the path serves, or 404 when it serves none."""
    methods = allowed(app, request)
    if not methods:
        return exception.NotFound('The resource could not be found.')
    return exception.MethodNotAllowed(request.method, methods)
