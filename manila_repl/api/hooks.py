"""pecan hooks: route and body checks, the microversion of each request,
and error bodies."""
import webob.exc
from oslo_log import log as logging
from pecan import hooks

from manila_repl.api import faults, microversion, middleware, routes
from manila_repl.api import validation

LOG = logging.getLogger(__name__)


class InputHook(hooks.PecanHook):
    """After routing, before any handler runs: the method must be one the
    path serves (405 with Allow otherwise, see routes.py), and a body must
    be JSON (middleware.InputChecks parsed and checked it already)."""
    priority = 5

    def before(self, state):
        request = state.request
        if routes.must_check(state.controller, request.method) and \
                not routes.serves(state.app, request, request.method):
            raise routes.refusal(state.app, request)
        if request.method in ('POST', 'PUT', 'PATCH'):
            validation.check_content_type(request)


class VersionHook(hooks.PecanHook):
    """Parse the requested microversion before routing; echo it after,
    on every response (errors too) once a version was negotiated.

    Only the root document ``/`` skips negotiation: clients send their own
    maximum there to discover ours. ``/v2`` and ``/v2/`` negotiate like
    any other path (400 malformed, 406 unserved), as Manila does.
    """
    priority = 10

    def on_route(self, state):
        environ = state.request.environ
        if middleware.is_root(environ):
            return
        environ[microversion.ENVIRON_KEY] = microversion.from_headers(
            state.request.headers)

    def after(self, state):
        if state.response is None or middleware.is_root(
                state.request.environ):
            return
        headers = state.response.headers
        vary = headers.get('Vary')
        if not vary or microversion.HEADER not in vary:
            headers['Vary'] = (microversion.HEADER if not vary else
                               f'{vary}, {microversion.HEADER}')
        version = state.request.environ.get(microversion.ENVIRON_KEY)
        if version is None:
            # The version asked for was refused (400, 406): none to echo.
            return
        headers[microversion.HEADER] = str(version)
        if microversion.experimental(state.request.headers):
            headers[microversion.EXPERIMENTAL_HEADER] = 'True'


class FaultHook(hooks.PecanHook):
    """Every error leaves as Manila's fault body."""
    priority = 20

    def on_error(self, state, exc):
        if isinstance(exc, (webob.exc.HTTPNotFound,
                            webob.exc.HTTPMethodNotAllowed)):
            # pecan's routing found no handler for this method: 405 with
            # the methods the path does serve, or 404 if it serves none.
            exc = routes.refusal(state.app, state.request)
        response = faults.from_exception(exc)
        if response is None:
            # Not ours: the FaultWrapper middleware logs it and answers 500.
            return None
        if response.status_int == 501:
            # A feature this service does not have: the caller's choice.
            LOG.info('Request refused: %s', exc)
        elif response.status_int >= 500:
            LOG.error('Request failed: %s', exc)
        return response
