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
    """Parse the requested microversion before routing; echo it after.

    The version documents accept any version header: clients send their
    own maximum there to discover ours.
    """
    priority = 10

    def on_route(self, state):
        environ = state.request.environ
        if middleware.is_public(environ):
            return
        environ[microversion.ENVIRON_KEY] = microversion.from_headers(
            state.request.headers)

    def after(self, state):
        version = state.request.environ.get(microversion.ENVIRON_KEY)
        if version is None or state.response is None:
            return
        headers = state.response.headers
        headers[microversion.HEADER] = str(version)
        vary = headers.get('Vary')
        headers['Vary'] = (microversion.HEADER if not vary else
                           f'{vary}, {microversion.HEADER}')
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
        if response.status_int >= 500:
            LOG.error('Request failed: %s', exc)
        return response
