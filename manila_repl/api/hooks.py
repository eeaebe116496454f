"""pecan hooks: the microversion of each request, and error bodies."""
from oslo_log import log as logging
from pecan import hooks

from manila_repl.api import faults, microversion, middleware

LOG = logging.getLogger(__name__)


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
        response = faults.from_exception(exc)
        if response is None:
            # Not ours: the FaultWrapper middleware logs it and answers 500.
            return None
        if response.status_int >= 500:
            LOG.error('Request failed: %s', exc)
        return response
